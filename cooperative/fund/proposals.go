package fund

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

const (
	collectionProposals      = "fund_proposals"
	proposalMaxTitleRunes    = 200
	proposalMaxDescription   = 5000
	proposalMaxNameRunes     = 140 // a SEPA creditor name is at most 140 characters
	proposalMaxNeighbourhood = 100
	proposalMaxReasonRunes   = 1000
	proposalMaxPerRound      = 500 // the ballot lists them all
)

func (p Proposal) record() cooperative.Record {
	rec := cooperative.Record{Collection: collectionProposals, ID: p.ID, Version: p.version, Data: cooperative.Encode(p),
		Index: map[string]string{"round": p.RoundID}}
	if p.IdempotencyKey != "" {
		rec.Unique = map[string]string{"key": p.MemberID + ":" + p.IdempotencyKey}
		rec.Index["key"] = p.MemberID + ":" + p.IdempotencyKey
	}
	return rec
}

func proposalGet(tx cooperative.Tx, cooperativeID, id string) (Proposal, error) {
	if !cooperative.ValidID(id) {
		return Proposal{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a proposal id", id)
	}
	p, rec, err := cooperative.GetAs[Proposal](tx, collectionProposals, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && p.CooperativeID != cooperativeID) {
		return Proposal{}, cooperative.Errorf(cooperative.ENOTFOUND, "proposal %s not found", id)
	}
	p.version = rec.Version
	return p, err
}

// proposalsOf reads every proposal of a round in the order they were made.
func proposalsOf(tx cooperative.Tx, roundID string) ([]Proposal, error) {
	var out []Proposal
	q := cooperative.Query{Collection: collectionProposals, Index: "round", Value: roundID, Limit: cooperative.MaxPageSize}
	for {
		page, err := tx.Find(q)
		if err != nil {
			return nil, err
		}
		for _, rec := range page.Records {
			var p Proposal
			if err := cooperative.Decode(rec, &p); err != nil {
				return nil, err
			}
			p.version = rec.Version
			out = append(out, p)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	slices.SortStableFunc(out, func(a, b Proposal) int {
		return cmp.Or(a.ProposedAt.Compare(b.ProposedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// NewProposal is what a member gives to propose a project in a round.
type NewProposal struct {
	CooperativeID, RoundID, MemberID string
	Title, Description               string
	BudgetCents                      int64
	Beneficiary                      Beneficiary
	Neighbourhood                    string
	// IdempotencyKey (optional) makes a retried proposal return the first one.
	IdempotencyKey string
}

func (n NewProposal) check() (NewProposal, error) {
	var err error
	if err := cooperative.CheckIdempotencyKey(n.IdempotencyKey); err != nil {
		return n, err
	}
	if n.Title, err = membership.CheckText("title", n.Title, proposalMaxTitleRunes); err != nil {
		return n, err
	}
	if n.Description, err = proposalText("description", n.Description, proposalMaxDescription); err != nil {
		return n, err
	}
	if n.Beneficiary.Name, err = membership.CheckText("beneficiary.name", n.Beneficiary.Name, proposalMaxNameRunes); err != nil {
		return n, err
	}
	if n.Beneficiary.IBAN, err = cooperative.ParseIBAN(n.Beneficiary.IBAN); err != nil {
		return n, cooperative.Errorf(cooperative.EINVALID, "beneficiary.iban: %s", cooperative.ErrorMessage(err))
	}
	if n.Neighbourhood, err = membership.CheckText("neighbourhood", n.Neighbourhood, proposalMaxNeighbourhood); err != nil {
		return n, err
	}
	if n.BudgetCents < 1 {
		return n, cooperative.Errorf(cooperative.EINVALID, "a project's budget is a positive amount of cents")
	}
	return n, nil
}

// proposalText is membership.CheckText for a longer text, in which line breaks are fine.
func proposalText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	flat := strings.NewReplacer("\r\n", " ", "\n", " ", "\t", " ").Replace(s)
	if _, err := membership.CheckText(field, flat, max); err != nil {
		return s, err
	}
	return s, nil
}

// Propose records a member's project in a round's proposal window (rule
// proposal_window): an active member (proposer_member), a budget within the round's
// (proposal_budget), a beneficiary with a valid IBAN. The route checks the member record
// is the caller's own. A proposal with an IdempotencyKey the member used before returns
// that first proposal and writes nothing; the same key with other facts is ECONFLICT.
func (f *Fund) Propose(ctx context.Context, actor cooperative.Actor, in NewProposal) (Proposal, error) {
	in, err := in.check()
	if err != nil {
		return Proposal{}, err
	}
	var out Proposal
	err = f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if in.IdempotencyKey != "" {
			list, _, err := cooperative.FindAs[Proposal](tx, cooperative.Query{Collection: collectionProposals, Index: "key",
				Value: in.MemberID + ":" + in.IdempotencyKey, Limit: 1})
			if err != nil {
				return err
			}
			if len(list) > 0 {
				p := list[0]
				if p.CooperativeID != in.CooperativeID || p.RoundID != in.RoundID || p.Title != in.Title ||
					p.Description != in.Description || p.BudgetCents != in.BudgetCents || p.Beneficiary != in.Beneficiary ||
					p.Neighbourhood != in.Neighbourhood {
					return cooperative.Errorf(cooperative.ECONFLICT, "this key was used for another request")
				}
				out = p
				return nil
			}
		}
		r, err := roundGet(tx, in.CooperativeID, in.RoundID)
		if err != nil {
			return err
		}
		m, err := membership.GetMember(tx, in.CooperativeID, in.MemberID)
		if err != nil {
			return err
		}
		switch {
		case r.Status != RoundOpen || now.Before(r.ProposalsFrom) || !now.Before(r.ProposalsTo):
			return cooperative.RuleError("proposal_window", "proposals are made from %s until %s",
				r.ProposalsFrom.Format(time.RFC3339), r.ProposalsTo.Format(time.RFC3339))
		case m.Status != membership.MemberActive:
			return cooperative.RuleError("proposer_member", "only active members propose projects; this one is %s", m.Status)
		case in.BudgetCents > r.BudgetCents:
			return cooperative.RuleError("proposal_budget", "the round's budget is %d cents; a project cannot ask for %d",
				r.BudgetCents, in.BudgetCents)
		}
		page, err := tx.Find(cooperative.Query{Collection: collectionProposals, Index: "round", Value: r.ID,
			After: "", Limit: proposalMaxPerRound})
		if err != nil {
			return err
		}
		if len(page.Records) >= proposalMaxPerRound {
			return cooperative.RuleError("proposal_limit", "a round takes at most %d proposals", proposalMaxPerRound)
		}
		out = Proposal{ID: cooperative.NewID(), CooperativeID: r.CooperativeID, RoundID: r.ID, MemberID: m.ID, Title: in.Title,
			Description: in.Description, BudgetCents: in.BudgetCents, Beneficiary: in.Beneficiary, Neighbourhood: in.Neighbourhood,
			Status: ProposalProposed, ProposedAt: now, IdempotencyKey: in.IdempotencyKey}
		if _, err := tx.Insert(out.record()); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, r.CooperativeID, "fund_proposal.create", "fund_proposal", out.ID, nil, out, now)
	})
	return out, err
}

// Decide admits a proposal to the ballot or rejects it with a public reason (the board,
// with its second factor), before voting opens (rule admission_window); until then the
// board may change its decision. A rejection needs a reason.
func (f *Fund) Decide(ctx context.Context, actor cooperative.Actor, cooperativeID, proposalID string, admit bool, reason string) (Proposal, error) {
	reason = strings.TrimSpace(reason)
	if reason != "" {
		var err error
		if reason, err = proposalText("reason", reason, proposalMaxReasonRunes); err != nil {
			return Proposal{}, err
		}
	} else if !admit {
		return Proposal{}, cooperative.Errorf(cooperative.EINVALID, "a rejection needs a public reason")
	}
	var out Proposal
	err := f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		p, err := proposalGet(tx, cooperativeID, proposalID)
		if err != nil {
			return err
		}
		r, err := roundGet(tx, cooperativeID, p.RoundID)
		if err != nil {
			return err
		}
		if r.Status != RoundOpen || !now.Before(r.VotingFrom) {
			return cooperative.RuleError("admission_window", "proposals are admitted or rejected before voting opens at %s",
				r.VotingFrom.Format(time.RFC3339))
		}
		before := p
		p.Status, p.Reason, p.DecidedAt, p.DecidedBy = ProposalRejected, reason, now, actor.UserID
		if admit {
			p.Status = ProposalAdmitted
		}
		rec, err := tx.Replace(p.record())
		if err != nil {
			return err
		}
		p.version, out = rec.Version, p
		return cooperative.AppendAudit(tx, actor, cooperativeID, "fund_proposal.decide", "fund_proposal", p.ID, before, p, now)
	})
	return out, err
}

// GetProposal returns one proposal.
func (f *Fund) GetProposal(ctx context.Context, cooperativeID, id string) (Proposal, error) {
	var p Proposal
	err := f.view(ctx, func(tx cooperative.Tx) (err error) { p, err = proposalGet(tx, cooperativeID, id); return err })
	return p, err
}

// ListProposals returns every proposal of a round, in the order they were made.
func (f *Fund) ListProposals(ctx context.Context, cooperativeID, roundID string) ([]Proposal, error) {
	var out []Proposal
	err := f.view(ctx, func(tx cooperative.Tx) error {
		r, err := roundGet(tx, cooperativeID, roundID)
		if err != nil {
			return err
		}
		out, err = proposalsOf(tx, r.ID)
		return err
	})
	return out, err
}
