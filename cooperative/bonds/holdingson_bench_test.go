package bonds

import (
	"context"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/internal/testkit"
	"github.com/kracht-coop/kracht/cooperative/numbered"
)

// BenchmarkHoldingsOn50k: the intervals of an issue with 50,000 holders, each of whom
// changed their holding once (100,000 periods), read for a year as a payment run does.
//
//	go test -run '^$' -bench HoldingsOn50k -benchtime 5x ./cooperative/bonds/
func BenchmarkHoldingsOn50k(b *testing.B) {
	ctx := context.Background()
	s := testkit.OpenStore(b)
	const coop, holders = "01960000-0000-7000-8000-00000000c001", 50_000
	issue := Issue{ID: cooperative.NewID(), CooperativeID: coop, Status: IssueAllocated}
	run := cooperative.NewRunner(s, time.Now)
	if err := run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error { _, err := tx.Insert(issue.record()); return err }); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < holders; start += 5000 {
		if err := run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
			for k := start; k < start+5000; k++ {
				member, first := cooperative.NewID(), int64(2*k+1)
				for _, p := range []HoldingPeriod{
					{From: "2025-04-01", To: "2025-10-01", Units: 2, Ranges: []numbered.Range{{First: first, Last: first + 1}}},
					{From: "2025-10-01", Units: 1, Ranges: []numbered.Range{{First: first + 1, Last: first + 1}}},
				} {
					p.ID, p.CooperativeID, p.IssueID, p.MemberID, p.Cause = cooperative.NewID(), coop, issue.ID, member, "allocation"
					if _, err := tx.Insert(p.record()); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		var n int
		if err := run.View(ctx, func(tx cooperative.Tx) error {
			list, err := HoldingsOn(tx, coop, issue.ID, "2025-01-01", "2025-12-31")
			n = len(list)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		if n != 2*holders {
			b.Fatalf("%d intervals", n)
		}
	}
}
