package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/stripeclient/stripemock"
)

// A subscription paid through Stripe is withdrawn by its member and refunded through
// the API: Stripe (stripe-mock) is asked, and the refund is posted when a signed
// charge.refunded webhook confirms it.

// stripeFlow is a payment server talking to stripe-mock, with Stripe connected, statutes
// adopted (class A, €50) and an open offering.
type stripeFlow struct {
	*paymentServer
	base     string // "/v1/cooperatives/<id>"
	offering string
	events   int
	stripe   *stripemock.Recorder // the calls that reached stripe-mock
}

func newStripeFlow(t *testing.T) *stripeFlow {
	t.Helper()
	url, stop, err := stripemock.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	rec := &stripemock.Recorder{}
	ps := newPaymentServer(t, func(o *Options) {
		o.Payments.Stripe.BaseURL = url
		o.Payments.Stripe.HTTPClient = &http.Client{Transport: rec}
		*o = withServices(*o, identity.AccountsOptions{
			Limits: identity.SignInLimits{Window: 1, PerAccount: 1 << 20, PerIP: 1 << 20, MailsPerIP: 1 << 20},
			Sends:  identity.SendLimits{Window: time.Hour}}) // no limit, only its window
	})
	sf := &stripeFlow{paymentServer: ps, base: "/v1/cooperatives/" + ps.coop, stripe: rec}
	wantStatus(t, ps.call(t, "PUT", sf.base+"/stripe", ps.boardToken, map[string]string{"accountId": "acct_1",
		"secretKey": "sk_test_0123456789abcdef", "webhookSecret": testWebhookSecret}), 200)
	wantStatus(t, ps.call(t, "POST", sf.base+"/statutes", ps.boardToken, map[string]any{"effectiveFrom": "2020-01-01",
		"shareClasses": []map[string]any{{"code": "A", "name": "Member share", "nominalCents": 5000, "minPerMember": 1,
			"maxPerMember": 20, "confersMembership": true}},
		"membershipFeeCents": 0, "dividendCapBp": 500, "noticePeriodDays": 30, "allocation": "first_come"}), 201)
	now := ps.clock.Now()
	r := ps.call(t, "POST", sf.base+"/offerings", ps.boardToken, map[string]any{"class": "A", "priceCents": 5000,
		"capShares": 100, "minPerSubscription": 1, "maxPerSubscription": 10, "maxPerMember": 10,
		"opensAt": now, "closesAt": now.Add(14 * 24 * time.Hour)})
	wantStatus(t, r, 201)
	sf.offering = decodeBody[shares.Offering](t, r).ID
	return sf
}

// member signs a citizen up, has them apply and the board admit them.
func (sf *stripeFlow) member(t *testing.T, email string) (token, memberID string) {
	t.Helper()
	sf.signUp(t, email)
	token = sf.signIn(t, email).tokens.AccessToken
	r := sf.call(t, "POST", sf.base+"/members", token, applicationBody(email, "NL91ABNA0417164300"))
	wantStatus(t, r, 201)
	memberID = decodeBody[membership.Member](t, r).ID
	wantStatus(t, sf.call(t, "POST", sf.base+"/members/"+memberID+"/approve", sf.boardToken, nil), 200)
	return token, memberID
}

// webhook delivers a signed event of type typ for obj, as Stripe would, and has the
// syncer apply what is due.
func (sf *stripeFlow) webhook(t *testing.T, typ string, obj map[string]any) {
	t.Helper()
	sf.events++
	now := time.Now() // stripe-go judges a signature's age by the real clock
	body, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("evt_withdraw_%d", sf.events), "object": "event", "type": typ,
		"created": now.Unix(), "api_version": "2023-10-16", "livemode": false, "data": map[string]any{"object": obj}})
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testWebhookSecret, Timestamp: now}).Header
	r := sf.do(t, "POST", sf.base+"/stripe/webhook", "application/json", strings.NewReader(string(body)), "Stripe-Signature", sig)
	wantStatus(t, r, 200)
	for range 10 {
		n, err := sf.pay.Syncer.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("events keep coming")
}

func (sf *stripeFlow) entries(t *testing.T) []ledger.Entry {
	return ledgerEntries(t, sf.authServer, sf.base, sf.boardToken)
}

func (sf *stripeFlow) balances(t *testing.T) map[string]int64 {
	return nonZeroBalances(t, sf.authServer, sf.base, sf.accountantToken)
}

