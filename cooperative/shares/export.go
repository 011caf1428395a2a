package shares

import (
	"cmp"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"

	"github.com/xuri/excelize/v2"
)

// RegisterRow is one line of the legally required register export: one member and one
// share class.
type RegisterRow struct {
	MemberNumber int64
	Name         string
	Address      string
	AdmittedOn   cooperative.Date
	CeasedOn     cooperative.Date
	Class        string
	Shares       int64
	ShareNumbers string
	// AmountPaidCents is the capital paid up on the shares: shares × nominal value (shares
	// are issued fully paid; any premium is not capital).
	AmountPaidCents int64
}

// RegisterColumns are the export's column headings.
func RegisterColumns() []string {
	return []string{"member_number", "name", "address", "admitted_on", "ceased_on", "class", "shares",
		"share_numbers", "amount_paid"}
}

func (r RegisterRow) cells() []string {
	return []string{strconv.FormatInt(r.MemberNumber, 10), cooperative.CSVSafe(r.Name), cooperative.CSVSafe(r.Address), string(r.AdmittedOn),
		string(r.CeasedOn), r.Class, strconv.FormatInt(r.Shares, 10), r.ShareNumbers, formatCents(r.AmountPaidCents)}
}

// formatCents writes minor units as a decimal amount: 12345 → "123.45".
func formatCents(c int64) string {
	sign := ""
	u := uint64(c)
	if c < 0 {
		sign, u = "-", uint64(-c)
	}
	frac := u % 100
	return sign + strconv.FormatUint(u/100, 10) + "." + string(rune('0'+frac/10)) + string(rune('0'+frac%10))
}

// RegisterRows builds the register as it stood on date: every member admitted by then
// (also those who ceased since, with no shares), one row per class held, in member-number
// order. Shares come from the register's events, so a past date shows that day's truth.
func (r *Registry) RegisterRows(ctx context.Context, cooperativeID string, date cooperative.Date) ([]RegisterRow, error) {
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return nil, err
	}
	var rows []RegisterRow
	err := r.view(ctx, func(tx cooperative.Tx) error {
		state, _, _, err := replayRegister(tx, cooperativeID, date)
		if err != nil {
			return err
		}
		byMember := map[string][]Holding{}
		for _, h := range state.holdings(cooperativeID) {
			byMember[h.MemberID] = append(byMember[h.MemberID], h)
		}
		var st membership.Statutes
		if len(state) > 0 {
			if st, err = membership.LatestStatutes(tx, cooperativeID); err != nil {
				return err
			}
		}
		return membership.ForEachMember(tx, cooperativeID, func(m membership.Member) error {
			if m.Number == 0 || date.Before(m.AdmittedOn) {
				return nil // applicants and the rejected are not in the register
			}
			base := RegisterRow{MemberNumber: m.Number, Name: m.Name, Address: m.Address.String(), AdmittedOn: m.AdmittedOn}
			if m.CeasedOn != "" && !date.Before(m.CeasedOn) {
				base.CeasedOn = m.CeasedOn
			}
			hs := byMember[m.ID]
			if len(hs) == 0 {
				rows = append(rows, base)
				return nil
			}
			for _, h := range hs {
				row := base
				row.Class, row.Shares, row.ShareNumbers = h.Class, h.Shares, FormatRanges(h.Ranges)
				class, _ := st.Class(h.Class)
				if row.AmountPaidCents, err = cooperative.MulMoney(h.Shares, class.NominalCents); err != nil {
					return err
				}
				rows = append(rows, row)
			}
			return nil
		})
	})
	slices.SortStableFunc(rows, func(a, b RegisterRow) int { return cmp.Compare(a.MemberNumber, b.MemberNumber) })
	return rows, err
}

// WriteRegisterCSV writes rows as CSV with a heading. Cells that a spreadsheet would
// read as a formula are neutralised (csvSafe).
func WriteRegisterCSV(w io.Writer, rows []RegisterRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(RegisterColumns()); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.cells()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteRegisterXLSX writes rows as an Excel workbook with one sheet, "Register".
// Numbers are numbers (member number, shares) and the amount is in euros with cents.
func WriteRegisterXLSX(w io.Writer, rows []RegisterRow) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Register"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := make([]any, 0, 9)
	for _, c := range RegisterColumns() {
		head = append(head, c)
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		// The amount is written as text with two decimals, exact; a float would be
		// the one place money left integers.
		if err := sw.SetRow(cell, []any{r.MemberNumber, r.Name, r.Address, string(r.AdmittedOn), string(r.CeasedOn),
			r.Class, r.Shares, r.ShareNumbers, formatCents(r.AmountPaidCents)}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
