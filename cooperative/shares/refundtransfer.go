package shares

// Refunds paid by bank transfer. Money a subscription owes back sits on refunds payable
// (its unallocated part, a withdrawn or refunded subscription, a rejected applicant's,
// money that came when the subscription could no longer take it). What came through
// Stripe is refunded through Stripe (PrepareRefund) and posted when Stripe confirms it;
// what came by bank transfer the board pays back from the bank, and the accountant
// records it here, so refunds payable clears and every euro owed back is accounted for.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

// TransferRefund is a refund the board paid by bank transfer, as the accountant records it.
type TransferRefund struct {
	AmountCents int64
	// PaidOn is the day the money left the cooperative's bank account: not in the future,
	// not before the money to refund arrived.
	PaidOn cooperative.Date
	// IBAN is the account the money was paid to.
	IBAN string
	// Reference is the bank's reference of the outgoing transfer, or a note (optional).
	Reference string
	// IdempotencyKey (optional) names this refund for retries; see RecordTransferRefund.
	IdempotencyKey string
}

// RecordedTransferRefund is a refund by bank transfer as it was recorded.
type RecordedTransferRefund struct {
	ID             string           `json:"id"`
	CooperativeID  string           `json:"cooperativeId"`
	SubscriptionID string           `json:"subscriptionId"`
	MemberID       string           `json:"memberId"`
	AmountCents    int64            `json:"amountCents"`
	PaidOn         cooperative.Date `json:"paidOn"`
	IBAN           string           `json:"iban"`
	Reference      string           `json:"reference,omitempty"`
	// Key is the client's idempotency key, or one made of the refund's facts.
	Key        string    `json:"key"`
	EntrySeq   int64     `json:"entrySeq"` // the ledger entry: Dr refunds payable / Cr bank
	RecordedBy string    `json:"recordedBy,omitempty"`
	RecordedAt time.Time `json:"recordedAt"`
}

// TransferRefundResult is what RecordTransferRefund did and what is left.
type TransferRefundResult struct {
	Refund RecordedTransferRefund `json:"refund"`
	// RefundedCents is all the subscription had paid back by transfer so far; OwedCents
	// what it still owes back by transfer.
	RefundedCents int64 `json:"refundedCents"`
	OwedCents     int64 `json:"owedCents"`
	// Replayed: the refund had been recorded before under the same key; nothing new
	// was written.
	Replayed bool `json:"replayed"`
}

const collectionTransferRefunds = "transfer_refunds"

func (r RecordedTransferRefund) record() cooperative.Record {
	key := r.SubscriptionID + ":" + r.Key
	return cooperative.Record{Collection: collectionTransferRefunds, ID: r.ID, Data: cooperative.Encode(r),
		Unique: map[string]string{"key": key},
		Index:  map[string]string{"key": key, "subscription": r.SubscriptionID}}
}

