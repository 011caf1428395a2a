package bonds_test

import (
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
)

// TestStatementPrintsNamesAsWritten: the yearly statement is set in a Unicode font, so a
// name outside Windows-1252 comes back from the PDF as it was written (the core fonts
// printed ".ukasz W.sowski").
func TestStatementPrintsNamesAsWritten(t *testing.T) {
	st := bonds.YearStatement{Year: 2026, Language: "nl",
		Cooperative: cooperative.Cooperative{Name: "Zonnepark Żółw", RegistrationNumber: "12345678"},
		Member:      bonds.StatementMember{Number: 7, Name: "Łukasz Wąsowski"}}
	pdf, err := st.PDF()
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"Łukasz Wąsowski", "Zonnepark Żółw", "2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("the statement lacks %q:\n%s", want, text)
		}
	}
}
