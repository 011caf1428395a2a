package payments

// Payments in. A Payment is what Kracht expects to receive for one subscription (shares,
// bonds) or membership fee: an amount in EUR, an RF reference for a bank transfer, and,
// when the member pays online, the Stripe objects that carry it.
//
// Money state is never kept here: every movement is posted to the cooperative's ledger
// (PostEntry) in the transaction that learns of it, once, under an idempotency key that
// names what it is for. The
// Payment keeps the facts Stripe and the bank reported, and what has been posted for
// them, so that "what should be posted" is recomputed from the facts after each event
// (settle). That is what makes events harmless in any order and any number of times:
// facts only grow (a time is kept if later, a cumulative amount if larger), and the
// postings follow them.

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
)

// PaymentStatus is where a payment is.
type PaymentStatus string

const (
	PaymentPending    PaymentStatus = "pending"    // nothing received yet
	PaymentProcessing PaymentStatus = "processing" // a SEPA debit or other delayed method is under way
	PaymentPaid       PaymentStatus = "paid"       // received and posted
	PaymentFailed     PaymentStatus = "failed"     // failed before anything was posted
	PaymentReversed   PaymentStatus = "reversed"   // failed after it was posted (late SEPA failure): reversed
	PaymentRefunded   PaymentStatus = "refunded"   // refunded in full
	PaymentDisputed   PaymentStatus = "disputed"   // the payer disputed it; the amount is held
	// PaymentWithdrawn: its subscription was withdrawn before anything was received, so
	// nothing more is asked; money that still comes goes to refunds payable, with an item
	// for review (see WithdrawPayment).
	PaymentWithdrawn PaymentStatus = "withdrawn"
	// PaymentDisputeLost: the payer won the dispute; the money is gone (see closeDispute).
	PaymentDisputeLost PaymentStatus = "dispute_lost"
)

// Outcomes of a dispute, as Kracht records them when Stripe closes it.
const (
	DisputeWon  = "won"  // the money comes back (also an inquiry closed without a chargeback)
	DisputeLost = "lost" // the payer keeps it
)

// Purposes of a payment.
const (
	PurposeShares        = "shares"
	PurposeBonds         = "bonds"
	PurposeMembershipFee = "membership_fee"
	// PurposeDonation is a gift to the community fund (cooperative/fund).
	PurposeDonation = "donation"
)

