package bonds

import (
	"context"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

// RedemptionStatus is where an early redemption request is.
type RedemptionStatus string

const (
	RedemptionRequested RedemptionStatus = "requested"
	RedemptionApproved  RedemptionStatus = "approved"
	RedemptionRejected  RedemptionStatus = "rejected"
)

// Redemption is a holder's request to have units redeemed before maturity, within the
// issue's early-redemption terms, decided by the board.
type Redemption struct {
	ID            string           `json:"id"`
	CooperativeID string           `json:"cooperativeId"`
	IssueID       string           `json:"issueId"`
	MemberID      string           `json:"memberId"`
	Units         int64            `json:"units"`
	RequestedOn   cooperative.Date `json:"requestedOn"`
	Status        RedemptionStatus `json:"status"`
	DecidedOn     cooperative.Date `json:"decidedOn,omitempty"`
	DecidedBy     string           `json:"decidedBy,omitempty"`
	Reason        string           `json:"reason,omitempty"` // why it was rejected
	UnitNumbers   []numbered.Range `json:"unitNumbers,omitempty"`
	// PrincipalCents is the outstanding principal of the units on the day they were
	// cancelled, owed to the holder (PayableID).
	PrincipalCents int64 `json:"principalCents"`
	// PenaltyMonths is the issue's penalty (months of interest), kept with the request so
	// the payment of the redemption applies the rule in force when it was approved.
	PenaltyMonths int `json:"penaltyMonths"`
	// PenaltyCents is that many months of interest on the principal: kept by the
	// cooperative; the payable is the principal less it.
	PenaltyCents int64     `json:"penaltyCents,omitempty"`
	PayableID    string    `json:"payableId,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	version      int64
}

const collectionRedemptions = "bond_redemptions"

func (r Redemption) record() cooperative.Record {
	idx := map[string]string{"cooperative": r.CooperativeID, "member": r.CooperativeID + ":" + r.MemberID}
	if r.Status == RedemptionRequested {
		idx["open"] = holdingKey(r.IssueID, r.MemberID)
	}
	return cooperative.Record{Collection: collectionRedemptions, ID: r.ID, Version: r.version, Data: cooperative.Encode(r), Index: idx}
}

func getRedemption(tx cooperative.Tx, cooperativeID, id string) (Redemption, error) {
	if !cooperative.ValidID(id) {
		return Redemption{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a redemption id", id)
	}
	r, rec, err := cooperative.GetAs[Redemption](tx, collectionRedemptions, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && r.CooperativeID != cooperativeID) {
		return Redemption{}, cooperative.Errorf(cooperative.ENOTFOUND, "redemption %s not found", id)
	}
	r.version = rec.Version
	return r, err
}

// requestedUnits is what a member's open redemption requests of an issue ask for.
func requestedUnits(tx cooperative.Tx, issueID, memberID string) (int64, error) {
	var n int64
	err := bondsReadAll(tx, cooperative.Query{Collection: collectionRedemptions, Index: "open", Value: holdingKey(issueID, memberID)},
		func(r Redemption, _ cooperative.Record) error { n += r.Units; return nil })
	return n, err
}

// outstandingPerUnit is the principal outstanding of one unit on date, before that day's
// payment: what an early redemption pays back. Interest of the days held until date is
// the next payment run's (the register's interval ends on date), so redemption pays none.
func outstandingPerUnit(terms Terms, date cooperative.Date) (int64, error) {
	unit, err := terms.UnitSchedule()
	if err != nil {
		return 0, err
	}
	return UnitOutstandingBefore(unit, terms.DenominationCents, date), nil
}

// redemptionPenalty is months of interest on principal at the coupon:
// round_half_up(principal × couponBP/10000 × months/12), never more than the principal.
func redemptionPenalty(terms Terms, principal int64, months int) int64 {
	if months <= 0 || principal <= 0 || terms.CouponBP <= 0 {
		return 0
	}
	return min(principal, mulDivHalfUp(principal, uint64(terms.CouponBP)*uint64(months), 10000*12))
}

// checkEarlyRedemption says whether the terms allow early redemption on date (rule
// early_redemption).
func checkEarlyRedemption(i Issue, date cooperative.Date) error {
	er := i.EarlyRedemption
	switch {
	case i.Status != IssueAllocated:
		return cooperative.RuleError("issue_allocated", "units are redeemed once the issue is allocated")
	case er.AllowedFrom == "":
		return cooperative.RuleError("early_redemption", "the terms of this issue allow no early redemption")
	case date.Before(er.AllowedFrom):
		return cooperative.RuleError("early_redemption", "the terms allow early redemption from %s, not on %s", er.AllowedFrom, date)
	case !date.Before(i.Terms.Maturity()):
		return cooperative.RuleError("early_redemption", "the issue matures on %s: redemption before maturity ends the day before", i.Terms.Maturity())
	}
	return nil
}

// RedemptionRequest asks to have units of an issue redeemed early.
type RedemptionRequest struct {
	CooperativeID, IssueID, MemberID string
	Units                            int64
}

// RequestRedemption records a holder's request for early redemption, within the terms
// (from the date they allow, before maturity: rule early_redemption) and what the holder
// holds less what they asked already (units_held).
func (b *Bonds) RequestRedemption(ctx context.Context, actor cooperative.Actor, in RedemptionRequest) (Redemption, error) {
	if in.Units <= 0 {
		return Redemption{}, cooperative.Errorf(cooperative.EINVALID, "redeem a positive number of units")
	}
	var r Redemption
	err := b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		i, err := getIssue(tx, in.CooperativeID, in.IssueID)
		if err != nil {
			return err
		}
		if _, err := membership.GetMember(tx, in.CooperativeID, in.MemberID); err != nil {
			return err
		}
		today := cooperative.DateOf(now)
		if err := checkEarlyRedemption(i, today); err != nil {
			return err
		}
		h, err := getHolding(tx, i.CooperativeID, i.ID, in.MemberID)
		if err != nil {
			return err
		}
		asked, err := requestedUnits(tx, i.ID, in.MemberID)
		if err != nil {
			return err
		}
		if in.Units > h.Units-asked {
			return cooperative.RuleError("units_held", "the member holds %d units of the issue, %d of them asked to be redeemed already; not %d more",
				h.Units, asked, in.Units)
		}
		// Rewriting the holding makes two requests of one member at once collide, so the
		// second sees the first.
		rec, err := cooperative.Put(tx, h.record())
		if err != nil {
			return err
		}
		h.version = rec.Version
		r = Redemption{ID: cooperative.NewID(), CooperativeID: i.CooperativeID, IssueID: i.ID, MemberID: in.MemberID, Units: in.Units,
			RequestedOn: today, Status: RedemptionRequested, PenaltyMonths: i.EarlyRedemption.PenaltyMonths, CreatedAt: now}
		if _, err := tx.Insert(r.record()); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, i.CooperativeID, "bond_redemption.request", "bond_redemption", r.ID, nil, r, now)
	})
	return r, err
}

// RedemptionDecision is the board's answer to a request.
type RedemptionDecision struct {
	Approve bool
	Reason  string // required to reject
}

// DecideRedemption approves (still within the terms, today) or rejects a request. On
// approval the holder's lowest-numbered units are cancelled in the register, the
// outstanding principal of each (outstandingPerUnit) comes off bonds outstanding onto
// bond payments payable (Dr bonds outstanding / Cr bond payments payable) and
// is owed to the holder through payouts (reason bond_principal). The interest due to the
// day and the penalty are for the payment of the redemption.
func (b *Bonds) DecideRedemption(ctx context.Context, actor cooperative.Actor, cooperativeID, redemptionID string, d RedemptionDecision) (Redemption, error) {
	reason, err := bondsOptionalText("reason", d.Reason, 1000)
	if err != nil {
		return Redemption{}, err
	}
	if !d.Approve && reason == "" {
		return Redemption{}, cooperative.Errorf(cooperative.EINVALID, "say why the redemption is rejected")
	}
	var r Redemption
	err = b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if r, err = getRedemption(tx, cooperativeID, redemptionID); err != nil {
			return err
		}
		before := r
		if r.Status != RedemptionRequested {
			return cooperative.RuleError("redemption_requested", "the redemption is %s already", r.Status)
		}
		i, err := getIssue(tx, cooperativeID, r.IssueID)
		if err != nil {
			return err
		}
		today := cooperative.DateOf(now)
		r.DecidedOn, r.DecidedBy = today, actor.UserID
		if !d.Approve {
			r.Status, r.Reason = RedemptionRejected, reason
		} else if err := redeem(tx, actor, &i, &r, now); err != nil {
			return err
		}
		rec, err := tx.Replace(r.record())
		if err != nil {
			return err
		}
		r.version = rec.Version
		return cooperative.AppendAudit(tx, actor, cooperativeID, "bond_redemption.decide", "bond_redemption", r.ID, before, r, now)
	})
	return r, err
}

// redeem cancels an approved request's units and owes their principal to the holder.
func redeem(tx cooperative.Tx, actor cooperative.Actor, i *Issue, r *Redemption, now time.Time) error {
	date := registerDate(*i, cooperative.DateOf(now))
	if err := checkEarlyRedemption(*i, date); err != nil {
		return err
	}
	h, err := getHolding(tx, i.CooperativeID, i.ID, r.MemberID)
	if err != nil {
		return err
	}
	if r.Units > h.Units {
		return cooperative.RuleError("units_held", "the member holds %d units of the issue now, not %d", h.Units, r.Units)
	}
	taken, rest := numbered.TakeLowest(h.Ranges, r.Units)
	if err := setUnits(tx, &h, rest, date, "redemption:"+r.ID); err != nil {
		return err
	}
	i.RedeemedUnits += r.Units
	i.LastRegisterOn = date
	if err := saveIssue(tx, i); err != nil {
		return err
	}
	perUnit, err := outstandingPerUnit(i.Terms, date)
	if err != nil {
		return err
	}
	principal, err := cooperative.MulMoney(r.Units, perUnit)
	if err != nil {
		return err
	}
	penalty := redemptionPenalty(i.Terms, principal, r.PenaltyMonths)
	r.Status, r.UnitNumbers, r.PrincipalCents, r.PenaltyCents = RedemptionApproved, taken, principal, penalty
	lines := []ledger.Line{{Account: string(ledger.AccountBondsOutstanding), Amount: principal},
		{Account: string(ledger.AccountBondPaymentsPayable), Amount: -(principal - penalty)}}
	if penalty > 0 {
		lines = append(lines, ledger.Line{Account: string(ledger.AccountBondRedemptionPenalties), Amount: -penalty})
	}
	if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: i.CooperativeID, Key: "bond-redemption:" + r.ID, BookingDate: date,
		Description: "Early redemption of " + strconv.FormatInt(r.Units, 10) + " units of bond issue " + issueName(*i) +
			" (" + numbered.Format(taken) + ")",
		Source: ledger.Source{Type: "bond_redemption", ID: r.ID}, Lines: lines}); err != nil {
		return err
	}
	if principal == penalty {
		return nil // the penalty took it all: nothing to pay
	}
	p, err := payouts.Owe(tx, actor, payouts.Owed{CooperativeID: i.CooperativeID, MemberID: r.MemberID, Reason: payouts.ReasonBondPrincipal,
		Account: string(ledger.AccountBondPaymentsPayable), AmountCents: principal - penalty, DueOn: date,
		Text: "Early redemption " + issueName(*i), SourceType: "bond_redemption", SourceID: r.ID}, now)
	if err != nil {
		return err
	}
	r.PayableID = p.ID
	return nil
}

// GetRedemption returns one request.
func (b *Bonds) GetRedemption(ctx context.Context, cooperativeID, id string) (Redemption, error) {
	var r Redemption
	err := b.view(ctx, func(tx cooperative.Tx) (err error) { r, err = getRedemption(tx, cooperativeID, id); return err })
	return r, err
}

// ListRedemptions returns a page of the cooperative's redemption requests (a member's,
// when memberID is set), oldest first.
func (b *Bonds) ListRedemptions(ctx context.Context, cooperativeID, memberID, after string, limit int) ([]Redemption, string, error) {
	if err := cooperative.CheckCursor(after); err != nil {
		return nil, "", err
	}
	q := cooperative.Query{Collection: collectionRedemptions, Index: "cooperative", Value: cooperativeID, After: after, Limit: limit}
	if memberID != "" {
		if !cooperative.ValidID(memberID) {
			return nil, "", cooperative.Errorf(cooperative.EINVALID, "%q is not a member id", memberID)
		}
		q.Index, q.Value = "member", cooperativeID+":"+memberID
	}
	var (
		list []Redemption
		next string
	)
	err := b.view(ctx, func(tx cooperative.Tx) (err error) {
		list, next, err = cooperative.FindAs[Redemption](tx, q)
		return err
	})
	return list, next, err
}
