package bonds

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

// SubscriptionStatus is where a bond subscription is.
type SubscriptionStatus string

const (
	SubscriptionPending   SubscriptionStatus = "pending"   // waiting for payment
	SubscriptionPaid      SubscriptionStatus = "paid"      // money on bond subscriptions in advance, waiting for allocation
	SubscriptionAllocated SubscriptionStatus = "allocated" // units issued (maybe fewer; the rest is owed back)
	SubscriptionRefunded  SubscriptionStatus = "refunded"  // paid, nothing allocated: all owed back
	SubscriptionLapsed    SubscriptionStatus = "lapsed"    // not paid when the issue closed
	// SubscriptionCancelled: its payment failed after it looked paid (a SEPA Direct
	// Debit returned days later), before allocation.
	SubscriptionCancelled SubscriptionStatus = "cancelled"
)

// Subscription is a member's request for units of an issue.
type Subscription struct {
	ID            string             `json:"id"`
	CooperativeID string             `json:"cooperativeId"`
	IssueID       string             `json:"issueId"`
	MemberID      string             `json:"memberId"`
	Order         int64              `json:"order"` // 1, 2, 3, … per issue: first come
	Units         int64              `json:"units"`
	AmountCents   int64              `json:"amountCents"`
	Status        SubscriptionStatus `json:"status"`
	SubscribedAt  time.Time          `json:"subscribedAt"`
	PaidOn        cooperative.Date   `json:"paidOn,omitempty"`
	Reference     string             `json:"reference,omitempty"` // of the money received
	Allocated     int64              `json:"allocatedUnits"`
	UnitNumbers   []numbered.Range   `json:"unitNumbers,omitempty"`
	IssuedOn      cooperative.Date   `json:"issuedOn,omitempty"`
	RefundCents   int64              `json:"refundCents"`
	// RefundPayableID is the payable (payouts) that pays RefundCents back.
	RefundPayableID string `json:"refundPayableId,omitempty"`
	IdempotencyKey  string `json:"idempotencyKey,omitempty"`
	version         int64
}

const collectionSubscriptions = "bond_subscriptions"

func (s Subscription) record() cooperative.Record {
	rec := cooperative.Record{Collection: collectionSubscriptions, ID: s.ID, Version: s.version, Data: cooperative.Encode(s),
		Index: map[string]string{"issue": s.IssueID, "member": s.CooperativeID + ":" + s.MemberID}}
	if s.IdempotencyKey != "" {
		key := s.MemberID + ":" + s.IdempotencyKey
		rec.Unique, rec.Index["key"] = map[string]string{"key": key}, key
	}
	return rec
}

func getSubscription(tx cooperative.Tx, cooperativeID, id string) (Subscription, error) {
	if !cooperative.ValidID(id) {
		return Subscription{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a bond subscription id", id)
	}
	s, rec, err := cooperative.GetAs[Subscription](tx, collectionSubscriptions, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && s.CooperativeID != cooperativeID) {
		return Subscription{}, cooperative.Errorf(cooperative.ENOTFOUND, "bond subscription %s not found", id)
	}
	s.version = rec.Version
	return s, err
}

func saveSubscription(tx cooperative.Tx, s *Subscription) error {
	rec, err := tx.Replace(s.record())
	if err == nil {
		s.version = rec.Version
	}
	return err
}

// issueMember counts what one member has subscribed (pending and paid) of one issue, so
// the per-member maximum holds under concurrency like the size does.
type issueMember struct {
	Subscribed int64 `json:"subscribed"`
}

func getIssueMember(tx cooperative.Tx, issueID, memberID string) (issueMember, int64, error) {
	im, rec, err := cooperative.GetAs[issueMember](tx, collectionIssueMembers, holdingKey(issueID, memberID))
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return issueMember{}, 0, nil
	}
	return im, rec.Version, err
}

func putIssueMember(tx cooperative.Tx, issueID, memberID string, im issueMember, version int64) error {
	_, err := cooperative.Put(tx, cooperative.Record{Collection: collectionIssueMembers, ID: holdingKey(issueID, memberID),
		Version: version, Data: cooperative.Encode(im)})
	return err
}

// SubscriptionRequest asks for units of an issue.
type SubscriptionRequest struct {
	CooperativeID, IssueID, MemberID string
	Units                            int64
	// IdempotencyKey (optional) makes a retried request return the first subscription.
	IdempotencyKey string
}

