package payouts

import (
	"context"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// Reason is why the cooperative owes a payable.
type Reason string

const (
	ReasonShareRedemption Reason = "share_redemption"
	ReasonRefund          Reason = "refund"
	ReasonBondInterest    Reason = "bond_interest"
	ReasonBondPrincipal   Reason = "bond_principal"
	ReasonDividend        Reason = "dividend"
	ReasonGrant           Reason = "grant"
)

func (r Reason) valid() bool {
	switch r {
	case ReasonShareRedemption, ReasonRefund, ReasonBondInterest, ReasonBondPrincipal, ReasonDividend, ReasonGrant:
		return true
	}
	return false
}

// PayableStatus is where a payable is on its way out:
//
//	open → batched → sent → paid
//	batched → open    (its batch was cancelled)
//	sent|paid → open  (the bank returned the payment; a new batch pays it again)
//
// Paid is read from the payment: the statement marks the payment paid, and a sent
// payable whose payment is paid is paid (settle), so a debit rewrites one record.
type PayableStatus string

const (
	PayableOpen    PayableStatus = "open"
	PayableBatched PayableStatus = "batched"
	PayableSent    PayableStatus = "sent"
	PayablePaid    PayableStatus = "paid"
)

// Payable is an amount the cooperative owes a member.
type Payable struct {
	ID            string `json:"id"`
	CooperativeID string `json:"cooperativeId"`
	MemberID      string `json:"memberId"`
	Reason        Reason `json:"reason"`
	// Account is the ledger account the amount sits on until it is paid: what the
	// batch debits when it is sent (refunds_payable, or a member's sub-account).
	Account     string           `json:"account"`
	AmountCents int64            `json:"amountCents"`
	DueOn       cooperative.Date `json:"dueOn"`
	// Text is what the payee reads on their bank statement (remittance information).
	Text string `json:"text"`
	// Source is what owes it: a withdrawal, a subscription, a bond, …; one payable per
	// source and key.
	SourceType string        `json:"sourceType"`
	SourceID   string        `json:"sourceId"`
	Status     PayableStatus `json:"status"`
	// BatchID and TransferID are the batch and payment paying it now ("" when open).
	BatchID    string           `json:"batchId,omitempty"`
	TransferID string           `json:"transferId,omitempty"`
	PaidOn     cooperative.Date `json:"paidOn,omitempty"`
	// Payee, when set, is who is paid instead of the member's payout account: a grant's
	// beneficiary, who need not be a member (MemberID is then who answers for it).
	Payee *Payee `json:"payee,omitempty"`
	// Returns counts the payments of it the bank sent back; LastReturn says why the last
	// one came back.
	Returns    int       `json:"returns,omitempty"`
	LastReturn string    `json:"lastReturn,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	version    int64
}

const collectionPayables = "payables"

func (p Payable) record() cooperative.Record {
	key := sourceKey(p.CooperativeID, p.SourceType, p.SourceID)
	index := map[string]string{"source": key, "cooperative": p.CooperativeID, "member": p.CooperativeID + ":" + p.MemberID}
	// Only open payables are found by state (a batch gathers them): the keys of a
	// payable then stay as they are from batched to paid, and a statement's debit
	// rewrites its data alone.
	if p.Status == PayableOpen {
		index["open"] = p.CooperativeID
	}
	return cooperative.Record{Collection: collectionPayables, ID: p.ID, Version: p.version, Data: cooperative.Encode(p),
		Unique: map[string]string{"source": key}, Index: index}
}

func savePayable(tx cooperative.Tx, p *Payable, now time.Time) error {
	p.UpdatedAt = now.UTC()
	rec, err := cooperative.Put(tx, p.record())
	if err == nil {
		p.version = rec.Version
	}
	return err
}

// settle shows a sent payable whose payment the bank has debited as paid, on that day.
func settle(tx cooperative.Tx, p *Payable) error {
	if p.Status != PayableSent || p.TransferID == "" {
		return nil
	}
	t, _, err := cooperative.GetAs[Transfer](tx, collectionTransfers, p.TransferID)
	if err != nil {
		return err
	}
	if t.Status == TransferPaid {
		p.Status, p.PaidOn = PayablePaid, t.PaidOn
	}
	return nil
}

func getPayable(tx cooperative.Tx, cooperativeID, id string) (Payable, error) {
	if !cooperative.ValidID(id) {
		return Payable{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a payable id", id)
	}
	p, rec, err := cooperative.GetAs[Payable](tx, collectionPayables, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && p.CooperativeID != cooperativeID) {
		return Payable{}, cooperative.Errorf(cooperative.ENOTFOUND, "payable %s not found", id)
	}
	p.version = rec.Version
	return p, err
}

// Payee is an account a payable is paid to other than its member's payout account.
type Payee struct {
	Name string `json:"name"`
	IBAN string `json:"iban"`
}

// Owed is what a capability owes a member, as it tells Owe.
type Owed struct {
	CooperativeID string
	MemberID      string
	Reason        Reason
	// Account is the liability the capability credited with the amount, in the same
	// transaction.
	Account     string
	AmountCents int64
	DueOn       cooperative.Date
	Text        string
	// SourceType and SourceID name what owes it; owing the same source twice returns
	// the payable made the first time.
	SourceType, SourceID string
	// Payee, when set, is paid instead of the member's payout account (Owe only).
	Payee *Payee
}

// Owe records, inside the caller's transaction, that the cooperative owes o: the caller
// has posted the liability (Cr o.Account) in the same transaction. It returns the
// payable, or the one made before for the same source (a retry); the same source with
// other facts is ECONFLICT. The actor is who the audit names.
func Owe(tx cooperative.Tx, actor cooperative.Actor, o Owed, now time.Time) (Payable, error) {
	p, err := newPayable(o, now)
	if err != nil {
		return Payable{}, err
	}
	if o.Account == "" || o.SourceType == "" || o.SourceID == "" {
		return Payable{}, cooperative.Errorf(cooperative.EINVALID, "a payable needs its account and source")
	}
	if o.Payee != nil {
		iban, err := cooperative.ParseIBAN(o.Payee.IBAN)
		if err != nil || strings.TrimSpace(o.Payee.Name) == "" {
			return Payable{}, cooperative.Errorf(cooperative.EINVALID, "a payee needs a name and a valid IBAN")
		}
		p.Payee = &Payee{Name: strings.TrimSpace(o.Payee.Name), IBAN: iban}
	}
	if _, err := membership.GetMember(tx, o.CooperativeID, o.MemberID); err != nil {
		return Payable{}, err
	}
	found, ok, err := payableOf(tx, o.CooperativeID, o.SourceType, o.SourceID)
	if err != nil || ok {
		if ok && (found.AmountCents != o.AmountCents || found.MemberID != o.MemberID || found.Account != o.Account) {
			return Payable{}, cooperative.Errorf(cooperative.ECONFLICT, "%s %s owes a payable already, of other facts", o.SourceType, o.SourceID)
		}
		return found, err
	}
	if err := savePayable(tx, &p, now); err != nil {
		return Payable{}, err
	}
	return p, cooperative.AppendAudit(tx, actor, p.CooperativeID, "payable.create", "payable", p.ID, nil, p, now)
}

// OweAll records many payables at once, inside the caller's transaction, for a capability
// that owes thousands together (a bond payment run, a distribution): the caller has posted
// their liability and vouches that each payee is a member of the cooperative (it read
// them from its own register), so no member is read again, and one audit entry names them
// all (audit says how many, the total, and sourceType/batchID) instead of one each. A
// source owed before is ECONFLICT: a caller making its batch once (keyed itself) never
// meets one.
func OweAll(tx cooperative.Tx, actor cooperative.Actor, cooperativeID, sourceType, batchID string, all []Owed, now time.Time) ([]Payable, error) {
	out := make([]Payable, len(all))
	var total int64
	for i, o := range all {
		if o.CooperativeID != cooperativeID || o.SourceType != sourceType {
			return nil, cooperative.Errorf(cooperative.EINVALID, "OweAll: every payable is of cooperative %s and source %s", cooperativeID, sourceType)
		}
		p, err := newPayable(o, now)
		if err != nil {
			return nil, err
		}
		if o.Account == "" || o.SourceID == "" || !cooperative.ValidID(o.MemberID) {
			return nil, cooperative.Errorf(cooperative.EINVALID, "a payable needs its account, source and member")
		}
		if err := savePayable(tx, &p, now); err != nil {
			return nil, err
		}
		if total, err = cooperative.AddMoney(total, p.AmountCents); err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, cooperative.AppendAudit(tx, actor, cooperativeID, "payable.create_all", sourceType, batchID, nil,
		struct {
			Payables   int   `json:"payables"`
			TotalCents int64 `json:"totalCents"`
		}{len(out), total}, now)
}

// newPayable checks what Owe and OweAll both ask of o (a reason, a positive amount, a due
// date) and makes its open payable, without a payee; each checks its account and source
// itself.
func newPayable(o Owed, now time.Time) (Payable, error) {
	switch {
	case !o.Reason.valid():
		return Payable{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a reason for a payout", o.Reason)
	case o.AmountCents <= 0:
		return Payable{}, cooperative.Errorf(cooperative.EINVALID, "a payable is a positive amount, not %d", o.AmountCents)
	}
	if _, err := cooperative.ParseDate(string(o.DueOn)); err != nil {
		return Payable{}, err
	}
	return Payable{ID: cooperative.NewID(), CooperativeID: o.CooperativeID, MemberID: o.MemberID, Reason: o.Reason,
		Account: o.Account, AmountCents: o.AmountCents, DueOn: o.DueOn, Text: strings.TrimSpace(o.Text),
		SourceType: o.SourceType, SourceID: o.SourceID, Status: PayableOpen, CreatedAt: now.UTC()}, nil
}

// payableOf finds the payable a source owes.
func payableOf(tx cooperative.Tx, cooperativeID, sourceType, sourceID string) (Payable, bool, error) {
	list, _, err := cooperative.FindAs[Payable](tx, cooperative.Query{Collection: collectionPayables, Index: "source",
		Value: sourceKey(cooperativeID, sourceType, sourceID), Limit: 1})
	if err != nil || len(list) == 0 {
		return Payable{}, false, err
	}
	return list[0], true, nil
}

func sourceKey(cooperativeID, sourceType, sourceID string) string {
	return cooperativeID + ":" + sourceType + ":" + sourceID
}

// PayableView is a payable as staff and its payee see it: with, while it is open, why
// it cannot be paid yet (Waiting: the payee has no account payouts may go to).
type PayableView struct {
	Payable
	Waiting string `json:"waiting,omitempty"`
}

// waiting says why an open payable cannot go into a batch, or "", and the account it
// goes to: its own payee's, or else its member's payout account.
func waiting(tx cooperative.Tx, p Payable) (string, membership.PayoutAccount, error) {
	if p.Payee != nil {
		return "", membership.PayoutAccount{Holder: p.Payee.Name, IBAN: p.Payee.IBAN}, nil // checked by Owe
	}
	acct, err := membership.PayoutAccountOf(tx, p.CooperativeID, p.MemberID)
	if err != nil {
		return "", acct, err
	}
	switch {
	case acct.IBAN == "":
		return "the member has no payout account", acct, nil
	case acct.Suspect != "": // PayoutAccount holds an IBAN that is not valid too
		return "payouts to " + acct.IBAN + " are held: " + acct.Suspect, acct, nil
	}
	return "", acct, nil
}

// PayableFilter selects payables to list.
type PayableFilter struct {
	Status   PayableStatus // "" for all
	MemberID string        // "" for every member
	After    string
	Limit    int
}

// ListPayables returns a page of a cooperative's payables in the order they were owed,
// an open one with why it waits, if it does.
func (s *Payouts) ListPayables(ctx context.Context, cooperativeID string, f PayableFilter) ([]PayableView, string, error) {
	if err := cooperative.CheckCursor(f.After); err != nil {
		return nil, "", err
	}
	q := cooperative.Query{Collection: collectionPayables, Index: "cooperative", Value: cooperativeID, After: f.After}
	switch f.Status {
	case "":
	case PayableOpen:
		q.Index, q.Value = "open", cooperativeID
	case PayableBatched, PayableSent, PayablePaid:
		// Read through the cooperative's and filtered (see record).
	default:
		return nil, "", cooperative.Errorf(cooperative.EINVALID, "status must be open, batched, sent or paid")
	}
	if f.MemberID != "" {
		if !cooperative.ValidID(f.MemberID) {
			return nil, "", cooperative.Errorf(cooperative.EINVALID, "%q is not a member id", f.MemberID)
		}
		q.Index, q.Value = "member", cooperativeID+":"+f.MemberID
	}
	var (
		out  []PayableView
		next string
	)
	err := s.run.View(ctx, func(tx cooperative.Tx) error {
		// Settling turns a sent payable paid and nothing else, so only a sent or paid
		// filter needs it while scanning; what it settled there the page keeps.
		type settledAs struct {
			status PayableStatus
			paidOn cooperative.Date
		}
		var (
			settleErr error
			settled   = map[string]settledAs{}
		)
		list, n, err := cooperative.FindWhere(tx, q, f.Limit, func(p Payable) bool {
			if p.CooperativeID != cooperativeID {
				return false
			}
			if f.Status != PayableSent && f.Status != PayablePaid {
				return f.Status == "" || p.Status == f.Status
			}
			if err := settle(tx, &p); err != nil {
				settleErr = err
			}
			if p.Status != f.Status {
				return false
			}
			settled[p.ID] = settledAs{p.Status, p.PaidOn}
			return true
		})
		if err == nil {
			err = settleErr
		}
		if err != nil {
			return err
		}
		next, out = n, make([]PayableView, 0, len(list))
		for _, p := range list {
			if s, ok := settled[p.ID]; ok {
				p.Status, p.PaidOn = s.status, s.paidOn
			} else if err := settle(tx, &p); err != nil {
				return err
			}
			v := PayableView{Payable: p}
			if p.Status == PayableOpen {
				if v.Waiting, _, err = waiting(tx, p); err != nil {
					return err
				}
			}
			out = append(out, v)
		}
		return nil
	})
	return out, next, err
}