// RecordTransferRefund records that the board paid back, by bank transfer, money a
// subscription of cooperativeID owes back, in one transaction with its ledger entry
// (Dr refunds payable / Cr bank, booked on the day it was paid) and its audit entry.
// The handlers decide who may (the accountant); the actor is who the audit names.
//
// What can be recorded:
//   - only money that came by bank transfer: the subscription's own money when it was
//     paid by transfer (a matched or assigned bank credit, or marked paid by the
//     accountant, with or without a payment record), and money its payment brought by
//     transfer after the subscription could no longer take it. Money that came through
//     Stripe is refunded through Stripe (PrepareRefund), which posts it out of Stripe
//     clearing; recording it here would take it out of the bank instead (ERULE);
//   - at most what is still owed back by transfer: that money less what was recorded
//     before (Subscription.TransferRefundedCents). A part may be recorded; the rest
//     stays owed. More is refused (ERULE) and writes nothing, so refunds payable never
//     goes below zero for a subscription;
//   - a paid subscription of an applicant the board rejected is taken out of its
//     offering first, as PrepareRefund does; any other paid subscription waits for
//     allocation and is refused.
//
// The amount must be positive, PaidOn a date neither in the future nor before the
// money arrived, IBAN a valid IBAN, and Reference (optional) printable (EINVALID).
//
// Idempotency: each recorded refund has a key, unique per subscription, which also keys
// its ledger entry. The key is the client's IdempotencyKey when given; otherwise it is
// made of the refund's facts (amount, day, IBAN, reference), so a form sent twice is
// recorded once. Two real transfers alike in all four need different references, or
// keys. A retry with a key already recorded returns that refund (Replayed) and writes
// nothing; a client key reused for a different refund is ECONFLICT. Of two requests
// with one key at the same time, one records the refund; the other collides on the
// unique key, runs again (the runner retries a conflict) and finds it recorded.
func (reg *Registry) RecordTransferRefund(ctx context.Context, actor cooperative.Actor, cooperativeID, subscriptionID string, r TransferRefund) (TransferRefundResult, error) {
	r, err := r.check(reg.run.Now())
	if err != nil {
		return TransferRefundResult{}, err
	}
	var res TransferRefundResult
	err = reg.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		sub, err := getSubscription(tx, cooperativeID, subscriptionID)
		if err != nil {
			return err
		}
		done, found, err := findTransferRefund(tx, sub.ID, r.IdempotencyKey)
		if err != nil {
			return err
		}
		if found {
			if !done.sameAs(r) {
				return cooperative.Errorf(cooperative.ECONFLICT, "the idempotency key was used for another refund of this subscription")
			}
			res, err = transferRefundResult(tx, sub, done)
			res.Replayed = true
			return err
		}
		res, err = recordTransferRefund(tx, actor, sub, r, now)
		return err
	})
	return res, err
}

// check validates a refund before anything is read, and returns it cleaned, with its key.
func (r TransferRefund) check(now time.Time) (TransferRefund, error) {
	if r.AmountCents <= 0 {
		return r, cooperative.Errorf(cooperative.EINVALID, "amountCents must be a positive amount in cents")
	}
	if _, err := cooperative.ParseDate(string(r.PaidOn)); err != nil {
		return r, err
	}
	if cooperative.DateOf(now).Before(r.PaidOn) {
		return r, cooperative.Errorf(cooperative.EINVALID, "paidOn cannot be in the future")
	}
	var err error
	if r.IBAN, err = cooperative.ParseIBAN(r.IBAN); err != nil {
		return r, err
	}
	if strings.TrimSpace(r.Reference) != "" {
		if r.Reference, err = membership.CheckText("reference", r.Reference, 140); err != nil {
			return r, err
		}
	} else {
		r.Reference = ""
	}
	if r.IdempotencyKey == "" {
		r.IdempotencyKey = r.factsKey()
	} else if len(r.IdempotencyKey) > 100 || strings.ContainsFunc(r.IdempotencyKey, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return r, cooperative.Errorf(cooperative.EINVALID, "the idempotency key is 1 to 100 printable ASCII characters without spaces")
	}
	return r, nil
}

// factsKey names a refund by what it is, for a client that sends no key of its own.
// Client keys hold no spaces, so none can look like one.
func (r TransferRefund) factsKey() string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(r.AmountCents, 10) + "|" + string(r.PaidOn) + "|" + r.IBAN + "|" + r.Reference))
	return "facts " + hex.EncodeToString(sum[:16])
}

// sameAs reports whether a recorded refund is the refund r asks to record.
func (d RecordedTransferRefund) sameAs(r TransferRefund) bool {
	return d.AmountCents == r.AmountCents && d.PaidOn == r.PaidOn && d.IBAN == r.IBAN && d.Reference == r.Reference
}

func findTransferRefund(tx cooperative.Tx, subscriptionID, key string) (RecordedTransferRefund, bool, error) {
	list, _, err := cooperative.FindAs[RecordedTransferRefund](tx, cooperative.Query{Collection: collectionTransferRefunds, Index: "key",
		Value: subscriptionID + ":" + key, Limit: 1})
	if err != nil || len(list) == 0 {
		return RecordedTransferRefund{}, false, err
	}
	return list[0], true, nil
}

