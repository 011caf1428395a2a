package stripesync

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// The outcome of a dispute (charge.dispute.closed).

// disputed pays b through Stripe (charge ch_<name>) and has its payer dispute it.
func (f *fixture) disputed(amount int64, name string) payments.Payment {
	f.t.Helper()
	b := f.payment(amount)
	for _, body := range [][]byte{
		f.event("payment_intent.succeeded", 0, map[string]any{"id": "pi_" + name, "object": "payment_intent", "metadata": meta(f, b),
			"amount": b.Amount, "currency": "eur", "latest_charge": "ch_" + name}),
		f.event("charge.dispute.created", time.Hour, map[string]any{"id": "dp_" + name, "object": "dispute", "charge": "ch_" + name,
			"payment_intent": "pi_" + name, "amount": b.Amount, "currency": "eur", "reason": "fraudulent", "status": "needs_response"}),
	} {
		if err := f.deliver(body); err != nil {
			f.t.Fatal(err)
		}
	}
	f.drain()
	return b
}

func (f *fixture) closeDispute(b payments.Payment, name, status string) {
	f.t.Helper()
	body := f.event("charge.dispute.closed", 24*time.Hour, map[string]any{"id": "dp_" + name, "object": "dispute",
		"charge": "ch_" + name, "payment_intent": "pi_" + name, "amount": b.Amount, "currency": "eur", "reason": "fraudulent",
		"status": status})
	for range 2 { // twice: the second delivery changes nothing
		if err := f.deliver(body); err != nil {
			f.t.Fatal(err)
		}
		f.drain()
	}
}

// payout applies a paid payout of amount with its balance transactions directly
// (stripe-mock's fixtures do not add up).
func (f *fixture) payout(id string, amount int64, lines []payments.StripeBalanceLine) {
	f.t.Helper()
	ctx := context.Background()
	body := f.event("payout.paid", 48*time.Hour, map[string]any{"id": id, "object": "payout", "amount": amount,
		"currency": "eur", "status": "paid"})
	if err := f.deliver(body); err != nil {
		f.t.Fatal(err)
	}
	var evID string
	_ = json.Unmarshal(body, &struct{ ID *string }{&evID})
	stored, err := f.pay.GetStripeEvent(ctx, f.coop, evID)
	if err != nil {
		f.t.Fatal(err)
	}
	got, err := f.pay.ProcessStripeEvent(ctx, stored.ID, lines)
	if err != nil || got.Status != payments.StripeEventDone {
		f.t.Fatalf("payout %+v %v", got, err)
	}
}

func openReviews(f *fixture) []payments.PaymentReview {
	f.t.Helper()
	items, _, err := f.pay.ListPaymentReviews(context.Background(), f.coop, payments.ReviewOpen, "", 100)
	if err != nil {
		f.t.Fatal(err)
	}
	return items
}

// TestDisputeWon: the held amount returns to the Stripe clearing account, the payment is
// paid again, and the item that waited for the outcome is resolved. The payout that
// carries the withdrawal, its fee and the reinstatement clears the clearing account.
func TestDisputeWon(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.disputed(20000, "won")
	if items := openReviews(f); len(items) != 1 || items[0].Reason != payments.ReviewDisputed {
		t.Fatalf("review items while disputed %+v", items)
	}
	f.closeDispute(b, "won", "won")
	if bal := balances(f); bal["stripe_clearing"] != 20000 || bal["disputes_held"] != 0 || bal["dispute_losses_expense"] != 0 {
		t.Fatalf("balances %v", bal)
	}
	p, _ := f.pay.GetPayment(ctx, f.coop, b.ID)
	if p.Status != payments.PaymentPaid || p.DisputeOutcome != payments.DisputeWon || !p.DisputeClosed {
		t.Fatalf("payment %+v", p)
	}
	if items := openReviews(f); len(items) != 0 {
		t.Fatalf("open review items %+v", items)
	}
	done, _, _ := f.pay.ListPaymentReviews(ctx, f.coop, payments.ReviewResolved, "", 100)
	if len(done) != 1 || done[0].Resolution != payments.ResolveDisputeClosed || done[0].Note == "" {
		t.Fatalf("resolved items %+v", done)
	}
	f.payout("po_won", 19700, []payments.StripeBalanceLine{
		{ID: "txn_ch", Type: "charge", Source: "ch_won", Amount: 20000, Fee: 300, Net: 19700, Currency: "eur"},
		{ID: "txn_dw", Type: "adjustment", Source: "dp_won", Amount: -20000, Fee: 1500, Net: -21500, Currency: "eur"},
		{ID: "txn_dr", Type: "adjustment", Source: "dp_won", Amount: 20000, Fee: -1500, Net: 21500, Currency: "eur"},
		{ID: "txn_po", Type: "payout", Source: "po_won", Amount: -19700, Net: -19700, Currency: "eur"},
	})
	if bal := balances(f); bal["stripe_clearing"] != 0 || bal["payment_fees_expense"] != 300 || bal["bank"] != 19700 {
		t.Fatalf("after the payout %v", bal)
	}
	f.checkBooks()
}

