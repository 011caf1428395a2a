package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// A withdrawn subscription's open Checkout Session is expired through Stripe once the
// withdrawal has committed, and the member's mail is queued with it. Stripe failing
// does not undo the withdrawal.

// subscribeAndCheckout subscribes the member of token for shares and opens a Checkout
// Session for it.
func (sf *stripeFlow) subscribeAndCheckout(t *testing.T, token, memberID string, n int) (shares.Subscription, checkoutBody) {
	t.Helper()
	r := sf.call(t, "POST", sf.base+"/offerings/"+sf.offering+"/subscriptions", token, map[string]any{"memberId": memberID, "shares": n})
	wantStatus(t, r, 201)
	sub := decodeBody[shares.Subscription](t, r)
	r = sf.call(t, "POST", sf.base+"/subscriptions/"+sub.ID+"/checkout", token, map[string]string{
		"successUrl": "https://app.example.org/paid", "cancelUrl": "https://app.example.org/cancel"})
	wantStatus(t, r, 201)
	return sub, decodeBody[checkoutBody](t, r)
}

// expiries returns the sessions Stripe was asked to expire, checking each call's
// idempotency key.
func (sf *stripeFlow) expiries(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, c := range sf.stripe.Calls() {
		rest, isSession := strings.CutPrefix(c.Path, "/v1/checkout/sessions/")
		if id, isExpiry := strings.CutSuffix(rest, "/expire"); isSession && isExpiry {
			if c.Method != "POST" || c.IdempotencyKey != "kracht-expire-"+id {
				t.Fatalf("expiry call %+v", c)
			}
			ids = append(ids, id)
		}
	}
	return ids
}

// withdrawnMail returns the mail queued for the withdrawal of sub.
func (sf *stripeFlow) withdrawnMail(t *testing.T, sub shares.Subscription) notify.Notification {
	t.Helper()
	n, err := notify.NotificationByDedupeKey(context.Background(), sf.store, "subscription_withdrawn:"+sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWithdrawExpiresTheOpenCheckout(t *testing.T) {
	sf := newStripeFlow(t)
	annToken, ann := sf.member(t, "ann@example.org")

	// A subscription never taken to Checkout: nothing to expire.
	r := sf.call(t, "POST", sf.base+"/offerings/"+sf.offering+"/subscriptions", annToken, map[string]any{"memberId": ann, "shares": 1})
	wantStatus(t, r, 201)
	plain := decodeBody[shares.Subscription](t, r)
	wantStatus(t, sf.call(t, "POST", sf.base+"/subscriptions/"+plain.ID+"/withdraw", annToken, map[string]any{}), 200)
	if ids := sf.expiries(t); len(ids) != 0 {
		t.Fatalf("expired %v for a subscription without a session", ids)
	}

	// Ann opens a Checkout Session, then withdraws before paying.
	sub, co := sf.subscribeAndCheckout(t, annToken, ann, 4)
	r = sf.call(t, "POST", sf.base+"/subscriptions/"+sub.ID+"/withdraw", annToken, map[string]any{"reason": "Changed my mind."})
	wantStatus(t, r, 200)
	if got := decodeBody[shares.Subscription](t, r); got.Status != shares.SubscriptionWithdrawn || got.RefundCents != 0 {
		t.Fatalf("withdrawn %+v", got)
	}
	if ids := sf.expiries(t); len(ids) != 1 || ids[0] != co.SessionID {
		t.Fatalf("expired %v, want [%s]", ids, co.SessionID)
	}
	p, err := sf.payments.GetPayment(context.Background(), sf.coop, co.PaymentID)
	if err != nil || p.Status != payments.PaymentWithdrawn {
		t.Fatalf("payment %+v %v", p, err)
	}
	n := sf.withdrawnMail(t, sub)
	// The member record's address (applicationBody's), in its language.
	if n.To != "applicant@example.org" || n.Language != "nl" || n.Status != notify.NotificationPending || n.Data["withdrawn_by"] != "member" ||
		n.Data["shares"] != "4" || n.Data["reason"] != "" || n.Data["refund_online"] != "" || n.Data["refund_transfer"] != "" {
		t.Fatalf("mail %+v", n)
	}
}

func TestWithdrawStandsWhenStripeFails(t *testing.T) {
	sf := newStripeFlow(t)
	bobToken, bob := sf.member(t, "bob@example.org")
	sub, co := sf.subscribeAndCheckout(t, bobToken, bob, 2)

	sf.stripe.Fail = func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/expire") }
	r := sf.call(t, "POST", sf.base+"/subscriptions/"+sub.ID+"/withdraw", sf.boardToken, map[string]any{"reason": "Not a resident."})
	wantStatus(t, r, 200)
	if got := decodeBody[shares.Subscription](t, r); got.Status != shares.SubscriptionWithdrawn {
		t.Fatalf("withdrawn %+v", got)
	}
	if ids := sf.expiries(t); len(ids) != 1 || ids[0] != co.SessionID {
		t.Fatalf("expired %v, want [%s]", ids, co.SessionID)
	}
	logs := sf.logs.String()
	if !strings.Contains(logs, "expiring the Checkout Session of a withdrawn subscription failed") || !strings.Contains(logs, sub.ID) {
		t.Fatalf("the failure was not logged:\n%s", logs)
	}
	if strings.Contains(logs, "sk_test_") || strings.Contains(logs, testWebhookSecret) {
		t.Fatalf("a secret reached the logs:\n%s", logs)
	}
	if n := sf.withdrawnMail(t, sub); n.Data["withdrawn_by"] != "board" || n.Data["reason"] != "Not a resident." {
		t.Fatalf("mail %+v", n)
	}
}
