package stripesync

import (
	"context"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// Stripe's word about subscriptions withdrawn before allocation.

func (f *fixture) withdraw(subscriptionID string) shares.Subscription {
	f.t.Helper()
	board := cooperative.Actor{UserID: cooperative.NewID(), Role: "board"}
	sub, err := f.reg.WithdrawSubscription(context.Background(), board, f.coop, subscriptionID,
		"The member asked us to.")
	if err != nil {
		f.t.Fatal(err)
	}
	return sub
}

// TestMoneyAfterWithdrawal: a SEPA debit that was under way when the subscription was
// withdrawn succeeds anyway. The money is not applied to the subscription: it is posted
// to refunds payable with an item for the accountant, and can be refunded through Stripe.
func TestMoneyAfterWithdrawal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.payment(5000)
	flow := sepaFlow(f, p, "pi_wd", "py_wd")
	if err := f.deliver(flow[0]); err != nil { // completed, unpaid: the debit is under way
		t.Fatal(err)
	}
	f.drain()
	f.withdraw(p.SubscriptionID)
	for _, b := range flow[1:] {
		if err := f.deliver(b); err != nil {
			t.Fatal(err)
		}
	}
	f.drain()
	if bal := balances(f); bal["stripe_clearing"] != 5000 || bal["refunds_payable"] != -5000 ||
		bal["subscriptions_received_in_advance"] != 0 {
		t.Fatalf("balances %v", bal)
	}
	sub, _ := f.reg.GetSubscription(ctx, f.coop, p.SubscriptionID)
	if sub.Status != shares.SubscriptionWithdrawn {
		t.Fatalf("subscription %+v", sub)
	}
	items, _, _ := f.pay.ListPaymentReviews(ctx, f.coop, payments.ReviewOpen, "", 100)
	if len(items) != 1 || items[0].PaymentID != p.ID || items[0].Reason != payments.ReviewAlreadyPaid {
		t.Fatalf("review items %+v", items)
	}
	board := cooperative.Actor{UserID: cooperative.NewID(), Role: "board"}
	if _, due, err := f.reg.PrepareRefund(ctx, board, f.coop, p.SubscriptionID); err != nil || due != 5000 {
		t.Fatalf("refund %d %v", due, err)
	}
	f.checkBooks()
}

// TestLateSEPAFailureAfterWithdrawal: paid, withdrawn (its money moved to refunds
// payable), then the debit is returned: the move and the receipt are both reversed, so
// nothing is owed back and the books are as before the payment.
func TestLateSEPAFailureAfterWithdrawal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.payment(25000)
	for _, b := range sepaFlow(f, p, "pi_wdl", "py_wdl") {
		if err := f.deliver(b); err != nil {
			t.Fatal(err)
		}
	}
	f.drain()
	if sub := f.withdraw(p.SubscriptionID); sub.RefundCents != 25000 {
		t.Fatalf("withdrawn %+v", sub)
	}
	fail := f.event("payment_intent.payment_failed", 6*24*time.Hour, map[string]any{"id": "pi_wdl", "object": "payment_intent",
		"metadata": meta(f, p), "amount": p.Amount, "currency": "eur",
		"last_payment_error": map[string]any{"code": "insufficient_funds", "message": "MS03"}})
	if err := f.deliver(fail); err != nil {
		t.Fatal(err)
	}
	f.drain()
	if bal := balances(f); len(bal) != 0 {
		t.Fatalf("balances after the late failure %v, want all zero", bal)
	}
	sub, _ := f.reg.GetSubscription(ctx, f.coop, p.SubscriptionID)
	if sub.Status != shares.SubscriptionCancelled || sub.RefundCents != 0 {
		t.Fatalf("subscription %+v", sub)
	}
	board := cooperative.Actor{UserID: cooperative.NewID(), Role: "board"}
	if _, _, err := f.reg.PrepareRefund(ctx, board, f.coop, p.SubscriptionID); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("a reversed payment is refundable: %v", err)
	}
	f.checkBooks()
}
