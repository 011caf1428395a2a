package fund_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/fund"
)

// TestResultProperties: random rounds. The funded set fits the budget; it is what the
// rule says (in the rule's order, and every project passed over either had no approval
// or did not fit in what remained when its turn came); the same counts in another order
// give the same result.
func TestResultProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2026))
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for round := range 2000 {
		n := rng.IntN(30)
		budget := rng.Int64N(1_000_000)
		projects := make([]fund.TallyProject, n)
		for i := range projects {
			projects[i] = fund.TallyProject{ID: fmt.Sprintf("p%03d", i), BudgetCents: 1 + rng.Int64N(400_000),
				Approvals: rng.Int64N(6), ProposedAt: t0.Add(time.Duration(rng.IntN(50)) * time.Hour)}
		}
		got := fund.Result(budget, projects)
		byID := map[string]fund.TallyProject{}
		for _, p := range projects {
			byID[p.ID] = p
		}
		var spent int64
		for _, id := range got {
			spent += byID[id].BudgetCents
		}
		if spent > budget {
			t.Fatalf("round %d: funded %d of a budget of %d", round, spent, budget)
		}
		// The rule, step by step: walk the projects in the rule's order.
		order := slices.Clone(projects)
		slices.SortFunc(order, func(a, b fund.TallyProject) int {
			switch {
			case a.Approvals != b.Approvals:
				return int(b.Approvals - a.Approvals)
			case !a.ProposedAt.Equal(b.ProposedAt):
				return a.ProposedAt.Compare(b.ProposedAt)
			}
			return map[bool]int{true: -1, false: 1}[a.ID < b.ID]
		})
		remaining, k := budget, 0
		for _, p := range order {
			funded := k < len(got) && got[k] == p.ID
			fits := p.Approvals > 0 && p.BudgetCents <= remaining
			if funded != fits {
				t.Fatalf("round %d: project %+v funded=%v with %d remaining; result %v", round, p, funded, remaining, got)
			}
			if funded {
				remaining -= p.BudgetCents
				k++
			}
		}
		if k != len(got) {
			t.Fatalf("round %d: result %v has projects out of order", round, got)
		}
		shuffled := slices.Clone(projects)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if again := fund.Result(budget, shuffled); !slices.Equal(again, got) {
			t.Fatalf("round %d: %v, then %v for the same counts", round, got, again)
		}
	}
}

// TestResultExample: the rule on a small case a person can check.
func TestResultExample(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	got := fund.Result(100, []fund.TallyProject{
		{ID: "late", BudgetCents: 40, Approvals: 9, ProposedAt: t0.Add(time.Hour)},
		{ID: "early", BudgetCents: 40, Approvals: 9, ProposedAt: t0}, // the tie goes to the earlier proposal
		{ID: "big", BudgetCents: 30, Approvals: 8, ProposedAt: t0},   // 20 remain: skipped
		{ID: "small", BudgetCents: 20, Approvals: 2, ProposedAt: t0}, // the next that fits
		{ID: "none", BudgetCents: 0, Approvals: 0, ProposedAt: t0},   // nobody approved it
	})
	if !slices.Equal(got, []string{"early", "late", "small"}) {
		t.Fatalf("result %v", got)
	}
}
