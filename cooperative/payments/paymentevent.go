package payments

// Stripe events. The webhook stores each verified event once, by its id, and answers at
// once; ProcessStripeEvent applies it later. Applying an event and marking it done
// happen in one transaction, so an event is applied exactly once even when several
// replicas process the queue at the same time: the second finds it done (or, on a store
// with optimistic transactions, conflicts and is retried into finding it done). No lease
// is needed for that, unlike the mail outbox, because applying has no effect outside
// the store; what a processor fetches from Stripe first (a payout's balance
// transactions) is a read, harmless to repeat.
//
// An event that cannot be placed yet (a refund whose payment Kracht has not linked to
// its charge, a payout whose charges are not all posted) is parked and retried with a
// growing wait; after MaxStripeEventAttempts it goes to the review queue.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// StripeEvent is a Stripe event as Kracht reads it (payments/stripeclient makes it).
type StripeEvent struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Created  time.Time `json:"created"`
	Livemode bool      `json:"livemode"`
	Account  string    `json:"account,omitempty"`

	Object               string `json:"object,omitempty"` // checkout.session, payment_intent, charge, dispute, payout
	ObjectID             string `json:"objectId,omitempty"`
	CooperativeID        string `json:"cooperativeId,omitempty"` // from metadata
	PaymentID            string `json:"paymentId,omitempty"`     // from metadata or client_reference_id
	PaymentIntentID      string `json:"paymentIntentId,omitempty"`
	ChargeID             string `json:"chargeId,omitempty"`
	PayoutID             string `json:"payoutId,omitempty"`
	BalanceTransactionID string `json:"balanceTransactionId,omitempty"`
	PaymentStatus        string `json:"paymentStatus,omitempty"` // a checkout session's: paid, unpaid, no_payment_required
	Amount               int64  `json:"amount"`
	AmountRefunded       int64  `json:"amountRefunded,omitempty"`
	Currency             string `json:"currency,omitempty"` // upper case
	FailureReason        string `json:"failureReason,omitempty"`
	DisputeStatus        string `json:"disputeStatus,omitempty"` // a dispute's: won, lost, warning_closed, …
	// Raw is the event's data.object as Stripe sent it, kept for the accountant.
	Raw []byte `json:"raw,omitempty"`
}

// StripeBalanceLine is one balance transaction of a payout.
type StripeBalanceLine struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Source   string `json:"source"`
	Amount   int64  `json:"amount"`
	Fee      int64  `json:"fee"`
	Net      int64  `json:"net"`
	Currency string `json:"currency"`
}

// StripeEventStatus is where a stored event is.
type StripeEventStatus string

const (
	StripeEventPending StripeEventStatus = "pending" // waiting to be applied (perhaps parked until NextAttemptAt)
	StripeEventDone    StripeEventStatus = "done"    // applied, or nothing to do
	StripeEventReview  StripeEventStatus = "review"  // not applied; an item waits in the review queue
)

// StoredStripeEvent is an event in the queue.
type StoredStripeEvent struct {
	ID            string            `json:"id"`
	CooperativeID string            `json:"cooperativeId"`
	Event         StripeEvent       `json:"event"`
	Status        StripeEventStatus `json:"status"`
	Attempts      int               `json:"attempts"`
	NextAttemptAt time.Time         `json:"nextAttemptAt"`
	Outcome       string            `json:"outcome,omitempty"`
	ReceivedAt    time.Time         `json:"receivedAt"`
	ProcessedAt   time.Time         `json:"processedAt,omitzero"`
	Version       int64             `json:"-"`
}

const collectionStripeEvents = "stripe_events"

// MaxStripeEventAttempts bounds the retries of a parked event. With the backoff of
// parkDelay it is about a day.
const MaxStripeEventAttempts = 12

func stripeEventKey(cooperativeID, eventID string) string { return cooperativeID + "/" + eventID }