// Payment is one amount Kracht expects for one subscription or fee.
type Payment struct {
	ID             string        `json:"id"`
	CooperativeID  string        `json:"cooperativeId"`
	SubscriptionID string        `json:"subscriptionId"`
	Purpose        string        `json:"purpose"`
	Amount         int64         `json:"amount"`   // minor units
	Currency       string        `json:"currency"` // "EUR"
	Reference      string        `json:"reference"`
	Status         PaymentStatus `json:"status"`
	// Who is told when the payment fails late.
	PayerEmail    string `json:"payerEmail,omitempty"`
	PayerLanguage string `json:"payerLanguage,omitempty"`

	// Stripe objects, learnt from the session Kracht made and from events.
	CheckoutSessionID string `json:"checkoutSessionId,omitempty"`
	CheckoutAttempts  int    `json:"checkoutAttempts,omitempty"`
	PaymentIntentID   string `json:"paymentIntentId,omitempty"`
	ChargeID          string `json:"chargeId,omitempty"`

	// Facts, as reported; they only grow.
	SucceededAt time.Time `json:"succeededAt,omitzero"`
	FailedAt    time.Time `json:"failedAt,omitzero"`
	FailReason  string    `json:"failReason,omitempty"`
	Refunded    int64     `json:"refunded,omitempty"` // cumulative, as Stripe reports it
	DisputeID   string    `json:"disputeId,omitempty"`
	Disputed    int64     `json:"disputed,omitempty"`
	// DisputeOutcome is how Stripe closed the dispute: DisputeWon or DisputeLost.
	DisputeOutcome string `json:"disputeOutcome,omitempty"`
	// Channel is how the money came: "stripe" or "transfer" (fixed by the first receipt).
	Channel string `json:"channel,omitempty"`

	// What has been posted to the ledger.
	PostedReceived int64 `json:"postedReceived,omitempty"`
	PostedRefunded int64 `json:"postedRefunded,omitempty"`
	PostedDisputed int64 `json:"postedDisputed,omitempty"`
	// DisputeClosed: the outcome of the dispute is posted (PostedDisputed released or
	// written off).
	DisputeClosed bool `json:"disputeClosed,omitempty"`
	Reversed      bool `json:"reversed,omitempty"`
	// ReceivedSeq is the ledger entry of the receipt (what a late failure reverses);
	// ReceivedTo the account it credited: subscriptions received in advance when the
	// subscription was marked paid, refunds payable when it could no longer take the
	// money (the offering closed, paid twice), membership fees for a fee.
	ReceivedSeq int64  `json:"receivedSeq,omitempty"`
	ReceivedTo  string `json:"receivedTo,omitempty"`
	// Suspense is bank money received for this payment but not yet applied to it (part
	// payments, an overpayment's surplus), on the bank transfer suspense account.
	Suspense int64 `json:"suspense,omitempty"`
	// RefundDue is what Kracht asked Stripe to refund, out of refunds payable.
	RefundDue int64 `json:"refundDue,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int64     `json:"-"`
}

const collectionPayments = "payments"

// NewPayment is what the code that creates a subscription provides.
type NewPayment struct {
	CooperativeID  string
	SubscriptionID string
	Purpose        string
	Amount         int64
	Currency       string
	// Reference is the RF reference the member quotes with a transfer. The caller makes
	// it (payments/rfref.New); it must be unique over the platform, so a payment to the
	// wrong cooperative is recognised as such.
	Reference     string
	PayerEmail    string
	PayerLanguage string
}

// CreatePayment stores a new pending payment inside tx. One subscription has at most
// one payment.
func CreatePayment(tx cooperative.Tx, n NewPayment, now time.Time) (Payment, error) {
	switch {
	case !cooperative.ValidID(n.CooperativeID):
		return Payment{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", n.CooperativeID)
	case n.SubscriptionID == "" || len(n.SubscriptionID) > 64:
		return Payment{}, cooperative.Errorf(cooperative.EINVALID, "a payment needs a subscription id")
	case !validPurpose(n.Purpose):
		return Payment{}, cooperative.Errorf(cooperative.EINVALID, "a payment needs a purpose: what it pays for, such as shares")
	case n.Amount <= 0:
		return Payment{}, cooperative.Errorf(cooperative.EINVALID, "a payment needs a positive amount")
	case strings.ToUpper(n.Currency) != "EUR":
		return Payment{}, cooperative.Errorf(cooperative.EINVALID, "payments are in EUR")
	case !plausibleRF(n.Reference):
		return Payment{}, cooperative.Errorf(cooperative.EINVALID, "a payment needs an RF reference")
	}
	p := Payment{ID: cooperative.NewID(), CooperativeID: n.CooperativeID, SubscriptionID: n.SubscriptionID, Purpose: n.Purpose,
		Amount: n.Amount, Currency: "EUR", Reference: n.Reference, Status: PaymentPending,
		PayerEmail: strings.TrimSpace(n.PayerEmail), PayerLanguage: n.PayerLanguage,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	rec, err := tx.Insert(paymentRecord(p))
	if cooperative.ErrorCode(err) == cooperative.ECONFLICT {
		return Payment{}, cooperative.Errorf(cooperative.ECONFLICT, "this subscription already has a payment, or the reference is taken")
	}
	if err != nil {
		return Payment{}, err
	}
	p.Version = rec.Version
	return p, nil
}

// validPurpose screens a purpose: a short lower-case name. Which purposes are taken is
// for the Payables that receive the money (see Payables.receivable).
func validPurpose(s string) bool {
	return s != "" && len(s) <= 32 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz_") == ""
}

// plausibleRF screens a reference in electronic form; payments/rfref checks the digits.
func plausibleRF(s string) bool {
	if len(s) < 5 || len(s) > 25 || !strings.HasPrefix(s, "RF") {
		return false
	}
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
}

func paymentRecord(p Payment) cooperative.Record {
	idx := map[string]string{"cooperative": p.CooperativeID, "subscription": p.SubscriptionID, "reference": p.Reference}
	if p.PaymentIntentID != "" {
		idx["intent"] = p.PaymentIntentID
	}
	if p.ChargeID != "" {
		idx["charge"] = p.ChargeID
	}
	return cooperative.Record{Collection: collectionPayments, ID: p.ID, Version: p.Version, Data: cooperative.Encode(p),
		Unique: map[string]string{"reference": p.Reference, "subscription": p.SubscriptionID}, Index: idx}
}

func readPayment(tx cooperative.Tx, id string) (Payment, error) {
	p, rec, err := cooperative.GetAs[Payment](tx, collectionPayments, id)
	p.Version = rec.Version
	return p, err
}

// findPayment finds the payment whose index entry name is value, in any cooperative.
func findPayment(tx cooperative.Tx, index, value string) (Payment, bool, error) {
	if value == "" {
		return Payment{}, false, nil
	}
	page, err := tx.Find(cooperative.Query{Collection: collectionPayments, Index: index, Value: value, Limit: 1})
	if err != nil || len(page.Records) == 0 {
		return Payment{}, false, err
	}
	var p Payment
	if err := cooperative.Decode(page.Records[0], &p); err != nil {
		return p, false, err
	}
	p.Version = page.Records[0].Version
	return p, true, nil
}

func savePayment(tx cooperative.Tx, p *Payment, now time.Time) error {
	p.UpdatedAt = now.UTC()
	out, err := tx.Replace(paymentRecord(*p))
	if err != nil {
		return err
	}
	p.Version = out.Version
	return nil
}

// GetPayment returns one payment of a cooperative.
func (ps *Payments) GetPayment(ctx context.Context, cooperativeID, id string) (Payment, error) {
	var p Payment
	err := ps.run.View(ctx, func(tx cooperative.Tx) (err error) {
		p, err = readPayment(tx, id)
		return err
	})
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && p.CooperativeID != cooperativeID) {
		return Payment{}, cooperative.Errorf(cooperative.ENOTFOUND, "payment %s not found", id)
	}
	return p, err
}

// PaymentForSubscription returns the payment of a subscription.
func (ps *Payments) PaymentForSubscription(ctx context.Context, cooperativeID, subscriptionID string) (Payment, error) {
	return paymentForSubscription(ctx, ps.run, cooperativeID, subscriptionID)
}

func paymentForSubscription(ctx context.Context, run *cooperative.Runner, cooperativeID, subscriptionID string) (Payment, error) {
	var (
		p  Payment
		ok bool
	)
	err := run.View(ctx, func(tx cooperative.Tx) (err error) {
		p, ok, err = findPayment(tx, "subscription", subscriptionID)
		return err
	})
	if err == nil && (!ok || p.CooperativeID != cooperativeID) {
		return Payment{}, cooperative.Errorf(cooperative.ENOTFOUND, "no payment for subscription %s", subscriptionID)
	}
	return p, err
}

// The entry points below are what the code a payment pays for (the register's
// subscriptions today) calls inside its own transaction; they will be the payments
// package's exported functions once it is split out.

// PaymentOf returns the payment of a payable (a subscription) of cooperativeID inside
// tx; found is false when it has none.
func PaymentOf(tx cooperative.Tx, cooperativeID, payableID string) (p Payment, found bool, err error) {
	p, found, err = findPayment(tx, "subscription", payableID)
	return p, found && p.CooperativeID == cooperativeID, err
}

// AskRefund records inside tx that Kracht asks Stripe to refund due of p (RefundDue),
// with its audit entry by actor; asking for the same amount again changes nothing. The
// caller then asks Stripe, and the refund is posted when Stripe confirms it.
func AskRefund(tx cooperative.Tx, actor cooperative.Actor, p *Payment, due int64, now time.Time) error {
	if p.RefundDue == due {
		return nil
	}
	before := *p
	p.RefundDue = due
	if err := savePayment(tx, p, now); err != nil {
		return err
	}
	return cooperative.AppendAudit(tx, actor, p.CooperativeID, "payment.refund", "payment", p.ID, before, *p, now)
}

// WithdrawPayment marks the payment of a payable that is withdrawn before it was paid,
// if it has one, and returns what of the payer's money it moved to refunds payable.
// label names the payable in the entry's description ("subscription <id>").
//
// Money cannot be refused, only not applied. A payment with nothing under way is marked
// withdrawn, so no new Checkout Session or transfer instructions are made for it; one
// under way (a SEPA debit) keeps its status, and Stripe's next event decides it. Either
// way, money that still comes finds the payable no longer taking it: receive posts it to
// refunds payable and queues an item for review (the path of a subscription that
// lapsed), from where it is refunded. Part payments by transfer already held on the
// suspense account move to refunds payable now: they are the payer's to get back.
func WithdrawPayment(tx cooperative.Tx, cooperativeID, payableID, label string, now time.Time) (int64, error) {
	p, ok, err := PaymentOf(tx, cooperativeID, payableID)
	if err != nil || !ok {
		return 0, err
	}
	var moved int64
	if p.Suspense > 0 {
		if _, err := postPayment(tx, p.CooperativeID, "withdrawn-suspense:"+p.ID, cooperative.DateOf(now),
			"Part payments of withdrawn "+label+" ("+p.Reference+"): to refund", p.source(),
			ledger.AccountBankTransferSuspense, ledger.AccountRefundsPayable, p.Suspense); err != nil {
			return 0, err
		}
		moved, p.Suspense = p.Suspense, 0
	}
	if p.Status == PaymentPending || p.Status == PaymentFailed {
		p.Status = PaymentWithdrawn
	}
	return moved, savePayment(tx, &p, now)
}

// NoteCheckoutAttempt counts a new Checkout Session for a payment and returns it with the
// attempt number, which the Stripe idempotency key is made of. A payment that is already
// received, or under way, gets no new session.
func (c *Checkout) NoteCheckoutAttempt(ctx context.Context, cooperativeID, paymentID string) (Payment, error) {
	var p Payment
	err := c.d.Run.Update(ctx, func(tx cooperative.Tx, now time.Time) (err error) {
		p, err = readPayment(tx, paymentID)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && p.CooperativeID != cooperativeID) {
			return cooperative.Errorf(cooperative.ENOTFOUND, "payment %s not found", paymentID)
		}
		if err != nil {
			return err
		}
		if p.Status != PaymentPending && p.Status != PaymentFailed {
			return cooperative.Errorf(cooperative.ERULE, "this payment is %s; it cannot be paid again", p.Status)
		}
		p.CheckoutAttempts++
		return savePayment(tx, &p, now)
	})
	return p, err
}

// RecordCheckoutSession remembers the session made for a payment.
func (c *Checkout) RecordCheckoutSession(ctx context.Context, paymentID, sessionID string) error {
	return c.d.Run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		p, err := readPayment(tx, paymentID)
		if err != nil {
			return err
		}
		p.CheckoutSessionID = sessionID
		return savePayment(tx, &p, now)
	})
}

// PaymentBalances returns a cooperative's ledger balances today per account (debit
// positive, sub-accounts apart): what the accountant reconciles against Stripe and the
// bank. The Stripe clearing account is zero after each payout has been posted.
func (ps *Payments) PaymentBalances(ctx context.Context, cooperativeID string) (map[string]int64, error) {
	var bal map[string]int64
	err := ps.run.View(ctx, func(tx cooperative.Tx) (err error) {
		bal, err = ledger.AccountBalances(tx, cooperativeID, "9999-12-31")
		for k, v := range bal {
			if v == 0 {
				delete(bal, k)
			}
		}
		return err
	})
	return bal, err
}

// postPayment posts a two-line entry for a payment: Dr debit, Cr credit.
func postPayment(tx cooperative.Tx, cooperativeID, key string, date cooperative.Date, desc string, src ledger.Source, debit, credit ledger.AccountCode, amount int64) (ledger.Entry, error) {
	if amount <= 0 {
		return ledger.Entry{}, cooperative.Errorf(cooperative.EINTERNAL, "payment posting %s without a positive amount", key)
	}
	e, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: cooperativeID, Key: key, BookingDate: date, Description: desc,
		Source: src, Lines: []ledger.Line{{Account: string(debit), Amount: amount}, {Account: string(credit), Amount: -amount}}})
	return e, err
}

func (p Payment) source() ledger.Source { return ledger.Source{Type: "payment", ID: p.ID} }

// bookingDate is the date of a fact, never later than today (an event's clock may run
// ahead of ours by a little).
func bookingDate(at, now time.Time) cooperative.Date {
	if at.IsZero() || at.After(now) {
		return cooperative.DateOf(now)
	}
	return cooperative.DateOf(at)
}

// succeeded reports whether the latest word on the payment is success. Stripe times
// events by the second; a success and a failure in the same second count as success,
// since a late failure comes days after.
func (p Payment) succeeded() bool {
	return !p.SucceededAt.IsZero() && !p.FailedAt.After(p.SucceededAt)
}

// settleEffect is what settle did that someone must hear about.
type settleEffect struct {
	reversed bool
	mail     map[string]string // the payable's part of the payer's mail about a late failure
	review   *PaymentReview    // posted, but the accountant must look at it
}

// settle posts what the Stripe facts call for and sets the status. actor is who
// reported the facts (Stripe, with the event), for the audit log of a receipt.
func (p *Payment) settle(tx cooperative.Tx, ps Payables, actor cooperative.Actor, now time.Time) (settleEffect, error) {
	var eff settleEffect
	switch {
	case p.succeeded() && p.PostedReceived == 0 && !p.Reversed:
		r, err := p.receive(tx, ps, actor, ledger.AccountStripeClearing, bookingDate(p.SucceededAt, now), now)
		if err != nil {
			return eff, err
		}
		eff.review = r
	case !p.succeeded() && !p.FailedAt.IsZero() && p.PostedReceived > 0 && !p.Reversed:
		u, err := p.reverseLate(tx, ps, bookingDate(p.FailedAt, now), now)
		if err != nil {
			return eff, err
		}
		eff.reversed, eff.mail, eff.review = true, u.Mail, u.Review
	}
	if p.PostedReceived > 0 && !p.Reversed {
		if want := min(p.Refunded, p.PostedReceived-p.lostToDispute()); want > p.PostedRefunded {
			r, err := p.postRefund(tx, want, now)
			if err != nil {
				return eff, err
			}
			if r != nil {
				eff.review = r
			}
		}
		if want := min(p.Disputed, p.PostedReceived-p.PostedRefunded); want > p.PostedDisputed && !p.DisputeClosed {
			// Stripe withdraws a disputed amount at once; it is held apart, not written
			// off, until the accountant records the outcome.
			if _, err := postPayment(tx, p.CooperativeID, "dispute:"+p.DisputeID, cooperative.DateOf(now),
				"Dispute "+p.DisputeID+" on payment "+p.ID, p.source(), ledger.AccountDisputesHeld, ledger.AccountStripeClearing,
				want-p.PostedDisputed); err != nil {
				return eff, err
			}
			p.PostedDisputed = want
			eff.review = &PaymentReview{Reason: ReviewDisputed, PaymentID: p.ID, Amount: want, Currency: p.Currency,
				Detail: "the payer disputed the payment; the amount is held on disputes_held until the outcome is recorded"}
		}
		closed, lost, err := p.closeDispute(tx, now)
		if err != nil {
			return eff, err
		}
		if closed {
			eff.review = afterDispute(eff.review, lost)
		}
	}
	switch {
	case p.Reversed:
		p.Status = PaymentReversed
	case p.PostedDisputed > 0 && !p.DisputeClosed:
		p.Status = PaymentDisputed
	case p.PostedDisputed > 0 && p.DisputeOutcome == DisputeLost:
		p.Status = PaymentDisputeLost
	case p.PostedReceived > 0 && p.PostedRefunded >= p.PostedReceived:
		p.Status = PaymentRefunded
	case p.PostedReceived > 0:
		p.Status = PaymentPaid
	case !p.FailedAt.IsZero() && !p.succeeded():
		p.Status = PaymentFailed
	}
	return eff, nil
}

// lostToDispute is what of the received money a dispute has taken from the Stripe
// balance: held while the dispute is open, gone once lost, nothing once won.
func (p Payment) lostToDispute() int64 {
	if p.DisputeClosed && p.DisputeOutcome == DisputeWon {
		return 0
	}
	return p.PostedDisputed
}

// closeDispute posts the outcome of a dispute Stripe closed, once, out of disputes_held,
// where the amount was put when Stripe withdrew it from the balance (Dr disputes held /
// Cr Stripe clearing). Won, Stripe puts it back: Dr Stripe clearing / Cr disputes held.
// Lost, it is gone: Dr dispute losses / Cr disputes held; Stripe clearing does not
// move, since the withdrawal was posted to it when the dispute opened. Either way a
// payout carries Stripe's withdrawal and any reinstatement as balance transactions (and
// the dispute fee, which applyPayout posts as a fee), so the clearing account still
// comes to zero at each payout. The item that waited for the outcome is resolved; a lost
// dispute gets an item of its own, since the subscription still counts money that is
// gone.
func (p *Payment) closeDispute(tx cooperative.Tx, now time.Time) (closed bool, lost *PaymentReview, err error) {
	if p.DisputeClosed || p.DisputeOutcome == "" {
		return false, nil, nil
	}
	held, date, src := p.PostedDisputed, cooperative.DateOf(now), p.source()
	desc := "Dispute " + p.DisputeID + " on payment " + p.ID
	note := "Stripe closed the dispute: " + p.DisputeOutcome
	switch {
	case p.DisputeOutcome == DisputeWon && held > 0:
		_, err = postPayment(tx, p.CooperativeID, "dispute-won:"+p.DisputeID, date, desc+" won: the amount is back",
			src, ledger.AccountStripeClearing, ledger.AccountDisputesHeld, held)
		note += "; the held amount is back on the Stripe balance"
	case p.DisputeOutcome == DisputeLost && held > 0:
		_, err = postPayment(tx, p.CooperativeID, "dispute-lost:"+p.DisputeID, date, desc+" lost: the payer keeps the amount",
			src, ledger.AccountDisputeLosses, ledger.AccountDisputesHeld, held)
		note += "; the held amount is written off to dispute losses"
		lost = &PaymentReview{Reason: ReviewDisputeLost, PaymentID: p.ID, Amount: held, Currency: p.Currency,
			Detail: "the payer won dispute " + p.DisputeID + ": the amount is lost (dispute_losses_expense), but the " +
				"subscription still counts it as paid; the board settles it with the member (pay again, or cancel it)"}
	case p.DisputeOutcome == DisputeLost:
		lost = &PaymentReview{Reason: ReviewDisputeLost, PaymentID: p.ID, Amount: p.Disputed, Currency: p.Currency,
			Detail: "the payer won dispute " + p.DisputeID + " on money already refunded or not held: check it in Stripe"}
	}
	if err != nil {
		return false, nil, err
	}
	p.DisputeClosed = true
	return true, lost, resolveDisputeReviews(tx, *p, note, now)
}

// afterDispute is the item a settle leaves once a dispute is closed: the lost
// dispute's, if any, instead of the one that would wait for the outcome (a dispute
// opened and closed in one settle, its events having come out of order). Another item
// (money its subscription could not take) keeps its place and tells of the loss too: an
// event queues one item.
func afterDispute(review, lost *PaymentReview) *PaymentReview {
	if review != nil && review.Reason == ReviewDisputed {
		review = nil
	}
	switch {
	case lost == nil:
		return review
	case review == nil:
		return lost
	}
	merged := *review
	merged.Detail += "; and " + lost.Detail
	return &merged
}

// receive posts the whole amount as received on debit (Stripe clearing or bank),
// through the payment's Payable, which credits what the money is for (for shares: the
// subscription is marked paid through the register's own path, so register and ledger
// agree). Money the payable can no longer take (the offering closed, or it was paid
// another way) is credited to refunds payable instead, with an item for review. A
// payment whose payable is unknown is not posted at all (the caller has checked; see
// Payables.receivable). actor is who reported the money, for the audit log: a payable
// that audits the receipt itself says so, anything else gets an entry here.
func (p *Payment) receive(tx cooperative.Tx, ps Payables, actor cooperative.Actor, debit ledger.AccountCode, date cooperative.Date, now time.Time) (*PaymentReview, error) {
	pb, _, detail := ps.payableOf(*p)
	if pb == nil {
		return nil, cooperative.Errorf(cooperative.EINTERNAL, "payment %s: %s", p.ID, detail)
	}
	var review *PaymentReview
	before := *p
	r, err := pb.Receive(tx, actor, *p, debit, date, now)
	switch {
	case err == nil && r.Seq > 0:
		p.ReceivedSeq, p.ReceivedTo = r.Seq, string(r.To)
	case err == nil || cooperative.ErrorCode(err) == cooperative.ERULE:
		why := "the subscription is already paid"
		if err != nil {
			why = cooperative.ErrorMessage(err)
		}
		e, perr := postPayment(tx, p.CooperativeID, "payment-received:"+p.ID, date,
			"Payment "+p.ID+" ("+p.Reference+") received for a subscription that cannot take it: to refund",
			p.source(), debit, ledger.AccountRefundsPayable, p.Amount)
		if perr != nil {
			return nil, perr
		}
		p.ReceivedSeq, p.ReceivedTo = e.Seq, string(ledger.AccountRefundsPayable)
		r.Audited = false
		review = &PaymentReview{Reason: ReviewAlreadyPaid, PaymentID: p.ID, Amount: p.Amount, Currency: p.Currency,
			Detail: "received but not applied (" + why + "); it is on refunds payable: refund it"}
	default:
		return nil, err
	}
	p.PostedReceived = p.Amount
	if !r.Audited {
		if err := cooperative.AppendAudit(tx, actor, p.CooperativeID, "payment.receive", "payment", p.ID, before, *p, now); err != nil {
			return nil, err
		}
	}
	return review, nil
}

// stripeActor is Stripe as the actor of the audit log, for what its event source
// ("stripe:evt_…") made Kracht do.
func stripeActor(source string) cooperative.Actor {
	return cooperative.Actor{Role: "stripe", RequestID: source}
}

// reverseLate undoes a receipt that failed late (a SEPA Direct Debit returned days
// later): a reversing entry of the receipt, and what the receipt paid for is unwound by
// its Payable (for an allocated subscription whose shares have not moved since, the
// shares are cancelled and the allocation reversed too, so register and ledger keep
// agreeing). What cannot be unwound comes back as an item for review. Money that went
// to refunds payable never reached the payable: there is nothing of its to unwind.
func (p *Payment) reverseLate(tx cooperative.Tx, ps Payables, date cooperative.Date, now time.Time) (Unwound, error) {
	reason := "payment failed after it was received"
	if p.FailReason != "" {
		reason += ": " + p.FailReason
	}
	var u Unwound
	if p.ReceivedTo != string(ledger.AccountRefundsPayable) {
		pb, _, detail := ps.payableOf(*p)
		if pb == nil {
			return u, cooperative.Errorf(cooperative.EINTERNAL, "payment %s: %s", p.ID, detail)
		}
		var err error
		if u, err = pb.Unwind(tx, *p, date, now); err != nil {
			return Unwound{}, err
		}
	}
	if left := p.PostedReceived - p.PostedRefunded - p.lostToDispute(); left == p.PostedReceived && p.ReceivedSeq > 0 {
		if _, err := ledger.ReverseEntry(tx, p.CooperativeID, p.ReceivedSeq, date, reason); err != nil {
			return Unwound{}, err
		}
	} else if left > 0 {
		if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: p.CooperativeID, Key: "late-failure:" + p.ID, BookingDate: date,
			Description: "Partial reversal of payment " + p.ID + ": " + reason, Source: p.source(), Reverses: p.ReceivedSeq,
			Lines: []ledger.Line{{Account: p.ReceivedTo, Amount: left}, {Account: string(ledger.AccountStripeClearing), Amount: -left}}}); err != nil {
			return Unwound{}, err
		}
	}
	p.Reversed = true
	return u, nil
}

// postRefund posts a refund Stripe confirmed, up to the cumulative want: out of refunds
// payable as far as Kracht asked for it (or the receipt went there), the rest out of
// where the receipt went, with an item for review (a refund made in Stripe's dashboard
// leaves the register counting the subscription).
func (p *Payment) postRefund(tx cooperative.Tx, want int64, now time.Time) (*PaymentReview, error) {
	amount := want - p.PostedRefunded
	fromPayable := p.RefundDue
	if p.ReceivedTo == string(ledger.AccountRefundsPayable) {
		fromPayable = p.PostedReceived
	}
	fromPayable = max(0, min(amount, fromPayable-p.PostedRefunded))
	key := "refund:" + p.ID + ":" + strconv.FormatInt(want, 10)
	lines := []ledger.Line{}
	if fromPayable > 0 {
		lines = append(lines, ledger.Line{Account: string(ledger.AccountRefundsPayable), Amount: fromPayable})
	}
	var review *PaymentReview
	if rest := amount - fromPayable; rest > 0 {
		lines = append(lines, ledger.Line{Account: p.ReceivedTo, Amount: rest})
		review = &PaymentReview{Reason: ReviewUnrequestedRefund, PaymentID: p.ID, Amount: rest, Currency: p.Currency,
			Detail: "Stripe refunded money Kracht did not ask it to refund: check the subscription"}
	}
	lines = append(lines, ledger.Line{Account: string(ledger.AccountStripeClearing), Amount: -amount})
	if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: p.CooperativeID, Key: key, BookingDate: cooperative.DateOf(now),
		Description: "Refund of payment " + p.ID + " confirmed by Stripe", Source: p.source(), Lines: lines}); err != nil {
		return nil, err
	}
	p.PostedRefunded = want
	return review, nil
}
