package distribution

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/xuri/excelize/v2"
)

// The dry run's table as a spreadsheet: one row per member, in member-number order, the
// amounts as exact decimal text (a float would be the one place money left integers).

// TableColumns are the headings of the table's CSV and XLSX.
func TableColumns() []string {
	return []string{"member_number", "share_days", "basis", "gross", "withholding", "net", "election", "below_threshold",
		"payout", "reinvest_shares", "reinvest", "donation"}
}

func (l Line) cells() []any {
	below := ""
	if l.BelowThreshold {
		below = "yes"
	}
	return []any{l.Number, l.ShareDays, l.Basis, cooperative.FormatCents(l.GrossCents), cooperative.FormatCents(l.WithholdingCents), cooperative.FormatCents(l.NetCents),
		string(l.Election), below, cooperative.FormatCents(l.PayoutCents), l.ReinvestShares, cooperative.FormatCents(l.ReinvestCents), cooperative.FormatCents(l.DonationCents)}
}

// WriteTableCSV writes the lines as CSV with a heading, and a last row of totals.
func WriteTableCSV(w io.Writer, lines []Line, t Totals) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(TableColumns()); err != nil {
		return err
	}
	record := make([]string, len(TableColumns()))
	for _, l := range append(lines, totalsLine(t)) {
		for i, c := range l.cells() {
			switch v := c.(type) {
			case string:
				record[i] = v
			case int64:
				record[i] = strconv.FormatInt(v, 10)
			}
		}
		if l.Number == 0 {
			record[0] = "total"
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTableXLSX writes the lines as a workbook with one sheet, "Distribution", and a last
// row of totals.
func WriteTableXLSX(w io.Writer, lines []Line, t Totals) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Distribution"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := make([]any, 0, len(TableColumns()))
	for _, c := range TableColumns() {
		head = append(head, c)
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, l := range append(lines, totalsLine(t)) {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := l.cells()
		if l.Number == 0 {
			row[0] = "total"
		}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// totalsLine is the totals as a line without a member (Number 0).
func totalsLine(t Totals) Line {
	return Line{GrossCents: t.GrossCents, WithholdingCents: t.WithholdingCents, NetCents: t.NetCents, PayoutCents: t.PayoutCents,
		ReinvestShares: t.ReinvestShares, ReinvestCents: t.ReinvestCents, DonationCents: t.DonationCents}
}