func stripeEventRecord(e StoredStripeEvent) cooperative.Record {
	idx := map[string]string{"event": stripeEventKey(e.CooperativeID, e.Event.ID)}
	if e.Status == StripeEventPending {
		idx["queue"] = "open"
	}
	return cooperative.Record{Collection: collectionStripeEvents, ID: e.ID, Version: e.Version, Data: cooperative.Encode(e),
		Unique: map[string]string{"event": idx["event"]}, Index: idx}
}

// RecordStripeEvent stores a verified event for cooperativeID once; stored is false for
// an event already there. It does as little as possible, so the webhook answers fast.
func (ps *Payments) RecordStripeEvent(ctx context.Context, cooperativeID string, ev StripeEvent) (stored bool, err error) {
	if !cooperative.ValidID(cooperativeID) {
		return false, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
	}
	if ev.ID == "" || len(ev.ID) > 255 || ev.Type == "" {
		return false, cooperative.Errorf(cooperative.EINVALID, "an event needs an id and a type")
	}
	err = ps.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		stored = false
		page, err := tx.Find(cooperative.Query{Collection: collectionStripeEvents, Index: "event",
			Value: stripeEventKey(cooperativeID, ev.ID), Limit: 1})
		if err != nil || len(page.Records) > 0 {
			return err
		}
		e := StoredStripeEvent{ID: cooperative.NewID(), CooperativeID: cooperativeID, Event: ev, Status: StripeEventPending,
			NextAttemptAt: now.UTC(), ReceivedAt: now.UTC()}
		if _, err := tx.Insert(stripeEventRecord(e)); err != nil {
			return err
		}
		stored = true
		return nil
	})
	if cooperative.ErrorCode(err) == cooperative.ECONFLICT {
		// The same event delivered twice at once: the other delivery stored it.
		return false, nil
	}
	return stored, err
}

// DueStripeEvents returns up to limit events waiting to be applied whose time has
// come by the runner's clock, in the order they were received, starting after the cursor after.
func (ps *Payments) DueStripeEvents(ctx context.Context, after string, limit int) ([]StoredStripeEvent, string, error) {
	now := ps.run.Now()
	limit = cooperative.ClampLimit(limit)
	var (
		out  []StoredStripeEvent
		next string
	)
	err := ps.run.View(ctx, func(tx cooperative.Tx) error {
		out, next = nil, ""
		cursor := after
		for scanned := 0; scanned < cooperative.MaxPageSize && len(out) < limit; {
			page, err := tx.Find(cooperative.Query{Collection: collectionStripeEvents, Index: "queue", Value: "open", After: cursor,
				Limit: 250})
			if err != nil {
				return err
			}
			for _, rec := range page.Records {
				scanned++
				var e StoredStripeEvent
				if err := cooperative.Decode(rec, &e); err != nil {
					return err
				}
				e.Version = rec.Version
				if !e.NextAttemptAt.After(now) {
					out = append(out, e)
					next = e.ID
					if len(out) == limit {
						return nil
					}
				}
			}
			if page.Next == "" {
				next = ""
				return nil
			}
			cursor, next = page.Next, page.Next
		}
		return nil
	})
	return out, next, err
}

// GetStripeEvent returns a stored event by its Stripe id (for tests and diagnostics).
func (ps *Payments) GetStripeEvent(ctx context.Context, cooperativeID, eventID string) (StoredStripeEvent, error) {
	var e StoredStripeEvent
	err := ps.run.View(ctx, func(tx cooperative.Tx) error {
		page, err := tx.Find(cooperative.Query{Collection: collectionStripeEvents, Index: "event",
			Value: stripeEventKey(cooperativeID, eventID), Limit: 1})
		if err != nil {
			return err
		}
		if len(page.Records) == 0 {
			return cooperative.Errorf(cooperative.ENOTFOUND, "event %s not found", eventID)
		}
		e.Version = page.Records[0].Version
		return cooperative.Decode(page.Records[0], &e)
	})
	return e, err
}

// StripeEventNeeds says what a processor must fetch from Stripe before applying e: the
// balance transactions of a paid payout.
func StripeEventNeeds(e StoredStripeEvent) (payoutID string) {
	if e.Event.Type == "payout.paid" {
		return e.Event.PayoutID
	}
	return ""
}

