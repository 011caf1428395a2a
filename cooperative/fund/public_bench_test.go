package fund

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkPublicPage64: the public page built by 64 concurrent readers over 200
// donations, a round of 20 projects and its grants; reports p99 per page (target
// < 50 ms; the HTTP layer adds encoding only).
func BenchmarkPublicPage64(b *testing.B) {
	f := newFundFixture(b)
	for i := range 200 {
		f.donate(int64(100+i), "Donor", i%3 == 0)
	}
	budgets := make([]int64, 20)
	for i := range budgets {
		budgets[i] = 5_00
	}
	r, ps := f.counted(100_00, budgets, 20)
	for _, p := range ps {
		if _, err := f.fund.AwardGrant(f.ctx, board, f.coop.ID, Award{RoundID: r.ID, ProposalID: p.ID, AmountCents: 5_00}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	per := max(1, b.N/64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				t0 := time.Now()
				if _, err := f.fund.Public(f.ctx, f.coop.ID); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