// recordTransferRefund applies the rules of RecordTransferRefund to a refund not
// recorded before, and records it.
func recordTransferRefund(tx cooperative.Tx, actor cooperative.Actor, sub Subscription, r TransferRefund, now time.Time) (TransferRefundResult, error) {
	before := sub
	p, found, err := payments.PaymentOf(tx, sub.CooperativeID, sub.ID)
	if err != nil {
		return TransferRefundResult{}, err
	}
	if sub.Status == SubscriptionPaid {
		// A member's paid subscription waits for allocation (mayRefundByTransfer says so,
		// unless its payment brought money it could not take).
		if _, err := takeOutRejected(tx, &sub, now); err != nil {
			return TransferRefundResult{}, err
		}
	}
	if err := mayRefundByTransfer(tx, sub, p, found, r); err != nil {
		return TransferRefundResult{}, err
	}
	rec := RecordedTransferRefund{ID: cooperative.NewID(), CooperativeID: sub.CooperativeID, SubscriptionID: sub.ID, MemberID: sub.MemberID,
		AmountCents: r.AmountCents, PaidOn: r.PaidOn, IBAN: r.IBAN, Reference: r.Reference, Key: r.IdempotencyKey,
		RecordedBy: actor.UserID, RecordedAt: now.UTC()}
	desc := "Refund of subscription " + sub.ID + " paid by bank transfer to " + r.IBAN
	if r.Reference != "" {
		desc += " (" + r.Reference + ")"
	}
	// Keyed by the subscription and the refund's key, as the record is: the ledger
	// itself refuses to post one refund twice.
	e, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: sub.CooperativeID, Key: "transfer-refund:" + sub.ID + ":" + r.IdempotencyKey,
		BookingDate: r.PaidOn, Description: desc, Source: ledger.Source{Type: "transfer_refund", ID: rec.ID},
		Lines: []ledger.Line{{Account: string(ledger.AccountRefundsPayable), Amount: r.AmountCents},
			{Account: string(ledger.AccountBank), Amount: -r.AmountCents}}})
	if err != nil {
		return TransferRefundResult{}, err
	}
	rec.EntrySeq = e.Seq
	if _, err := tx.Insert(rec.record()); err != nil {
		return TransferRefundResult{}, err
	}
	sub.TransferRefundedCents += r.AmountCents
	out, err := tx.Replace(sub.record())
	if err != nil {
		return TransferRefundResult{}, err
	}
	sub.version = out.Version
	if err := cooperative.AppendAudit(tx, actor, sub.CooperativeID, "subscription.transfer_refund", "subscription", sub.ID,
		before, struct {
			Subscription Subscription           `json:"subscription"`
			Refund       RecordedTransferRefund `json:"refund"`
		}{sub, rec}, now); err != nil {
		return TransferRefundResult{}, err
	}
	return transferRefundResult(tx, sub, rec)
}

// mayRefundByTransfer checks a refund against what the subscription owes back by
// transfer, and its day against the day that money arrived.
func mayRefundByTransfer(tx cooperative.Tx, sub Subscription, p payments.Payment, found bool, r TransferRefund) error {
	owed, stripe, err := owedByTransfer(sub, p, found)
	switch {
	case err != nil:
		return err
	case r.AmountCents > owed && stripe > 0:
		return cooperative.RuleError("refund_owed", "only %s is still owed back by bank transfer; the rest came through Stripe: "+
			"refund it through Stripe", cooperative.FormatEuro(owed, "en"))
	case r.AmountCents > owed:
		return cooperative.RuleError("refund_owed", "only %s is still owed back by bank transfer, not %s",
			cooperative.FormatEuro(owed, "en"), cooperative.FormatEuro(r.AmountCents, "en"))
	}
	arrived, err := receivedOn(tx, sub, p, found)
	if err != nil {
		return err
	}
	if r.PaidOn.Before(arrived) {
		return cooperative.Errorf(cooperative.EINVALID, "paidOn %s is before the money to refund arrived (%s)", r.PaidOn, arrived)
	}
	return nil
}

