package shares

import (
	"cmp"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
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
	// NominalCents is the shares' capital: shares × the class's nominal value.
	NominalCents int64
	// AmountPaidCents is what was paid for the shares when they were issued, premium
	// included: each share at the price of the offering that issued it (shares are issued
	// fully paid), at its nominal value when a distribution's reinvestment issued it (the
	// distribution buys at nominal value). A share transferred keeps what was paid for it:
	// what the new holder paid the old one is not the cooperative's.
	AmountPaidCents int64
}

// RegisterColumns are the export's column headings.
func RegisterColumns() []string {
	return []string{"member_number", "name", "address", "admitted_on", "ceased_on", "class", "shares",
		"share_numbers", "amount_paid"}
}

func (r RegisterRow) cells() []string {
	return []string{strconv.FormatInt(r.MemberNumber, 10), cooperative.CSVSafe(r.Name), cooperative.CSVSafe(r.Address), string(r.AdmittedOn),
		string(r.CeasedOn), r.Class, strconv.FormatInt(r.Shares, 10), r.ShareNumbers, cooperative.FormatCents(r.AmountPaidCents)}
}

// RegisterRows builds the register as it stood on date: every member admitted by then
// (also those who ceased since, with no shares), one row per class held, in member-number
// order. Shares come from the register's events, so a past date shows that day's truth.
func (r *Registry) RegisterRows(ctx context.Context, cooperativeID string, date cooperative.Date) ([]RegisterRow, error) {
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return nil, err
	}
	var rows []RegisterRow
	err := r.view(ctx, func(tx cooperative.Tx) (err error) {
		rows, err = registerRows(tx, cooperativeID, date)
		return err
	})
	return rows, err
}

// Register is the register on a date with what a document about it names: the
// cooperative and when it was made.
type Register struct {
	Cooperative cooperative.Cooperative
	Date        cooperative.Date
	// Created is when the export was made, from the registry's clock.
	Created time.Time
	Rows    []RegisterRow
}

// Register builds the register as it stood on date (see RegisterRows) with the
// cooperative it belongs to, in one read: ENOTFOUND for an unknown cooperative.
func (r *Registry) Register(ctx context.Context, cooperativeID string, date cooperative.Date) (Register, error) {
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return Register{}, err
	}
	out := Register{Date: date, Created: r.run.Now()}
	err := r.view(ctx, func(tx cooperative.Tx) (err error) {
		if out.Cooperative, err = cooperative.GetCooperativeTx(tx, cooperativeID); err != nil {
			return err
		}
		out.Rows, err = registerRows(tx, cooperativeID, date)
		return err
	})
	return out, err
}

func registerRows(tx cooperative.Tx, cooperativeID string, date cooperative.Date) ([]RegisterRow, error) {
	state, _, _, err := replayRegister(tx, cooperativeID, date)
	if err != nil {
		return nil, err
	}
	byMember := map[string][]Holding{}
	for _, h := range state.holdings(cooperativeID) {
		byMember[h.MemberID] = append(byMember[h.MemberID], h)
	}
	var st membership.Statutes
	var prices map[string][]pricedRange
	if len(state) > 0 {
		if st, err = membership.LatestStatutes(tx, cooperativeID); err != nil {
			return nil, err
		}
		if prices, err = issuePrices(tx, cooperativeID); err != nil {
			return nil, err
		}
	}
	var rows []RegisterRow
	err = membership.ForEachMember(tx, cooperativeID, func(m membership.Member) error {
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
			if row.NominalCents, err = cooperative.MulMoney(h.Shares, class.NominalCents); err != nil {
				return err
			}
			if row.AmountPaidCents, err = paidFor(h.Ranges, prices[h.Class], class.NominalCents); err != nil {
				return err
			}
			rows = append(rows, row)
		}
		return nil
	})
	slices.SortStableFunc(rows, func(a, b RegisterRow) int { return cmp.Compare(a.MemberNumber, b.MemberNumber) })
	return rows, err
}

// pricedRange is share numbers an offering issued, at the offering's price per share.
type pricedRange struct{ first, last, priceCents int64 }

// issuePrices maps each class to the share numbers offerings issued and their price, in
// number order. A subscription keeps the numbers its allocation issued, so one pass over
// the cooperative's offerings and their subscriptions prices every share an offering
// issued; a share not among them was issued by a distribution's reinvestment.
func issuePrices(tx cooperative.Tx, cooperativeID string) (map[string][]pricedRange, error) {
	out := map[string][]pricedRange{}
	for after := ""; ; {
		offerings, next, err := cooperative.FindAs[Offering](tx, cooperative.Query{Collection: collectionOfferings, Index: "cooperative",
			Value: cooperativeID, After: after, Limit: cooperative.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, o := range offerings {
			subs, err := offeringSubscriptions(tx, o.ID)
			if err != nil {
				return nil, err
			}
			for _, s := range subs {
				for _, r := range s.ShareNumbers {
					out[o.Class] = append(out[o.Class], pricedRange{r.First, r.Last, o.PriceCents})
				}
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	for _, rs := range out {
		slices.SortFunc(rs, func(a, b pricedRange) int { return cmp.Compare(a.first, b.first) })
	}
	return out, nil
}

// paidFor is what was paid for the shares numbered rs: each at the price of the priced
// range (sorted, disjoint) that holds it, else at nominal.
func paidFor(rs []ShareRange, priced []pricedRange, nominal int64) (int64, error) {
	var total int64
	add := func(n, price int64) error {
		v, err := cooperative.MulMoney(n, price)
		if err == nil {
			total, err = cooperative.AddMoney(total, v)
		}
		return err
	}
	for _, r := range rs {
		next := r.First // the lowest number of r not yet counted
		i, _ := slices.BinarySearchFunc(priced, r.First, func(p pricedRange, n int64) int {
			return cmp.Compare(p.last, n) // the first range that ends at or after r.First
		})
		for ; i < len(priced) && priced[i].first <= r.Last; i++ {
			p := priced[i]
			lo, hi := max(p.first, next), min(p.last, r.Last)
			if lo > next {
				if err := add(lo-next, nominal); err != nil {
					return 0, err
				}
			}
			if err := add(hi-lo+1, p.priceCents); err != nil {
				return 0, err
			}
			next = hi + 1
		}
		if next <= r.Last {
			if err := add(r.Last-next+1, nominal); err != nil {
				return 0, err
			}
		}
	}
	return total, nil
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
