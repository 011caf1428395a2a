package bankimport

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/rfref"
	"github.com/kracht-coop/kracht/storage/embedded"
)

const samples = "../../../shared/testdata/iso20022/camt053-genkgo"

func openStore(t testing.TB) cooperative.Store {
	t.Helper()
	s, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), embedded.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var now = time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC)

// TestSamples imports every sample statement twice: the first import reads every entry,
// the second changes nothing.
func TestSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(samples, "*.xml"))
	if len(files) == 0 {
		t.Fatalf("no samples in %s", samples)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s := openStore(t)
			coop := cooperative.NewID()
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Import(context.Background(), payAt(s, now), coop, testSource, bytes.NewReader(b))
			if strings.Contains(f, "wrong") {
				if cooperative.ErrorCode(err) != cooperative.EINVALID || !strings.Contains(err.Error(), "camt.053") && cooperative.ErrorMessage(err) == "" {
					t.Fatalf("want a clear EINVALID refusal, got %v", err)
				}
				t.Logf("refused: %s", cooperative.ErrorMessage(err))
				if res.Tally.Lines != 0 {
					t.Fatalf("refused document stored %d lines", res.Tally.Lines)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Statements == 0 || res.Tally.Lines == 0 {
				t.Fatalf("nothing imported: %+v", res)
			}
			if res.Tally.Duplicates != 0 || res.Tally.Lines != res.Tally.Matched+res.Tally.Review+res.Tally.Skipped {
				t.Fatalf("tally does not add up: %+v", res.Tally)
			}
			again, err := Import(context.Background(), payAt(s, now.Add(time.Hour)), coop, testSource, bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if again.Tally.Duplicates != again.Tally.Lines || again.Tally.Lines != res.Tally.Lines {
				t.Fatalf("second import changed something: %+v after %+v", again.Tally, res.Tally)
			}
			open, _, err := payAt(s, now).ListPaymentReviews(context.Background(), coop, payments.ReviewOpen, "", 1000)
			if err != nil || len(open) != res.Tally.Review {
				t.Fatalf("review queue has %d items, tally %d (%v)", len(open), res.Tally.Review, err)
			}
		})
	}
}

type credit struct {
	ref      string
	amount   int64
	currency string
	acctRef  string
}

