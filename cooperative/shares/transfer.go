package shares

import (
	"context"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

// Transfer is a board-approved transfer of shares between members. Recording it is the
// board's approval: the route that calls Transfer is the board's (with a second factor).
type Transfer struct {
	ID            string           `json:"id"`
	CooperativeID string           `json:"cooperativeId"`
	From          string           `json:"from"`
	To            string           `json:"to"`
	Class         string           `json:"class"`
	Shares        int64            `json:"shares"`
	ShareNumbers  []ShareRange     `json:"shareNumbers"`
	Date          cooperative.Date `json:"date"`
	Reason        string           `json:"reason,omitempty"`
	ApprovedBy    string           `json:"approvedBy,omitempty"`
	CreatedAt     time.Time        `json:"createdAt"`
}

// TransferRequest asks to move shares from one member to another.
type TransferRequest struct {
	CooperativeID, From, To, Class string
	Shares                         int64
	Reason                         string // for example "inheritance"
}

const (
	collectionTransfers   = "transfers"
	collectionWithdrawals = "withdrawals"
)

// keepsMinimum checks that a member who keeps shares of a class keeps at least its
// minimum (a member with none left is leaving, which is allowed).
func keepsMinimum(class membership.ShareClass, remaining int64) error {
	if remaining != 0 && remaining < class.MinPerMember {
		return cooperative.RuleError("min_per_member", "a member holding class %s keeps at least %d shares, or none",
			class.Code, class.MinPerMember)
	}
	return nil
}

// Transfer moves shares (lowest numbers first) from one member to another: the
// receiver must be an active member; the giver an active member or a deceased one (whose
// shares pass to the heirs). Posts Dr member capital (giver) / Cr member capital
// (receiver) at nominal value, so the ledger follows the register.
func (r *Registry) Transfer(ctx context.Context, actor cooperative.Actor, in TransferRequest) (Transfer, error) {
	if in.Shares <= 0 {
		return Transfer{}, cooperative.Errorf(cooperative.EINVALID, "transfer a positive number of shares")
	}
	if in.From == in.To {
		return Transfer{}, cooperative.Errorf(cooperative.EINVALID, "a transfer needs two different members")
	}
	var t Transfer
	err := r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		from, err := membership.GetMember(tx, in.CooperativeID, in.From)
		if err != nil {
			return err
		}
		to, err := membership.GetMember(tx, in.CooperativeID, in.To)
		if err != nil {
			return err
		}
		if from.Status != membership.MemberActive && from.Status != membership.MemberDeceased {
			return cooperative.RuleError("transfer_from_member", "shares can be transferred from an active or deceased member, not a %s one", from.Status)
		}
		if to.Status != membership.MemberActive {
			return cooperative.RuleError("transfer_to_member", "shares can only be transferred to an active member; the receiver is %s", to.Status)
		}
		today := cooperative.DateOf(now)
		_, class, err := membership.ClassOn(tx, in.CooperativeID, in.Class, today)
		if err != nil {
			return err
		}
		src, err := getHolding(tx, in.CooperativeID, from.ID, class.Code)
		if err != nil {
			return err
		}
		dst, err := getHolding(tx, in.CooperativeID, to.ID, class.Code)
		if err != nil {
			return err
		}
		if in.Shares > src.Shares {
			return cooperative.RuleError("shares_held", "the member holds %d shares of class %s, not %d", src.Shares, class.Code, in.Shares)
		}
		if from.Status == membership.MemberActive {
			if err := keepsMinimum(class, src.Shares-in.Shares); err != nil {
				return err
			}
		}
		if dst.Shares+in.Shares > class.MaxPerMember {
			return cooperative.RuleError("max_per_member", "a member may hold at most %d shares of class %s", class.MaxPerMember, class.Code)
		}
		t = Transfer{ID: cooperative.NewID(), CooperativeID: in.CooperativeID, From: from.ID, To: to.ID, Class: class.Code,
			Shares: in.Shares, Reason: in.Reason, ApprovedBy: actor.UserID, CreatedAt: now}
		ev, err := moveShares(tx, in.CooperativeID, class.Code, from.ID, to.ID, in.Shares, today, t.ID)
		if err != nil {
			return err
		}
		t.ShareNumbers, t.Date = ev.Ranges, ev.Date
		value, err := cooperative.MulMoney(in.Shares, class.NominalCents)
		if err != nil {
			return err
		}
		if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: in.CooperativeID, Key: "transfer:" + t.ID, BookingDate: t.Date,
			Description: "Transfer of " + strconv.FormatInt(in.Shares, 10) + " shares " + class.Code + " (" + FormatRanges(ev.Ranges) + ")",
			Source:      ledger.Source{Type: "transfer", ID: t.ID},
			Lines: []ledger.Line{{Account: ledger.MemberAccount(ledger.AccountMemberCapital, from.ID), Amount: value},
				{Account: ledger.MemberAccount(ledger.AccountMemberCapital, to.ID), Amount: -value}}}); err != nil {
			return err
		}
		if _, err := tx.Insert(cooperative.Record{Collection: collectionTransfers, ID: t.ID, Data: cooperative.Encode(t),
			Index: map[string]string{"cooperative": t.CooperativeID}}); err != nil {
			return err
		}
		if err := tellTransferred(tx, r.linkBase, t, from, to, class, value); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, in.CooperativeID, "shares.transfer", "transfer", t.ID, nil, t, now)
	})
	return t, err
}