// TestDisputeLost: the held amount is written off to dispute losses (the Stripe clearing
// account does not move: the withdrawal was posted when the dispute opened), and the
// subscription, which still counts as paid, goes to the board as a review item.
func TestDisputeLost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.payment(10000)
	if err := f.deliver(f.event("payment_intent.succeeded", 0, map[string]any{"id": "pi_a", "object": "payment_intent",
		"metadata": meta(f, a), "amount": a.Amount, "currency": "eur", "latest_charge": "ch_a"})); err != nil {
		t.Fatal(err)
	}
	b := f.disputed(20000, "lost")
	f.closeDispute(b, "lost", "lost")
	if bal := balances(f); bal["stripe_clearing"] != 10000 || bal["disputes_held"] != 0 || bal["dispute_losses_expense"] != 20000 ||
		bal["subscriptions_received_in_advance"] != -30000 {
		t.Fatalf("balances %v", bal)
	}
	p, _ := f.pay.GetPayment(ctx, f.coop, b.ID)
	if p.Status != payments.PaymentDisputeLost {
		t.Fatalf("payment %+v", p)
	}
	sub, _ := f.reg.GetSubscription(ctx, f.coop, b.SubscriptionID)
	if sub.Status != shares.SubscriptionPaid {
		t.Fatalf("the subscription changed: %+v", sub)
	}
	items := openReviews(f)
	if len(items) != 1 || items[0].Reason != payments.ReviewDisputeLost || items[0].PaymentID != b.ID || items[0].Amount != 20000 {
		t.Fatalf("open review items %+v", items)
	}
	// A refund cannot take money the payer already has back.
	if err := f.deliver(f.event("charge.refunded", 30*time.Hour, map[string]any{"id": "ch_lost", "object": "charge",
		"payment_intent": "pi_lost", "amount": b.Amount, "amount_refunded": b.Amount, "currency": "eur", "metadata": meta(f, b)})); err != nil {
		t.Fatal(err)
	}
	f.drain()
	if bal := balances(f); bal["stripe_clearing"] != 10000 || bal["refunds_payable"] != 0 {
		t.Fatalf("balances after a refund of lost money %v", bal)
	}
	// Two charges, the dispute's withdrawal and its fee: the payout clears the account.
	f.payout("po_lost", 8000, []payments.StripeBalanceLine{
		{ID: "txn_a", Type: "charge", Source: "ch_a", Amount: 10000, Fee: 200, Net: 9800, Currency: "eur"},
		{ID: "txn_b", Type: "charge", Source: "ch_lost", Amount: 20000, Fee: 300, Net: 19700, Currency: "eur"},
		{ID: "txn_dw", Type: "adjustment", Source: "dp_lost", Amount: -20000, Fee: 1500, Net: -21500, Currency: "eur"},
		{ID: "txn_po", Type: "payout", Source: "po_lost", Amount: -8000, Net: -8000, Currency: "eur"},
	})
	if bal := balances(f); bal["stripe_clearing"] != 0 || bal["payment_fees_expense"] != 2000 || bal["bank"] != 8000 {
		t.Fatalf("after the payout %v", bal)
	}
	f.checkBooks()
}

// TestDisputeClosedBeforeItsEvents: the closing event comes first (webhooks in any
// order): nothing is posted until the payment is, and then the hold and its release
// in one go, with no item left waiting for an outcome already known.
func TestDisputeClosedBeforeItsEvents(t *testing.T) {
	f := newFixture(t)
	b := f.payment(5000)
	for _, body := range [][]byte{
		f.event("charge.dispute.closed", 24*time.Hour, map[string]any{"id": "dp_o", "object": "dispute", "charge": "ch_o",
			"payment_intent": "pi_o", "amount": b.Amount, "currency": "eur", "status": "won", "metadata": meta(f, b)}),
		f.event("payment_intent.succeeded", 0, map[string]any{"id": "pi_o", "object": "payment_intent", "metadata": meta(f, b),
			"amount": b.Amount, "currency": "eur", "latest_charge": "ch_o"}),
	} {
		if err := f.deliver(body); err != nil {
			t.Fatal(err)
		}
		f.drain()
	}
	if bal := balances(f); bal["stripe_clearing"] != 5000 || bal["disputes_held"] != 0 {
		t.Fatalf("balances %v", bal)
	}
	if items := openReviews(f); len(items) != 0 {
		t.Fatalf("open review items %+v", items)
	}
	f.checkBooks()
}
