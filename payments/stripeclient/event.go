package stripeclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/kracht-coop/kracht/cooperative"
)

// Event is a Stripe event as the domain reads it.
type Event = payments.StripeEvent

// WebhookTolerance is how old a signed webhook may be: Stripe's default of five minutes,
// which bounds how long a captured request can be replayed.
const WebhookTolerance = 5 * time.Minute

// MaxWebhookBytes bounds a webhook body; Stripe's events are a few KiB.
const MaxWebhookBytes = 512 << 10

// HandledEventTypes are the events Kracht acts on; a webhook endpoint should be
// configured in Stripe's dashboard to send these.
func HandledEventTypes() []string {
	return []string{
		"checkout.session.completed",
		"checkout.session.async_payment_succeeded",
		"checkout.session.async_payment_failed",
		"payment_intent.succeeded",
		"payment_intent.payment_failed",
		"charge.refunded",
		"charge.dispute.created",
		"charge.dispute.closed",
		"payout.paid",
		"payout.failed",
	}
}

// VerifyWebhook checks the Stripe-Signature header over the raw body with the
// cooperative's signing secret and a five-minute tolerance, and returns the event. Any
// failure (a forged or stale signature, a body that is not an event) is EINVALID with
// one message, so a prober learns nothing about which check failed. The API version of
// the event is not checked against stripe-go's: each cooperative's account has its own,
// and Kracht reads only fields that are stable across versions.
func VerifyWebhook(body []byte, signature, secret string, now time.Time) (Event, error) {
	invalid := cooperative.Errorf(cooperative.EINVALID, "The webhook signature is not valid.")
	if secret == "" || len(body) > MaxWebhookBytes {
		return Event{}, invalid
	}
	// stripe-go judges the tolerance by its own clock; the explicit check below makes the
	// rule visible and testable with an injected clock.
	if ts, ok := signatureTime(signature); !ok || now.Sub(ts) > WebhookTolerance || ts.Sub(now) > WebhookTolerance {
		return Event{}, invalid
	}
	ev, err := webhook.ConstructEventWithOptions(body, signature, secret, webhook.ConstructEventOptions{
		Tolerance: WebhookTolerance, IgnoreAPIVersionMismatch: true})
	if err != nil {
		return Event{}, &cooperative.Error{Code: cooperative.EINVALID, Message: invalid.Message, Err: err}
	}
	return fromStripeEvent(&ev), nil
}

func signatureTime(header string) (time.Time, bool) {
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			var sec int64
			if err := json.Unmarshal([]byte(v), &sec); err != nil {
				return time.Time{}, false
			}
			return time.Unix(sec, 0), true
		}
	}
	return time.Time{}, false
}

// object is the union of the fields Kracht reads from the objects of the events it
// handles (checkout session, payment intent, charge, dispute, payout). Fields that may
// be an id or an expanded object are read as raw JSON.
type object struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	Metadata           map[string]string `json:"metadata"`
	ClientReferenceID  string            `json:"client_reference_id"`
	PaymentStatus      string            `json:"payment_status"`
	Status             string            `json:"status"`
	AmountTotal        *int64            `json:"amount_total"`
	Amount             int64             `json:"amount"`
	AmountRefunded     int64             `json:"amount_refunded"`
	Currency           string            `json:"currency"`
	PaymentIntent      json.RawMessage   `json:"payment_intent"`
	Charge             json.RawMessage   `json:"charge"`
	LatestCharge       json.RawMessage   `json:"latest_charge"`
	BalanceTransaction json.RawMessage   `json:"balance_transaction"`
	FailureMessage     string            `json:"failure_message"`
	Reason             string            `json:"reason"`
	LastPaymentError   *struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"last_payment_error"`
}

// idOf reads a field that is either an id or an expanded object with an id.
func idOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &o)
	return o.ID
}

func fromStripeEvent(ev *stripe.Event) Event {
	out := Event{ID: ev.ID, Type: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC(), Livemode: ev.Livemode,
		Account: ev.Account}
	if ev.Data == nil {
		return out
	}
	out.Raw = append(json.RawMessage(nil), ev.Data.Raw...)
	var o object
	if err := json.Unmarshal(ev.Data.Raw, &o); err != nil {
		return out // the domain parks an event it cannot place
	}
	out.Object, out.ObjectID = o.Object, o.ID
	out.CooperativeID = o.Metadata[MetaCooperative]
	out.PaymentID = o.Metadata[MetaPayment]
	out.Currency = strings.ToUpper(o.Currency)
	out.Amount = o.Amount
	switch o.Object {
	case "checkout.session":
		if out.PaymentID == "" {
			out.PaymentID = o.ClientReferenceID
		}
		out.PaymentIntentID = idOf(o.PaymentIntent)
		out.PaymentStatus = o.PaymentStatus
		if o.AmountTotal != nil {
			out.Amount = *o.AmountTotal
		}
	case "payment_intent":
		out.PaymentIntentID = o.ID
		out.ChargeID = idOf(o.LatestCharge)
		if o.LastPaymentError != nil {
			out.FailureReason = o.LastPaymentError.Code + " " + o.LastPaymentError.Message
		}
	case "charge":
		out.ChargeID = o.ID
		out.PaymentIntentID = idOf(o.PaymentIntent)
		out.AmountRefunded = o.AmountRefunded
		out.BalanceTransactionID = idOf(o.BalanceTransaction)
		out.FailureReason = o.FailureMessage
	case "dispute":
		out.ChargeID = idOf(o.Charge)
		out.PaymentIntentID = idOf(o.PaymentIntent)
		out.FailureReason = o.Reason
		out.DisputeStatus = o.Status
	case "payout":
		out.PayoutID = o.ID
		out.FailureReason = o.FailureMessage
	}
	out.FailureReason = strings.TrimSpace(out.FailureReason)
	return out
}

// ParseEvent reads an event's JSON without checking a signature: for events fetched
// from the API (resync), whose origin is the authenticated API call itself.
func ParseEvent(b []byte) (Event, error) {
	var ev stripe.Event
	if err := json.Unmarshal(b, &ev); err != nil || ev.ID == "" {
		return Event{}, cooperative.WrapError(cooperative.EINVALID, errors.Join(err), "not a Stripe event")
	}
	return fromStripeEvent(&ev), nil
}
