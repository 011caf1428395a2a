package stripesync

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	mathrand "math/rand/v2"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/bankimport"
	"github.com/kracht-coop/kracht/storage/embedded"
)

const whsec = "whsec_test_secret_0123456789"

type fixture struct {
	t        testing.TB
	store    cooperative.Store
	sync     *Syncer
	pay      *payments.Payments
	reg      *shares.Registry
	members  *membership.Members
	coop     string
	member   string
	offering string
	now      time.Time
	seq      atomic.Int64
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	s, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "k.db"), embedded.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := cooperative.NewSecretBox(key)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: s, now: time.Now().UTC().Truncate(time.Second)}
	f.pay = payments.NewPayments(cooperative.NewRunner(s, func() time.Time { return f.now }), shares.StandardPayables())
	f.sync, err = New(f.pay, box, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.coop = f.newCooperative(box)
	f.reg = shares.NewRegistry(s, shares.RegistryOptions{Now: func() time.Time { return f.now }})
	f.members = membership.NewMembers(s, membership.MembersOptions{Now: func() time.Time { return f.now },
		HeldShares: shares.HeldShares})
	f.member, f.offering = f.newMemberAndOffering()
	return f
}

// newMemberAndOffering: statutes with class A (nominal €10), an admitted member and an
// open offering at nominal.
func (f *fixture) newMemberAndOffering() (string, string) {
	ctx := context.Background()
	board := cooperative.Actor{UserID: cooperative.NewID(), Role: "board"}
	_, err := f.members.AdoptStatutes(ctx, board, membership.Statutes{CooperativeID: f.coop, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 1000, MinPerMember: 1,
			MaxPerMember: 100000, ConfersMembership: true}},
		DividendCapBP: 500, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome})
	if err != nil {
		f.t.Fatal(err)
	}
	m, err := f.members.Apply(ctx, membership.Application{CooperativeID: f.coop, Kind: membership.MemberPerson, Name: "Anna de Vries",
		Address:     membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: "anna@example.org", IBAN: "NL91ABNA0417164300", Language: "nl", StatutesVersion: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.members.Approve(ctx, board, f.coop, m.ID); err != nil {
		f.t.Fatal(err)
	}
	o, err := f.reg.OpenOffering(ctx, board, shares.NewOffering{CooperativeID: f.coop, Class: "A", PriceCents: 1000,
		CapShares: 10000000, MinPerSubscription: 1, MaxPerSubscription: 100000, MaxPerMember: 10000000,
		OpensAt: f.now.Add(-time.Hour), ClosesAt: f.now.Add(90 * 24 * time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return m.ID, o.ID
}

func (f *fixture) newCooperative(box *cooperative.SecretBox) string {
	var id string
	err := f.store.Update(context.Background(), func(tx cooperative.Tx) error {
		c, err := cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Zon " + cooperative.NewID()[:8],
			Kind: cooperative.KindEnergy, Country: "NL", RegistrationNumber: cooperative.NewID()[:12],
			IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, f.now)
		if err != nil {
			return err
		}
		id = c.ID
		_, err = payments.ConnectStripeAccount(tx, box, cooperative.Actor{Role: "board"}, c.ID, payments.StripeCredentials{AccountID: "acct_1",
			SecretKey: "sk_test_0123456789abcd", WebhookSecret: whsec}, f.now)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// payment subscribes the member for amount/1000 shares and returns its payment.
func (f *fixture) payment(amount int64) payments.Payment {
	ctx := context.Background()
	sub, err := f.reg.Subscribe(ctx, shares.SubscriptionRequest{CooperativeID: f.coop, OfferingID: f.offering,
		MemberID: f.member, Shares: amount / 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	ref, _ := bankimport.NewReference(rand.Read)
	p, err := f.reg.SubscriptionPayment(ctx, f.coop, sub.ID, string(ref))
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// checkBooks: the trial balance sums to zero and the ledger's member capital equals the
// register's shares × nominal.
func (f *fixture) checkBooks() {
	f.t.Helper()
	ctx := context.Background()
	tb, err := ledger.TrialBalanceOn(ctx, f.store, f.coop, "9999-12-31")
	if err != nil || tb.TotalDebit != tb.TotalCredit {
		f.t.Fatalf("trial balance %+v %v", tb, err)
	}
	diff, err := f.reg.ReconcileCapital(ctx, f.coop, cooperative.DateOf(f.now.Add(30*24*time.Hour)))
	if err != nil || len(diff) != 0 {
		f.t.Fatalf("register and ledger differ: %+v %v", diff, err)
	}
}

func ledgerEntries(f *fixture) []ledger.Entry {
	f.t.Helper()
	es, _, err := ledger.ReadLedger(context.Background(), f.store, f.coop, 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return es
}

// paymentEntries are the ledger entries caused by payments (receipts, reversals,
// refunds, disputes, payouts).
func paymentEntries(f *fixture) []ledger.Entry {
	var out []ledger.Entry
	for _, e := range ledgerEntries(f) {
		if !strings.HasPrefix(e.Key, "allocation:") {
			out = append(out, e)
		}
	}
	return out
}

// event builds an event body of type typ for obj, created at the fixture's clock + offset.
func (f *fixture) event(typ string, offset time.Duration, obj map[string]any) []byte {
	n := f.seq.Add(1)
	b, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("evt_%d_%s", n, cooperative.NewID()[:8]), "object": "event",
		"type": typ, "created": f.now.Add(offset).Unix(), "api_version": "2023-10-16", "livemode": false,
		"data": map[string]any{"object": obj}})
	return b
}

func (f *fixture) sign(body []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at}).Header
}

func (f *fixture) deliver(body []byte) error {
	_, _, err := f.sync.Receive(context.Background(), f.coop, body, f.sign(body, whsec, f.now))
	return err
}

func (f *fixture) drain() {
	f.t.Helper()
	for range 100 {
		n, err := f.sync.RunOnce(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	f.t.Fatal("events keep coming")
}

func meta(f *fixture, p payments.Payment) map[string]string {
	return map[string]string{"cooperative_id": f.coop, "payment_id": p.ID, "subscription_id": p.SubscriptionID}
}

// The events of a SEPA payment through Checkout: completed unpaid, then succeeded,
// with the intent's success and a charge.
func sepaFlow(f *fixture, p payments.Payment, pi, ch string) [][]byte {
	return [][]byte{
		f.event("checkout.session.completed", 0, map[string]any{"id": "cs_" + p.ID[:8], "object": "checkout.session",
			"client_reference_id": p.ID, "metadata": meta(f, p), "payment_intent": pi, "payment_status": "unpaid",
			"amount_total": p.Amount, "currency": "eur"}),
		f.event("checkout.session.async_payment_succeeded", 3*24*time.Hour, map[string]any{"id": "cs_" + p.ID[:8],
			"object": "checkout.session", "client_reference_id": p.ID, "metadata": meta(f, p), "payment_intent": pi,
			"payment_status": "paid", "amount_total": p.Amount, "currency": "eur"}),
		f.event("payment_intent.succeeded", 3*24*time.Hour, map[string]any{"id": pi, "object": "payment_intent",
			"metadata": meta(f, p), "amount": p.Amount, "currency": "eur", "latest_charge": ch}),
	}
}

func balances(f *fixture) map[string]int64 {
	b, err := f.pay.PaymentBalances(context.Background(), f.coop)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// TestDuplicatesAndShuffle delivers every event of several payments three times, in a
// random order, and expects each payment posted exactly once.
func TestDuplicatesAndShuffle(t *testing.T) {
	f := newFixture(t)
	var all [][]byte
	var total int64
	for i := range 5 {
		p := f.payment(int64(1000 * (i + 1)))
		total += p.Amount
		for _, b := range sepaFlow(f, p, fmt.Sprintf("pi_%d", i), fmt.Sprintf("py_%d", i)) {
			all = append(all, b, b, b)
		}
	}
	mathrand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for i, b := range all {
		if err := f.deliver(b); err != nil {
			t.Fatal(err)
		}
		if i%4 == 0 {
			f.drain()
		}
	}
	f.drain()
	bal := balances(f)
	if bal["stripe_clearing"] != total || bal["subscriptions_received_in_advance"] != -total {
		t.Fatalf("balances %v, want %d received once", bal, total)
	}
	if postings := paymentEntries(f); len(postings) != 5 {
		t.Fatalf("%d postings, want 5", len(postings))
	}
	f.checkBooks()
}

// TestForgedAndStale: a wrong secret, a changed body, an old or future timestamp and a
// missing header are refused, and nothing is stored.
func TestForgedAndStale(t *testing.T) {
	f := newFixture(t)
	p := f.payment(5000)
	body := sepaFlow(f, p, "pi_x", "py_x")[1]
	tampered := []byte(string(body[:len(body)-2]) + " }")
	cases := map[string]struct {
		body []byte
		sig  string
	}{
		"wrong secret": {body, f.sign(body, "whsec_other_secret_99", f.now)},
		"tampered":     {tampered, f.sign(body, whsec, f.now)},
		"stale":        {body, f.sign(body, whsec, f.now.Add(-6*time.Minute))},
		"future":       {body, f.sign(body, whsec, f.now.Add(6*time.Minute))},
		"no header":    {body, ""},
		"garbage":      {body, "t=abc,v1=zz"},
	}
	for name, c := range cases {
		_, stored, err := f.sync.Receive(context.Background(), f.coop, c.body, c.sig)
		if cooperative.ErrorCode(err) != cooperative.EINVALID || stored {
			t.Errorf("%s: want EINVALID and nothing stored, got %v %v", name, stored, err)
		}
	}
	// Another cooperative's endpoint with this cooperative's signature.
	other := cooperative.NewID()
	if _, _, err := f.sync.Receive(context.Background(), other, body, f.sign(body, whsec, f.now)); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Errorf("unknown cooperative: %v", err)
	}
	if n, _ := f.sync.RunOnce(context.Background()); n != 0 {
		t.Fatalf("%d events stored from refused webhooks", n)
	}
	// Just inside the tolerance is accepted.
	if _, stored, err := f.sync.Receive(context.Background(), f.coop, body, f.sign(body, whsec, f.now.Add(-4*time.Minute))); err != nil || !stored {
		t.Fatalf("a 4-minute-old webhook: %v %v", stored, err)
	}
}

// TestLateSEPAFailure: paid, then failed days later: the receipt is reversed once.
func TestLateSEPAFailure(t *testing.T) {
	f := newFixture(t)
	p := f.payment(25000)
	for _, b := range sepaFlow(f, p, "pi_late", "py_late") {
		if err := f.deliver(b); err != nil {
			t.Fatal(err)
		}
	}
	f.drain()
	fail := f.event("payment_intent.payment_failed", 6*24*time.Hour, map[string]any{"id": "pi_late", "object": "payment_intent",
		"metadata": meta(f, p), "amount": p.Amount, "currency": "eur",
		"last_payment_error": map[string]any{"code": "insufficient_funds", "message": "MS03"}})
	for range 2 {
		if err := f.deliver(fail); err != nil {
			t.Fatal(err)
		}
		f.drain()
	}
	got, _ := f.pay.GetPayment(context.Background(), f.coop, p.ID)
	if got.Status != payments.PaymentReversed {
		t.Fatalf("payment %+v", got)
	}
	bal := balances(f)
	if bal["stripe_clearing"] != 0 || bal["subscriptions_received_in_advance"] != 0 {
		t.Fatalf("balances after reversal %v", bal)
	}
	postings := paymentEntries(f)
	if len(postings) != 2 || postings[1].Reverses != postings[0].Seq {
		t.Fatalf("postings %+v", postings)
	}
	sub, _ := f.reg.GetSubscription(context.Background(), f.coop, p.SubscriptionID)
	if sub.Status != shares.SubscriptionCancelled {
		t.Fatalf("subscription after a late failure: %+v", sub)
	}
	if n, err := notify.NotificationByDedupeKey(context.Background(), f.store, "payment_failed:"+p.ID); err != nil ||
		n.Event != notify.EventPaymentFailed || n.Data["shares_cancelled"] != "" {
		t.Fatalf("mail to the member: %+v %v", n, err)
	}
	f.checkBooks()
}

// TestFailureBeforeSuccessInAnyOrder: a failed first attempt followed by a success is
// paid, whichever event is applied first.
func TestFailureBeforeSuccessInAnyOrder(t *testing.T) {
	f := newFixture(t)
	p := f.payment(3000)
	fail := f.event("payment_intent.payment_failed", 0, map[string]any{"id": "pi_r", "object": "payment_intent",
		"metadata": meta(f, p), "amount": p.Amount, "currency": "eur"})
	ok := f.event("payment_intent.succeeded", time.Minute, map[string]any{"id": "pi_r", "object": "payment_intent",
		"metadata": meta(f, p), "amount": p.Amount, "currency": "eur", "latest_charge": "ch_r"})
	for _, b := range [][]byte{ok, fail} {
		if err := f.deliver(b); err != nil {
			t.Fatal(err)
		}
		f.drain()
	}
	got, _ := f.pay.GetPayment(context.Background(), f.coop, p.ID)
	if got.Status != payments.PaymentPaid || balances(f)["stripe_clearing"] != 3000 {
		t.Fatalf("payment %+v", got)
	}
}

// TestRefundDisputeAndPayout: a refund that arrives before the payment waits for it; a
// dispute holds the amount; a payout posts fees and clears the clearing account.
func TestRefundDisputeAndPayout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.payment(10000), f.payment(20000)
	refund := f.event("charge.refunded", time.Hour, map[string]any{"id": "ch_a", "object": "charge", "payment_intent": "pi_a",
		"amount": a.Amount, "amount_refunded": 4000, "currency": "eur", "metadata": meta(f, a)})
	if err := f.deliver(refund); err != nil {
		t.Fatal(err)
	}
	f.drain()
	for _, body := range [][]byte{
		f.event("payment_intent.succeeded", 0, map[string]any{"id": "pi_a", "object": "payment_intent", "metadata": meta(f, a),
			"amount": a.Amount, "currency": "eur", "latest_charge": "ch_a"}),
		f.event("payment_intent.succeeded", 0, map[string]any{"id": "pi_b", "object": "payment_intent", "metadata": meta(f, b),
			"amount": b.Amount, "currency": "eur", "latest_charge": "ch_b"}),
		f.event("charge.dispute.created", 2*time.Hour, map[string]any{"id": "dp_b", "object": "dispute", "charge": "ch_b",
			"payment_intent": "pi_b", "amount": b.Amount, "currency": "eur", "reason": "fraudulent"}),
	} {
		if err := f.deliver(body); err != nil {
			t.Fatal(err)
		}
	}
	f.drain()
	bal := balances(f)
	if bal["stripe_clearing"] != 10000-4000 || bal["disputes_held"] != 20000 {
		t.Fatalf("balances %v", bal)
	}
	if p, _ := f.pay.GetPayment(ctx, f.coop, b.ID); p.Status != payments.PaymentDisputed {
		t.Fatalf("disputed payment %+v", p)
	}
	// The payout of a's charge less its fee and the refund: applied with its balance
	// transactions directly (stripe-mock's fixtures do not add up).
	body := f.event("payout.paid", 3*time.Hour, map[string]any{"id": "po_1", "object": "payout", "amount": 10000 - 4000 - 300,
		"currency": "eur", "status": "paid"})
	if err := f.deliver(body); err != nil {
		t.Fatal(err)
	}
	var ev payments.StripeEvent
	_ = json.Unmarshal(body, &struct{ ID *string }{&ev.ID})
	stored, err := f.pay.GetStripeEvent(ctx, f.coop, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	lines := []payments.StripeBalanceLine{
		{ID: "txn_a", Type: "charge", Source: "ch_a", Amount: 10000, Fee: 300, Net: 9700, Currency: "eur"},
		{ID: "txn_r", Type: "refund", Source: "re_a", Amount: -4000, Net: -4000, Currency: "eur"},
		{ID: "txn_po", Type: "payout", Source: "po_1", Amount: -5700, Net: -5700, Currency: "eur"},
	}
	for range 2 {
		if _, err := f.pay.ProcessStripeEvent(ctx, stored.ID, lines); err != nil {
			t.Fatal(err)
		}
	}
	bal = balances(f)
	if bal["stripe_clearing"] != 0 || bal["payment_fees_expense"] != 300 || bal["bank"] != 5700 {
		t.Fatalf("after the payout %v", bal)
	}
	f.checkBooks()
	// The dispute and the refund made outside Kracht wait for the accountant.
	items, _, _ := f.pay.ListPaymentReviews(ctx, f.coop, payments.ReviewOpen, "", 100)
	reasons := map[payments.ReviewReason]bool{}
	for _, it := range items {
		reasons[it.Reason] = true
	}
	if !reasons[payments.ReviewDisputed] || !reasons[payments.ReviewUnrequestedRefund] {
		t.Fatalf("review items %+v", items)
	}
	// The payout fails afterwards: the bank side is reversed.
	if err := f.deliver(f.event("payout.failed", 4*time.Hour, map[string]any{"id": "po_1", "object": "payout",
		"amount": 5700, "currency": "eur", "status": "failed"})); err != nil {
		t.Fatal(err)
	}
	f.drain()
	if bal = balances(f); bal["bank"] != 0 || bal["stripe_clearing"] != 5700 {
		t.Fatalf("after the failed payout %v", bal)
	}
	f.checkBooks()
}

// TestLateSEPAFailureAfterAllocation: paid by SEPA, shares allocated when the offering
// closed, then the debit is returned: the receipt and the allocation are reversed, the
// shares cancelled (they had not moved), the member told; register and ledger agree.
// A second subscription whose shares were transferred keeps them and goes to review.
func TestLateSEPAFailureAfterAllocation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.payment(5000)  // shares 1-5
	p := f.payment(25000) // shares 6-30
	for i, pay := range []payments.Payment{p, q} {
		for _, b := range sepaFlow(f, pay, fmt.Sprintf("pi_alloc%d", i), fmt.Sprintf("py_alloc%d", i)) {
			if err := f.deliver(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.drain()
	board := cooperative.Actor{UserID: cooperative.NewID(), Role: "board"}
	if _, err := f.reg.CloseOffering(ctx, board, f.coop, f.offering); err != nil {
		t.Fatal(err)
	}
	f.checkBooks()
	// Three of q's shares (the lowest numbers) move to another member.
	other, err := f.members.Apply(ctx, membership.Application{CooperativeID: f.coop, Kind: membership.MemberPerson, Name: "Bert",
		Address:     membership.Address{Street: "Markt 2", PostalCode: "9711 AB", City: "Groningen", Country: "NL"},
		DateOfBirth: "1970-01-01", Email: "bert@example.org", IBAN: "NL91ABNA0417164300", Language: "en", StatutesVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.members.Approve(ctx, board, f.coop, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.Transfer(ctx, board, shares.TransferRequest{CooperativeID: f.coop, From: f.member, To: other.ID,
		Class: "A", Shares: 3}); err != nil {
		t.Fatal(err)
	}
	f.checkBooks()
	fail := func(pay payments.Payment, pi string) []byte {
		return f.event("payment_intent.payment_failed", 6*24*time.Hour, map[string]any{"id": pi, "object": "payment_intent",
			"metadata": meta(f, pay), "amount": pay.Amount, "currency": "eur",
			"last_payment_error": map[string]any{"code": "debit_not_authorized", "message": "MD06"}})
	}
	for _, b := range [][]byte{fail(p, "pi_alloc0"), fail(p, "pi_alloc0")} {
		if err := f.deliver(b); err != nil {
			t.Fatal(err)
		}
		f.drain()
	}
	sub, _ := f.reg.GetSubscription(ctx, f.coop, p.SubscriptionID)
	if sub.Status != shares.SubscriptionCancelled {
		t.Fatalf("subscription %+v", sub)
	}
	if n, err := notify.NotificationByDedupeKey(ctx, f.store, "payment_failed:"+p.ID); err != nil || n.Data["shares_cancelled"] != "yes" {
		t.Fatalf("mail %+v %v", n, err)
	}
	f.checkBooks()
	bal := balances(f)
	if bal["member_capital:"+f.member] != -2000 || bal["stripe_clearing"] != 5000 { // q's 4-5 stay
		t.Fatalf("balances after cancelling %v", bal)
	}
	// q's shares have moved, so they cannot be cancelled as issued: review.
	if err := f.deliver(fail(q, "pi_alloc1")); err != nil {
		t.Fatal(err)
	}
	f.drain()
	f.checkBooks()
	items, _, _ := f.pay.ListPaymentReviews(ctx, f.coop, payments.ReviewOpen, "", 100)
	if len(items) != 1 || items[0].Reason != payments.ReviewLateFailure {
		t.Fatalf("review items %+v", items)
	}
}

// TestBadData: a wrong amount, a wrong currency, another cooperative's metadata and an
// event naming no payment go to review with nothing posted.
func TestBadData(t *testing.T) {
	f := newFixture(t)
	p := f.payment(5000)
	other := cooperative.NewID()
	for _, body := range [][]byte{
		f.event("payment_intent.succeeded", 0, map[string]any{"id": "pi_1", "object": "payment_intent", "metadata": meta(f, p),
			"amount": 4999, "currency": "eur"}),
		f.event("payment_intent.succeeded", 0, map[string]any{"id": "pi_1", "object": "payment_intent", "metadata": meta(f, p),
			"amount": 5000, "currency": "usd"}),
		f.event("payment_intent.succeeded", 0, map[string]any{"id": "pi_1", "object": "payment_intent",
			"metadata": map[string]string{"cooperative_id": other, "payment_id": p.ID}, "amount": 5000, "currency": "eur"}),
		f.event("payment_intent.succeeded", 0, map[string]any{"id": "pi_9", "object": "payment_intent", "amount": 5000,
			"currency": "eur", "metadata": map[string]string{}}),
	} {
		if err := f.deliver(body); err != nil {
			t.Fatal(err)
		}
	}
	// The last one names an intent Kracht may learn later: it is parked, then given up.
	for range payments.MaxStripeEventAttempts + 1 {
		f.drain()
		f.now = f.now.Add(3 * time.Hour)
	}
	if bal := balances(f); len(bal) != 0 {
		t.Fatalf("postings from bad data: %v", bal)
	}
	items, _, _ := f.pay.ListPaymentReviews(context.Background(), f.coop, payments.ReviewOpen, "", 100)
	if len(items) != 4 {
		t.Fatalf("%d review items: %+v", len(items), items)
	}
}

// BenchmarkWebhooks measures webhooks verified, stored and applied per second on the
// embedded store, with 8 deliveries at a time.
func BenchmarkWebhooks(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	const pays = 200
	ps := make([]payments.Payment, pays)
	for i := range ps {
		ps[i] = f.payment(1000)
	}
	bodies := make([][]byte, b.N)
	sigs := make([]string, b.N)
	for i := range bodies {
		p := ps[i%pays]
		bodies[i] = f.event("payment_intent.succeeded", time.Duration(i)*time.Second, map[string]any{"id": "pi_" + p.ID[:8],
			"object": "payment_intent", "metadata": meta(f, p), "amount": p.Amount, "currency": "eur"})
		sigs[i] = f.sign(bodies[i], whsec, f.now)
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n, err := f.sync.RunOnce(ctx)
			if err != nil {
				b.Error(err)
				return
			}
			if n == 0 && next.Load() >= int64(b.N) {
				return
			}
		}
	}()
	b.SetParallelism(2)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, _, err := f.sync.Receive(ctx, f.coop, bodies[i], sigs[i]); err != nil {
				b.Error(err)
			}
		}
	})
	<-done
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
