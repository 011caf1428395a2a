package bonds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

func mustUnit(t testing.TB, terms Terms) []Period {
	t.Helper()
	unit, err := terms.UnitSchedule()
	if err != nil {
		t.Fatal(err)
	}
	return unit
}

// The annuity of Dutch crowdfunding platforms' published example: 1,000.00 at 7% a year,
// monthly over 48 months, pays 23.95 a month. Their table shows month 1 as interest 5.83,
// principal 18.11, balance 981.89 (unrounded figures, displayed rounded); we pay whole
// cents, so principal = 23.95 − 5.83 = 18.12 and the balance 981.88.
func TestAnnuityPublishedExample(t *testing.T) {
	terms := Terms{DenominationCents: 100000, CouponBP: 700, TermMonths: 48, Amortisation: Annuity, Frequency: Monthly,
		DayCount: DayCountACTACTISDA, IssueDate: "2025-01-01", FirstPaymentDate: "2025-02-01"}
	unit := mustUnit(t, terms)
	if len(unit) != 48 {
		t.Fatalf("%d payments, want 48", len(unit))
	}
	if got := unit[0]; got.InterestCents != 583 || got.PrincipalCents != 1812 || got.OutstandingCents != 98188 ||
		got.Start != "2025-01-01" || got.Date != "2025-02-01" {
		t.Fatalf("month 1: %+v, want interest 583, principal 1812, balance 98188", got)
	}
	var principal int64
	for k, p := range unit {
		principal += p.PrincipalCents
		if k < 47 && p.InterestCents+p.PrincipalCents != 2395 {
			t.Errorf("month %d pays %d, want 2395", k+1, p.InterestCents+p.PrincipalCents)
		}
	}
	// The last month takes what is left: the rounding of 47 months, within half a cent each.
	last := unit[47]
	if principal != 100000 || last.OutstandingCents != 0 || last.InterestCents+last.PrincipalCents < 2395-24 ||
		last.InterestCents+last.PrincipalCents > 2395+24 {
		t.Fatalf("principal %d, last %+v", principal, last)
	}
}

// A linear loan of 1,500.00 over 15 years, yearly, repays 100.00 a year (the textbook
// linear example: principal / number of terms).
func TestLinearLoanRepaysTheSameEachYear(t *testing.T) {
	terms := Terms{DenominationCents: 150000, CouponBP: 500, TermMonths: 180, Amortisation: Linear, Frequency: Yearly,
		DayCount: DayCount30E360, IssueDate: "2025-01-01", FirstPaymentDate: "2026-01-01"}
	unit := mustUnit(t, terms)
	if len(unit) != 15 {
		t.Fatalf("%d payments", len(unit))
	}
	outstanding := int64(150000)
	for k, p := range unit {
		// 5% of the outstanding at the start, a whole 30E/360 year.
		if p.PrincipalCents != 10000 || p.InterestCents != outstanding*5/100 || p.OutstandingCents != outstanding-10000 {
			t.Errorf("year %d: %+v", k+1, p)
		}
		outstanding -= 10000
	}
}

// Linear with a denomination that does not divide: floor each date, the last the rest.
func TestLinearLastDateTakesTheRest(t *testing.T) {
	terms := Terms{DenominationCents: 25000, CouponBP: 0, TermMonths: 36, Amortisation: Linear, Frequency: Yearly,
		DayCount: DayCount30E360, IssueDate: "2025-01-01", FirstPaymentDate: "2026-01-01"}
	unit := mustUnit(t, terms)
	if unit[0].PrincipalCents != 8333 || unit[1].PrincipalCents != 8333 || unit[2].PrincipalCents != 8334 || unit[0].InterestCents != 0 {
		t.Fatalf("%+v", unit)
	}
}

