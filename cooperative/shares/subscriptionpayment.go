package shares

// Shares as something that can be paid: the share subscription implements the payment
// code's Payable (received: marked paid through the register's one path; unwound: taken
// out of the register again), and the subscription's own payment operations (its
// payment, a refund through Stripe) call the payment code only through its entry points
// (PaymentOf, CreatePayment, AskRefund, WithdrawPayment).

import (
	"context"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

// subscriptionPayable is a share subscription as the payment code sees it
// (PurposeShares): the payment's SubscriptionID names it.
type subscriptionPayable struct {
	linkBase string // the public URL the receipt links under ("": no link)
}

// NewSubscriptionPayableLinking returns the Payable of share subscriptions, to register
// for PurposeShares; its receipts link to the member's page under linkBaseURL, the web
// app's public URL ("": no link).
func NewSubscriptionPayableLinking(linkBaseURL string) payments.Payable {
	return subscriptionPayable{linkBase: strings.TrimRight(linkBaseURL, "/")}
}

// Receivable: the payment's subscription must exist in its cooperative.
func (subscriptionPayable) Receivable(tx cooperative.Tx, p payments.Payment) (payments.ReviewReason, string, error) {
	_, err := getSubscription(tx, p.CooperativeID, p.SubscriptionID)
	switch cooperative.ErrorCode(err) {
	case "":
		return "", "", nil
	case cooperative.ENOTFOUND, cooperative.EINVALID:
		return payments.ReviewUnknownSubscription, "the payment's subscription does not exist", nil
	}
	return "", "", err
}

// Receive marks the subscription paid (markSubscriptionPaid, which writes the audit
// entry): Dr debit / Cr subscriptions received in advance. A subscription no longer
// waiting for payment refuses it (ERULE), or, paid already with this reference, posts
// nothing (Seq 0).
func (sp subscriptionPayable) Receive(tx cooperative.Tx, actor cooperative.Actor, p payments.Payment, debit ledger.AccountCode, date cooperative.Date, now time.Time) (payments.Receipt, error) {
	_, seq, err := markSubscriptionPaid(tx, actor, p.CooperativeID, p.SubscriptionID, p.Reference, date, debit, sp.linkBase, now)
	return payments.Receipt{Seq: seq, To: ledger.AccountSubscriptionsInAdvance, Audited: true}, err
}

// Unwind takes a subscription whose payment failed late out of the register: a paid
// one is cancelled; an allocated one too, with its shares and its allocation entry, if
// the shares are still where they were issued. Shares that have moved (a transfer, a
// withdrawal) stay where they are, and the accountant gets an item: the money is then
// owed by the member. The payer's mail says when shares were cancelled.
func (subscriptionPayable) Unwind(tx cooperative.Tx, p payments.Payment, date cooperative.Date, now time.Time) (payments.Unwound, error) {
	sub, err := getSubscription(tx, p.CooperativeID, p.SubscriptionID)
	if err != nil {
		return payments.Unwound{}, err
	}
	o, err := getOffering(tx, p.CooperativeID, sub.OfferingID)
	if err != nil {
		return payments.Unwound{}, err
	}
	switch sub.Status {
	case SubscriptionPaid:
		if err := releaseShares(tx, &o, sub); err != nil {
			return payments.Unwound{}, err
		}
	case SubscriptionAllocated, SubscriptionRefunded, SubscriptionWithdrawn:
		if sub.Status == SubscriptionWithdrawn && sub.RefundCents == 0 {
			return payments.Unwound{}, nil // withdrawn before it was paid: this receipt never reached it
		}
		if p.PostedRefunded > 0 || p.PostedDisputed > 0 {
			return payments.Unwound{Review: &payments.PaymentReview{Reason: payments.ReviewLateFailure, PaymentID: p.ID, Amount: p.Amount, Currency: p.Currency,
				Detail: "the payment failed late after part of it was refunded or disputed: settle the subscription by hand"}}, nil
		}
		if sub.Allocated > 0 {
			h, err := getHolding(tx, p.CooperativeID, sub.MemberID, sub.Class)
			if err != nil {
				return payments.Unwound{}, err
			}
			rest, ok := numbered.Remove(h.Ranges, sub.ShareNumbers)
			if !ok {
				return payments.Unwound{Review: &payments.PaymentReview{Reason: payments.ReviewLateFailure, PaymentID: p.ID, Amount: p.Amount, Currency: p.Currency,
					Detail: "the payment failed late, but the subscription's shares " + FormatRanges(sub.ShareNumbers) +
						" have moved since: the money is owed by the member"}}, nil
			}
			if err := cancelShares(tx, p.CooperativeID, sub, rest, h, date); err != nil {
				return payments.Unwound{}, err
			}
			o.IssuedShares -= sub.Allocated
		}
		// What the receipt was moved on to: shares and refunds payable (allocation), or
		// refunds payable alone (a rejected applicant's or a withdrawn subscription).
		for _, key := range []string{"allocation:" + sub.ID, "refund-due:" + sub.ID} {
			seq, err := ledger.FindEntrySeq(tx, p.CooperativeID, key)
			if err != nil {
				return payments.Unwound{}, err
			}
			if seq > 0 {
				if _, err := ledger.ReverseEntry(tx, p.CooperativeID, seq, date, "payment failed late; subscription cancelled"); err != nil {
					return payments.Unwound{}, err
				}
			}
		}
	default:
		return payments.Unwound{}, nil
	}
	// Nothing is owed back any more: the entries that made it payable are reversed.
	sub.Status, sub.RefundCents = SubscriptionCancelled, 0
	if _, err := tx.Replace(sub.record()); err != nil {
		return payments.Unwound{}, err
	}
	if _, err := tx.Replace(o.record()); err != nil {
		return payments.Unwound{}, err
	}
	if sub.Allocated == 0 {
		return payments.Unwound{}, nil
	}
	return payments.Unwound{Mail: map[string]string{"shares_cancelled": "yes"}}, nil
}

// cancelShares cancels exactly the shares a subscription was issued (rest is what the
// holding keeps), as a withdrawal event of the register referring to the subscription.
func cancelShares(tx cooperative.Tx, cooperativeID string, sub Subscription, rest []ShareRange, h Holding, date cooperative.Date) error {
	if rest == nil {
		rest = []ShareRange{}
	}
	h.Ranges = rest
	if err := saveHolding(tx, h); err != nil {
		return err
	}
	csID := cooperativeID + ":" + sub.Class
	cs, rec, err := cooperative.GetAs[classState](tx, collectionClassState, csID)
	if err != nil {
		return err
	}
	cs.Outstanding -= sub.Allocated
	if _, err := tx.Replace(cooperative.Record{Collection: collectionClassState, ID: csID, Version: rec.Version, Data: cooperative.Encode(cs)}); err != nil {
		return err
	}
	_, err = appendRegisterEvent(tx, cooperativeID, "cancel:"+sub.ID, RegisterEvent{Type: RegisterWithdrawal, Date: date,
		Class: sub.Class, From: sub.MemberID, Ranges: sub.ShareNumbers, Ref: sub.ID})
	return err
}

// SubscriptionPayment returns the payment of a share subscription, creating it when
// there is none yet with reference (a new RF reference, payments/rfref) and the member's
// address for notices. Only a subscription waiting for payment gets a new one. It is
// the checkout's PaymentMaker for share subscriptions. It is the register's (as are
// PrepareRefund, RecordTransferRefund and WithdrawSubscription): it reads and changes
// subscriptions, and the register depends on payments, not the other way round.
func (r *Registry) SubscriptionPayment(ctx context.Context, cooperativeID, subscriptionID, reference string) (payments.Payment, error) {
	var p payments.Payment
	err := r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		sub, err := getSubscription(tx, cooperativeID, subscriptionID)
		if err != nil {
			return err
		}
		if sub.Status == SubscriptionWithdrawn {
			return cooperative.RuleError("subscription_pending", "the subscription was withdrawn; it takes no payment")
		}
		existing, ok, err := payments.PaymentOf(tx, cooperativeID, sub.ID)
		if err != nil {
			return err
		}
		if ok {
			p = existing
			return nil
		}
		if sub.Status != SubscriptionPending {
			return cooperative.RuleError("subscription_pending", "the subscription is %s, not waiting for payment", sub.Status)
		}
		m, err := membership.GetMember(tx, cooperativeID, sub.MemberID)
		if err != nil {
			return err
		}
		p, err = payments.CreatePayment(tx, payments.NewPayment{CooperativeID: cooperativeID, SubscriptionID: sub.ID, Purpose: payments.PurposeShares,
			Amount: sub.AmountCents, Currency: "EUR", Reference: reference, PayerEmail: m.Email, PayerLanguage: m.Language}, now)
		return err
	})
	return p, err
}