// outcome of applying an event.
type eventOutcome struct {
	park   string // not yet: retry later, for this reason
	review *PaymentReview
	note   string
	// notice is an item for the accountant about an event that was applied (a dispute,
	// money that could not be applied to its subscription).
	notice *PaymentReview
}

// processStripeEvent is Payments.ProcessStripeEvent: the payment it settles is received
// and unwound through its payable in ps.
func processStripeEvent(ctx context.Context, run *cooperative.Runner, ps Payables, id string, lines []StripeBalanceLine) (StoredStripeEvent, error) {
	var out StoredStripeEvent
	err := run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		e, rec, err := cooperative.GetAs[StoredStripeEvent](tx, collectionStripeEvents, id)
		if err != nil {
			return err
		}
		e.Version = rec.Version
		if e.Status != StripeEventPending {
			out = e
			return nil
		}
		posting := &postingTx{Tx: tx}
		oc, err := applyStripeEvent(posting, ps, e, lines, now)
		if err != nil {
			return err
		}
		if len(posting.entries) > 0 {
			// Money moved on Stripe's word: one entry for the event, with the postings it
			// made (a subscription it marked paid has its own, from markSubscriptionPaid).
			after := map[string]any{"type": e.Event.Type, "object": e.Event.ObjectID, "payment": e.Event.PaymentID,
				"payout": e.Event.PayoutID, "amount": e.Event.Amount, "currency": e.Event.Currency, "ledgerEntries": posting.entries}
			if err := cooperative.AppendAudit(tx, stripeActor("stripe:"+e.Event.ID), e.CooperativeID, "stripe_event.apply", "stripe_event",
				e.Event.ID, nil, after, now); err != nil {
				return err
			}
		}
		e.Attempts++
		if oc.notice != nil {
			r := *oc.notice
			r.CooperativeID, r.Source, r.SourceID = e.CooperativeID, "stripe", e.Event.ID
			if err := queueReview(tx, r, now); err != nil {
				return err
			}
		}
		switch {
		case oc.review != nil:
			r := *oc.review
			r.CooperativeID, r.Source, r.SourceID = e.CooperativeID, "stripe", e.Event.ID
			if r.Currency == "" {
				r.Amount, r.Currency = e.Event.Amount, e.Event.Currency
			}
			if err := queueReview(tx, r, now); err != nil {
				return err
			}
			e.Status, e.Outcome, e.ProcessedAt = StripeEventReview, string(r.Reason)+": "+r.Detail, now.UTC()
		case oc.park != "" && e.Attempts >= MaxStripeEventAttempts:
			r := PaymentReview{CooperativeID: e.CooperativeID, Source: "stripe", SourceID: e.Event.ID,
				Reason: ReviewUnknownPayment, Detail: oc.park, Amount: e.Event.Amount, Currency: e.Event.Currency}
			if err := queueReview(tx, r, now); err != nil {
				return err
			}
			e.Status, e.Outcome, e.ProcessedAt = StripeEventReview, "gave up: "+oc.park, now.UTC()
		case oc.park != "":
			e.Outcome, e.NextAttemptAt = "parked: "+oc.park, now.Add(parkDelay(e.Attempts)).UTC()
		default:
			e.Status, e.Outcome, e.ProcessedAt = StripeEventDone, oc.note, now.UTC()
		}
		if e.Status != StripeEventPending {
			if err := noteStripeEventSeen(tx, e.CooperativeID, e.Event.Created); err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
				return err
			}
		}
		r, err := tx.Replace(stripeEventRecord(e))
		if err != nil {
			return err
		}
		e.Version = r.Version
		out = e
		return nil
	})
	return out, err
}

// parkDelay is 30 s doubling up to two hours.
func parkDelay(attempts int) time.Duration {
	return min(30*time.Second<<min(attempts-1, 10), 2*time.Hour)
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b.UTC()
	}
	return a
}