// WithdrawalStatus is where a withdrawal request is.
type WithdrawalStatus string

const (
	WithdrawalRequested WithdrawalStatus = "requested"
	WithdrawalApproved  WithdrawalStatus = "approved"
	WithdrawalRejected  WithdrawalStatus = "rejected"
)

// Withdrawal is a member's request to have shares redeemed at nominal value. It can be
// approved once the notice period of the statutes (in force when it was requested) has
// passed. One that takes the member's last shares ends the membership when approved
// (EndsMembership): the member resigns on the day of approval.
type Withdrawal struct {
	ID             string           `json:"id"`
	CooperativeID  string           `json:"cooperativeId"`
	MemberID       string           `json:"memberId"`
	Class          string           `json:"class"`
	Shares         int64            `json:"shares"`
	EndsMembership bool             `json:"endsMembership,omitempty"`
	RequestedOn    cooperative.Date `json:"requestedOn"`
	EarliestOn     cooperative.Date `json:"earliestOn"`
	Status         WithdrawalStatus `json:"status"`
	DecidedOn      cooperative.Date `json:"decidedOn,omitempty"`
	Reason         string           `json:"reason,omitempty"`
	AmountCents    int64            `json:"amountCents"` // payable to the member
	ShareNumbers   []ShareRange     `json:"shareNumbers,omitempty"`
	// IdempotencyKey is the member's key for retries (unique per member).
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	version        int64
}

func (w Withdrawal) record() cooperative.Record {
	rec := cooperative.Record{Collection: collectionWithdrawals, ID: w.ID, Version: w.version, Data: cooperative.Encode(w),
		Index: map[string]string{"cooperative": w.CooperativeID, "member": w.MemberID}}
	if w.IdempotencyKey != "" {
		rec.Unique = map[string]string{"key": w.MemberID + ":" + w.IdempotencyKey}
		rec.Index["key"] = w.MemberID + ":" + w.IdempotencyKey
	}
	return rec
}

// WithdrawalRequest asks to have shares of one class redeemed. EndMembership says the
// member means to leave: it is required (and only allowed) when the withdrawal, with
// the requests still open, leaves the member without the shares membership needs.
type WithdrawalRequest struct {
	CooperativeID, MemberID, Class string
	Shares                         int64
	EndMembership                  bool
	// IdempotencyKey (optional) makes a retried request return the first withdrawal.
	IdempotencyKey string
}

// RequestWithdrawal records a member's request to withdraw shares. A withdrawal that
// would leave an active member without the membership minimum of the statutes (at
// least max(1, minPerMember) shares of a class that confers membership) is a
// resignation: without EndMembership it is refused, naming the rule; with it, it must
// take every share the member has left, and approving it ends the membership.
//
// A request with an IdempotencyKey the member used before returns that first
// withdrawal and writes nothing (no audit entry, no mail to the board); the same key
// with other facts is ECONFLICT.
func (r *Registry) RequestWithdrawal(ctx context.Context, actor cooperative.Actor, in WithdrawalRequest) (Withdrawal, error) {
	if in.Shares <= 0 {
		return Withdrawal{}, cooperative.Errorf(cooperative.EINVALID, "withdraw a positive number of shares")
	}
	if err := cooperative.CheckIdempotencyKey(in.IdempotencyKey); err != nil {
		return Withdrawal{}, err
	}
	var w Withdrawal
	err := r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if in.IdempotencyKey != "" {
			list, _, err := cooperative.FindAs[Withdrawal](tx, cooperative.Query{Collection: collectionWithdrawals, Index: "key",
				Value: in.MemberID + ":" + in.IdempotencyKey, Limit: 1})
			if err != nil {
				return err
			}
			if len(list) > 0 {
				first := list[0]
				if first.CooperativeID != in.CooperativeID || first.Class != in.Class || first.Shares != in.Shares ||
					first.EndsMembership != in.EndMembership {
					return cooperative.Errorf(cooperative.ECONFLICT, "this key was used for another request")
				}
				w = first
				return nil
			}
		}
		m, err := membership.GetMember(tx, in.CooperativeID, in.MemberID)
		if err != nil {
			return err
		}
		if m.Status != membership.MemberActive {
			return cooperative.RuleError("member_active", "only an active member can withdraw shares; this one is %s", m.Status)
		}
		today := cooperative.DateOf(now)
		st, sc, err := membership.ClassOn(tx, in.CooperativeID, in.Class, today)
		if err != nil {
			return err
		}
		// Requests of one member are made one after the other, whatever the store's
		// isolation: each writes the member's claim record, so two at once collide and
		// one is retried, and sees the other's request.
		if err := claimWithdrawal(tx, in.MemberID); err != nil {
			return err
		}
		h, err := getHolding(tx, in.CooperativeID, in.MemberID, in.Class)
		if err != nil {
			return err
		}
		left, err := sharesLeft(tx, in.CooperativeID, in.MemberID)
		if err != nil {
			return err
		}
		if in.Shares > left[in.Class] {
			return cooperative.RuleError("shares_held", "the member holds %d shares of class %s, of which open withdrawal requests "+
				"already ask for %d: at most %d more can be asked for, not %d",
				h.Shares, in.Class, h.Shares-left[in.Class], max(0, left[in.Class]), in.Shares)
		}
		left[in.Class] -= in.Shares
		if err := keepsMinimum(sc, left[in.Class]); err != nil {
			return err
		}
		if err := checkMembershipKept(st, left, in.EndMembership); err != nil {
			return err
		}
		amount, err := cooperative.MulMoney(in.Shares, sc.NominalCents)
		if err != nil {
			return err
		}
		w = Withdrawal{ID: cooperative.NewID(), CooperativeID: in.CooperativeID, MemberID: in.MemberID, Class: in.Class, Shares: in.Shares,
			EndsMembership: in.EndMembership, RequestedOn: today, EarliestOn: today.AddDays(st.NoticePeriodDays),
			Status: WithdrawalRequested, AmountCents: amount, IdempotencyKey: in.IdempotencyKey}
		if _, err := tx.Insert(w.record()); err != nil {
			return err
		}
		if err := mailBoardOfWithdrawal(tx, m, sc, w, now); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, in.CooperativeID, "withdrawal.request", "withdrawal", w.ID, nil, w, now)
	})
	return w, err
}