// A broken (long) first period of an annuity: its interest by day count, its principal as
// a regular period's (payment − round(O × r)).
func TestAnnuityBrokenFirstPeriod(t *testing.T) {
	terms := Terms{DenominationCents: 100000, CouponBP: 600, TermMonths: 12, Amortisation: Annuity, Frequency: Monthly,
		DayCount: DayCount30E360, IssueDate: "2025-01-15", FirstPaymentDate: "2025-02-28"}
	unit := mustUnit(t, terms)
	// 30E/360 from 15 Jan to 28 Feb: 30 + (28 − 15) = 43 days; 1,000 × 6% × 43/360 = 7.1667 → 7.17.
	// A = 1,000 × 0.005 / (1 − 1.005^−12) = 86.0664 → 86.07; regular interest 5.00.
	if p := unit[0]; p.InterestCents != 717 || p.PrincipalCents != 8607-500 || p.OutstandingCents != 100000-8107 {
		t.Fatalf("period 1: %+v", p)
	}
	// Period 2 is regular: 28 Feb to 28 Mar, at the periodic rate.
	if p := unit[1]; p.Start != "2025-02-28" || p.Date != "2025-03-28" || p.InterestCents+p.PrincipalCents != 8607 ||
		p.InterestCents != (91893*5+500)/1000 {
		t.Fatalf("period 2: %+v", p)
	}
}

// A bond changing hands mid-period: the seller's schedule has the period with the interest
// of its days and no principal; the buyer's the rest and the principal.
func TestHoldingTransferredMidPeriod(t *testing.T) {
	terms := Terms{DenominationCents: 10000, CouponBP: 600, TermMonths: 24, Amortisation: Bullet, Frequency: Yearly,
		DayCount: DayCount30E360, IssueDate: "2025-01-01", FirstPaymentDate: "2026-01-01"}
	unit := mustUnit(t, terms)
	seller := terms.HoldingSchedule(unit, 2, "2025-01-01", "2025-07-01")
	buyer := terms.HoldingSchedule(unit, 2, "2025-07-01", "")
	// 2 × 100.00 × 6% × 180/360 = 6.00 each.
	want := []Period{{Start: "2025-01-01", Date: "2026-01-01", InterestCents: 600}}
	if fmt.Sprint(seller) != fmt.Sprint(want) {
		t.Fatalf("seller %+v, want %+v", seller, want)
	}
	want = []Period{{Start: "2025-07-01", Date: "2026-01-01", InterestCents: 600, OutstandingCents: 20000},
		{Start: "2026-01-01", Date: "2027-01-01", InterestCents: 1200, PrincipalCents: 20000}}
	if fmt.Sprint(buyer) != fmt.Sprint(want) {
		t.Fatalf("buyer %+v, want %+v", buyer, want)
	}
	// Handed over on a payment date: the days before it (the whole period's interest) stay
	// with the seller, the date's principal goes to the buyer.
	seller = terms.HoldingSchedule(unit, 1, "2025-01-01", "2027-01-01")
	buyer = terms.HoldingSchedule(unit, 1, "2027-01-01", "")
	if len(seller) != 2 || seller[1].InterestCents != 600 || seller[1].PrincipalCents != 0 || seller[1].OutstandingCents != 0 ||
		len(buyer) != 1 || buyer[0].InterestCents != 0 || buyer[0].PrincipalCents != 10000 || buyer[0].Start != "2027-01-01" {
		t.Fatalf("seller %+v buyer %+v", seller, buyer)
	}
	// Nothing held, nothing scheduled.
	for _, c := range []struct {
		units    int64
		from, to cooperative.Date
	}{{0, "2025-01-01", ""}, {1, "2025-03-01", "2025-03-01"}, {1, "2025-03-01", "2025-02-01"}, {1, "2027-01-02", ""}} {
		if got := terms.HoldingSchedule(unit, c.units, c.from, c.to); got != nil {
			t.Errorf("%d units %s to %q: %+v", c.units, c.from, c.to, got)
		}
	}
	// A from before the issue date counts from the issue date.
	if got := terms.HoldingSchedule(unit, 1, "2024-06-01", ""); fmt.Sprint(got) != fmt.Sprint(unit) {
		t.Fatalf("from before issue: %+v", got)
	}
}