// ledgerEntries reads the journal of the cooperative at base ("/v1/cooperatives/<id>").
func ledgerEntries(t *testing.T, as *authServer, base, token string) []ledger.Entry {
	t.Helper()
	r := as.call(t, "GET", base+"/ledger/entries?limit=1000", token, nil)
	wantStatus(t, r, 200)
	return decodeBody[ledgerEntryList](t, r).Items
}

// nonZeroBalances reads the trial balance of all time of the cooperative at base, which
// must balance, and returns the accounts that are not zero.
func nonZeroBalances(t *testing.T, as *authServer, base, token string) map[string]int64 {
	t.Helper()
	r := as.call(t, "GET", base+"/ledger/trial-balance?date=9999-12-31", token, nil)
	wantStatus(t, r, 200)
	tb := decodeBody[ledger.TrialBalance](t, r)
	if tb.TotalDebit != tb.TotalCredit {
		t.Fatalf("trial balance does not balance: %+v", tb)
	}
	out := map[string]int64{}
	for _, row := range tb.Rows {
		if row.Balance != 0 {
			out[row.Account] = row.Balance
		}
	}
	return out
}

func TestWithdrawAndRefundThroughStripe(t *testing.T) {
	sf := newStripeFlow(t)
	ctx := context.Background()
	annToken, ann := sf.member(t, "ann@example.org")
	bobToken, _ := sf.member(t, "bob@example.org")

	// Ann subscribes for 4 shares (€200) and pays through Checkout.
	r := sf.call(t, "POST", sf.base+"/offerings/"+sf.offering+"/subscriptions", annToken, map[string]any{"memberId": ann, "shares": 4})
	wantStatus(t, r, 201)
	sub := decodeBody[shares.Subscription](t, r)
	path := sf.base + "/subscriptions/" + sub.ID
	r = sf.call(t, "POST", path+"/checkout", annToken, map[string]string{"successUrl": "https://app.example.org/paid",
		"cancelUrl": "https://app.example.org/cancel"})
	wantStatus(t, r, 201)
	co := decodeBody[checkoutBody](t, r)
	if !strings.HasPrefix(co.SessionID, "cs_") || co.AmountCents != 20000 {
		t.Fatalf("checkout %+v", co)
	}
	meta := map[string]string{"cooperative_id": sf.coop, "payment_id": co.PaymentID, "subscription_id": sub.ID}
	sf.webhook(t, "payment_intent.succeeded", map[string]any{"id": "pi_withdraw", "object": "payment_intent",
		"metadata": meta, "amount": 20000, "currency": "eur", "latest_charge": "ch_withdraw"})
	r = sf.call(t, "GET", path, annToken, nil)
	wantStatus(t, r, 200)
	if got := decodeBody[shares.Subscription](t, r); got.Status != shares.SubscriptionPaid {
		t.Fatalf("after Stripe's success %+v", got)
	}

	// Refused requests: a problem each, and nothing changes.
	before := fmt.Sprint(sf.entries(t), sf.balances(t))
	for name, c := range map[string]struct {
		token, path string
		body        any
		status      int
		code        string
	}{
		"unknown field":            {annToken, path, map[string]any{"reason": "x", "refundTo": "NL00"}, 422, cooperative.EINVALID},
		"reason of the wrong type": {annToken, path, map[string]any{"reason": 5}, 422, cooperative.EINVALID},
		"reason too long":          {annToken, path, map[string]any{"reason": strings.Repeat("x", 1001)}, 422, cooperative.EINVALID},
		"no body":                  {annToken, path, nil, 400, cooperative.EINVALID},
		"malformed id":             {annToken, sf.base + "/subscriptions/not-an-id", map[string]any{}, 400, cooperative.EINVALID},
		"unknown subscription":     {annToken, sf.base + "/subscriptions/" + cooperative.NewID(), map[string]any{}, 404, cooperative.ENOTFOUND},
		"another member's":         {bobToken, path, map[string]any{}, 404, cooperative.ENOTFOUND},
		"the accountant":           {sf.accountantToken, path, map[string]any{"reason": "x"}, 403, cooperative.EFORBIDDEN},
		"the board, no reason":     {sf.boardToken, path, map[string]any{}, 400, cooperative.EINVALID},
		"not signed in":            {"", path, map[string]any{}, 401, cooperative.EUNAUTHORIZED},
	} {
		p := c.path
		if !strings.HasSuffix(p, "/withdraw") {
			p += "/withdraw"
		}
		r := sf.call(t, "POST", p, c.token, c.body)
		if r.status != c.status {
			t.Fatalf("%s: status %d, want %d: %s", name, r.status, c.status, r.body)
		}
		wantProblem(t, r, c.status, c.code)
	}
	// Not refundable while it waits for allocation.
	wantRule(t, sf.call(t, "POST", path+"/refund", sf.boardToken, nil), "refundable")
	if after := fmt.Sprint(sf.entries(t), sf.balances(t)); after != before {
		t.Fatalf("a refused request wrote:\nbefore %s\nafter  %s", before, after)
	}

	// Ann withdraws: the money moves to refunds payable.
	r = sf.call(t, "POST", path+"/withdraw", annToken, map[string]any{"reason": "Changed my mind."})
	wantStatus(t, r, 200)
	got := decodeBody[shares.Subscription](t, r)
	if got.Status != shares.SubscriptionWithdrawn || got.RefundCents != 20000 || got.WithdrawReason != "Changed my mind." {
		t.Fatalf("withdrawn %+v", got)
	}
	if bal := sf.balances(t); bal["stripe_clearing"] != 20000 || bal["refunds_payable"] != -20000 ||
		bal["subscriptions_received_in_advance"] != 0 {
		t.Fatalf("balances after withdrawing %v", bal)
	}
	// Ann hears that Stripe refunds it; her session was completed, so nothing is expired.
	if n := sf.withdrawnMail(t, sub); n.Data["refund_online"] != "€ 200,00" || n.Data["withdrawn_by"] != "member" {
		t.Fatalf("mail %+v", n)
	}
	if ids := sf.expiries(t); len(ids) != 0 {
		t.Fatalf("expired %v: the session of a paid subscription is complete", ids)
	}
	// Twice: refused, nothing changes.
	before = fmt.Sprint(sf.entries(t))
	wantRule(t, sf.call(t, "POST", path+"/withdraw", annToken, map[string]any{}), "withdrawable")
	if after := fmt.Sprint(sf.entries(t)); after != before {
		t.Fatal("withdrawing twice wrote to the ledger")
	}

	// The board asks for the refund: Kracht asks Stripe, and posts nothing yet.
	n := len(sf.entries(t))
	r = sf.call(t, "POST", path+"/refund", sf.boardToken, nil)
	wantStatus(t, r, 200)
	refund := decodeBody[refundBody](t, r)
	if refund.PaymentID != co.PaymentID || refund.AmountCents != 20000 || !strings.HasPrefix(refund.RefundID, "re_") {
		t.Fatalf("refund %+v", refund)
	}
	if len(sf.entries(t)) != n {
		t.Fatal("the refund was posted before Stripe confirmed it")
	}
	// Stripe confirms it.
	sf.webhook(t, "charge.refunded", map[string]any{"id": "ch_withdraw", "object": "charge", "payment_intent": "pi_withdraw",
		"amount": 20000, "amount_refunded": 20000, "currency": "eur", "metadata": meta})
	es := sf.entries(t)
	if len(es) != n+1 {
		t.Fatalf("%d entries after the confirmation, want %d", len(es), n+1)
	}
	last := es[len(es)-1]
	if len(last.Lines) != 2 || last.Lines[0] != (ledger.Line{Account: "refunds_payable", Amount: 20000}) ||
		last.Lines[1] != (ledger.Line{Account: "stripe_clearing", Amount: -20000}) {
		t.Fatalf("refund entry %+v", last)
	}
	if bal := sf.balances(t); len(bal) != 0 {
		t.Fatalf("balances after the refund %v, want all zero", bal)
	}
	p, err := sf.payments.GetPayment(ctx, sf.coop, co.PaymentID)
	if err != nil || p.Status != payments.PaymentRefunded {
		t.Fatalf("payment %+v %v", p, err)
	}
	// Nothing for the accountant to look at: the refund was the one Kracht asked for.
	r = sf.call(t, "GET", sf.base+"/payment-reviews", sf.accountantToken, nil)
	wantStatus(t, r, 200)
	if items := decodeBody[struct {
		Items []payments.PaymentReview `json:"items"`
	}](t, r).Items; len(items) != 0 {
		t.Fatalf("review items %+v", items)
	}
}
