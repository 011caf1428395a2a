package fund

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/internal/testkit"
)

// BenchmarkTally100k: the count of 100,000 ballots over 50 projects on the embedded
// store, from the records: read every ballot, count the approvals, apply Result (the
// part of Count that grows with the ballots). Target: under a second.
func BenchmarkTally100k(b *testing.B) {
	const ballots, projects = 100_000, 50
	ctx := context.Background()
	s := testkit.OpenStore(b)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	r := Round{ID: cooperative.NewID(), CooperativeID: cooperative.NewID(), Title: "Bench", BudgetCents: 1_000_000, Status: RoundOpen}
	admitted := make([]Proposal, projects)
	for i := range admitted {
		admitted[i] = Proposal{ID: cooperative.NewID(), CooperativeID: r.CooperativeID, RoundID: r.ID, BudgetCents: 20_000 + int64(i)*1000,
			Status: ProposalAdmitted, ProposedAt: t0.Add(time.Duration(i) * time.Minute)}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	f := &Fund{ballotKey: make([]byte, 32)}
	for batch := 0; batch < ballots; batch += 5000 {
		if err := s.Update(ctx, func(tx cooperative.Tx) error {
			for i := batch; i < batch+5000; i++ {
				var choice []string
				var total int64
				for _, j := range rng.Perm(projects)[:1+rng.IntN(12)] {
					if total+admitted[j].BudgetCents <= r.BudgetCents {
						choice, total = append(choice, admitted[j].ID), total+admitted[j].BudgetCents
					}
				}
				id, _ := f.voteMAC("ballot", r.CooperativeID, r.ID, cooperative.NewID())
				if _, err := tx.Insert(cooperative.Record{Collection: collectionBallots, ID: id,
					Data: cooperative.Encode(voteBallot{RoundID: r.ID, Projects: choice}), Index: map[string]string{"round": r.ID}}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		var counts map[string]int64
		var n int64
		if err := s.View(ctx, func(tx cooperative.Tx) (err error) {
			counts, n, err = voteTally(tx, r.ID, admitted)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		r.Counts = counts
		if n != ballots || len(Result(r.BudgetCents, TallyProjects(r, admitted))) == 0 {
			b.Fatalf("%d ballots counted", n)
		}
	}
}