// An annuity period held in part pays the periodic rate times the held share of the
// period, the share by day count: 1,000.00 at 6% monthly, held 10 of April's 30 days
// (ACT/365F) on the outstanding after March.
func TestHoldingPartOfAnAnnuityPeriod(t *testing.T) {
	terms := Terms{DenominationCents: 100000, CouponBP: 600, TermMonths: 12, Amortisation: Annuity, Frequency: Monthly,
		DayCount: DayCountACT365F, IssueDate: "2025-01-01", FirstPaymentDate: "2025-02-01"}
	unit := mustUnit(t, terms)
	got := terms.HoldingSchedule(unit, 3, "2025-04-21", "")
	o := 3 * (unit[2].OutstandingCents)
	// O × 0.5% × 10/30, rounded half up.
	if want := (o*60*10/(12*30*100) + 5) / 10; got[0].Date != "2025-05-01" || got[0].Start != "2025-04-21" || got[0].InterestCents != want ||
		got[0].PrincipalCents != 3*unit[3].PrincipalCents {
		t.Fatalf("%+v, want interest %d on %d", got[0], want, o)
	}
}

func TestAccruedRoundsHalfUp(t *testing.T) {
	t365 := Terms{CouponBP: 500, DayCount: DayCountACT365F}
	t360 := Terms{CouponBP: 100, DayCount: DayCount30E360}
	for _, c := range []struct {
		terms    Terms
		o        int64
		from, to cooperative.Date
		want     int64
	}{
		{t365, 100000, "2025-01-01", "2025-03-15", 1000}, // 73 days: 1,000.00 × 5% × 73/365 = 10.00
		{t360, 100, "2025-01-01", "2025-07-01", 1},       // 0.5 cent: up
		{t360, 100, "2025-01-01", "2025-06-30", 0},       // 179 days: 0.497 cent: down
		{t360, 100, "2025-07-01", "2025-01-01", 0},       // backwards
		{t360, 0, "2025-01-01", "2026-01-01", 0},
		{t360, -100, "2025-01-01", "2026-01-01", 0},
		{Terms{CouponBP: 2500, DayCount: DayCountACTACTISDA}, MaxDenominationCents * 1_000_000, "2000-01-01", "2050-01-01",
			MaxDenominationCents * 1_000_000 / 4 * 50}, // past 64 bits in the product: 128-bit exact
	} {
		if got := c.terms.Accrued(c.o, c.from, c.to); got != c.want {
			t.Errorf("Accrued(%d, %s, %s) under %s = %d, want %d", c.o, c.from, c.to, c.terms.DayCount, got, c.want)
		}
	}
}

// Every refusal of Validate is UnitSchedule's refusal, and nothing is scheduled.
func TestUnitScheduleRefusesInvalidTerms(t *testing.T) {
	good := Terms{DenominationCents: 25000, CouponBP: 450, TermMonths: 24, Amortisation: Linear, Frequency: Quarterly,
		DayCount: DayCount30E360, IssueDate: "2025-01-10", FirstPaymentDate: "2025-03-31"}
	mustUnit(t, good)
	for name, change := range map[string]func(*Terms){
		"no denomination":            func(t *Terms) { t.DenominationCents = 0 },
		"denomination too large":     func(t *Terms) { t.DenominationCents = MaxDenominationCents + 1 },
		"negative coupon":            func(t *Terms) { t.CouponBP = -1 },
		"coupon above 25%":           func(t *Terms) { t.CouponBP = MaxCouponBP + 1 },
		"unknown amortisation":       func(t *Terms) { t.Amortisation = "balloon" },
		"weekly":                     func(t *Terms) { t.Frequency = 52 },
		"unknown day count":          func(t *Terms) { t.DayCount = "ACT/360" },
		"no term":                    func(t *Terms) { t.TermMonths = 0 },
		"term above 50 years":        func(t *Terms) { t.TermMonths = MaxTermMonths + 3 },
		"term not whole periods":     func(t *Terms) { t.TermMonths = 13 },
		"issue date malformed":       func(t *Terms) { t.IssueDate = "2025-1-10" },
		"first date malformed":       func(t *Terms) { t.FirstPaymentDate = "" },
		"first payment on issue":     func(t *Terms) { t.FirstPaymentDate = t.IssueDate },
		"first payment before issue": func(t *Terms) { t.FirstPaymentDate = "2025-01-09" },
		"first period too long":      func(t *Terms) { t.FirstPaymentDate = "2025-07-10" },
	} {
		terms := good
		change(&terms)
		want := terms.Validate()
		unit, err := terms.UnitSchedule()
		if want == nil || err == nil || unit != nil || err.Error() != want.Error() ||
			cooperative.ErrorCode(err) != cooperative.ErrorCode(want) {
			t.Errorf("%s: %v %v, want %v", name, unit, err, want)
		}
	}
}