func getWithdrawal(tx cooperative.Tx, cooperativeID, id string) (Withdrawal, error) {
	if !cooperative.ValidID(id) {
		return Withdrawal{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a withdrawal id", id)
	}
	w, rec, err := cooperative.GetAs[Withdrawal](tx, collectionWithdrawals, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && w.CooperativeID != cooperativeID) {
		return Withdrawal{}, cooperative.Errorf(cooperative.ENOTFOUND, "withdrawal %s not found", id)
	}
	w.version = rec.Version
	return w, err
}

// DecideWithdrawal approves (after the notice period) or rejects a withdrawal. Approval
// cancels the shares (lowest numbers first), posts Dr member capital / Cr refunds
// payable at nominal value, and makes the payable that pays it out (payouts.Owe).
// Deciding the same way twice is harmless.
func (r *Registry) DecideWithdrawal(ctx context.Context, actor cooperative.Actor, cooperativeID, withdrawalID string, approve bool, reason string) (Withdrawal, error) {
	var w Withdrawal
	err := r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		var err error
		if w, err = getWithdrawal(tx, cooperativeID, withdrawalID); err != nil {
			return err
		}
		want := WithdrawalRejected
		if approve {
			want = WithdrawalApproved
		}
		if w.Status == want {
			return nil
		}
		if w.Status != WithdrawalRequested {
			return cooperative.RuleError("withdrawal_open", "the withdrawal is already %s", w.Status)
		}
		today := cooperative.DateOf(now)
		before := w
		w.Status, w.DecidedOn, w.Reason = want, today, reason
		if approve {
			if today.Before(w.EarliestOn) {
				return cooperative.RuleError("notice_period", "the notice period ends on %s", w.EarliestOn)
			}
			ev, err := moveShares(tx, cooperativeID, w.Class, w.MemberID, "", w.Shares, today, w.ID)
			if err != nil {
				return err
			}
			w.ShareNumbers = ev.Ranges
			if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: cooperativeID, Key: "withdrawal:" + w.ID, BookingDate: ev.Date,
				Description: "Withdrawal of " + strconv.FormatInt(w.Shares, 10) + " shares " + w.Class + " at nominal value",
				Source:      ledger.Source{Type: "withdrawal", ID: w.ID},
				Lines: []ledger.Line{{Account: ledger.MemberAccount(ledger.AccountMemberCapital, w.MemberID), Amount: w.AmountCents},
					{Account: string(ledger.AccountRefundsPayable), Amount: -w.AmountCents}}}); err != nil {
				return err
			}
			// What the member is owed now goes out with the next payout batch.
			if _, err := payouts.Owe(tx, actor, payouts.Owed{CooperativeID: cooperativeID, MemberID: w.MemberID,
				Reason: payouts.ReasonShareRedemption, Account: string(ledger.AccountRefundsPayable), AmountCents: w.AmountCents,
				DueOn: ev.Date, Text: "Redemption of " + strconv.FormatInt(w.Shares, 10) + " shares " + w.Class,
				SourceType: "withdrawal", SourceID: w.ID}, now); err != nil {
				return err
			}
			if w.EndsMembership {
				if err := resignByWithdrawal(tx, actor, w, today, now); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Replace(w.record()); err != nil {
			return err
		}
		if err := tellWithdrawalDecided(tx, r.linkBase, w, now); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "withdrawal."+string(want), "withdrawal", w.ID, before, w, now)
	})
	return w, err
}