func applyStripeEvent(tx cooperative.Tx, ps Payables, e StoredStripeEvent, lines []StripeBalanceLine, now time.Time) (eventOutcome, error) {
	ev := e.Event
	if ev.CooperativeID != "" && ev.CooperativeID != e.CooperativeID {
		return eventOutcome{review: &PaymentReview{Reason: ReviewOtherCooperative,
			Detail: "the event's metadata names another cooperative"}}, nil
	}
	switch ev.Type {
	case "payout.paid", "payout.failed":
		return applyPayout(tx, e, lines, now)
	case "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
		"payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded", "charge.dispute.created",
		"charge.dispute.closed":
	default:
		return eventOutcome{note: "not an event Kracht acts on"}, nil
	}
	p, found, err := placeEvent(tx, ev)
	if err != nil {
		return eventOutcome{}, err
	}
	if !found {
		if ev.PaymentID == "" && ev.PaymentIntentID == "" && ev.ChargeID == "" {
			return eventOutcome{review: &PaymentReview{Reason: ReviewUnknownPayment,
				Detail: "the event names no payment of Kracht"}}, nil
		}
		return eventOutcome{park: "no payment of Kracht is linked to it yet"}, nil
	}
	if p.CooperativeID != e.CooperativeID {
		return eventOutcome{review: &PaymentReview{Reason: ReviewOtherCooperative,
			Detail: "the payment it names belongs to another cooperative"}}, nil
	}
	if ev.Currency != "" && ev.Currency != p.Currency {
		return eventOutcome{review: &PaymentReview{Reason: ReviewWrongCurrency, PaymentID: p.ID,
			Detail: fmt.Sprintf("Stripe reports %s, the payment is in %s", ev.Currency, p.Currency)}}, nil
	}
	amountMatters := ev.Object == "checkout.session" || ev.Object == "payment_intent" || ev.Type == "charge.refunded"
	if amountMatters && ev.Amount != p.Amount {
		return eventOutcome{review: &PaymentReview{Reason: ReviewWrongAmount, PaymentID: p.ID,
			Detail: fmt.Sprintf("Stripe reports %d, the payment is %d (minor units)", ev.Amount, p.Amount)}}, nil
	}
	if p.PaymentIntentID == "" {
		p.PaymentIntentID = ev.PaymentIntentID
	}
	if p.ChargeID == "" {
		p.ChargeID = ev.ChargeID
	}
	success := false
	switch ev.Type {
	case "checkout.session.completed":
		switch ev.PaymentStatus {
		case "paid":
			success = true
		case "unpaid":
			if p.Status == PaymentPending || p.Status == PaymentFailed {
				p.Status = PaymentProcessing
			}
		}
	case "checkout.session.async_payment_succeeded", "payment_intent.succeeded":
		success = true
	case "checkout.session.async_payment_failed", "payment_intent.payment_failed":
		p.FailedAt = laterOf(p.FailedAt, ev.Created)
		if ev.FailureReason != "" {
			p.FailReason = notify.TruncateText(ev.FailureReason, 200)
		}
	case "charge.refunded":
		p.Refunded = max(p.Refunded, min(ev.AmountRefunded, p.Amount))
	case "charge.dispute.created":
		p.DisputeID, p.Disputed = ev.ObjectID, max(p.Disputed, min(ev.Amount, p.Amount))
	case "charge.dispute.closed":
		// It tells of the dispute too, should its creation come later or not at all.
		p.DisputeID, p.Disputed = ev.ObjectID, max(p.Disputed, min(ev.Amount, p.Amount))
		if p.DisputeOutcome == "" {
			p.DisputeOutcome = disputeOutcome(ev.DisputeStatus)
		}
	}
	if success {
		if p.Channel == "transfer" {
			return eventOutcome{review: &PaymentReview{Reason: ReviewAlreadyPaid, PaymentID: p.ID,
				Detail: "paid through Stripe after it was paid by bank transfer: refund one of them"}}, nil
		}
		if p.Reversed {
			return eventOutcome{review: &PaymentReview{Reason: ReviewAlreadyPaid, PaymentID: p.ID,
				Detail: "Stripe reports success for a payment that was reversed"}}, nil
		}
		p.SucceededAt = laterOf(p.SucceededAt, ev.Created)
	}
	if p.Channel == "" && (success || p.PostedReceived > 0) {
		p.Channel = "stripe"
	}
	if success && p.PostedReceived == 0 {
		reason, detail, err := ps.receivable(tx, p)
		if err != nil {
			return eventOutcome{}, err
		}
		if reason != "" {
			return eventOutcome{review: &PaymentReview{Reason: reason, PaymentID: p.ID, Detail: detail}}, nil
		}
	}
	eff, err := p.settle(tx, ps, stripeActor("stripe:"+ev.ID), now)
	if err != nil {
		return eventOutcome{}, err
	}
	if err := savePayment(tx, &p, now); err != nil {
		return eventOutcome{}, err
	}
	if eff.reversed {
		if err := afterLateFailure(tx, p, eff.mail); err != nil {
			return eventOutcome{}, err
		}
	}
	return eventOutcome{note: string(p.Status), notice: eff.review}, nil
}