// Golden schedules: every amortisation × frequency × day count, 250.00 at 4.5% over two
// years from 15 Nov 2023 (across the 2024 leap day), half with a broken first period
// ending on a month's last day, plus 3 units held from 10 Mar 2024 to 20 Apr 2025.
// Refresh with go test -run TestScheduleGoldens ./cooperative/bonds/ -update.
func TestScheduleGoldens(t *testing.T) {
	brokenFirst := map[Frequency]cooperative.Date{Yearly: "2024-11-30", HalfYearly: "2024-05-31", Quarterly: "2024-02-29", Monthly: "2023-12-31"}
	seen := map[string]bool{}
	for _, am := range []Amortisation{Bullet, Linear, Annuity} {
		for fi, f := range []Frequency{Yearly, HalfYearly, Quarterly, Monthly} {
			for di, dc := range []DayCount{DayCount30E360, DayCountACT365F, DayCountACTACTISDA} {
				terms := Terms{DenominationCents: 25000, CouponBP: 450, TermMonths: 24, Amortisation: am, Frequency: f,
					DayCount: dc, IssueDate: "2023-11-15", FirstPaymentDate: AddMonths("2023-11-15", f.Months())}
				if (fi+di)%2 == 1 {
					terms.FirstPaymentDate = brokenFirst[f]
				}
				name := fmt.Sprintf("%s-%d-%s.json", am, f, strings.ReplaceAll(string(dc), "/", "-"))
				seen[name] = true
				got := scheduleGolden(t, terms, 3, "2024-03-10", "2025-04-20")
				path := filepath.Join("testdata", "schedules", name)
				if storedtest.Update() {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s changed; if meant, run go test -run TestScheduleGoldens ./cooperative/bonds/ -update and review the diff.\ngot:\n%s\nwant:\n%s",
						name, got, want)
				}
			}
		}
	}
	// No stale golden left behind.
	files, _ := filepath.Glob(filepath.Join("testdata", "schedules", "*.json"))
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no case", f)
		}
	}
	if len(seen) != 36 {
		t.Fatalf("%d cases", len(seen))
	}
}

// scheduleGolden writes terms, the unit schedule and a holding's, one period a line.
func scheduleGolden(t *testing.T, terms Terms, units int64, from, to cooperative.Date) []byte {
	unit := mustUnit(t, terms)
	var b bytes.Buffer
	line := func(v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	periods := func(ps []Period) {
		for k, p := range ps {
			sep := ","
			if k == len(ps)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "    %s%s\n", line(p), sep)
		}
	}
	fmt.Fprintf(&b, "{\n  \"terms\": %s,\n  \"unit\": [\n", line(terms))
	periods(unit)
	fmt.Fprintf(&b, "  ],\n  \"holding\": {\"units\": %d, \"from\": %q, \"to\": %q, \"schedule\": [\n", units, from, to)
	periods(terms.HoldingSchedule(unit, units, from, to))
	b.WriteString("  ]}\n}\n")
	return b.Bytes()
}