// Subscribe records a pending subscription of an active member, in the window, within
// the issue's remaining size (rule remaining_size) and the member's maximum over the
// issue (max_per_member); the member's first subscriptions together reach at least the
// minimum (min_per_member).
func (b *Bonds) Subscribe(ctx context.Context, in SubscriptionRequest) (Subscription, error) {
	if len(in.IdempotencyKey) > 100 {
		return Subscription{}, cooperative.Errorf(cooperative.EINVALID, "the idempotency key is at most 100 characters")
	}
	if in.Units < 1 {
		return Subscription{}, cooperative.Errorf(cooperative.EINVALID, "subscribe for at least one unit")
	}
	var sub Subscription
	err := b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if in.IdempotencyKey != "" {
			list, _, err := cooperative.FindAs[Subscription](tx, cooperative.Query{Collection: collectionSubscriptions, Index: "key",
				Value: in.MemberID + ":" + in.IdempotencyKey, Limit: 1})
			if err != nil {
				return err
			}
			if len(list) > 0 {
				if list[0].IssueID != in.IssueID || list[0].Units != in.Units {
					return cooperative.Errorf(cooperative.ECONFLICT, "the idempotency key was used for another subscription")
				}
				sub = list[0]
				return nil
			}
		}
		i, err := getIssue(tx, in.CooperativeID, in.IssueID)
		if err != nil {
			return err
		}
		m, err := membership.GetMember(tx, in.CooperativeID, in.MemberID)
		if err != nil {
			return err
		}
		switch {
		case i.Status != IssueOpen || !now.Before(i.ClosesAt):
			return cooperative.RuleError("subscription_window", "the issue's subscriptions closed at %s", i.ClosesAt.Format(time.RFC3339))
		case now.Before(i.OpensAt):
			return cooperative.RuleError("subscription_window", "the issue's subscriptions open at %s", i.OpensAt.Format(time.RFC3339))
		case m.Status != membership.MemberActive:
			return cooperative.RuleError("subscriber_member", "only active members subscribe for bonds; this one is %s", m.Status)
		case i.SubscribedUnits+in.Units > i.SizeUnits:
			return cooperative.RuleError("remaining_size", "%d units of the issue are left, not %d", i.SizeUnits-i.SubscribedUnits, in.Units)
		}
		im, imVersion, err := getIssueMember(tx, i.ID, m.ID)
		if err != nil {
			return err
		}
		switch {
		case im.Subscribed+in.Units > i.MaxPerMember:
			return cooperative.RuleError("max_per_member", "at most %d units per member of this issue; %d already subscribed",
				i.MaxPerMember, im.Subscribed)
		case im.Subscribed+in.Units < i.MinPerMember:
			return cooperative.RuleError("min_per_member", "at least %d units per member of this issue", i.MinPerMember)
		}
		amount, err := cooperative.MulMoney(in.Units, i.Terms.DenominationCents)
		if err != nil {
			return err
		}
		i.Subscriptions++
		i.SubscribedUnits += in.Units
		sub = Subscription{ID: cooperative.NewID(), CooperativeID: i.CooperativeID, IssueID: i.ID, MemberID: m.ID,
			Order: i.Subscriptions, Units: in.Units, AmountCents: amount, Status: SubscriptionPending, SubscribedAt: now,
			IdempotencyKey: in.IdempotencyKey}
		if err := saveIssue(tx, &i); err != nil {
			return err
		}
		im.Subscribed += in.Units
		if err := putIssueMember(tx, i.ID, m.ID, im, imVersion); err != nil {
			return err
		}
		_, err = tx.Insert(sub.record())
		return err
	})
	return sub, err
}

// GetSubscription returns one subscription.
func (b *Bonds) GetSubscription(ctx context.Context, cooperativeID, id string) (Subscription, error) {
	var s Subscription
	err := b.view(ctx, func(tx cooperative.Tx) (err error) { s, err = getSubscription(tx, cooperativeID, id); return err })
	return s, err
}

// ListSubscriptions returns a page of an issue's subscriptions (by "issue", id the
// issue's) or a member's (by "member", id the member's).
func (b *Bonds) ListSubscriptions(ctx context.Context, cooperativeID, by, id, after string, limit int) ([]Subscription, string, error) {
	if err := cooperative.CheckCursor(after); err != nil {
		return nil, "", err
	}
	q := cooperative.Query{Collection: collectionSubscriptions, Index: by, Value: id, After: after, Limit: limit}
	switch by {
	case "issue":
	case "member":
		q.Value = cooperativeID + ":" + id
	default:
		return nil, "", cooperative.Errorf(cooperative.EINVALID, "list bond subscriptions by issue or member")
	}
	var (
		list []Subscription
		next string
	)
	err := b.view(ctx, func(tx cooperative.Tx) (err error) {
		list, next, err = cooperative.FindWhere(tx, q, limit, func(s Subscription) bool { return s.CooperativeID == cooperativeID })
		return err
	})
	return list, next, err
}