// disputeOutcome reads the status of a closed dispute: won, or an inquiry closed without
// a chargeback (nothing is taken), gives the money back; lost keeps it from us. Any
// other status is not an outcome ("").
func disputeOutcome(status string) string {
	switch status {
	case "won", "warning_closed":
		return DisputeWon
	case "lost":
		return DisputeLost
	}
	return ""
}

// afterLateFailure tells the payer that a payment that looked paid failed, and what
// that did to what it paid for (the reversal is settle's work; unwinding, and the
// payable's part of the mail, its Payable's).
func afterLateFailure(tx cooperative.Tx, p Payment, payableMail map[string]string) error {
	if p.PayerEmail == "" {
		return nil
	}
	c, err := cooperative.GetCooperativeTx(tx, p.CooperativeID)
	if err != nil {
		return err
	}
	lang := p.PayerLanguage
	if lang != "nl" && lang != "en" {
		lang = "nl"
	}
	data := map[string]string{"cooperative": c.Name, "amount": cooperative.FormatEuro(p.Amount, lang), "reference": p.Reference}
	if p.FailReason != "" {
		data["reason"] = p.FailReason
	}
	for k, v := range payableMail {
		data[k] = v
	}
	return notify.Enqueue(tx, notify.Notification{DedupeKey: "payment_failed:" + p.ID, Event: notify.EventPaymentFailed,
		CooperativeID: p.CooperativeID, To: p.PayerEmail, Language: lang, Data: data, CreatedAt: p.UpdatedAt})
}

// placeEvent finds the payment an event is about: by Kracht's id in the metadata, else
// by the payment intent or the charge it names (a dispute carries no metadata).
func placeEvent(tx cooperative.Tx, ev StripeEvent) (Payment, bool, error) {
	if cooperative.ValidID(ev.PaymentID) {
		p, err := readPayment(tx, ev.PaymentID)
		if err == nil {
			return p, true, nil
		}
		if cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
			return p, false, err
		}
	}
	if p, ok, err := findPayment(tx, "intent", ev.PaymentIntentID); ok || err != nil {
		return p, ok, err
	}
	return findPayment(tx, "charge", ev.ChargeID)
}

// stripePayout is what Kracht knows of one payout.
type stripePayout struct {
	ID       string    `json:"id"`
	PaidAt   time.Time `json:"paidAt,omitzero"`
	FailedAt time.Time `json:"failedAt,omitzero"`
	Posted   bool      `json:"posted,omitempty"`
	Reversed bool      `json:"reversed,omitempty"`
}

const collectionStripePayouts = "stripe_payouts"

