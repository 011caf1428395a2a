package bonds

import (
	"slices"
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
)

// What a payment run pays each holder on a payment date, computed from the register's
// holding intervals and the schedule: a pure function, so the dry run and the run itself
// show the same table, and a test can check it without a store.

// RunLine is what one holder is paid on a run's date.
type RunLine struct {
	MemberID string `json:"memberId"`
	// Units is what the holder holds on the date (the units whose principal is paid).
	Units            int64 `json:"units"`
	InterestCents    int64 `json:"interestCents"`
	PrincipalCents   int64 `json:"principalCents"`
	WithholdingCents int64 `json:"withholdingCents"`
	// NetCents is interest and principal less withholding: what the payout pays.
	NetCents  int64  `json:"netCents"`
	PayableID string `json:"payableId,omitempty"`
}

// RunTotals are the sums of a run's lines: what its journal entry posts.
type RunTotals struct {
	Holders          int   `json:"holders"`
	InterestCents    int64 `json:"interestCents"`
	PrincipalCents   int64 `json:"principalCents"`
	WithholdingCents int64 `json:"withholdingCents"`
	NetCents         int64 `json:"netCents"`
}

// periodOf returns the period that ends on date: its start (the issue date or the
// previous payment date), or false when date is not a payment date of t.
func (t Terms) periodOf(date cooperative.Date) (cooperative.Date, bool) {
	dates := t.PaymentDates()
	k, found := slices.BinarySearch(dates, date)
	switch {
	case !found:
		return "", false
	case k == 0:
		return t.IssueDate, true
	}
	return dates[k-1], true
}

// errNothingDue says date is not one of t's payment dates.
func errNothingDue(t Terms, date cooperative.Date) error {
	dates := t.PaymentDates()
	next := "none left"
	if k, _ := slices.BinarySearch(dates, date); k < len(dates) {
		next = string(dates[k])
	}
	return cooperative.RuleError("nothing_due", "nothing is due on %s: it is not a payment date of the issue (the next is %s; "+
		"the first %s, the last %s)", date, next, dates[0], dates[len(dates)-1])
}

// runLines computes the lines of the run on date, a payment date of t (periodOf): for
// every interval of the register that held a day of the period or the date itself, its
// interest by the days held and its principal if held on the date (Terms.HoldingSchedule),
// summed per member; withholding = round_half_up(interest × withholdingBP / 10000) per
// holder and run. Intervals alike in units and in the part of the period they cover are
// computed once: a register of 50,000 holdings bought in the subscription window is a
// handful of distinct computations. Lines are in member id order; holders owed nothing
// have none.
func (t Terms) runLines(unit []Period, withholdingBP int64, date cooperative.Date, held []HoldingInterval) ([]RunLine, RunTotals, error) {
	start, ok := t.periodOf(date)
	if !ok {
		return nil, RunTotals{}, errNothingDue(t, date)
	}
	type window struct {
		units    int64
		from, to cooperative.Date
	}
	type due struct{ interest, principal int64 }
	memo := map[window]due{}
	dayAfter := date.AddDays(1)
	byMember := map[string]*RunLine{}
	for _, h := range held {
		if h.Units <= 0 || !h.From.Before(dayAfter) || (h.To != "" && !start.Before(h.To)) {
			continue // outside the period and its date
		}
		// Only the period matters: clip the interval to it, so alike intervals meet.
		w := window{units: h.Units, from: max(h.From, start), to: dayAfter}
		if h.To != "" && h.To.Before(dayAfter) {
			w.to = h.To
		}
		d, seen := memo[w]
		if !seen {
			for _, p := range t.HoldingSchedule(unit, w.units, w.from, w.to) {
				if p.Date == date {
					d = due{p.InterestCents, p.PrincipalCents}
				}
			}
			memo[w] = d
		}
		l := byMember[h.MemberID]
		if l == nil {
			l = &RunLine{MemberID: h.MemberID}
			byMember[h.MemberID] = l
		}
		var err error
		if l.InterestCents, err = cooperative.AddMoney(l.InterestCents, d.interest); err != nil {
			return nil, RunTotals{}, err
		}
		if l.PrincipalCents, err = cooperative.AddMoney(l.PrincipalCents, d.principal); err != nil {
			return nil, RunTotals{}, err
		}
		if w.to == dayAfter {
			l.Units += h.Units
		}
	}
	lines := make([]RunLine, 0, len(byMember))
	var tot RunTotals
	for _, l := range byMember {
		if l.InterestCents == 0 && l.PrincipalCents == 0 {
			continue
		}
		l.WithholdingCents = withholding(l.InterestCents, withholdingBP)
		l.NetCents = l.InterestCents + l.PrincipalCents - l.WithholdingCents
		lines = append(lines, *l)
		tot.Holders++
		tot.InterestCents += l.InterestCents
		tot.PrincipalCents += l.PrincipalCents
		tot.WithholdingCents += l.WithholdingCents
		tot.NetCents += l.NetCents
	}
	slices.SortFunc(lines, func(a, b RunLine) int { return strings.Compare(a.MemberID, b.MemberID) })
	return lines, tot, nil
}

// withholding is round_half_up(interest × bp / 10000): bp is at most 10000 and interest
// a line's, so the product stays far within int64.
func withholding(interest, bp int64) int64 {
	if interest <= 0 || bp <= 0 {
		return 0
	}
	return (interest*bp + 5000) / 10000
}
