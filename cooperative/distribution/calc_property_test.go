package distribution_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// calcRandom makes a random distribution: up to 60 members, each with a few holdings of
// two classes over random stretches of a random year, random elections, terms and basis.
func calcRandom(r *rand.Rand) (distribution.Terms, []distribution.Held, map[string]int64, map[string]distribution.Payee) {
	year := 2000 + r.IntN(40)
	start := cooperative.Date(fmt.Sprintf("%d-01-01", year)).Time()
	days := 365
	if start.AddDate(1, 0, 0).Sub(start).Hours() == 366*24 {
		days = 366
	}
	t := distribution.Terms{
		Year:            year,
		Method:          []distribution.Method{distribution.DividendRate, distribution.DividendPool, distribution.Patronage}[r.IntN(3)],
		RateBP:          r.Int64N(1000),
		PoolCents:       r.Int64N(10_000_000),
		Nominal:         map[string]int64{"A": 1 + r.Int64N(100_000), "B": 1 + r.Int64N(100_000)},
		WithholdingBP:   r.Int64N(10001),
		ExemptionCents:  r.Int64N(100_000),
		ThresholdCents:  r.Int64N(500),
		ReinvestClass:   "A",
		SharePriceCents: 1 + r.Int64N(50_000),
	}
	n := 1 + r.IntN(60)
	payees := make(map[string]distribution.Payee, n)
	basis := map[string]int64{}
	var held []distribution.Held
	for i := range n {
		id := fmt.Sprintf("m%03d", i)
		payees[id] = distribution.Payee{
			MemberID: id, Number: int64(1 + r.IntN(1000) + i*1000), Natural: r.IntN(2) == 0,
			Election: []distribution.Election{distribution.ElectPayout, distribution.ElectReinvest, distribution.ElectDonate}[r.IntN(3)],
		}
		if r.IntN(4) > 0 {
			basis[id] = r.Int64N(50_000)
		}
		for range r.IntN(5) {
			from := r.IntN(days)
			to := from + 1 + r.IntN(days-from)
			held = append(held, distribution.Held{
				MemberID: id, Class: []string{"A", "B"}[r.IntN(2)], Shares: 1 + r.Int64N(200),
				From: cooperative.DateOf(start.AddDate(0, 0, from)), To: cooperative.DateOf(start.AddDate(0, 0, to)),
			})
		}
	}
	if t.Method != distribution.Patronage {
		basis = nil
	}
	return t, held, basis, payees
}

// TestComputeProperties: over random cooperatives, a pool's lines sum exactly to the
// pool, no amount is negative, net + withholding = gross, payout + reinvested + donated =
// net, and the result does not depend on the order of the holdings.
func TestComputeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2024))
	for i := range 2000 {
		terms, held, basis, payees := calcRandom(r)
		lines, totals, err := distribution.Compute(terms, held, basis, payees)
		if err != nil {
			// A pool over nobody is refused; nothing else should be.
			if cooperative.ErrorCode(err) == cooperative.ERULE && terms.PoolCents > 0 {
				continue
			}
			t.Fatalf("case %d: %v", i, err)
		}
		calcCheckInvariants(t, terms, lines, totals)
		if terms.Method != distribution.DividendRate && terms.PoolCents > 0 && totals.GrossCents != terms.PoolCents {
			t.Fatalf("case %d: the lines sum to %d, not the pool %d", i, totals.GrossCents, terms.PoolCents)
		}
		// Largest remainder: each line is within a cent of its exact share (the floor of
		// its quota, or one more).
		if terms.Method == distribution.DividendPool {
			var w int64
			for _, l := range lines {
				w += l.WeightCents
			}
			for _, l := range lines {
				floor := terms.PoolCents * l.WeightCents / w // small enough not to overflow here
				if l.GrossCents != floor && l.GrossCents != floor+1 {
					t.Fatalf("case %d: %d for a quota with floor %d", i, l.GrossCents, floor)
				}
			}
		}
		shuffled := append([]distribution.Held(nil), held...)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		lines2, totals2, err := distribution.Compute(terms, shuffled, basis, payees)
		if err != nil || !reflect.DeepEqual(lines, lines2) || totals != totals2 {
			t.Fatalf("case %d: another order of the holdings gives another distribution (%v)", i, err)
		}
	}
}

// TestComputeRateIsExact checks the rate against the sum of the holdings' exact
// fractions, done in another way: big rationals would be the reference, but over whole
// days the member's exact amount is Σ nominal × shares × days × rate / (10000 × days in
// the year), which int64 holds for these sizes.
func TestComputeRateIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 500 {
		terms, held, _, payees := calcRandom(r)
		terms.Method = distribution.DividendRate
		lines, _, err := distribution.Compute(terms, held, nil, payees)
		if err != nil {
			t.Fatal(err)
		}
		diy := int64(365)
		if y := terms.Year; y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			diy = 366
		}
		num := map[string]int64{}
		for _, h := range held {
			days := int64(h.To.Time().Sub(h.From.Time()).Hours() / 24)
			num[h.MemberID] += terms.Nominal[h.Class] * h.Shares * days * terms.RateBP
		}
		den := 10000 * diy
		got := map[string]int64{}
		for _, l := range lines {
			got[l.MemberID] = l.GrossCents
		}
		for id, n := range num {
			want := (2*n + den) / (2 * den) // half up
			if got[id] != want {
				t.Fatalf("member %s: gross %d, want %d", id, got[id], want)
			}
		}
	}
}
