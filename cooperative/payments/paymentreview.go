package payments

// The review queue: money Kracht would not post on its own. A bank credit with an
// unknown reference or the wrong amount, a Stripe event for a payment it cannot place or
// whose amount or currency is not what was asked, a payout that does not add up. Each
// waits here, unposted, until an accountant resolves it.

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// ReviewReason says why something waits for review.
type ReviewReason string

const (
	ReviewUnknownReference ReviewReason = "unknown_reference" // no payment has this reference, or none was given
	ReviewOtherCooperative ReviewReason = "other_cooperative" // the reference or metadata names another cooperative
	ReviewWrongCurrency    ReviewReason = "wrong_currency"
	ReviewWrongAmount      ReviewReason = "wrong_amount"    // a Stripe amount that is not the payment's
	ReviewPartial          ReviewReason = "partial_payment" // less than is due
	ReviewOverpayment      ReviewReason = "overpayment"     // more than is due
	ReviewAlreadyPaid      ReviewReason = "already_paid"    // a second payment for a paid subscription
	ReviewUnknownPayment   ReviewReason = "unknown_payment" // a Stripe event that leads to no payment of Kracht
	ReviewUnreconciled     ReviewReason = "payout_unreconciled"
	// A statement line with one of Kracht's end-to-end ids that is not what the payout
	// it names was: no such payout, another amount, a second debit or return of it.
	ReviewPayoutUnknown  ReviewReason = "payout_unknown"
	ReviewPayoutMismatch ReviewReason = "payout_mismatch"
	// Posted, but the accountant must look: the payment's subscription is gone or
	// unknown, a dispute's outcome, a late failure that could not be unwound, a refund
	// made outside Kracht.
	ReviewUnknownSubscription ReviewReason = "unknown_subscription"
	ReviewDisputed            ReviewReason = "disputed"
	ReviewLateFailure         ReviewReason = "late_failure"
	ReviewUnrequestedRefund   ReviewReason = "unrequested_refund"
	// ReviewDisputeLost: the payer won a dispute; the money is gone (dispute losses), but
	// the subscription still counts it as paid, so the board settles it with the member.
	ReviewDisputeLost ReviewReason = "dispute_lost"
)

// ReviewStatus is open until an accountant resolves the item.
type ReviewStatus string

const (
	ReviewOpen     ReviewStatus = "open"
	ReviewResolved ReviewStatus = "resolved"
)

// Resolutions of a review item.
const (
	ResolveAssign   = "assign"   // the credit pays this payment: post it
	ResolveRefunded = "refunded" // the money was sent back to the payer outside Kracht
	ResolveIgnore   = "ignore"   // not a payment for Kracht (e.g. a Stripe payout arriving at the bank)
	// ResolveDisputeClosed is Kracht's own: Stripe closed the dispute the item was
	// waiting for, and its outcome is posted.
	ResolveDisputeClosed = "dispute_closed"
)

// PaymentReview is one item of the queue.
type PaymentReview struct {
	ID            string       `json:"id"`
	CooperativeID string       `json:"cooperativeId"`
	Source        string       `json:"source"`   // "bank" or "stripe"
	SourceID      string       `json:"sourceId"` // the bank entry or the Stripe event
	Reason        ReviewReason `json:"reason"`
	Detail        string       `json:"detail"`
	Amount        int64        `json:"amount"`
	Currency      string       `json:"currency"`
	Reference     string       `json:"reference,omitempty"`
	PaymentID     string       `json:"paymentId,omitempty"` // the payment it seems to be about, if any
	Payer         string       `json:"payer,omitempty"`
	BookedOn      time.Time    `json:"bookedOn,omitzero"`
	Status        ReviewStatus `json:"status"`
	Resolution    string       `json:"resolution,omitempty"`
	Note          string       `json:"note,omitempty"`
	ResolvedBy    string       `json:"resolvedBy,omitempty"`
	ResolvedAt    time.Time    `json:"resolvedAt,omitzero"`
	CreatedAt     time.Time    `json:"createdAt"`
	Version       int64        `json:"-"`
}

const collectionPaymentReviews = "payment_reviews"

