package distribution_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// BenchmarkCompute100k is the size: 100,000 members with 1,000,000 holdings (10
// each, over two classes, some issued, withdrawn or transferred mid-year), a pool.
//
//	go test -run '^$' -bench Compute100k -benchmem ./cooperative/distribution/
func BenchmarkCompute100k(b *testing.B) {
	const members, each = 100_000, 10
	r := rand.New(rand.NewPCG(1, 100_000))
	start := cooperative.Date("2024-01-01").Time()
	days := make([]cooperative.Date, 367)
	for d := range days {
		days[d] = cooperative.DateOf(start.AddDate(0, 0, d))
	}
	terms := distribution.Terms{
		Year: 2024, Method: distribution.DividendPool, PoolCents: 123_456_789_00,
		Nominal:       map[string]int64{"A": 25000, "B": 100000},
		WithholdingBP: 3000, ExemptionCents: 19000, ThresholdCents: 100,
		ReinvestClass: "A", SharePriceCents: 25000,
	}
	payees := make(map[string]distribution.Payee, members)
	held := make([]distribution.Held, 0, members*each)
	for m := range members {
		id := fmt.Sprintf("0196a000-0000-7000-8000-%012d", m)
		payees[id] = distribution.Payee{
			MemberID: id, Number: int64(m + 1), Natural: m%7 != 0,
			Election: []distribution.Election{distribution.ElectPayout, distribution.ElectReinvest, distribution.ElectDonate}[m%3],
		}
		for range each {
			from := r.IntN(366)
			to := from + 1 + r.IntN(366-from)
			held = append(held, distribution.Held{
				MemberID: id, Class: []string{"A", "B"}[r.IntN(2)], Shares: 1 + r.Int64N(40), From: days[from], To: days[to],
			})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		lines, totals, err := distribution.Compute(terms, held, nil, payees)
		if err != nil || totals.GrossCents != terms.PoolCents || len(lines) != members {
			b.Fatal(err, totals)
		}
	}
}
