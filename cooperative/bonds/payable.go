package bonds

// Bonds as something that can be paid: a bond subscription implements the payment
// code's Payable for purpose bonds, so the checkout (Stripe or a bank transfer with an
// RF reference), the bank import and the review queue reach it as they reach a share
// subscription. The money waits on bond subscriptions in advance until allocation.

import (
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

type subscriptionPayable struct{}

// NewSubscriptionPayable returns the Payable of bond subscriptions, to register for
// payments.PurposeBonds.
func NewSubscriptionPayable() payments.Payable { return subscriptionPayable{} }

// Receivable: the payment's bond subscription must exist in its cooperative.
func (subscriptionPayable) Receivable(tx cooperative.Tx, p payments.Payment) (payments.ReviewReason, string, error) {
	_, err := getSubscription(tx, p.CooperativeID, p.SubscriptionID)
	switch cooperative.ErrorCode(err) {
	case "":
		return "", "", nil
	case cooperative.ENOTFOUND, cooperative.EINVALID:
		return payments.ReviewUnknownSubscription, "the payment's bond subscription does not exist", nil
	}
	return "", "", err
}

// Receive marks the subscription paid through the one path (markPaid, which audits):
// Dr debit / Cr bond subscriptions in advance. A subscription no longer waiting for
// payment, or an issue already allocated, refuses it (ERULE), and the payment code puts
// the money on refunds payable with an item for review.
func (subscriptionPayable) Receive(tx cooperative.Tx, actor cooperative.Actor, p payments.Payment, debit ledger.AccountCode, date cooperative.Date, now time.Time) (payments.Receipt, error) {
	_, seq, err := markPaid(tx, actor, p.CooperativeID, p.SubscriptionID, p.Reference, date, debit, now)
	return payments.Receipt{Seq: seq, To: ledger.AccountBondSubscriptionsInAdvance, Audited: true}, err
}

// Unwind takes a paid subscription whose payment failed late out of its issue (its
// units no longer count). Once units are allocated they are the holder's in the
// register and may have moved: the accountant gets an item to settle it by hand.
func (subscriptionPayable) Unwind(tx cooperative.Tx, p payments.Payment, date cooperative.Date, now time.Time) (payments.Unwound, error) {
	sub, err := getSubscription(tx, p.CooperativeID, p.SubscriptionID)
	if err != nil {
		return payments.Unwound{}, err
	}
	switch sub.Status {
	case SubscriptionPaid:
		i, err := getIssue(tx, p.CooperativeID, sub.IssueID)
		if err != nil {
			return payments.Unwound{}, err
		}
		im, version, err := getIssueMember(tx, i.ID, sub.MemberID)
		if err != nil {
			return payments.Unwound{}, err
		}
		im.Subscribed -= sub.Units
		i.SubscribedUnits -= sub.Units
		i.PaidUnits -= sub.Units
		sub.Status = SubscriptionCancelled
		if err := putIssueMember(tx, i.ID, sub.MemberID, im, version); err != nil {
			return payments.Unwound{}, err
		}
		if err := saveIssue(tx, &i); err != nil {
			return payments.Unwound{}, err
		}
		return payments.Unwound{}, saveSubscription(tx, &sub)
	case SubscriptionAllocated, SubscriptionRefunded:
		return payments.Unwound{Review: &payments.PaymentReview{Reason: payments.ReviewLateFailure, PaymentID: p.ID, Amount: p.Amount,
			Currency: p.Currency, Detail: "the payment of bond subscription " + sub.ID + " failed late, after allocation: " +
				"settle its units and what is owed back by hand"}}, nil
	}
	return payments.Unwound{}, nil
}