func reviewRecord(r PaymentReview) cooperative.Record {
	rec := cooperative.Record{Collection: collectionPaymentReviews, ID: r.ID, Version: r.Version, Data: cooperative.Encode(r),
		Index: map[string]string{"queue": r.CooperativeID + ":" + string(r.Status)}}
	// A bank item is queued only by the transaction that stores its line, and a line is
	// stored once, so it needs no key of its own (an import of 100,000 lines writes
	// 90,000 of them). A Stripe event can be queued from more than one place.
	if r.Source != "bank" {
		rec.Unique = map[string]string{"source": r.Source + ":" + r.SourceID}
		// Found by payment when a later event settles what the item waits for (a
		// dispute's outcome).
		if r.PaymentID != "" {
			rec.Index["payment"] = r.PaymentID
		}
	}
	return rec
}

// resolveDisputeReviews resolves the open dispute items of payment p, now that Stripe
// has closed the dispute and its outcome is posted: nothing is left to wait for. Items
// queued before they were indexed by payment are not found, and stay for the
// accountant to resolve.
func resolveDisputeReviews(tx cooperative.Tx, p Payment, note string, now time.Time) error {
	page, err := tx.Find(cooperative.Query{Collection: collectionPaymentReviews, Index: "payment", Value: p.ID, Limit: cooperative.MaxPageSize})
	if err != nil {
		return err
	}
	for _, rec := range page.Records {
		var r PaymentReview
		if err := cooperative.Decode(rec, &r); err != nil {
			return err
		}
		if r.CooperativeID != p.CooperativeID || r.Status != ReviewOpen || r.Reason != ReviewDisputed {
			continue
		}
		r.Version = rec.Version
		r.Status, r.Resolution, r.Note, r.ResolvedBy, r.ResolvedAt = ReviewResolved, ResolveDisputeClosed, note, "stripe", now.UTC()
		if _, err := tx.Replace(reviewRecord(r)); err != nil {
			return err
		}
	}
	return nil
}

// queueReview adds an item unless its source is already queued.
func queueReview(tx cooperative.Tx, r PaymentReview, now time.Time) error {
	r.ID, r.Status, r.CreatedAt = cooperative.NewID(), ReviewOpen, now.UTC()
	r.Detail = notify.TruncateText(r.Detail, 500)
	_, err := tx.Insert(reviewRecord(r))
	return err
}

// ListPaymentReviews returns one page of a cooperative's review items with status
// (open or resolved), oldest first.
func (ps *Payments) ListPaymentReviews(ctx context.Context, cooperativeID string, status ReviewStatus, after string, limit int) ([]PaymentReview, string, error) {
	if status != ReviewOpen && status != ReviewResolved {
		return nil, "", cooperative.Errorf(cooperative.EINVALID, "status must be open or resolved")
	}
	return cooperative.ListPage[PaymentReview](ctx, ps.run.Store(), cooperative.Query{Collection: collectionPaymentReviews, Index: "queue",
		Value: cooperativeID + ":" + string(status), After: after, Limit: limit})
}

// ReviewResolution is an accountant's decision on an item.
type ReviewResolution struct {
	Action    string            // ResolveAssign, ResolveRefunded or ResolveIgnore
	PaymentID string            // for ResolveAssign
	Note      string            // why; required for ignore and refunded
	By        cooperative.Actor // the accountant, for the item and the audit log
}

