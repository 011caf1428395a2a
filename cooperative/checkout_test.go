package cooperative_test

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/bankimport"
	"github.com/kracht-coop/kracht/payments/rfref"
	"github.com/kracht-coop/kracht/payments/stripeclient"
	"github.com/kracht-coop/kracht/payments/stripeclient/stripemock"
)

// Starting a payment through the domain (cooperative.Checkout), with no HTTP in
// between: a Checkout Session from stripe-mock, and bank-transfer instructions.

// newReferences makes RF references as cmd does, counting them.
func newReferences(made *int) func() (string, error) {
	return func() (string, error) {
		*made++
		ref, err := bankimport.NewReference(rand.Read)
		return string(ref), err
	}
}

func (f *fixture) checkout(deps payments.CheckoutDeps) *payments.Checkout {
	deps.Run, deps.PaymentOf = cooperative.NewRunner(f.store, f.clock.Now), f.reg.SubscriptionPayment
	if deps.NewReference == nil {
		var made int
		deps.NewReference = newReferences(&made)
	}
	return payments.NewCheckout(deps)
}

func (f *fixture) payment(subscriptionID string) payments.Payment {
	f.t.Helper()
	p, err := f.payments().PaymentForSubscription(f.ctx, f.coop.ID, subscriptionID)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if cooperative.ErrorCode(err) != code {
		t.Fatalf("%s: got %v (%s), want %s", what, err, cooperative.ErrorCode(err), code)
	}
}

