package bonds

import (
	"context"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/internal/heapsample"
	"github.com/kracht-coop/kracht/cooperative/internal/testkit"
	"github.com/kracht-coop/kracht/cooperative/numbered"
)

// BenchmarkRun50k: the issue's target, schedules and one payment run for 50,000 holdings
// (a monthly ten-year annuity under ACT/ACT-ISDA; holders of 1 to 40 units, every fifth
// of whom sold part of them in the period), as the dry run (read the register, compute
// every holding's due amounts) and as the run itself (that, plus one journal entry,
// 50,000 lines and 50,000 payables), with the peak heap sampled.
//
//	go test -run '^$' -bench Run50k -benchtime 3x ./cooperative/bonds/
func BenchmarkRun50k(b *testing.B) {
	ctx := context.Background()
	s := testkit.OpenStore(b)
	const coop, holders = "01960000-0000-7000-8000-00000000c001", 50_000
	terms := Terms{DenominationCents: 50000, CouponBP: 525, TermMonths: 120, Amortisation: Annuity, Frequency: Monthly,
		DayCount: DayCountACTACTISDA, IssueDate: "2025-04-01", FirstPaymentDate: "2025-05-01"}
	issue := Issue{ID: cooperative.NewID(), CooperativeID: coop, Name: "Zorgwoningen", Terms: terms, Status: IssueAllocated,
		WithholdingBP: 1500}
	run := cooperative.NewRunner(s, func() time.Time { return time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC) })
	var first int64 = 1
	for start := 0; start < holders; start += 5000 {
		if err := run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
			for k := start; k < start+5000; k++ {
				member, units := cooperative.NewID(), int64(1+k%40)
				periods := []HoldingPeriod{{From: terms.IssueDate, Units: units, Ranges: []numbered.Range{{First: first, Last: first + units - 1}}}}
				if k%5 == 0 && units > 1 { // sold one unit on 2025-04-17
					periods = []HoldingPeriod{
						{From: terms.IssueDate, To: "2025-04-17", Units: units, Ranges: []numbered.Range{{First: first, Last: first + units - 1}}},
						{From: "2025-04-17", Units: units - 1, Ranges: []numbered.Range{{First: first + 1, Last: first + units - 1}}},
					}
				}
				for _, p := range periods {
					p.ID, p.CooperativeID, p.IssueID, p.MemberID, p.Cause = cooperative.NewID(), coop, issue.ID, member, "allocation"
					if _, err := tx.Insert(p.record()); err != nil {
						return err
					}
				}
				first += units
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	issue.IssuedUnits = first - 1
	if err := run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error { _, err := tx.Insert(issue.record()); return err }); err != nil {
		b.Fatal(err)
	}
	svc := &Bonds{run: run}
	dates := terms.PaymentDates()

	b.Run("dry", func(b *testing.B) {
		peak := heapsample.Start(b)
		for range b.N {
			t, err := svc.PreviewRun(ctx, coop, issue.ID, dates[0])
			if err != nil {
				b.Fatal(err)
			}
			if t.Run.Holders != holders {
				b.Fatalf("%d holders", t.Run.Holders)
			}
		}
		peak()
	})
	next := 0 // the next payment date not run yet, over the rounds of b.N
	b.Run("posted", func(b *testing.B) {
		if next+b.N > len(dates) {
			b.Skip("more runs than payment dates")
		}
		peak := heapsample.Start(b)
		for range b.N {
			t, err := svc.CreateRun(ctx, cooperative.Actor{UserID: "accountant", Role: "accountant"}, coop, issue.ID, dates[next])
			next++
			if err != nil {
				b.Fatal(err)
			}
			if t.Replayed || t.Run.Holders != holders || len(t.Lines) != holders {
				b.Fatalf("%+v", t.Run)
			}
		}
		peak()
	})
}