// resolvePaymentReview is Payments.ResolvePaymentReview: an assigned credit is received
// through its payment's payable in ps.
func resolvePaymentReview(ctx context.Context, run *cooperative.Runner, ps Payables, cooperativeID, reviewID string, res ReviewResolution) (PaymentReview, error) {
	res.Note = strings.TrimSpace(res.Note)
	if utf8.RuneCountInString(res.Note) > 500 {
		return PaymentReview{}, cooperative.Errorf(cooperative.EINVALID, "note must be at most 500 characters")
	}
	switch res.Action {
	case ResolveAssign:
		if !cooperative.ValidID(res.PaymentID) {
			return PaymentReview{}, cooperative.Errorf(cooperative.EINVALID, "assigning needs a paymentId")
		}
	case ResolveRefunded, ResolveIgnore:
		if res.Note == "" {
			return PaymentReview{}, cooperative.Errorf(cooperative.EINVALID, "say why in a note")
		}
	default:
		return PaymentReview{}, cooperative.Errorf(cooperative.EINVALID, "action must be assign, refunded or ignore")
	}
	var out PaymentReview
	err := run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		r, rec, err := cooperative.GetAs[PaymentReview](tx, collectionPaymentReviews, reviewID)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && r.CooperativeID != cooperativeID) {
			return cooperative.Errorf(cooperative.ENOTFOUND, "review item %s not found", reviewID)
		}
		if err != nil {
			return err
		}
		r.Version = rec.Version
		if r.Status != ReviewOpen {
			return cooperative.Errorf(cooperative.ERULE, "this item is already resolved")
		}
		before := r
		if res.Action == ResolveAssign {
			if r.Reason == ReviewPayoutUnknown || r.Reason == ReviewPayoutMismatch {
				return cooperative.RuleError("assign_credit", "this line is about a payout the cooperative made, not money in: "+
					"resolve it as ignore or refunded, with a note of what the bank did")
			}
			if r.Source != "bank" || r.Amount <= 0 {
				return cooperative.Errorf(cooperative.ERULE, "only a bank credit can be assigned to a payment")
			}
			if r.Currency != "EUR" {
				return cooperative.Errorf(cooperative.ERULE, "a credit in %s cannot be assigned to a payment in EUR", r.Currency)
			}
			p, err := readPayment(tx, res.PaymentID)
			if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && p.CooperativeID != cooperativeID) {
				return cooperative.Errorf(cooperative.ENOTFOUND, "payment %s not found", res.PaymentID)
			}
			if err != nil {
				return err
			}
			// The accountant decided; a surplus or a closed subscription's money stays on
			// suspense or refunds payable, which the ledger shows.
			if _, err := assignBankCredit(tx, ps, res.By, &p, r.SourceID, r.Amount, r.BookedOn, now); err != nil {
				return err
			}
			r.PaymentID = p.ID
		}
		r.Status, r.Resolution, r.Note, r.ResolvedBy, r.ResolvedAt = ReviewResolved, res.Action, res.Note, res.By.UserID, now.UTC()
		if _, err := tx.Replace(reviewRecord(r)); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, res.By, cooperativeID, "payment_review.resolve", "payment_review", r.ID, before, r, now); err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, err
}

// assignBankCredit posts a bank credit of amount booked on bookedOn to p, matched by
// its reference or assigned by the accountant. The exact amount due marks the
// subscription paid through the register's path (Dr bank / Cr subscriptions received in
// advance, as the accountant's MarkPaid does). Anything else (a part payment, an
// overpayment the accountant assigned) goes to the bank transfer suspense account first;
// once the suspense covers the amount due, it pays the subscription, and a surplus stays
// there to be refunded.
//
// The returned item, if any, says the money could not be applied to its subscription
// (it went to refunds payable).
func assignBankCredit(tx cooperative.Tx, ps Payables, actor cooperative.Actor, p *Payment, entryID string, amount int64, bookedOn, now time.Time) (*PaymentReview, error) {
	if p.Channel == "stripe" && p.PostedReceived > 0 {
		return nil, cooperative.Errorf(cooperative.ERULE, "this payment was already paid through Stripe")
	}
	if p.Reversed {
		return nil, cooperative.Errorf(cooperative.ERULE, "this payment was reversed; it takes a new one")
	}
	if reason, detail, err := ps.receivable(tx, *p); err != nil || reason != "" {
		if err == nil {
			err = cooperative.Errorf(cooperative.ERULE, "%s", detail)
		}
		return nil, err
	}
	date := bookingDate(bookedOn, now)
	p.Channel = "transfer"
	var notice *PaymentReview
	var err error
	if p.PostedReceived == 0 && p.Suspense == 0 && amount == p.Amount {
		if notice, err = p.receive(tx, ps, actor, ledger.AccountBank, date, now); err != nil {
			return nil, err
		}
	} else {
		if _, err := postPayment(tx, p.CooperativeID, "bank:"+entryID, date,
			"Bank transfer for payment "+p.ID+" ("+p.Reference+"), held until it covers the amount due",
			p.source(), ledger.AccountBank, ledger.AccountBankTransferSuspense, amount); err != nil {
			return nil, err
		}
		p.Suspense += amount
		if p.PostedReceived == 0 && p.Suspense >= p.Amount {
			if notice, err = p.receive(tx, ps, actor, ledger.AccountBankTransferSuspense, date, now); err != nil {
				return nil, err
			}
			p.Suspense -= p.Amount
		}
	}
	if p.PostedReceived >= p.Amount {
		if p.SucceededAt.IsZero() {
			p.SucceededAt = now.UTC()
		}
		p.Status = PaymentPaid
	}
	return notice, savePayment(tx, p, now)
}