// PrepareRefund decides what of a Stripe payment of a subscription is to be refunded
// and records that Kracht asks for it (RefundDue); the caller then asks Stripe, with an
// idempotency key made of the payment and the amount, and the refund is posted when
// Stripe confirms it (charge.refunded: Dr refunds payable / Cr Stripe clearing). What
// can be refunded: the part of an allocated subscription that got no shares, all of a
// subscription that got none, all of a withdrawn one (WithdrawSubscription moved it to
// refunds payable), money that could not be applied to its subscription, and a paid
// subscription of an applicant the board rejected (taken out of the offering here, as a
// withdrawal is: Dr subscriptions received in advance / Cr refunds payable). Money that
// came by bank transfer is not Stripe's to refund: it stays on refunds payable for the
// board to pay back by transfer, and the error says so. Asking again returns the same
// amount.
func (r *Registry) PrepareRefund(ctx context.Context, actor cooperative.Actor, cooperativeID, subscriptionID string) (payments.Payment, int64, error) {
	var (
		p   payments.Payment
		due int64
	)
	err := r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		sub, err := getSubscription(tx, cooperativeID, subscriptionID)
		if err != nil {
			return err
		}
		var ok bool
		if p, ok, err = payments.PaymentOf(tx, cooperativeID, sub.ID); err != nil {
			return err
		}
		if !ok || p.Channel != "stripe" || p.PostedReceived == 0 || p.Reversed || p.PaymentIntentID == "" {
			return notThroughStripe(sub, p, ok)
		}
		switch {
		case p.ReceivedTo == string(ledger.AccountRefundsPayable):
			due = p.PostedReceived
		case sub.Status == SubscriptionRefunded || sub.Status == SubscriptionWithdrawn ||
			(sub.Status == SubscriptionAllocated && sub.RefundCents > 0):
			due = sub.RefundCents
		case sub.Status == SubscriptionPaid:
			taken, err := takeOutRejected(tx, &sub, now)
			if err != nil {
				return err
			}
			if !taken {
				return errWaitsForAllocation()
			}
			due = sub.RefundCents
		default:
			return cooperative.RuleError("refundable", "a %s subscription has nothing to refund", sub.Status)
		}
		if due <= 0 {
			return cooperative.RuleError("refundable", "the subscription has nothing to refund")
		}
		return payments.AskRefund(tx, actor, &p, due, now)
	})
	return p, due, err
}

