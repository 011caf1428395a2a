package shares

import (
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"

	"github.com/xuri/excelize/v2"
)

// The register workbook is for people: headings in their language, amounts as numbers in
// euros, dates as dates, counts as integers, so a SUM or a filter works as it should.
// Machines read the CSV, whose snake_case columns and decimal-string amounts stay as they
// are.

// RegisterSheet is the name of the workbook's one sheet (the same word in Dutch and English).
const RegisterSheet = "Register"

// registerText is a workbook's words in one language.
type registerText struct {
	columns    []string
	title      string // followed by the date
	dateFormat string
}

var registerTexts = map[string]registerText{
	"nl": {
		columns: []string{"Lidnummer", "Naam", "Adres", "Lid sinds", "Lid tot", "Soort aandeel", "Aantal aandelen",
			"Aandeelnummers", "Nominale waarde", "Betaald bedrag"},
		title: "Register van leden en aandelen op ", dateFormat: "dd-mm-yyyy",
	},
	"en": {
		columns: []string{"Member number", "Name", "Address", "Admitted on", "Ceased on", "Share class", "Shares",
			"Share numbers", "Nominal value", "Amount paid"},
		title: "Register of members and shares on ", dateFormat: "yyyy-mm-dd",
	},
}

// euroFormat shows an amount as "€ 1,234.56"; the spreadsheet shows the separators of
// the reader's locale ("€ 1.234,56" in Dutch).
const euroFormat = `"€ "#,##0.00`

// maxExactCents bounds the amounts a cell holds exactly to the cent (see euros).
const maxExactCents = 1_000_000_000_000_000 // 10^15 cents, €10 trillion

// euros turns cents into the number a cell holds. float64(cents)/100 is the double
// nearest to the exact amount (cents is exact below 2^53 and IEEE division rounds
// correctly), and excelize writes it with strconv's shortest round-trip form. Below 10^15
// cents the amount has at most 15 significant digits, which a double tells apart from
// every other such decimal, so the shortest form is exactly the decimal "1234.56" and
// any reader parses back the same double. Above that, refuse rather than be off a cent.
func euros(cents int64) (float64, error) {
	if cents >= maxExactCents || cents <= -maxExactCents {
		return 0, cooperative.Errorf(cooperative.EINVALID, "an amount of %d cents is too large for a spreadsheet cell", cents)
	}
	return float64(cents) / 100, nil
}

// WriteRegisterXLSX writes the register as a workbook with one sheet, RegisterSheet, in
// language (nl, else English): a bold header row that stays in view
// (frozen pane) with a filter over the table, column widths that fit the contents,
// member numbers and share counts as integers, dates as dates, the nominal value and
// the amount paid as euro amounts. The document properties name the cooperative and
// the date the register speaks for, with Kracht as creator and reg.Created as the date.
// Rows are streamed (excelize's StreamWriter moves them to a temporary file past 16 MB),
// so the workbook being built costs little memory beyond reg.Rows.
func WriteRegisterXLSX(w io.Writer, reg Register, language string) error {
	if language != "nl" {
		language = "en" // as for mails: English is what most who do not read Dutch can read
	}
	text := registerTexts[language]
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", RegisterSheet); err != nil {
		return err
	}
	title := text.title + string(reg.Date)
	subject := reg.Cooperative.Name
	if reg.Cooperative.RegistrationNumber != "" {
		subject += " (" + reg.Cooperative.RegistrationNumber + ")"
	}
	created := reg.Created.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Subject: subject, Creator: "Kracht", LastModifiedBy: "Kracht",
		Created: created, Modified: created, Language: language, Identifier: reg.Cooperative.ID}); err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}})
	if err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &text.dateFormat})
	if err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr(euroFormat)})
	if err != nil {
		return err
	}
	count, err := f.NewStyle(&excelize.Style{NumFmt: 1}) // "0": an integer, no separators
	if err != nil {
		return err
	}

	sw, err := f.NewStreamWriter(RegisterSheet)
	if err != nil {
		return err
	}
	// Widths and panes go before the first row: the stream writes them first.
	// The stream writer puts each width before those set already, and spreadsheets want
	// the columns in order: set them from the last.
	widths := registerWidths(text.columns, reg.Rows)
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(text.columns), len(reg.Rows)+1)
	// The stream writer writes the sheet's filter when it flushes.
	if err := f.AutoFilter(RegisterSheet, "A1:"+last, nil); err != nil {
		return err
	}
	head := make([]any, len(text.columns))
	for i, c := range text.columns {
		head[i] = excelize.Cell{StyleID: header, Value: c}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	dateCell := func(d cooperative.Date) any {
		if d == "" {
			return nil
		}
		return excelize.Cell{StyleID: date, Value: d.Time()}
	}
	text0 := func(s string) any { // an empty cell, not an empty string, so blanks filter as blanks
		if s == "" {
			return nil
		}
		return s
	}
	values := make([]any, len(text.columns))
	for i, r := range reg.Rows {
		nominal, err := euros(r.NominalCents)
		if err != nil {
			return err
		}
		paid, err := euros(r.AmountPaidCents)
		if err != nil {
			return err
		}
		values[0] = excelize.Cell{StyleID: count, Value: r.MemberNumber}
		values[1], values[2] = text0(r.Name), text0(r.Address)
		values[3], values[4] = dateCell(r.AdmittedOn), dateCell(r.CeasedOn)
		values[5] = text0(r.Class)
		values[6] = excelize.Cell{StyleID: count, Value: r.Shares}
		values[7] = text0(r.ShareNumbers)
		values[8] = excelize.Cell{StyleID: money, Value: nominal}
		values[9] = excelize.Cell{StyleID: money, Value: paid}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), values); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

func ptr[T any](v T) *T { return &v }

// registerWidths fits each column to its longest heading or value, in characters (the
// unit of a column width), with room for the filter button; a long address wraps the
// width at 60 rather than pushing the amounts off the screen.
func registerWidths(columns []string, rows []RegisterRow) []float64 {
	longest := make([]int, len(columns))
	for i, c := range columns {
		longest[i] = utf8.RuneCountInString(c) + 3 // the filter button covers the heading's end
	}
	fit := func(i, n int) { longest[i] = max(longest[i], n) }
	for _, r := range rows {
		fit(0, len(strconv.FormatInt(r.MemberNumber, 10)))
		fit(1, utf8.RuneCountInString(r.Name))
		fit(2, utf8.RuneCountInString(r.Address))
		fit(3, 10)
		fit(4, 10)
		fit(5, utf8.RuneCountInString(r.Class))
		fit(6, len(strconv.FormatInt(r.Shares, 10)))
		fit(7, utf8.RuneCountInString(r.ShareNumbers))
		fit(8, euroWidth(r.NominalCents))
		fit(9, euroWidth(r.AmountPaidCents))
	}
	out := make([]float64, len(columns))
	for i, n := range longest {
		out[i] = float64(min(max(n, 6), 60)) + 2
	}
	return out
}

// euroWidth is how many characters "€ 1,234.56" takes.
func euroWidth(cents int64) int {
	s := cooperative.FormatCents(cents) // "1234.56"
	digits := len(s) - 3
	if cents < 0 {
		digits--
	}
	return len(s) + 2 + (digits-1)/3
}
