package fund

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// TallyProject is one admitted project as the count publishes it: enough for anyone to
// recompute the result with Result.
type TallyProject struct {
	ID          string    `json:"id"`
	BudgetCents int64     `json:"budgetCents"`
	Approvals   int64     `json:"approvals"`
	ProposedAt  time.Time `json:"proposedAt"`
}

// Result is the rule of the count, pure: projects ordered by approvals (most first; ties
// to the earlier proposal, then the lower id), each funded in that order when its budget
// fits in what remains of budget; one that does not fit is skipped and the next tried. A
// project nobody approved is not funded. It returns the funded projects' ids in order.
func Result(budget int64, projects []TallyProject) []string {
	order := slices.Clone(projects)
	slices.SortStableFunc(order, func(a, b TallyProject) int {
		return cmp.Or(cmp.Compare(b.Approvals, a.Approvals), a.ProposedAt.Compare(b.ProposedAt), cmp.Compare(a.ID, b.ID))
	})
	funded := []string{}
	remaining := budget
	for _, p := range order {
		if p.Approvals > 0 && p.BudgetCents >= 0 && p.BudgetCents <= remaining {
			funded = append(funded, p.ID)
			remaining -= p.BudgetCents
		}
	}
	return funded
}

// voteTally counts the round's ballots: approvals per admitted project and the number of
// ballots (one per member: a changed ballot replaced the earlier one).
func voteTally(tx cooperative.Tx, roundID string, admitted []Proposal) (map[string]int64, int64, error) {
	index := make(map[string]int, len(admitted))
	for i, p := range admitted {
		index[p.ID] = i
	}
	approvals := make([]int64, len(admitted))
	var ballots int64
	q := cooperative.Query{Collection: collectionBallots, Index: "round", Value: roundID, Limit: cooperative.MaxPageSize}
	for {
		page, err := tx.Find(q)
		if err != nil {
			return nil, 0, err
		}
		for _, rec := range page.Records {
			var b voteBallot
			if err := cooperative.Decode(rec, &b); err != nil {
				return nil, 0, err
			}
			ballots++
			for _, id := range b.Projects {
				if i, ok := index[id]; ok { // every name was admitted when cast, and admission is fixed once voting opens
					approvals[i]++
				}
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	counts := make(map[string]int64, len(admitted))
	for i, p := range admitted {
		counts[p.ID] = approvals[i]
	}
	return counts, ballots, nil
}

// TallyProjects is the published count of a counted round in the form Result takes.
func TallyProjects(r Round, proposals []Proposal) []TallyProject {
	var out []TallyProject
	for _, p := range proposals {
		if n, ok := r.Counts[p.ID]; ok {
			out = append(out, TallyProject{ID: p.ID, BudgetCents: p.BudgetCents, Approvals: n, ProposedAt: p.ProposedAt})
		}
	}
	return out
}

// Count fixes a round's result once its voting window has closed (rule voting_window;
// from voteCountGrace after the close): the approvals per admitted project, the number
// of ballots and Result over them. Anyone may ask; a round counted already is returned
// as it is, so the result never changes.
func (f *Fund) Count(ctx context.Context, actor cooperative.Actor, cooperativeID, roundID string) (Round, error) {
	var (
		out       Round
		counts    map[string]int64
		ballots   int64
		proposals []Proposal
	)
	// The ballots are read in a snapshot of their own: none can be cast any more, and the
	// writers are not held while a hundred thousand are read.
	err := f.view(ctx, func(tx cooperative.Tx) error {
		r, err := roundGet(tx, cooperativeID, roundID)
		if err != nil || r.Status != RoundOpen {
			out = r
			return err
		}
		if now := f.run.Now(); now.Before(r.VotingTo.Add(voteCountGrace)) {
			return cooperative.RuleError("voting_window", "the count is made once voting has closed (at %s), from %s",
				r.VotingTo.Format(time.RFC3339), r.VotingTo.Add(voteCountGrace).Format(time.RFC3339))
		}
		all, err := proposalsOf(tx, r.ID)
		if err != nil {
			return err
		}
		for _, p := range all {
			if p.Status == ProposalAdmitted {
				proposals = append(proposals, p)
			}
		}
		counts, ballots, err = voteTally(tx, r.ID, proposals)
		return err
	})
	if err != nil || out.Status != "" {
		return out, err
	}
	err = f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		r, err := roundGet(tx, cooperativeID, roundID)
		if err != nil || r.Status != RoundOpen {
			out = r
			return err
		}
		before := r
		r.Counts, r.Ballots, r.Status, r.CountedAt = counts, ballots, RoundCounted, now
		r.Result = Result(r.BudgetCents, TallyProjects(r, proposals))
		if err := roundSave(tx, &r); err != nil {
			return err
		}
		out = r
		return cooperative.AppendAudit(tx, actor, cooperativeID, "fund_round.count", "fund_round", r.ID, before, r, now)
	})
	return out, err
}