// takeOutRejected takes a paid subscription of an applicant the board rejected out of
// its offering, as refunded (its money moves to refunds payable): asking for its refund,
// through Stripe or recorded as paid by transfer, is what settles it. Any other paid
// subscription waits for allocation: taken is false, and nothing changes.
func takeOutRejected(tx cooperative.Tx, sub *Subscription, now time.Time) (taken bool, err error) {
	m, err := membership.GetMember(tx, sub.CooperativeID, sub.MemberID)
	if err != nil || m.Status != membership.MemberRejected {
		return false, err
	}
	o, err := getOffering(tx, sub.CooperativeID, sub.OfferingID)
	if err != nil {
		return false, err
	}
	return true, takeOutOfOffering(tx, o, sub, SubscriptionRefunded, "of a rejected applicant", now)
}

// errWaitsForAllocation refuses to refund a paid subscription of a member or applicant
// still in the running.
func errWaitsForAllocation() error {
	return cooperative.RuleError("refundable", "the subscription is paid and waits for allocation; withdraw it first to refund it now")
}

// notThroughStripe says why a subscription is not refunded through Stripe. Money that
// came by bank transfer (matched from a statement, or recorded by hand) is paid back by
// the board by bank transfer: once the subscription owes it back, it is on refunds
// payable, which is the board's list of what to pay, until the accountant records the
// transfer (RecordTransferRefund).
func notThroughStripe(sub Subscription, p payments.Payment, found bool) error {
	bank, _ := owedBack(sub, p, found)
	byTransfer := bank > 0 || (found && p.Channel == "transfer") || (!found && sub.PaidOn != "")
	if !byTransfer {
		if !found {
			return cooperative.RuleError("paid_through_stripe", "this subscription has no payment through Stripe to refund")
		}
		return cooperative.RuleError("paid_through_stripe", "only money received through Stripe is refunded through Stripe; this payment is %s", p.Status)
	}
	owed := bank - sub.settledByTransfer()
	if owed <= 0 {
		return cooperative.RuleError("paid_through_stripe", "this subscription was paid by bank transfer, which Stripe cannot refund; "+
			"it owes nothing back now")
	}
	return cooperative.RuleError("paid_through_stripe", "this subscription was paid by bank transfer, which Stripe cannot refund: "+
		"the %s it is owed back is on refunds payable, for the board to pay back by bank transfer and the accountant "+
		"to record as a transfer refund", cooperative.FormatEuro(owed, "en"))
}