// randomTerms draws valid terms: any amortisation, frequency and day count, a term up to
// 50 years, a coupon up to 25% (zero at times), a denomination from a cent to the maximum,
// a first period regular or broken (short or long).
func randomTerms(rng *rand.Rand) Terms {
	freqs := []Frequency{Yearly, HalfYearly, Quarterly, Monthly}
	f := freqs[rng.IntN(len(freqs))]
	months := f.Months()
	var d int64
	switch rng.IntN(5) {
	case 0:
		d = 1 + rng.Int64N(100)
	case 1:
		d = MaxDenominationCents - rng.Int64N(3)
	default:
		d = 1 + rng.Int64N(10_000_000)
	}
	coupon := rng.Int64N(MaxCouponBP + 1)
	if rng.IntN(8) == 0 {
		coupon = 0
	}
	issue := cooperative.DateOf(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(40*365)))
	first := AddMonths(issue, months)
	if rng.IntN(2) == 0 {
		limit := AddMonths(issue, 2*months)
		days := int(limit.Time().Sub(issue.Time()).Hours() / 24)
		first = issue.AddDays(1 + rng.IntN(days-1))
	}
	return Terms{DenominationCents: d, CouponBP: coupon, TermMonths: months * (1 + rng.IntN(MaxTermMonths/months)),
		Amortisation: []Amortisation{Bullet, Linear, Annuity}[rng.IntN(3)], Frequency: f,
		DayCount: []DayCount{DayCount30E360, DayCountACT365F, DayCountACTACTISDA}[rng.IntN(3)], IssueDate: issue, FirstPaymentDate: first}
}

// checkSchedule: interest never negative, outstanding never negative and non-increasing,
// principal never negative.
func checkSchedule(t *testing.T, what string, ps []Period) {
	t.Helper()
	prev := int64(-1)
	for k, p := range ps {
		if p.InterestCents < 0 || p.PrincipalCents < 0 || p.OutstandingCents < 0 || (prev >= 0 && p.OutstandingCents > prev) ||
			p.Date < p.Start {
			t.Fatalf("%s: period %d: %+v", what, k, p)
		}
		prev = p.OutstandingCents
	}
}

func TestScheduleProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	n := 1500
	if testing.Short() {
		n = 200
	}
	for i := range n {
		terms := randomTerms(rng)
		what := fmt.Sprintf("case %d %+v", i, terms)
		unit := mustUnit(t, terms)
		if len(unit) != terms.Payments() || unit[0].Start != terms.IssueDate || unit[len(unit)-1].Date != terms.Maturity() {
			t.Fatalf("%s: %d periods from %s to %s", what, len(unit), unit[0].Start, unit[len(unit)-1].Date)
		}
		checkSchedule(t, what, unit)
		var sum int64
		for k, p := range unit {
			sum += p.PrincipalCents
			if k > 0 && p.Start != unit[k-1].Date {
				t.Fatalf("%s: period %d starts %s", what, k, p.Start)
			}
		}
		if sum != terms.DenominationCents || unit[len(unit)-1].OutstandingCents != 0 {
			t.Fatalf("%s: principal sums to %d", what, sum)
		}
		// One unit held throughout is the unit.
		if got := terms.HoldingSchedule(unit, 1, terms.IssueDate, ""); fmt.Sprint(got) != fmt.Sprint(unit) {
			t.Fatalf("%s: one unit held throughout differs", what)
		}
		units := 1 + rng.Int64N(1000)
		whole := terms.HoldingSchedule(unit, units, terms.IssueDate, "")
		checkSchedule(t, what, whole)
		sum = 0
		for _, p := range whole {
			sum += p.PrincipalCents
		}
		if sum != units*terms.DenominationCents {
			t.Fatalf("%s: %d units repay %d", what, units, sum)
		}
		// A holding split at D pays the same principal and, per date, the interest within
		// a cent (each part is rounded on its own).
		issue, maturity := terms.IssueDate.Time(), terms.Maturity().Time()
		span := int(maturity.Sub(issue).Hours()/24) + 30
		from := terms.IssueDate
		if rng.IntN(3) > 0 {
			from = terms.IssueDate.AddDays(rng.IntN(span))
		}
		var to cooperative.Date
		if rng.IntN(2) == 0 {
			to = from.AddDays(2 + rng.IntN(span))
		}
		end := to
		if end == "" {
			end = terms.Maturity().AddDays(10)
		}
		days := int(end.Time().Sub(from.Time()).Hours() / 24)
		if days < 2 {
			continue
		}
		split := from.AddDays(1 + rng.IntN(days-1))
		if rng.IntN(4) == 0 { // on a payment date
			split = unit[rng.IntN(len(unit))].Date
			if split <= from || (to != "" && split >= to) {
				continue
			}
		}
		all := terms.HoldingSchedule(unit, units, from, to)
		a, b := terms.HoldingSchedule(unit, units, from, split), terms.HoldingSchedule(unit, units, split, to)
		checkSchedule(t, what, all)
		checkSchedule(t, what, a)
		checkSchedule(t, what, b)
		type due struct{ interest, principal int64 }
		sumUp := func(ps ...[]Period) map[cooperative.Date]due {
			m := map[cooperative.Date]due{}
			for _, s := range ps {
				for _, p := range s {
					d := m[p.Date]
					d.interest += p.InterestCents
					d.principal += p.PrincipalCents
					m[p.Date] = d
				}
			}
			return m
		}
		wm, pm := sumUp(all), sumUp(a, b)
		if len(wm) != len(pm) {
			t.Fatalf("%s: %d units %s..%q split at %s: %d dates, parts %d", what, units, from, to, split, len(wm), len(pm))
		}
		for date, w := range wm {
			p := pm[date]
			if p.principal != w.principal || p.interest < w.interest-1 || p.interest > w.interest+1 {
				t.Fatalf("%s: %d units %s..%q split at %s: on %s whole %+v, parts %+v", what, units, from, to, split, date, w, p)
			}
		}
	}
}

