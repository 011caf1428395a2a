package stripeclient

import (
	"bufio"
	"context"
	"fmt"
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
