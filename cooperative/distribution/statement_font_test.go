package distribution_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// TestStatementPrintsNamesAsWritten: the member's statement is set in a Unicode font, so
// a name outside Windows-1252 comes back from the PDF (read with pdftotext) as written.
func TestStatementPrintsNamesAsWritten(t *testing.T) {
	st := distribution.MemberStatement{Year: 2026, Language: "en", Number: 7, Name: "Łukasz Wąsowski",
		Cooperative: cooperative.Cooperative{Name: "Zorg Żółw", RegistrationNumber: "12345678"}}
	pdf, err := st.PDF()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{"Łukasz Wąsowski", "Zorg Żółw"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the statement lacks %q:\n%s", want, out)
		}
	}
}