// TestCheckoutThroughStripe: a checkout makes the payment with an RF reference, asks
// Stripe for a session keyed by payment and attempt, and remembers the session; a
// second checkout is a second attempt of the same payment. Without Stripe configured
// or connected it is refused. Withdrawing the subscription expires the session.
func TestCheckoutThroughStripe(t *testing.T) {
	url, stop, err := stripemock.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	rec := &stripemock.Recorder{}
	f := newFixture(t, membership.AllocationFirstCome)
	key := make([]byte, cooperative.SecretsKeyBytes)
	_, _ = rand.Read(key)
	box, err := cooperative.NewSecretBox(key)
	if err != nil {
		t.Fatal(err)
	}
	m, actor := f.owner("Ann")
	o := f.offering("A", 5000, 100)
	sub := f.mustSubscribe(o, m, 3)
	start := payments.StartCheckout{CooperativeID: f.coop.ID, SubscriptionID: sub.ID,
		SuccessURL: "https://app.example.org/paid", CancelURL: "https://app.example.org/cancel"}

	// No Stripe on this server; then Stripe, but the cooperative has not connected it.
	_, err = f.checkout(payments.CheckoutDeps{}).Start(f.ctx, start)
	wantCode(t, "without Stripe", err, cooperative.EUNAVAILABLE)
	c := f.checkout(payments.CheckoutDeps{Secrets: box,
		Sessions: stripeclient.CheckoutSessionsFor(stripeclient.Options{BaseURL: url, HTTPClient: &http.Client{Transport: rec}})})
	_, err = c.Start(f.ctx, start)
	wantCode(t, "not connected", err, cooperative.ERULE)
	if len(rec.Calls()) != 0 || f.payment(sub.ID).CheckoutAttempts != 0 {
		t.Fatalf("a refused checkout reached Stripe (%v) or counted an attempt", rec.Calls())
	}

	if err := f.store.Update(f.ctx, func(tx cooperative.Tx) error {
		_, err := payments.ConnectStripeAccount(tx, box, board, f.coop.ID, payments.StripeCredentials{AccountID: "acct_1",
			SecretKey: "sk_test_0123456789abcdef", WebhookSecret: "whsec_0123456789abcdef"}, f.clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	first, err := c.Start(f.ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	p := first.Payment
	if !strings.HasPrefix(first.SessionID, "cs_") || first.URL == "" || p.Amount != 15000 || p.SubscriptionID != sub.ID {
		t.Fatalf("checkout %+v", first)
	}
	if ref, err := rfref.Parse(p.Reference); err != nil || string(ref) != p.Reference {
		t.Fatalf("reference %q: %v", p.Reference, err)
	}
	if stored := f.payment(sub.ID); stored.ID != p.ID || stored.CheckoutSessionID != first.SessionID || stored.CheckoutAttempts != 1 {
		t.Fatalf("stored payment %+v", stored)
	}
	second, err := c.Start(f.ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if second.Payment.ID != p.ID || second.Payment.Reference != p.Reference || f.payment(sub.ID).CheckoutAttempts != 2 {
		t.Fatalf("second checkout %+v", second)
	}
	var keys []string
	for _, call := range rec.Calls() {
		if call.Method == "POST" && call.Path == "/v1/checkout/sessions" {
			keys = append(keys, call.IdempotencyKey)
		}
	}
	if want := []string{"kracht-checkout-" + p.ID + "-1", "kracht-checkout-" + p.ID + "-2"}; strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Fatalf("idempotency keys %v, want %v", keys, want)
	}

	// A pending subscription's session is left alone; a withdrawn one's is expired.
	if err := c.ExpireWithdrawn(f.ctx, f.coop.ID, sub.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.withdraw(actor, sub, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.ExpireWithdrawn(f.ctx, f.coop.ID, sub.ID); err != nil {
		t.Fatal(err)
	}
	var expired []string
	for _, call := range rec.Calls() {
		if strings.HasSuffix(call.Path, "/expire") {
			expired = append(expired, call.Path)
		}
	}
	if len(expired) != 1 || expired[0] != "/v1/checkout/sessions/"+second.SessionID+"/expire" {
		t.Fatalf("expiries %v", expired)
	}
	_, err = c.Start(f.ctx, start)
	wantCode(t, "withdrawn", err, cooperative.ERULE)
}

// TestTransferInstructions: the member is told the cooperative's account, the amount
// and the payment's RF reference; asking again gives the same reference (the one made
// for the repeat is dropped). A withdrawn or unknown subscription gets none, and a
// failing reference maker is an error, not a payment without a reference.
func TestTransferInstructions(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	var made int
	c := f.checkout(payments.CheckoutDeps{NewReference: newReferences(&made)})
	m, actor := f.owner("Bob")
	o := f.offering("A", 5000, 100)
	sub := f.mustSubscribe(o, m, 2)

	ti, err := c.TransferInstructions(f.ctx, f.coop.ID, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := f.payment(sub.ID)
	want := payments.TransferInstructions{PaymentID: p.ID, IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A",
		Beneficiary: "Energie Noord", AmountCents: 10000, Reference: p.Reference}
	if ti != want {
		t.Fatalf("instructions %+v, want %+v", ti, want)
	}
	if _, err := rfref.Parse(ti.Reference); err != nil || p.Status != payments.PaymentPending {
		t.Fatalf("reference %q (%v), payment %s", ti.Reference, err, p.Status)
	}
	again, err := c.TransferInstructions(f.ctx, f.coop.ID, sub.ID)
	if err != nil || again != want || made != 2 {
		t.Fatalf("again %+v %v (%d references made)", again, err, made)
	}

	_, err = c.TransferInstructions(f.ctx, f.coop.ID, cooperative.NewID())
	wantCode(t, "unknown subscription", err, cooperative.ENOTFOUND)
	other := f.mustSubscribe(o, m, 1)
	broken := f.checkout(payments.CheckoutDeps{NewReference: func() (string, error) {
		return "", errors.New("no randomness")
	}})
	if _, err := broken.TransferInstructions(f.ctx, f.coop.ID, other.ID); err == nil {
		t.Fatal("no reference, yet instructions")
	}
	if _, err := f.payments().PaymentForSubscription(f.ctx, f.coop.ID, other.ID); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("a payment was made without a reference: %v", err)
	}
	if _, err := f.withdraw(actor, other, ""); err != nil {
		t.Fatal(err)
	}
	_, err = c.TransferInstructions(f.ctx, f.coop.ID, other.ID)
	wantCode(t, "withdrawn", err, cooperative.ERULE)
}
