package bonds

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// A bullet bond of 100.00 units at 5% a year, 30E/360, paid yearly for three years; Ann
// holds 10 units throughout, Bob 5 until he transfers 2 to Cas half-way through the first
// year. Every figure below is worked out by hand.
func TestRunLinesByHand(t *testing.T) {
	terms := Terms{DenominationCents: 100_00, CouponBP: 500, TermMonths: 36, Amortisation: Bullet, Frequency: Yearly,
		DayCount: DayCount30E360, IssueDate: "2025-01-01", FirstPaymentDate: "2026-01-01"}
	unit, err := terms.UnitSchedule()
	if err != nil {
		t.Fatal(err)
	}
	held := []HoldingInterval{
		{MemberID: "ann", Units: 10, From: "2025-01-01"},
		{MemberID: "bob", Units: 5, From: "2025-01-01", To: "2025-07-01"},
		{MemberID: "bob", Units: 3, From: "2025-07-01"},
		{MemberID: "cas", Units: 2, From: "2025-07-01"},
	}
	lines, tot, err := terms.runLines(unit, 1500, "2026-01-01", held)
	if err != nil {
		t.Fatal(err)
	}
	// Ann: 10 × 100.00 × 5% = 50.00. Bob: 5 units for half a year (180/360) = 12.50 and 3 for
	// the other half = 7.50. Cas: 2 for half a year = 5.00. Withholding 15%, rounded half up.
	want := []RunLine{
		{MemberID: "ann", Units: 10, InterestCents: 5000, WithholdingCents: 750, NetCents: 4250},
		{MemberID: "bob", Units: 3, InterestCents: 2000, WithholdingCents: 300, NetCents: 1700},
		{MemberID: "cas", Units: 2, InterestCents: 500, WithholdingCents: 75, NetCents: 425},
	}
	if len(lines) != len(want) {
		t.Fatalf("lines %+v", lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, lines[i], want[i])
		}
	}
	if tot != (RunTotals{Holders: 3, InterestCents: 7500, WithholdingCents: 1125, NetCents: 6375}) {
		t.Errorf("totals %+v", tot)
	}
	// At maturity the principal goes to who holds on the date.
	lines, tot, err = terms.runLines(unit, 0, "2028-01-01", held)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || lines[0].PrincipalCents != 1000_00 || lines[1].PrincipalCents != 300_00 || lines[2].PrincipalCents != 200_00 ||
		tot.PrincipalCents != 1500_00 || tot.InterestCents != 75_00 || tot.NetCents != 1575_00 {
		t.Fatalf("maturity: %+v %+v", lines, tot)
	}
	// Not a payment date: nothing is due, and the rule says so.
	if _, _, err := terms.runLines(unit, 0, "2026-01-02", held); cooperative.ErrorCode(err) != cooperative.ERULE ||
		!strings.Contains(err.Error(), "nothing_due") || !strings.Contains(err.Error(), "2027-01-01") {
		t.Fatalf("not a payment date: %v", err)
	}
}

// However the register splits holdings, a run's interest is the whole's within a cent
// per interval, its principal exactly, and its entry balances (interest + principal =
// withholding + net).
func TestRunLinesSplitAndBalance(t *testing.T) {
	terms := Terms{DenominationCents: 250_00, CouponBP: 425, TermMonths: 60, Amortisation: Annuity, Frequency: Quarterly,
		DayCount: DayCountACTACTISDA, IssueDate: "2025-02-10", FirstPaymentDate: "2025-06-30"}
	unit, err := terms.UnitSchedule()
	if err != nil {
		t.Fatal(err)
	}
	whole := []HoldingInterval{{MemberID: "a", Units: 40, From: terms.IssueDate}}
	var split []HoldingInterval
	for i, d := range []cooperative.Date{"2025-02-10", "2025-03-03", "2025-05-17", "2025-06-30", "2025-08-01", "2025-11-12"} {
		h := HoldingInterval{MemberID: string(rune('b' + i)), Units: 40, From: d}
		if i < 5 {
			h.To = []cooperative.Date{"2025-03-03", "2025-05-17", "2025-06-30", "2025-08-01", "2025-11-12"}[i]
		}
		split = append(split, h)
	}
	for _, date := range terms.PaymentDates()[:4] {
		_, w, err := terms.runLines(unit, 2500, date, whole)
		if err != nil {
			t.Fatal(err)
		}
		_, s, err := terms.runLines(unit, 2500, date, split)
		if err != nil {
			t.Fatal(err)
		}
		if s.PrincipalCents != w.PrincipalCents || s.InterestCents-w.InterestCents > int64(len(split)) || w.InterestCents-s.InterestCents > int64(len(split)) {
			t.Errorf("%s: split %+v, whole %+v", date, s, w)
		}
		for _, tot := range []RunTotals{w, s} {
			if tot.InterestCents+tot.PrincipalCents != tot.WithholdingCents+tot.NetCents {
				t.Errorf("%s: does not balance: %+v", date, tot)
			}
		}
	}
}

// Property: for random terms and registers, on every payment date a run's lines are
// never negative, each line and the totals balance (interest + principal = withholding
// + net, the run's journal entry), and over the whole life the principal paid is exactly
// units × denomination, however the units changed hands.
func TestRunProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 12))
	for n := 0; n < 150; n++ {
		terms := randomTerms(rng)
		if terms.Payments() > 60 {
			terms.TermMonths = terms.Frequency.Months() * (1 + rng.IntN(60))
		}
		unit, err := terms.UnitSchedule()
		if err != nil {
			t.Fatal(err)
		}
		dates := terms.PaymentDates()
		// Units 1..k held by a chain of members, each handing the lot on at a random date.
		var held []HoldingInterval
		units := 1 + rng.Int64N(40)
		from := terms.IssueDate
		for m := 0; ; m++ {
			h := HoldingInterval{MemberID: fmt.Sprint("m", m%3), Units: units, From: from}
			if rng.IntN(3) > 0 {
				to := from.AddDays(1 + rng.IntN(500))
				if to.Before(terms.Maturity()) {
					h.To, from = to, to
					held = append(held, h)
					continue
				}
			}
			held = append(held, h)
			break
		}
		bp := rng.Int64N(10001)
		var principal int64
		for _, d := range dates {
			lines, tot, err := terms.runLines(unit, bp, d, held)
			if err != nil {
				t.Fatal(err)
			}
			var sum RunTotals
			for _, l := range lines {
				if l.InterestCents < 0 || l.PrincipalCents < 0 || l.WithholdingCents < 0 || l.NetCents < 0 ||
					l.InterestCents+l.PrincipalCents != l.WithholdingCents+l.NetCents {
					t.Fatalf("%+v on %s: line %+v", terms, d, l)
				}
				sum.Holders++
				sum.InterestCents += l.InterestCents
				sum.PrincipalCents += l.PrincipalCents
				sum.WithholdingCents += l.WithholdingCents
				sum.NetCents += l.NetCents
			}
			if sum != tot || tot.InterestCents+tot.PrincipalCents != tot.WithholdingCents+tot.NetCents {
				t.Fatalf("%+v on %s: totals %+v, lines sum to %+v", terms, d, tot, sum)
			}
			principal += tot.PrincipalCents
		}
		if principal != units*terms.DenominationCents {
			t.Fatalf("%+v: principal paid %d, face %d", terms, principal, units*terms.DenominationCents)
		}
	}
}
