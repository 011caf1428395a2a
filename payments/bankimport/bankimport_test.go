package bankimport

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
			res, err := Import(context.Background(), s, coop, bytes.NewReader(b), now)
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
			again, err := Import(context.Background(), s, coop, bytes.NewReader(b), now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if again.Tally.Duplicates != again.Tally.Lines || again.Tally.Lines != res.Tally.Lines {
				t.Fatalf("second import changed something: %+v after %+v", again.Tally, res.Tally)
			}
			open, _, err := cooperative.ListPaymentReviews(context.Background(), s, coop, cooperative.ReviewOpen, "", 1000)
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

func newPayment(t testing.TB, s cooperative.Store, coop string, amount int64) cooperative.Payment {
	t.Helper()
	ref, err := NewReference(rand.Read)
	if err != nil {
		t.Fatal(err)
	}
	var p cooperative.Payment
	err = s.Update(context.Background(), func(tx cooperative.Tx) (err error) {
		p, err = cooperative.CreatePayment(tx, cooperative.NewPayment{CooperativeID: coop, SubscriptionID: cooperative.NewID(),
			Purpose: cooperative.PurposeShares, Amount: amount, Currency: "EUR", Reference: string(ref)}, now)
		return err
	})
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
	coop, other := cooperative.NewID(), cooperative.NewID()
	exact := newPayment(t, s, coop, 25000)
	partial := newPayment(t, s, coop, 25000)
	over := newPayment(t, s, coop, 10000)
	foreign := newPayment(t, s, other, 5000)
	ccy := newPayment(t, s, coop, 7000)
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
	res, err := Import(ctx, s, coop, bytes.NewReader(doc.Bytes()), now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tally.Matched != 1 || res.Tally.Review != 6 || res.Tally.MatchedAmount != 25000 {
		t.Fatalf("tally %+v", res.Tally)
	}
	got, _ := cooperative.GetPayment(ctx, s, coop, exact.ID)
	if got.Status != cooperative.PaymentPaid || got.PostedReceived != 25000 {
		t.Fatalf("exact payment: %+v", got)
	}
	bal, _ := cooperative.PaymentBalances(ctx, s, coop)
	if bal["bank"] != 25000 || bal["subscriptions_received_in_advance"] != -25000 || len(bal) != 2 {
		t.Fatalf("balances after import: %v", bal)
	}
	if b, _ := cooperative.PaymentBalances(ctx, s, other); len(b) != 0 {
		t.Fatalf("the other cooperative got postings: %v", b)
	}
	reviews, _, _ := cooperative.ListPaymentReviews(ctx, s, coop, cooperative.ReviewOpen, "", 100)
	reasons := map[cooperative.ReviewReason]cooperative.PaymentReview{}
	for _, r := range reviews {
		reasons[r.Reason] = r
	}
	for _, want := range []cooperative.ReviewReason{cooperative.ReviewPartial, cooperative.ReviewOverpayment,
		cooperative.ReviewOtherCooperative, cooperative.ReviewWrongCurrency, cooperative.ReviewUnknownReference,
		cooperative.ReviewAlreadyPaid} {
		if _, ok := reasons[want]; !ok {
			t.Errorf("no review item %s in %v", want, reviews)
		}
	}
	if r := reasons[cooperative.ReviewOtherCooperative]; r.PaymentID != "" || strings.Contains(r.Detail, other) {
		t.Errorf("a review item leaks the other cooperative: %+v", r)
	}
	// The same statement again changes nothing.
	again, err := Import(ctx, s, coop, bytes.NewReader(doc.Bytes()), now)
	if err != nil || again.Tally.Duplicates != again.Tally.Lines {
		t.Fatalf("reimport: %+v %v", again.Tally, err)
	}
	// The accountant assigns the partial credit; then the rest arrives and is assigned too.
	pr := reasons[cooperative.ReviewPartial]
	if _, err := cooperative.ResolvePaymentReview(ctx, s, other, pr.ID, cooperative.ReviewResolution{
		Action: cooperative.ResolveAssign, PaymentID: partial.ID}, now); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("another cooperative resolved it: %v", err)
	}
	if _, err := cooperative.ResolvePaymentReview(ctx, s, coop, pr.ID, cooperative.ReviewResolution{
		Action: cooperative.ResolveAssign, PaymentID: partial.ID, By: "acct"}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := cooperative.ResolvePaymentReview(ctx, s, coop, pr.ID, cooperative.ReviewResolution{
		Action: cooperative.ResolveAssign, PaymentID: partial.ID}, now); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("resolved twice: %v", err)
	}
	cr := reasons[cooperative.ReviewWrongCurrency]
	if _, err := cooperative.ResolvePaymentReview(ctx, s, coop, cr.ID, cooperative.ReviewResolution{
		Action: cooperative.ResolveAssign, PaymentID: ccy.ID}, now); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("a USD credit was assigned: %v", err)
	}
	if _, err := cooperative.ResolvePaymentReview(ctx, s, coop, cr.ID, cooperative.ReviewResolution{
		Action: cooperative.ResolveRefunded, Note: "sent back on 3 Feb", By: "acct"}, now); err != nil {
		t.Fatal(err)
	}
	bal, _ = cooperative.PaymentBalances(ctx, s, coop)
	if bal["bank"] != 45000 {
		t.Fatalf("bank after assigning the partial credit: %v", bal)
	}
	if p, _ := cooperative.GetPayment(ctx, s, coop, partial.ID); p.Status == cooperative.PaymentPaid || p.PostedReceived != 20000 {
		t.Fatalf("partially paid payment: %+v", p)
	}
}

// BenchmarkImport100k imports a statement of 100,000 entries end to end: parse, match
// (every tenth to a payment, the rest to review or skipped), store.
func BenchmarkImport100k(b *testing.B) {
	n := benchEntries
	for b.Loop() {
		b.StopTimer()
		s := openStore(b)
		coop := cooperative.NewID()
		credits := make([]credit, n)
		for i := range credits {
			ref, _ := rfref.New(fmt.Sprintf("K%d", i))
			credits[i] = credit{ref: string(ref), amount: int64(i%5000 + 100), acctRef: fmt.Sprintf("ACCT-%d", i)}
		}
		err := s.Update(context.Background(), func(tx cooperative.Tx) error {
			for i := 0; i < n; i += 10 {
				_, err := cooperative.CreatePayment(tx, cooperative.NewPayment{CooperativeID: coop, SubscriptionID: cooperative.NewID(),
					Purpose: cooperative.PurposeShares, Amount: credits[i].amount, Currency: "EUR", Reference: credits[i].ref}, now)
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		var doc bytes.Buffer
		writeStatement(&doc, "BIG", credits)
		b.SetBytes(int64(doc.Len()))
		b.StartTimer()
		start := time.Now()
		res, err := Import(context.Background(), s, coop, &doc, now)
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