// applyPayout posts a paid payout: Stripe's fees on each balance transaction it settles
// (Dr fees, Cr clearing) and the payout itself (Dr bank, Cr clearing). Together with the
// receipts, refunds and disputes already posted for its charges, that brings the
// clearing account's share of the payout to zero. A payout is posted only when its
// balance transactions add up to it and every charge in it is posted; a payout that
// failed after it was paid is reversed.
func applyPayout(tx cooperative.Tx, e StoredStripeEvent, lines []StripeBalanceLine, now time.Time) (eventOutcome, error) {
	ev := e.Event
	if ev.PayoutID == "" {
		return eventOutcome{review: &PaymentReview{Reason: ReviewUnreconciled, Detail: "a payout event without a payout"}}, nil
	}
	if ev.Currency != "EUR" {
		return eventOutcome{review: &PaymentReview{Reason: ReviewWrongCurrency, Detail: "a payout in " + ev.Currency}}, nil
	}
	recID := cooperative.NameID("kracht:stripe-payout:" + e.CooperativeID + "/" + ev.PayoutID)
	po, rec, err := cooperative.GetAs[stripePayout](tx, collectionStripePayouts, recID)
	if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		return eventOutcome{}, err
	}
	po.ID = ev.PayoutID
	date := bookingDate(ev.Created, now)
	src := ledger.Source{Type: "stripe_payout", ID: ev.PayoutID}
	post := func(key, desc string, debit, credit ledger.AccountCode, amount int64) error {
		_, err := postPayment(tx, e.CooperativeID, key, date, desc, src, debit, credit, amount)
		return err
	}
	if ev.Type == "payout.failed" {
		po.FailedAt = laterOf(po.FailedAt, ev.Created)
		if po.Posted && !po.Reversed {
			if err := post("payout-failed:"+ev.PayoutID, "Stripe payout "+ev.PayoutID+" failed",
				ledger.AccountStripeClearing, ledger.AccountBank, ev.Amount); err != nil {
				return eventOutcome{}, err
			}
			po.Reversed = true
		}
	} else {
		po.PaidAt = laterOf(po.PaidAt, ev.Created)
		if !po.Posted && po.FailedAt.IsZero() {
			var sum int64
			for _, l := range lines {
				if l.Type != "payout" {
					sum += l.Net
				}
			}
			if sum != ev.Amount {
				return eventOutcome{review: &PaymentReview{Reason: ReviewUnreconciled, Amount: ev.Amount, Currency: "EUR",
					Detail: fmt.Sprintf("its %d balance transactions add up to %d, the payout is %d", len(lines), sum, ev.Amount)}}, nil
			}
			for _, l := range lines {
				if l.Type == "charge" || l.Type == "payment" {
					p, ok, err := findPayment(tx, "charge", l.Source)
					if err != nil {
						return eventOutcome{}, err
					}
					if !ok || p.PostedReceived == 0 {
						return eventOutcome{park: "charge " + l.Source + " of the payout is not posted yet"}, nil
					}
				}
			}
			for _, l := range lines {
				var err error
				switch desc := "Stripe fees on " + l.Source + " (" + l.ID + ")"; {
				case l.Fee > 0:
					err = post("fee:"+l.ID, desc, ledger.AccountPaymentFees, ledger.AccountStripeClearing, l.Fee)
				case l.Fee < 0: // fees given back (a refunded charge's)
					err = post("fee:"+l.ID, desc, ledger.AccountStripeClearing, ledger.AccountPaymentFees, -l.Fee)
				}
				if err != nil {
					return eventOutcome{}, err
				}
			}
			if ev.Amount > 0 {
				if err := post("payout:"+ev.PayoutID, "Stripe payout "+ev.PayoutID+" to the bank", ledger.AccountBank,
					ledger.AccountStripeClearing, ev.Amount); err != nil {
					return eventOutcome{}, err
				}
			}
			po.Posted = true
		}
	}
	out := cooperative.Record{Collection: collectionStripePayouts, ID: recID, Version: rec.Version, Data: cooperative.Encode(po)}
	_, err = cooperative.Put(tx, out)
	return eventOutcome{note: strings.TrimPrefix(ev.Type, "payout.")}, err
}

// postingTx notes the ledger entries posted through it, for the audit log.
type postingTx struct {
	cooperative.Tx
	entries []int64
}

func (t *postingTx) Append(e cooperative.JournalEntry) (cooperative.JournalEntry, bool, error) {
	je, appended, err := t.Tx.Append(e)
	if err == nil && appended && strings.HasPrefix(e.Journal, ledger.LedgerJournalPrefix) {
		t.entries = append(t.entries, je.Seq)
	}
	return je, appended, err
}
