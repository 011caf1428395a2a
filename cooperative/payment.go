package cooperative

// Payments in. A Payment is what Kracht expects to receive for one subscription (shares,
// bonds) or membership fee: an amount in EUR, an RF reference for a bank transfer, and,
// when the member pays online, the Stripe objects that carry it.
//
// Money state is never kept here: every movement is posted as a balanced entry (see
// postPayment below), once, under an idempotency key that names what it is for. The
// Payment keeps the facts Stripe and the bank reported, and what has been posted for
// them, so that "what should be posted" is recomputed from the facts after each event
// (settle). That is what makes events harmless in any order and any number of times:
// facts only grow (a time is kept if later, a cumulative amount if larger), and the
// postings follow them.

import (
	"context"
	"fmt"
	"strings"
	"time"
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
)

// Purposes of a payment.
const (
	PurposeShares        = "shares"
	PurposeBonds         = "bonds"
	PurposeMembershipFee = "membership_fee"
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
	// Channel is how the money came: "stripe" or "transfer" (fixed by the first receipt).
	Channel string `json:"channel,omitempty"`

	// What has been posted.
	PostedReceived int64 `json:"postedReceived,omitempty"`
	PostedRefunded int64 `json:"postedRefunded,omitempty"`
	PostedDisputed int64 `json:"postedDisputed,omitempty"`
	Reversed       bool  `json:"reversed,omitempty"`

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
func CreatePayment(tx Tx, n NewPayment, now time.Time) (Payment, error) {
	switch {
	case !ValidID(n.CooperativeID):
		return Payment{}, Errorf(EINVALID, "%q is not a cooperative id", n.CooperativeID)
	case n.SubscriptionID == "" || len(n.SubscriptionID) > 64:
		return Payment{}, Errorf(EINVALID, "a payment needs a subscription id")
	case n.Purpose != PurposeShares && n.Purpose != PurposeBonds && n.Purpose != PurposeMembershipFee:
		return Payment{}, Errorf(EINVALID, "purpose must be shares, bonds or membership_fee")
	case n.Amount <= 0:
		return Payment{}, Errorf(EINVALID, "a payment needs a positive amount")
	case strings.ToUpper(n.Currency) != "EUR":
		return Payment{}, Errorf(EINVALID, "payments are in EUR")
	case !plausibleRF(n.Reference):
		return Payment{}, Errorf(EINVALID, "a payment needs an RF reference")
	}
	p := Payment{ID: NewID(), CooperativeID: n.CooperativeID, SubscriptionID: n.SubscriptionID, Purpose: n.Purpose,
		Amount: n.Amount, Currency: "EUR", Reference: n.Reference, Status: PaymentPending,
		PayerEmail: strings.TrimSpace(n.PayerEmail), PayerLanguage: n.PayerLanguage,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	rec, err := tx.Insert(paymentRecord(p))
	if ErrorCode(err) == ECONFLICT {
		return Payment{}, Errorf(ECONFLICT, "this subscription already has a payment, or the reference is taken")
	}
	if err != nil {
		return Payment{}, err
	}
	p.Version = rec.Version
	return p, nil
}

// plausibleRF screens a reference in electronic form; payments/rfref checks the digits.
func plausibleRF(s string) bool {
	if len(s) < 5 || len(s) > 25 || !strings.HasPrefix(s, "RF") {
		return false
	}
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
}

func paymentRecord(p Payment) Record {
	idx := map[string]string{"cooperative": p.CooperativeID, "subscription": p.SubscriptionID, "reference": p.Reference}
	if p.PaymentIntentID != "" {
		idx["intent"] = p.PaymentIntentID
	}
	if p.ChargeID != "" {
		idx["charge"] = p.ChargeID
	}
	return Record{Collection: collectionPayments, ID: p.ID, Version: p.Version, Data: encode(p),
		Unique: map[string]string{"reference": p.Reference, "subscription": p.SubscriptionID}, Index: idx}
}

func readPayment(tx Tx, id string) (Payment, error) {
	p, rec, err := getAs[Payment](tx, collectionPayments, id)
	p.Version = rec.Version
	return p, err
}

// findPayment finds the payment whose index entry name is value, in any cooperative.
func findPayment(tx Tx, index, value string) (Payment, bool, error) {
	if value == "" {
		return Payment{}, false, nil
	}
	page, err := tx.Find(Query{Collection: collectionPayments, Index: index, Value: value, Limit: 1})
	if err != nil || len(page.Records) == 0 {
		return Payment{}, false, err
	}
	var p Payment
	if err := decode(page.Records[0], &p); err != nil {
		return p, false, err
	}
	p.Version = page.Records[0].Version
	return p, true, nil
}

func savePayment(tx Tx, p *Payment, now time.Time) error {
	p.UpdatedAt = now.UTC()
	out, err := tx.Replace(paymentRecord(*p))
	if err != nil {
		return err
	}
	p.Version = out.Version
	return nil
}

// GetPayment returns one payment of a cooperative.
func GetPayment(ctx context.Context, s Store, cooperativeID, id string) (Payment, error) {
	var p Payment
	err := s.View(ctx, func(tx Tx) (err error) {
		p, err = readPayment(tx, id)
		return err
	})
	if ErrorCode(err) == ENOTFOUND || (err == nil && p.CooperativeID != cooperativeID) {
		return Payment{}, Errorf(ENOTFOUND, "payment %s not found", id)
	}
	return p, err
}

// PaymentForSubscription returns the payment of a subscription.
func PaymentForSubscription(ctx context.Context, s Store, cooperativeID, subscriptionID string) (Payment, error) {
	var (
		p  Payment
		ok bool
	)
	err := s.View(ctx, func(tx Tx) (err error) {
		p, ok, err = findPayment(tx, "subscription", subscriptionID)
		return err
	})
	if err == nil && (!ok || p.CooperativeID != cooperativeID) {
		return Payment{}, Errorf(ENOTFOUND, "no payment for subscription %s", subscriptionID)
	}
	return p, err
}

// NoteCheckoutAttempt counts a new Checkout Session for a payment and returns it with the
// attempt number, which the Stripe idempotency key is made of. A payment that is already
// received, or under way, gets no new session.
func NoteCheckoutAttempt(ctx context.Context, s Store, cooperativeID, paymentID string, now time.Time) (Payment, error) {
	var p Payment
	err := s.Update(ctx, func(tx Tx) (err error) {
		p, err = readPayment(tx, paymentID)
		if ErrorCode(err) == ENOTFOUND || (err == nil && p.CooperativeID != cooperativeID) {
			return Errorf(ENOTFOUND, "payment %s not found", paymentID)
		}
		if err != nil {
			return err
		}
		if p.Status != PaymentPending && p.Status != PaymentFailed {
			return Errorf(ERULE, "this payment is %s; it cannot be paid again", p.Status)
		}
		p.CheckoutAttempts++
		return savePayment(tx, &p, now)
	})
	return p, err
}

// RecordCheckoutSession remembers the session made for a payment.
func RecordCheckoutSession(ctx context.Context, s Store, paymentID, sessionID string, now time.Time) error {
	return s.Update(ctx, func(tx Tx) error {
		p, err := readPayment(tx, paymentID)
		if err != nil {
			return err
		}
		p.CheckoutSessionID = sessionID
		return savePayment(tx, &p, now)
	})
}

// The accounts payment postings use: the codes of the ledger's chart (ledger.go), plus
// one for disputed money Stripe holds. They are spelled out here, not taken from the
// ledger's constants, while the ledger is being built (issue 5); phase 2 posts through
// PostEntry.
const (
	payStripeClearing    = "stripe_clearing"
	payBank              = "bank"
	paySubscriptionsPaid = "subscriptions_received_in_advance"
	payFees              = "payment_fees_expense"
	payMembershipFees    = "membership_fees_income"
	payDisputesHeld      = "disputes_held"
)

// PaymentPosting is one balanced movement caused by a payment. Every one is appended to
// the cooperative's payment journal under an idempotency key, so it is posted once
// whatever repeats.
type PaymentPosting struct {
	Kind           string    `json:"kind"` // received, reversal, refund, dispute, fee, payout, payout_failed
	CooperativeID  string    `json:"cooperativeId"`
	PaymentID      string    `json:"paymentId,omitempty"`
	SubscriptionID string    `json:"subscriptionId,omitempty"`
	Debit          string    `json:"debit"`
	Credit         string    `json:"credit"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	Source         string    `json:"source"` // the Stripe event or the bank entry
	At             time.Time `json:"at"`
}

// PaymentJournal names a cooperative's journal of payment postings.
func PaymentJournal(cooperativeID string) string { return "payments/" + cooperativeID }

// postPayment appends one posting under key. It is the one place payments post; a
// posting whose key is already there is not posted again.
func postPayment(tx Tx, key string, p PaymentPosting) error {
	if p.Amount <= 0 || p.Debit == "" || p.Credit == "" || p.Debit == p.Credit {
		return Errorf(EINTERNAL, "unbalanced payment posting %s", key)
	}
	p.At = time.Time{} // a retry must append identical data; the journal keeps the time
	_, _, err := tx.Append(JournalEntry{Journal: PaymentJournal(p.CooperativeID), Key: key, Data: encode(p)})
	return err
}

// ReadPaymentPostings returns up to limit of a cooperative's payment postings after
// sequence number after, and the sequence number of the last.
func ReadPaymentPostings(ctx context.Context, s Store, cooperativeID string, after int64, limit int) ([]PaymentPosting, int64, error) {
	var (
		out  []PaymentPosting
		last = after
	)
	err := s.View(ctx, func(tx Tx) error {
		out, last = nil, after
		entries, err := tx.ReadJournal(PaymentJournal(cooperativeID), after, ClampLimit(limit))
		if err != nil {
			return err
		}
		for _, e := range entries {
			var p PaymentPosting
			if err := decode(Record{Collection: e.Journal, ID: e.Key, Data: e.Data}, &p); err != nil {
				return err
			}
			p.At = e.RecordedAt
			out, last = append(out, p), e.Seq
		}
		return nil
	})
	return out, last, err
}

// PaymentBalances sums a cooperative's payment postings per account (debit positive).
// The clearing account's balance is what the accountant reconciles against Stripe.
func PaymentBalances(ctx context.Context, s Store, cooperativeID string) (map[string]int64, error) {
	bal := map[string]int64{}
	after := int64(0)
	for {
		page, last, err := ReadPaymentPostings(ctx, s, cooperativeID, after, MaxPageSize)
		if err != nil {
			return nil, err
		}
		for _, p := range page {
			bal[p.Debit] += p.Amount
			bal[p.Credit] -= p.Amount
		}
		if len(page) < MaxPageSize {
			return bal, nil
		}
		after = last
	}
}

// creditAccount is where a received payment goes until what it pays for is issued.
func (p Payment) creditAccount() string {
	if p.Purpose == PurposeMembershipFee {
		return payMembershipFees
	}
	return paySubscriptionsPaid
}

func (p Payment) posting(kind, debit, credit string, amount int64, source string) PaymentPosting {
	return PaymentPosting{Kind: kind, CooperativeID: p.CooperativeID, PaymentID: p.ID, SubscriptionID: p.SubscriptionID,
		Debit: debit, Credit: credit, Amount: amount, Currency: p.Currency, Source: source}
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
}

// settle posts what the facts call for and sets the status. source names the event.
func (p *Payment) settle(tx Tx, source string) (settleEffect, error) {
	var eff settleEffect
	clearing := payStripeClearing
	if p.Channel == "transfer" {
		clearing = payBank
	}
	switch {
	case p.succeeded() && p.PostedReceived == 0 && !p.Reversed:
		if err := postPayment(tx, "received:"+p.ID, p.posting("received", clearing, p.creditAccount(), p.Amount, source)); err != nil {
			return eff, err
		}
		p.PostedReceived = p.Amount
	case !p.succeeded() && !p.FailedAt.IsZero() && p.PostedReceived > 0 && !p.Reversed:
		// A late failure (SEPA Direct Debit days after it looked paid): the receipt is
		// reversed, less what was already refunded or is held for a dispute.
		if amount := p.PostedReceived - p.PostedRefunded - p.PostedDisputed; amount > 0 {
			if err := postPayment(tx, "reversal:"+p.ID, p.posting("reversal", p.creditAccount(), clearing, amount, source)); err != nil {
				return eff, err
			}
		}
		p.Reversed, eff.reversed = true, true
	}
	if p.PostedReceived > 0 && !p.Reversed {
		if want := min(p.Refunded, p.PostedReceived-p.PostedDisputed); want > p.PostedRefunded {
			key := fmt.Sprintf("refund:%s:%d", p.ID, want)
			if err := postPayment(tx, key, p.posting("refund", p.creditAccount(), clearing, want-p.PostedRefunded, source)); err != nil {
				return eff, err
			}
			p.PostedRefunded = want
		}
		if want := min(p.Disputed, p.PostedReceived-p.PostedRefunded); want > p.PostedDisputed {
			// Stripe withdraws a disputed amount at once; it is held apart, not written
			// off, until the accountant records the outcome.
			if err := postPayment(tx, "dispute:"+p.DisputeID, p.posting("dispute", payDisputesHeld, clearing, want-p.PostedDisputed, source)); err != nil {
				return eff, err
			}
			p.PostedDisputed = want
		}
	}
	switch {
	case p.Reversed:
		p.Status = PaymentReversed
	case p.PostedDisputed > 0:
		p.Status = PaymentDisputed
	case p.PostedReceived > 0 && p.PostedRefunded >= p.PostedReceived:
		p.Status = PaymentRefunded
	case p.PostedReceived > 0:
		p.Status = PaymentPaid
	case !p.FailedAt.IsZero() && !p.succeeded():
		p.Status = PaymentFailed
	}
	return eff, nil
}