// MarkPaid records that a subscription's money arrived on the bank account (the
// accountant's manual path): Dr bank / Cr bond subscriptions in advance. Marking it paid
// again with the same reference is harmless.
func (b *Bonds) MarkPaid(ctx context.Context, actor cooperative.Actor, cooperativeID, subscriptionID, reference string, paidOn cooperative.Date) (Subscription, error) {
	reference, err := membership.CheckText("bankReference", reference, 140)
	if err != nil {
		return Subscription{}, err
	}
	if reference == "" {
		return Subscription{}, cooperative.Errorf(cooperative.EINVALID, "the bank's reference is required")
	}
	if _, err := cooperative.ParseDate(string(paidOn)); err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	err = b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		sub, _, err = markPaid(tx, actor, cooperativeID, subscriptionID, reference, paidOn, ledger.AccountBank, now)
		return err
	})
	return sub, err
}

// markPaid is the one path by which a bond subscription becomes paid, whoever reports
// the money (the accountant, a matched bank credit, Stripe): the status and the issue's
// counter change with the entry Dr debit / Cr bond subscriptions in advance, keyed by
// the subscription, so it is never received twice. Paid already with the same
// reference: nothing changes (seq 0).
func markPaid(tx cooperative.Tx, actor cooperative.Actor, cooperativeID, subscriptionID, reference string, paidOn cooperative.Date, debit ledger.AccountCode, now time.Time) (Subscription, int64, error) {
	sub, err := getSubscription(tx, cooperativeID, subscriptionID)
	if err != nil {
		return sub, 0, err
	}
	before := sub
	if sub.Status != SubscriptionPending {
		if sub.Reference == reference {
			return sub, 0, nil
		}
		return sub, 0, cooperative.RuleError("subscription_pending", "the bond subscription is %s, not waiting for payment", sub.Status)
	}
	if cooperative.DateOf(now).Before(paidOn) {
		return sub, 0, cooperative.Errorf(cooperative.EINVALID, "paidOn cannot be in the future")
	}
	i, err := getIssue(tx, cooperativeID, sub.IssueID)
	if err != nil {
		return sub, 0, err
	}
	if i.Status != IssueOpen {
		return sub, 0, cooperative.RuleError("issue_open", "the issue is allocated; the payment must be refunded")
	}
	sub.Status, sub.PaidOn, sub.Reference = SubscriptionPaid, paidOn, reference
	if err := saveSubscription(tx, &sub); err != nil {
		return sub, 0, err
	}
	i.PaidUnits += sub.Units
	if err := saveIssue(tx, &i); err != nil {
		return sub, 0, err
	}
	e, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: cooperativeID, Key: "bond-subscription-paid:" + sub.ID,
		BookingDate: paidOn, Description: "Payment for bond subscription " + sub.ID + " (" + reference + ")",
		Source: ledger.Source{Type: "bond_subscription", ID: sub.ID},
		Lines: []ledger.Line{{Account: string(debit), Amount: sub.AmountCents},
			{Account: string(ledger.AccountBondSubscriptionsInAdvance), Amount: -sub.AmountCents}}})
	if err != nil {
		return sub, 0, err
	}
	return sub, e.Seq, cooperative.AppendAudit(tx, actor, cooperativeID, "bond_subscription.mark_paid", "bond_subscription", sub.ID, before, sub, now)
}

// SubscriptionPayment returns the payment of a bond subscription, creating it with
// reference (a new RF reference) when there is none yet; only a subscription waiting
// for payment gets a new one. It is the checkout's PaymentMaker for bond subscriptions
// (purpose bonds), so they are paid by bank transfer or through Stripe like shares.
func (b *Bonds) SubscriptionPayment(ctx context.Context, cooperativeID, subscriptionID, reference string) (payments.Payment, error) {
	var p payments.Payment
	err := b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		sub, err := getSubscription(tx, cooperativeID, subscriptionID)
		if err != nil {
			return err
		}
		existing, ok, err := payments.PaymentOf(tx, cooperativeID, sub.ID)
		if err != nil || ok {
			p = existing
			return err
		}
		if sub.Status != SubscriptionPending {
			return cooperative.RuleError("subscription_pending", "the bond subscription is %s, not waiting for payment", sub.Status)
		}
		m, err := membership.GetMember(tx, cooperativeID, sub.MemberID)
		if err != nil {
			return err
		}
		p, err = payments.CreatePayment(tx, payments.NewPayment{CooperativeID: cooperativeID, SubscriptionID: sub.ID,
			Purpose: payments.PurposeBonds, Amount: sub.AmountCents, Currency: "EUR", Reference: reference,
			PayerEmail: m.Email, PayerLanguage: m.Language}, now)
		return err
	})
	return p, err
}

// issueSubscriptions reads every subscription of an issue, in the order they came in.
func issueSubscriptions(tx cooperative.Tx, issueID string) ([]Subscription, error) {
	var out []Subscription
	err := bondsReadAll(tx, cooperative.Query{Collection: collectionSubscriptions, Index: "issue", Value: issueID},
		func(s Subscription, rec cooperative.Record) error {
			s.version = rec.Version
			out = append(out, s)
			return nil
		})
	slices.SortStableFunc(out, func(a, b Subscription) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.ID, b.ID))
	})
	return out, err
}
