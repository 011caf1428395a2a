package cooperative_test

import (
	"archive/zip"
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/xuri/excelize/v2"
)

// TestRegisterWorkbook sells shares above their nominal value in two offerings at
// different prices, transfers some, and reads the workbook back with excelize: typed
// cells, a SUM that adds up, headings in Dutch and English, the frozen header row, the
// filter, the widths and the document properties.
func TestRegisterWorkbook(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	anna, bert, _ := f.member("Łukasz Wąsowski"), f.member("Bert Jansen"), f.member("Carla Bakker")

	// Class A is €50 nominal. The first offering sells at €52.50, the second at €60.
	o1 := f.offering("A", 5250, 7)
	f.buy(o1, anna, 4) // shares 1-4
	f.buy(o1, bert, 3) // shares 5-7
	f.clock.Advance(31 * 24 * time.Hour)
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o1.ID); err != nil {
		t.Fatal(err)
	}
	o2 := f.offering("A", 6000, 2)
	f.buy(o2, anna, 2) // shares 8-9
	f.clock.Advance(31 * 24 * time.Hour)
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o2.ID); err != nil {
		t.Fatal(err)
	}
	// The transfer moves the lowest numbers, 1-2, bought at €52.50: what was paid for them
	// goes with them.
	if _, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID, From: anna.ID, To: bert.ID,
		Class: "A", Shares: 2}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)

	reg, err := f.reg.Register(f.ctx, f.coop.ID, f.clock.Today())
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Rows) != 3 {
		t.Fatalf("rows %+v", reg.Rows)
	}
	// Anna: 3-4 at €52.50 and 8-9 at €60; Bert: 1-2 and 5-7 at €52.50.
	wantPaid := []struct{ shares, nominal, paid int64 }{{4, 20000, 22500}, {5, 25000, 26250}, {0, 0, 0}}
	var total int64
	for i, w := range wantPaid {
		r := reg.Rows[i]
		if r.Shares != w.shares || r.NominalCents != w.nominal || r.AmountPaidCents != w.paid {
			t.Errorf("row %d: %d shares, nominal %d, paid %d; want %+v", i, r.Shares, r.NominalCents, r.AmountPaidCents, w)
		}
		total += r.AmountPaidCents
	}
	// The same shares on the day before the second offering closed: only 1-4 and 5-7.
	before, err := f.reg.RegisterRows(f.ctx, f.coop.ID, f.clock.Today().AddDays(-2))
	if err != nil || before[0].Shares != 4 || before[0].AmountPaidCents != 21000 {
		t.Fatalf("register before: %v %+v", err, before)
	}

	book := readWorkbook(t, reg, "nl")
	rows, err := book.GetRows(shares.RegisterSheet)
	if err != nil {
		t.Fatal(err)
	}
	wantHead := "Lidnummer|Naam|Adres|Lid sinds|Lid tot|Soort aandeel|Aantal aandelen|Aandeelnummers|Nominale waarde|Betaald bedrag"
	if strings.Join(rows[0], "|") != wantHead {
		t.Fatalf("Dutch headings %q", rows[0])
	}
	if strings.Join(rows[1], "|") != "1|Łukasz Wąsowski|Dorpsstraat 1, 9711 AA Groningen, NL|03-03-2025||A|4|3-4, 8-9|€ 200.00|€ 225.00" {
		t.Fatalf("first row as shown %q", rows[1])
	}
	// Numbers are numbers (no type: the default, n) and dates are numbers shown as dates.
	for _, cell := range []string{"A2", "D2", "G2", "I2", "J2", "J3"} {
		if typ, err := book.GetCellType(shares.RegisterSheet, cell); err != nil ||
			(typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
			t.Errorf("%s has type %v (%v), not a number", cell, typ, err)
		}
	}
	for cell, want := range map[string]string{"A2": "1", "G3": "5", "D2": "45719", "I2": "200", "J2": "225", "J3": "262.5"} {
		if got, _ := book.GetCellValue(shares.RegisterSheet, cell, excelize.Options{RawCellValue: true}); got != want {
			t.Errorf("%s holds %q, want %q", cell, got, want)
		}
	}
	if got := numFmt(t, book, "D2"); got != "dd-mm-yyyy" {
		t.Errorf("date format %q", got)
	}
	if got := numFmt(t, book, "J2"); got != `"€ "#,##0.00` {
		t.Errorf("amount format %q", got)
	}
	for _, cell := range []string{"B2", "H2"} {
		if typ, _ := book.GetCellType(shares.RegisterSheet, cell); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
			t.Errorf("%s is not text: %v", cell, typ)
		}
	}
	// A SUM over the amount paid adds the amounts, to the cent.
	if err := book.SetCellFormula(shares.RegisterSheet, "L1", "SUM(J2:J4)"); err != nil {
		t.Fatal(err)
	}
	sum, err := book.CalcCellValue(shares.RegisterSheet, "L1", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := strconv.ParseFloat(sum, 64); err != nil || math.Round(v*100) != float64(total) || total != 48750 {
		t.Fatalf("SUM %q, want %d cents", sum, total)
	}
	// The header row stays in view and the table has a filter.
	panes, err := book.GetPanes(shares.RegisterSheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
		t.Fatalf("panes %+v %v", panes, err)
	}
	var filter bool
	for _, d := range book.GetDefinedName() {
		filter = filter || d.Name == "_xlnm._FilterDatabase" && d.RefersTo == "'Register'!$A$1:$J$4"
	}
	if !filter {
		t.Fatalf("no filter over the table: %+v", book.GetDefinedName())
	}
	// excelize writes the filter's range with $ signs.
	sheet := sheetXML(t, reg)
	if !strings.Contains(sheet, `<autoFilter ref="$A$1:$J$4">`) {
		t.Fatalf("sheet has no autoFilter:\n%s", sheet)
	}
	// Columns in order, as spreadsheets want them.
	if i, j := strings.Index(sheet, `<col min="1" `), strings.Index(sheet, `<col min="10" `); i < 0 || j < i {
		t.Fatalf("columns out of order:\n%s", sheet)
	}
	// Widths fit: the address is wider than the class, and neither is the default.
	address, _ := book.GetColWidth(shares.RegisterSheet, "C")
	class, _ := book.GetColWidth(shares.RegisterSheet, "F")
	if address < float64(len("Dorpsstraat 1, 9711 AA Groningen, NL")) || class < float64(len("Soort aandeel")) || address > 62 {
		t.Fatalf("widths: address %v, class %v", address, class)
	}
	props, err := book.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Title != "Register van leden en aandelen op 2025-05-04" || props.Subject != "Energie Noord (12345678)" ||
		props.Creator != "Kracht" || props.Created != "2025-05-04T10:00:00Z" || props.Language != "nl" {
		t.Fatalf("properties %+v", props)
	}

	en := readWorkbook(t, reg, "en")
	rows, err = en.GetRows(shares.RegisterSheet)
	if err != nil {
		t.Fatal(err)
	}
	wantHead = "Member number|Name|Address|Admitted on|Ceased on|Share class|Shares|Share numbers|Nominal value|Amount paid"
	if strings.Join(rows[0], "|") != wantHead || rows[1][3] != "2025-03-03" {
		t.Fatalf("English headings %q, first row %q", rows[0], rows[1])
	}
	if props, _ := en.GetDocProps(); props.Title != "Register of members and shares on 2025-05-04" || props.Language != "en" {
		t.Fatalf("English properties %+v", props)
	}
}

func readWorkbook(t *testing.T, reg shares.Register, lang string) *excelize.File {
	t.Helper()
	var b bytes.Buffer
	if err := shares.WriteRegisterXLSX(&b, reg, lang); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { book.Close() })
	return book
}

func numFmt(t *testing.T, book *excelize.File, cell string) string {
	t.Helper()
	id, err := book.GetCellStyle(shares.RegisterSheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := book.GetStyle(id)
	if err != nil || st.CustomNumFmt == nil {
		t.Fatalf("%s: style %d has no number format (%v)", cell, id, err)
	}
	return *st.CustomNumFmt
}

// sheetXML is the worksheet as written, to see what excelize has no getter for.
func sheetXML(t *testing.T, reg shares.Register) string {
	t.Helper()
	var b bytes.Buffer
	if err := shares.WriteRegisterXLSX(&b, reg, "nl"); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	x, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(x)
}