// owedByTransfer is what a subscription still owes back by bank transfer (not recorded
// as refunded by hand nor handed to payouts), with what came through Stripe; an error
// says why nothing can be refunded by transfer now.
func owedByTransfer(sub Subscription, p payments.Payment, found bool) (owed, stripe int64, err error) {
	bank, stripe := owedBack(sub, p, found)
	owed = bank - sub.settledByTransfer()
	switch {
	case bank == 0 && stripe > 0:
		return 0, stripe, cooperative.RuleError("refund_by_transfer", "this subscription's money came through Stripe: refund it through Stripe, "+
			"which posts the refund when Stripe confirms it")
	case owed <= 0 && sub.settledByTransfer() > 0:
		return 0, stripe, cooperative.RuleError("refundable", "the %s owed back by bank transfer was all recorded as refunded or handed to payouts",
			cooperative.FormatEuro(sub.settledByTransfer(), "en"))
	case owed <= 0 && sub.Status == SubscriptionPaid:
		return 0, stripe, errWaitsForAllocation()
	case owed <= 0:
		return 0, stripe, cooperative.RuleError("refundable", "a %s subscription owes nothing back", sub.Status)
	}
	return owed, stripe, nil
}

// owedBack splits what a subscription owes back on refunds payable (before any refund)
// by the way the money came. Its own money (RefundCents) came through Stripe when its
// payment paid it through Stripe, and otherwise by transfer: a matched bank credit, or
// marked paid by the accountant, with or without a payment record (part payments of a
// withdrawn one, moved from the transfer suspense account, too). Money its payment
// brought after it could no longer take it (lateMoney) came the payment's way.
func owedBack(sub Subscription, p payments.Payment, found bool) (bank, stripe int64) {
	if ownViaStripe(p, found) {
		stripe += sub.RefundCents
	} else {
		bank += sub.RefundCents
	}
	if found && p.Channel == "stripe" {
		stripe += lateMoney(p, found)
	} else {
		bank += lateMoney(p, found)
	}
	return bank, stripe
}

// ownViaStripe reports whether a subscription's own money came through Stripe: its
// payment's Stripe receipt paid it.
func ownViaStripe(p payments.Payment, found bool) bool {
	return found && p.Channel == "stripe" && p.ReceivedTo == string(ledger.AccountSubscriptionsInAdvance)
}

// lateMoney is what a payment brought after its subscription could no longer take it:
// received to refunds payable.
func lateMoney(p payments.Payment, found bool) int64 {
	if !found || p.ReceivedTo != string(ledger.AccountRefundsPayable) || p.Reversed {
		return 0
	}
	return p.PostedReceived
}

// receivedOn is the earliest day money a subscription owes back by transfer may have
// arrived: the day it was paid; for part payments of a withdrawn one, the day its
// payment was made (the reference they quote did not exist before); for money its
// payment brought later, the booking day of the receipt.
func receivedOn(tx cooperative.Tx, sub Subscription, p payments.Payment, found bool) (cooperative.Date, error) {
	var first cooperative.Date
	earlier := func(d cooperative.Date) {
		if first == "" || d.Before(first) {
			first = d
		}
	}
	switch {
	case sub.RefundCents == 0 || ownViaStripe(p, found):
	case sub.PaidOn != "":
		earlier(sub.PaidOn)
	case found:
		earlier(cooperative.DateOf(p.CreatedAt))
	}
	if lateMoney(p, found) > 0 && p.Channel != "stripe" && p.ReceivedSeq > 0 {
		e, err := ledger.GetEntry(tx, sub.CooperativeID, p.ReceivedSeq)
		if err != nil {
			return "", err
		}
		earlier(e.BookingDate)
	}
	return first, nil
}

// transferRefundResult reports a refund with what the subscription has refunded by
// transfer and still owes back that way.
func transferRefundResult(tx cooperative.Tx, sub Subscription, rec RecordedTransferRefund) (TransferRefundResult, error) {
	p, found, err := payments.PaymentOf(tx, sub.CooperativeID, sub.ID)
	if err != nil {
		return TransferRefundResult{}, err
	}
	bank, _ := owedBack(sub, p, found)
	return TransferRefundResult{Refund: rec, RefundedCents: sub.TransferRefundedCents,
		OwedCents: max(0, bank-sub.settledByTransfer())}, nil
}