// BenchmarkHoldingSchedules50k: one UnitSchedule per bond and 50,000 HoldingSchedule
// calls, half on a monthly 10-year annuity (ACT/ACT-ISDA), half on a yearly 10-year
// bullet (30E/360), 1 to 40 units, held from the issue date or a later date; every
// schedule is kept at once (the worst case: a run needs only its date's period of each),
// the heap sampled meanwhile.
//
//	go test ./cooperative/bonds/ -run '^$' -bench HoldingSchedules50k -benchmem
func BenchmarkHoldingSchedules50k(b *testing.B) {
	annuity := Terms{DenominationCents: 25000, CouponBP: 475, TermMonths: 120, Amortisation: Annuity, Frequency: Monthly,
		DayCount: DayCountACTACTISDA, IssueDate: "2025-01-15", FirstPaymentDate: "2025-02-28"}
	bullet := Terms{DenominationCents: 50000, CouponBP: 550, TermMonths: 120, Amortisation: Bullet, Frequency: Yearly,
		DayCount: DayCount30E360, IssueDate: "2025-03-01", FirstPaymentDate: "2026-03-01"}
	rng := rand.New(rand.NewPCG(13, 3))
	type holding struct {
		units int64
		from  cooperative.Date
	}
	hs := make([]holding, 50_000)
	for i := range hs {
		hs[i].units = 1 + rng.Int64N(40)
		issue := annuity.IssueDate
		if i%2 == 1 {
			issue = bullet.IssueDate
		}
		hs[i].from = issue
		if rng.IntN(2) == 0 {
			hs[i].from = issue.AddDays(rng.IntN(9 * 365))
		}
	}
	var mu sync.Mutex
	var peak uint64
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				mu.Lock()
				peak = max(peak, ms.HeapInuse)
				mu.Unlock()
			}
		}
	}()
	runtime.GC()
	b.ResetTimer()
	periods := 0
	for b.Loop() {
		b.StopTimer()
		runtime.GC() // the previous round's schedules are garbage: measure one round's heap
		b.StartTimer()
		au, bu := mustUnit(b, annuity), mustUnit(b, bullet)
		out := make([][]Period, len(hs))
		periods = 0
		for i, h := range hs {
			if i%2 == 0 {
				out[i] = annuity.HoldingSchedule(au, h.units, h.from, "")
			} else {
				out[i] = bullet.HoldingSchedule(bu, h.units, h.from, "")
			}
			periods += len(out[i])
		}
	}
	b.StopTimer()
	close(stop)
	mu.Lock()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	mu.Unlock()
	b.ReportMetric(float64(periods), "periods")
}