// writeStatement writes a camt.053.001.02 statement of booked credits (and a debit for
// every tenth, to be skipped).
func writeStatement(w io.Writer, id string, credits []credit) {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt>
<GrpHdr><MsgId>MSG-%s</MsgId><CreDtTm>2025-01-31T18:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>%s</Id><CreDtTm>2025-01-31T18:00:00+01:00</CreDtTm>
<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
`, id, id)
	for i, c := range credits {
		ind := "CRDT"
		if i%10 == 9 {
			ind = "DBIT"
		}
		ccy := c.currency
		if ccy == "" {
			ccy = "EUR"
		}
		fmt.Fprintf(bw, `<Ntry><Amt Ccy="%s">%d.%02d</Amt><CdtDbtInd>%s</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2025-01-31</Dt></BookgDt><ValDt><Dt>2025-01-31</Dt></ValDt><AcctSvcrRef>%s</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Member %d</Nm></Dbtr><DbtrAcct><Id><IBAN>NL02ABNA0123456789</IBAN></Id></DbtrAcct></RltdPties><RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>%s</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>
`, ccy, c.amount/100, c.amount%100, ind, c.acctRef, i, c.ref)
	}
	fmt.Fprint(bw, "</Stmt>\n</BkToCstmrStmt>\n</Document>\n")
	bw.Flush()
}

// books is a cooperative with statutes (class A at €1 nominal), one admitted member
// and an open offering at nominal, so payments pay real subscriptions.
type books struct {
	s        cooperative.Store
	reg      *shares.Registry
	coop     string
	member   string
	offering string
}

// payAt is the payment service with the clock stopped at at.
func payAt(s cooperative.Store, at time.Time) *payments.Payments {
	return payments.NewPayments(cooperative.NewRunner(s, func() time.Time { return at }), shares.StandardPayables())
}

func newBooks(t testing.TB, s cooperative.Store) *books {
	t.Helper()
	ctx := context.Background()
	b := &books{s: s, reg: shares.NewRegistry(s, shares.RegistryOptions{Now: func() time.Time { return now }})}
	members := membership.NewMembers(s, membership.MembersOptions{Now: func() time.Time { return now },
		HeldShares: shares.HeldShares})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Update(ctx, func(tx cooperative.Tx) error {
		c, err := cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Zon " + cooperative.NewID()[:8],
			Kind: cooperative.KindEnergy, Country: "NL", RegistrationNumber: cooperative.NewID()[24:],
			IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, now)
		b.coop = c.ID
		return err
	}))
	board := cooperative.Actor{UserID: cooperative.NewID(), Role: "board"}
	_, err := members.AdoptStatutes(ctx, board, membership.Statutes{CooperativeID: b.coop, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 100, MinPerMember: 1,
			MaxPerMember: 1 << 40, ConfersMembership: true}},
		DividendCapBP: 500, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome})
	must(err)
	m, err := members.Apply(ctx, membership.Application{CooperativeID: b.coop, Kind: membership.MemberPerson, Name: "Anna",
		Address:     membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: "anna@example.org", IBAN: "NL91ABNA0417164300", Language: "nl", StatutesVersion: 1})
	must(err)
	_, err = members.Approve(ctx, board, b.coop, m.ID)
	must(err)
	o, err := b.reg.OpenOffering(ctx, board, shares.NewOffering{CooperativeID: b.coop, Class: "A", PriceCents: 100,
		CapShares: 1 << 40, MinPerSubscription: 1, MaxPerSubscription: 1 << 30, MaxPerMember: 1 << 40,
		OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(90 * 24 * time.Hour)})
	must(err)
	b.member, b.offering = m.ID, o.ID
	return b
}

// newPayment subscribes for amount (in whole euros' worth of €1 shares) and returns the
// subscription's payment, with reference ref ("" for a new one).
func newPayment(t testing.TB, b *books, amount int64, ref string) payments.Payment {
	t.Helper()
	ctx := context.Background()
	sub, err := b.reg.Subscribe(ctx, shares.SubscriptionRequest{CooperativeID: b.coop, OfferingID: b.offering,
		MemberID: b.member, Shares: amount / 100})
	if err != nil {
		t.Fatal(err)
	}
	if ref == "" {
		r, err := NewReference(rand.Read)
		if err != nil {
			t.Fatal(err)
		}
		ref = string(r)
	}
	p, err := b.reg.SubscriptionPayment(ctx, b.coop, sub.ID, ref)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMatching: an exact credit is posted; partial, over, unknown, wrong currency and
// another cooperative's reference wait for review, unposted; the accountant resolves.
func TestMatching(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	pay := payAt(s, now)
	bk, bo := newBooks(t, s), newBooks(t, s)
	coop, other := bk.coop, bo.coop
	exact := newPayment(t, bk, 25000, "")
	partial := newPayment(t, bk, 25000, "")
	over := newPayment(t, bk, 10000, "")
	foreign := newPayment(t, bo, 5000, "")
	ccy := newPayment(t, bk, 7000, "")
	unknown, _ := rfref.New("K999")
	var doc bytes.Buffer
	writeStatement(&doc, "S1", []credit{
		{ref: exact.Reference, amount: 25000, acctRef: "A1"},
		{ref: partial.Reference, amount: 20000, acctRef: "A2"},
		{ref: over.Reference, amount: 10001, acctRef: "A3"},
		{ref: foreign.Reference, amount: 5000, acctRef: "A4"},
		{ref: ccy.Reference, amount: 7000, currency: "USD", acctRef: "A5"},
		{ref: string(unknown), amount: 100, acctRef: "A6"},
		{ref: exact.Reference, amount: 25000, acctRef: "A7"}, // paid twice
	})
	res, err := Import(ctx, pay, coop, testSource, bytes.NewReader(doc.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if res.Tally.Matched != 1 || res.Tally.Review != 6 || res.Tally.MatchedAmount != 25000 {
		t.Fatalf("tally %+v", res.Tally)
	}
	got, _ := pay.GetPayment(ctx, coop, exact.ID)
	if got.Status != payments.PaymentPaid || got.PostedReceived != 25000 {
		t.Fatalf("exact payment: %+v", got)
	}
	bal, _ := pay.PaymentBalances(ctx, coop)
	if bal["bank"] != 25000 || bal["subscriptions_received_in_advance"] != -25000 || len(bal) != 2 {
		t.Fatalf("balances after import: %v", bal)
	}
	if b, _ := pay.PaymentBalances(ctx, other); len(b) != 0 {
		t.Fatalf("the other cooperative got postings: %v", b)
	}
	reviews, _, _ := pay.ListPaymentReviews(ctx, coop, payments.ReviewOpen, "", 100)
	reasons := map[payments.ReviewReason]payments.PaymentReview{}
	for _, r := range reviews {
		reasons[r.Reason] = r
	}
	for _, want := range []payments.ReviewReason{payments.ReviewPartial, payments.ReviewOverpayment,
		payments.ReviewOtherCooperative, payments.ReviewWrongCurrency, payments.ReviewUnknownReference,
		payments.ReviewAlreadyPaid} {
		if _, ok := reasons[want]; !ok {
			t.Errorf("no review item %s in %v", want, reviews)
		}
	}
	if r := reasons[payments.ReviewOtherCooperative]; r.PaymentID != "" || strings.Contains(r.Detail, other) {
		t.Errorf("a review item leaks the other cooperative: %+v", r)
	}
	// The same statement again changes nothing.
	again, err := Import(ctx, pay, coop, testSource, bytes.NewReader(doc.Bytes()))
	if err != nil || again.Tally.Duplicates != again.Tally.Lines {
		t.Fatalf("reimport: %+v %v", again.Tally, err)
	}
	// The accountant assigns the partial credit; then the rest arrives and is assigned too.
	pr := reasons[payments.ReviewPartial]
	if _, err := pay.ResolvePaymentReview(ctx, other, pr.ID, payments.ReviewResolution{
		Action: payments.ResolveAssign, PaymentID: partial.ID}); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("another cooperative resolved it: %v", err)
	}
	if _, err := pay.ResolvePaymentReview(ctx, coop, pr.ID, payments.ReviewResolution{
		Action: payments.ResolveAssign, PaymentID: partial.ID, By: cooperative.Actor{UserID: "acct", Role: "accountant"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pay.ResolvePaymentReview(ctx, coop, pr.ID, payments.ReviewResolution{
		Action: payments.ResolveAssign, PaymentID: partial.ID}); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("resolved twice: %v", err)
	}
	cr := reasons[payments.ReviewWrongCurrency]
	if _, err := pay.ResolvePaymentReview(ctx, coop, cr.ID, payments.ReviewResolution{
		Action: payments.ResolveAssign, PaymentID: ccy.ID}); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("a USD credit was assigned: %v", err)
	}
	if _, err := pay.ResolvePaymentReview(ctx, coop, cr.ID, payments.ReviewResolution{
		Action: payments.ResolveRefunded, Note: "sent back on 3 Feb", By: cooperative.Actor{UserID: "acct", Role: "accountant"}}); err != nil {
		t.Fatal(err)
	}
	bal, _ = pay.PaymentBalances(ctx, coop)
	if bal["bank"] != 45000 {
		t.Fatalf("bank after assigning the partial credit: %v", bal)
	}
	if p, _ := pay.GetPayment(ctx, coop, partial.ID); p.Status == payments.PaymentPaid || p.Suspense != 20000 {
		t.Fatalf("partially paid payment: %+v", p)
	}
	// The rest arrives and is assigned: the subscription is paid, the suspense cleared.
	var rest bytes.Buffer
	writeStatement(&rest, "S2", []credit{{ref: partial.Reference, amount: 5000, acctRef: "B1"}})
	if _, err := Import(ctx, pay, coop, testSource, &rest); err != nil {
		t.Fatal(err)
	}
	reviews, _, _ = pay.ListPaymentReviews(ctx, coop, payments.ReviewOpen, "", 100)
	for _, r := range reviews {
		if r.Reference == partial.Reference && r.Reason == payments.ReviewPartial {
			if _, err := pay.ResolvePaymentReview(ctx, coop, r.ID, payments.ReviewResolution{
				Action: payments.ResolveAssign, PaymentID: partial.ID, By: cooperative.Actor{UserID: "acct", Role: "accountant"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if p, _ := pay.GetPayment(ctx, coop, partial.ID); p.Status != payments.PaymentPaid || p.Suspense != 0 {
		t.Fatalf("paid in two parts: %+v", p)
	}
	sub, _ := bk.reg.GetSubscription(ctx, coop, partial.SubscriptionID)
	if sub.Status != shares.SubscriptionPaid {
		t.Fatalf("subscription paid in two parts: %+v", sub)
	}
	bal, _ = pay.PaymentBalances(ctx, coop)
	if bal["bank"] != 50000 || bal["subscriptions_received_in_advance"] != -50000 || bal["bank_transfer_suspense"] != 0 {
		t.Fatalf("balances after the second part: %v", bal)
	}
	tb, _ := ledger.TrialBalanceOn(ctx, s, coop, "9999-12-31")
	if tb.TotalDebit != tb.TotalCredit {
		t.Fatalf("trial balance %+v", tb)
	}
}

// BenchmarkImport100k imports a statement of 100,000 entries end to end: parse, match
// (every tenth to a payment, the rest to review or skipped), store.
func BenchmarkImport100k(b *testing.B) {
	n := benchEntries
	for b.Loop() {
		b.StopTimer()
		s := openStore(b)
		bk := newBooks(b, s)
		coop := bk.coop
		credits := make([]credit, n)
		for i := range credits {
			ref, _ := rfref.New(fmt.Sprintf("K%d", i))
			credits[i] = credit{ref: string(ref), amount: int64(i%50+1) * 100, acctRef: fmt.Sprintf("ACCT-%d", i)}
		}
		for i := 0; i < n; i += 10 {
			newPayment(b, bk, credits[i].amount, credits[i].ref)
		}
		var doc bytes.Buffer
		writeStatement(&doc, "BIG", credits)
		b.SetBytes(int64(doc.Len()))
		b.StartTimer()
		start := time.Now()
		res, err := Import(context.Background(), payAt(s, now), coop, testSource, &doc)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/import")
		if res.Tally.Lines != n || res.Tally.Matched != n/10 {
			b.Fatalf("tally %+v", res.Tally)
		}
	}
}

// benchEntries is the size of the benchmark's statement.
var benchEntries = 100000

// testBatch is the batch size of the tests that cross batches.
const testBatch = 100

// TestCutOffAndCompleted: a statement cut off after two and a half batches keeps the
// batches committed before the cut and reports the parse error; the complete file then
// imports the rest, and nothing is stored twice.
func TestCutOffAndCompleted(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	bk := newBooks(t, s)
	credits := make([]credit, testBatch*5/2)
	for i := range credits {
		ref, _ := rfref.New(fmt.Sprintf("K%d", i))
		credits[i] = credit{ref: string(ref), amount: 100, acctRef: fmt.Sprintf("C-%06d", i)}
	}
	var doc bytes.Buffer
	writeStatement(&doc, "CUT", credits)
	full := doc.Bytes()
	cut := full[:len(full)*9/10]
	res, err := importBatched(ctx, payAt(s, now), testSource.By, bk.coop, bytes.NewReader(cut), testBatch)
	if err == nil {
		t.Fatal("a cut-off statement imported without an error")
	}
	// Every tenth entry is a debit, skipped; the credits' references are unknown.
	if res.Tally.Lines != 2*testBatch || res.Tally.Review != 2*testBatch*9/10 {
		t.Fatalf("cut-off import kept %+v, want the two full batches", res.Tally)
	}
	res, err = importBatched(ctx, payAt(s, now), testSource.By, bk.coop, bytes.NewReader(full), testBatch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tally.Duplicates != 2*testBatch || res.Tally.Review != (len(credits)-2*testBatch)*9/10 {
		t.Fatalf("completing import: %+v", res.Tally)
	}
	open := 0
	for after := ""; ; {
		page, next, err := payAt(s, now).ListPaymentReviews(ctx, bk.coop, payments.ReviewOpen, after, cooperative.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		open += len(page)
		if after = next; next == "" {
			break
		}
	}
	if open != len(credits)*9/10 {
		t.Fatalf("%d review items for %d unknown credits", open, len(credits)*9/10)
	}
}

// TestStoreStops: when storing fails (here the request is cancelled) the import stops
// reading and returns the store's error.
func TestStoreStops(t *testing.T) {
	s := openStore(t)
	bk := newBooks(t, s)
	credits := make([]credit, testBatch*3)
	for i := range credits {
		credits[i] = credit{ref: "", amount: 100, acctRef: fmt.Sprintf("S-%06d", i)}
	}
	var doc bytes.Buffer
	writeStatement(&doc, "STOP", credits)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := importBatched(ctx, payAt(s, now), testSource.By, bk.coop, &doc, testBatch)
	if !errors.Is(err, context.Canceled) && cooperative.ErrorCode(err) == "" {
		t.Fatalf("import with a cancelled context: %v", err)
	}
	if res.Tally.Lines != 0 {
		t.Fatalf("stored %+v after the store stopped", res.Tally)
	}
}

// testSource is the accountant who imports in these tests.
var testSource = Source{By: cooperative.Actor{UserID: "acct", Role: "accountant"}, FileName: "statement.xml"}
