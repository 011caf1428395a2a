package stripeclient

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/stripeclient/stripemock"
)

var mockURL string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	url, stop, err := stripemock.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	mockURL = url
	return m.Run()
}

func newClient(t *testing.T) *Client {
	t.Helper()
	c, err := New("sk_test_123", Options{BaseURL: mockURL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheckoutSession(t *testing.T) {
	c := newClient(t)
	coop, pay := cooperative.NewID(), cooperative.NewID()
	s, err := c.CreateCheckoutSession(context.Background(), CheckoutRequest{CooperativeID: coop, PaymentID: pay,
		SubscriptionID: "sub-1", Purpose: "shares", Attempt: 1, Description: "4 shares", Amount: 20000, Currency: "eur",
		CustomerEmail: "a@example.org", SuccessURL: "https://x.example/ok", CancelURL: "https://x.example/cancel"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.ID, "cs_") {
		t.Fatalf("session %+v", s)
	}
	for _, bad := range []CheckoutRequest{
		{CooperativeID: coop, PaymentID: pay, Attempt: 1, Amount: 0, Currency: "eur", SuccessURL: "u", CancelURL: "u"},
		{CooperativeID: coop, PaymentID: pay, Attempt: 1, Amount: 100, Currency: "usd", SuccessURL: "u", CancelURL: "u"},
		{CooperativeID: coop, PaymentID: pay, Attempt: 0, Amount: 100, Currency: "eur", SuccessURL: "u", CancelURL: "u"},
	} {
		if _, err := c.CreateCheckoutSession(context.Background(), bad); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("%+v: want EINVALID, got %v", bad, err)
		}
	}
}

// TestExpireCheckoutSession: expiring a session is one POST to its expire path, keyed by
// the session, so a retry expires it once; a malformed id is refused before Stripe is
// asked, and an outage is EUNAVAILABLE.
func TestExpireCheckoutSession(t *testing.T) {
	rec := &stripemock.Recorder{}
	c, err := New("sk_test_123", Options{BaseURL: mockURL, HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.ExpireCheckoutSession(ctx, "cs_test_a1"); err != nil {
		t.Fatal(err)
	}
	want := stripemock.Call{Method: "POST", Path: "/v1/checkout/sessions/cs_test_a1/expire", IdempotencyKey: "kracht-expire-cs_test_a1"}
	if calls := rec.Calls(); len(calls) != 1 || calls[0] != want {
		t.Fatalf("calls %+v, want %+v", calls, want)
	}
	for _, bad := range []string{"", "pi_123", "../cs_1"} {
		if err := c.ExpireCheckoutSession(ctx, bad); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("%q: want EINVALID, got %v", bad, err)
		}
	}
	if n := len(rec.Calls()); n != 1 {
		t.Fatalf("%d calls: a malformed id reached Stripe", n)
	}
	rec.Fail = func(*http.Request) bool { return true }
	if err := c.ExpireCheckoutSession(ctx, "cs_test_a1"); cooperative.ErrorCode(err) != cooperative.EUNAVAILABLE {
		t.Fatalf("Stripe down: want EUNAVAILABLE, got %v", err)
	}
}

// TestExpireCheckoutSessionNoLongerOpen: Stripe refuses to expire a session that is not
// open; one that expired by itself or was completed has nothing left to stop, so that
// is success, while a refusal for an open one is an error. stripe-mock keeps no state
// and always expires, so a small stand-in gives Stripe's refusal.
func TestExpireCheckoutSessionNoLongerOpen(t *testing.T) {
	var status string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":{"type":"invalid_request_error","message":"Only Checkout Sessions with a status in [\"open\"] can be expired."}}`)
			return
		}
		fmt.Fprintf(w, `{"id":"cs_test_b1","object":"checkout.session","status":%q}`, status)
	}))
	t.Cleanup(srv.Close)
	c, err := New("sk_test_123", Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for s, code := range map[string]string{"expired": "", "complete": "", "open": cooperative.ERULE} {
		status = s
		if err := c.ExpireCheckoutSession(context.Background(), "cs_test_b1"); cooperative.ErrorCode(err) != code {
			t.Errorf("a refused expiry of a session that is %s: want %q, got %v", s, code, err)
		}
	}
}

func TestRefundEventsBalance(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	r, err := c.Refund(ctx, RefundRequest{PaymentIntentID: "pi_123", Amount: 500, Key: cooperative.NewID(),
		Reason: "requested_by_customer"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.ID, "re_") {
		t.Fatalf("refund %+v", r)
	}
	if _, err := c.Refund(ctx, RefundRequest{PaymentIntentID: "pi_123"}); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("a refund without a key: %v", err)
	}
	evs, err := c.EventsSince(ctx, time.Now().Add(-time.Hour), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0].ID == "" {
		t.Fatalf("events %+v", evs)
	}
	bts, err := c.PayoutTransactions(ctx, "po_123")
	if err != nil {
		t.Fatal(err)
	}
	if len(bts) == 0 || bts[0].ID == "" {
		t.Fatalf("balance transactions %+v", bts)
	}
	if _, err := c.BalanceTransaction(ctx, "txn_123"); err != nil {
		t.Fatal(err)
	}
	po, err := c.Payout(ctx, "po_123")
	if err != nil || po.ID == "" {
		t.Fatalf("payout %+v %v", po, err)
	}
}

func TestBadKey(t *testing.T) {
	if _, err := New("pk_test_123", Options{}); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("a publishable key was accepted: %v", err)
	}
}

// TestStripeMockFlags guards the flags stripemock.Start uses.
func TestStripeMockFlags(t *testing.T) {
	cmd := exec.Command("go", "tool", "stripe-mock", "-version")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("go tool stripe-mock: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	if !sc.Scan() {
		t.Fatal("stripe-mock printed no version")
	}
}
