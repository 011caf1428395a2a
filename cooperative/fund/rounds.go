package fund

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

const (
	collectionRounds     = "fund_rounds"
	collectionRoundsSeq  = "fund_round_counters" // one per cooperative: serialises the reservation of budgets
	roundMaxTitleRunes   = 200
	roundBalanceAsOfDate = cooperative.Date("9999-12-31") // every entry posted: a future-dated one counts too
)

func (r Round) record() cooperative.Record {
	return cooperative.Record{Collection: collectionRounds, ID: r.ID, Version: r.version, Data: cooperative.Encode(r),
		Index: map[string]string{"cooperative": r.CooperativeID}}
}

func roundGet(tx cooperative.Tx, cooperativeID, id string) (Round, error) {
	if !cooperative.ValidID(id) {
		return Round{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a funding round id", id)
	}
	r, rec, err := cooperative.GetAs[Round](tx, collectionRounds, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && r.CooperativeID != cooperativeID) {
		return Round{}, cooperative.Errorf(cooperative.ENOTFOUND, "funding round %s not found", id)
	}
	r.version = rec.Version
	return r, err
}

func roundSave(tx cooperative.Tx, r *Round) error {
	rec, err := tx.Replace(r.record())
	if err == nil {
		r.version = rec.Version
	}
	return err
}

// roundsOf reads every round of a cooperative, oldest first.
func roundsOf(tx cooperative.Tx, cooperativeID string) ([]Round, error) {
	var out []Round
	q := cooperative.Query{Collection: collectionRounds, Index: "cooperative", Value: cooperativeID, Limit: cooperative.MaxPageSize}
	for {
		page, err := tx.Find(q)
		if err != nil {
			return nil, err
		}
		for _, rec := range page.Records {
			var r Round
			if err := cooperative.Decode(rec, &r); err != nil {
				return nil, err
			}
			r.version = rec.Version
			out = append(out, r)
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

// FreeBalance is what the fund holds and what of it is not promised yet: balance is the
// credit balance of community_fund over every entry posted; reserved is, over the
// cooperative's rounds not closed, what their budgets still hold (BudgetCents −
// GrantedCents); free = balance − reserved, the most a new round may take.
//
// A grant leaves the reservation (GrantedCents rises) in the same transaction as the
// entry that takes it out of community_fund, so free does not move when one is awarded;
// closing a round frees what it did not grant.
func FreeBalance(tx cooperative.Tx, cooperativeID string) (balance, reserved, free int64, err error) {
	if balance, err = balanceOfFund(tx, cooperativeID); err != nil {
		return 0, 0, 0, err
	}
	rounds, err := roundsOf(tx, cooperativeID)
	if err != nil {
		return 0, 0, 0, err
	}
	if reserved, err = balanceReserved(rounds); err != nil {
		return 0, 0, 0, err
	}
	free, err = cooperative.AddMoney(balance, -reserved)
	return balance, reserved, free, err
}

// Balances is FreeBalance in a transaction of its own.
type Balances struct {
	BalanceCents  int64 `json:"balanceCents"`
	ReservedCents int64 `json:"reservedCents"`
	FreeCents     int64 `json:"freeCents"`
}

// FundBalances returns the fund's balance, what open rounds reserve and what is free.
func (f *Fund) FundBalances(ctx context.Context, cooperativeID string) (Balances, error) {
	var b Balances
	err := f.view(ctx, func(tx cooperative.Tx) (err error) {
		if _, err = cooperative.GetCooperativeTx(tx, cooperativeID); err != nil {
			return err
		}
		b.BalanceCents, b.ReservedCents, b.FreeCents, err = FreeBalance(tx, cooperativeID)
		return err
	})
	return b, err
}

// NewRound is what the board gives to open a funding round.
type NewRound struct {
	CooperativeID              string
	Title                      string
	BudgetCents                int64
	ProposalsFrom, ProposalsTo time.Time
	VotingFrom, VotingTo       time.Time
	RecordDate                 cooperative.Date
}

func (n NewRound) check() (NewRound, error) {
	var err error
	if n.Title, err = membership.CheckText("title", n.Title, roundMaxTitleRunes); err != nil {
		return n, err
	}
	if n.BudgetCents < 1 {
		return n, cooperative.Errorf(cooperative.EINVALID, "a round's budget is a positive amount of cents")
	}
	if _, err := cooperative.ParseDate(string(n.RecordDate)); err != nil {
		return n, cooperative.Errorf(cooperative.EINVALID, "recordDate: %s", cooperative.ErrorMessage(err))
	}
	switch {
	case n.ProposalsFrom.IsZero() || !n.ProposalsFrom.Before(n.ProposalsTo):
		return n, cooperative.RuleError("round_windows", "the proposal window must open before it closes")
	case n.VotingFrom.Before(n.ProposalsTo):
		return n, cooperative.RuleError("round_windows", "voting opens when or after the proposal window closes")
	case !n.VotingFrom.Before(n.VotingTo):
		return n, cooperative.RuleError("round_windows", "the voting window must open before it closes")
	case cooperative.DateOf(n.VotingFrom).Before(n.RecordDate):
		return n, cooperative.RuleError("record_date", "the record date %s is after voting opens (%s)", n.RecordDate,
			cooperative.DateOf(n.VotingFrom))
	}
	n.ProposalsFrom, n.ProposalsTo, n.VotingFrom, n.VotingTo = n.ProposalsFrom.UTC(), n.ProposalsTo.UTC(), n.VotingFrom.UTC(), n.VotingTo.UTC()
	return n, nil
}

// roundCounter is touched by every opening in the same transaction, so two rounds opened
// at once cannot both take the same free money: one write wins, the other runs again and
// sees the first round's reservation.
type roundCounter struct {
	Rounds int64 `json:"rounds"`
}

// OpenRound opens a funding round (the board, with its second factor): its budget is
// reserved from the fund's free balance (rule budget_free). Bad input is refused naming
// the rule, and nothing is written.
func (f *Fund) OpenRound(ctx context.Context, actor cooperative.Actor, in NewRound) (Round, error) {
	in, err := in.check()
	if err != nil {
		return Round{}, err
	}
	var out Round
	err = f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if _, err := cooperative.GetCooperativeTx(tx, in.CooperativeID); err != nil {
			return err
		}
		if !now.Before(in.ProposalsTo) {
			return cooperative.RuleError("round_windows", "the proposal window's closing time has already passed")
		}
		counter, crec, err := cooperative.GetAs[roundCounter](tx, collectionRoundsSeq, in.CooperativeID)
		if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
			return err
		}
		_, _, free, err := FreeBalance(tx, in.CooperativeID)
		if err != nil {
			return err
		}
		if in.BudgetCents > free {
			return cooperative.RuleError("budget_free", "the fund has %d cents free (its balance less what open rounds reserve), not %d",
				max(free, 0), in.BudgetCents)
		}
		counter.Rounds++
		if _, err := cooperative.Put(tx, cooperative.Record{Collection: collectionRoundsSeq, ID: in.CooperativeID,
			Version: crec.Version, Data: cooperative.Encode(counter)}); err != nil {
			return err
		}
		out = Round{ID: cooperative.NewID(), CooperativeID: in.CooperativeID, Title: in.Title, BudgetCents: in.BudgetCents,
			ProposalsFrom: in.ProposalsFrom, ProposalsTo: in.ProposalsTo, VotingFrom: in.VotingFrom, VotingTo: in.VotingTo,
			RecordDate: in.RecordDate, Status: RoundOpen, CreatedBy: actor.UserID, CreatedAt: now}
		out.BallotKeyCheck = f.voteKeyCheck(out.ID)
		if _, err := tx.Insert(out.record()); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, in.CooperativeID, "fund_round.open", "fund_round", out.ID, nil, out, now)
	})
	return out, err
}

// GetRound returns one round.
func (f *Fund) GetRound(ctx context.Context, cooperativeID, id string) (Round, error) {
	var r Round
	err := f.view(ctx, func(tx cooperative.Tx) (err error) { r, err = roundGet(tx, cooperativeID, id); return err })
	return r, err
}

// ListRounds returns a page of a cooperative's rounds, oldest first.
func (f *Fund) ListRounds(ctx context.Context, cooperativeID, after string, limit int) ([]Round, string, error) {
	if !cooperative.ValidID(cooperativeID) {
		return nil, "", cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
	}
	return cooperative.ListPage[Round](ctx, f.run.Store(), cooperative.Query{Collection: collectionRounds, Index: "cooperative",
		Value: cooperativeID, After: after, Limit: limit})
}
