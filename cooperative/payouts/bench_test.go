package payouts_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/payments/bankimport"
	"github.com/kracht-coop/kracht/payments/camt053/camt053test"
	"github.com/kracht-coop/kracht/payments/sepa"
)

// The targets: the pain.001 of a batch of 100,000 payments in under a second,
// and a statement of 100,000 debits matched against it in under five.
//
//	go test -run '^$' -bench 'BatchFile100k|MatchDebits100k' -benchtime 1x ./cooperative/payouts/

// benchPayments is 100,000; KRACHT_BENCH_PAYOUTS sets another (to profile a smaller run).
var benchPayments = func() int {
	if n, err := strconv.Atoi(os.Getenv("KRACHT_BENCH_PAYOUTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}()

// sentBatchOf makes n payables (in transactions of 5,000, for 50 members), one batch of
// them, approved and sent.
func sentBatchOf(b *testing.B, n int) (*fixture, payouts.Batch) {
	f := newFixture(b)
	var ms []membership.Member
	for i := 0; i < 50; i++ {
		ms = append(ms, f.member(f.coop.ID, fmt.Sprintf("Member %02d", i), "NL91ABNA0417164300"))
	}
	for done := 0; done < n; {
		chunk := min(5000, n-done)
		if err := f.run.Update(f.ctx, func(tx cooperative.Tx, now time.Time) error {
			var total int64
			for i := 0; i < chunk; i++ {
				m := ms[(done+i)%len(ms)]
				cents := int64(100 + (done+i)%9900)
				total += cents
				if _, err := payouts.Owe(tx, maker, payouts.Owed{CooperativeID: f.coop.ID, MemberID: m.ID,
					Reason: payouts.ReasonDividend, Account: string(ledger.AccountRefundsPayable), AmountCents: cents,
					DueOn: cooperative.DateOf(now), Text: "Dividend 2025", SourceType: "bench", SourceID: fmt.Sprint(done + i)}, now); err != nil {
					return err
				}
			}
			_, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: f.coop.ID, Key: fmt.Sprint("bench-owed-", done),
				BookingDate: cooperative.DateOf(now), Description: "owed", Source: ledger.Source{Type: "bench", ID: fmt.Sprint(done)},
				Lines: []ledger.Line{{Account: string(ledger.AccountMembershipFees), Amount: total},
					{Account: string(ledger.AccountRefundsPayable), Amount: -total}}})
			return err
		}); err != nil {
			b.Fatal(err)
		}
		done += chunk
	}
	batch, _ := f.sentBatch(f.coop.ID, payouts.NewBatch{})
	if batch.Payments != n {
		b.Fatalf("%d payments", batch.Payments)
	}
	return f, batch
}

// BenchmarkBatchFile100k: reading an approved batch of 100,000 payments and writing its
// pain.001.001.09, as the file route does.
func BenchmarkBatchFile100k(b *testing.B) {
	f, batch := sentBatchOf(b, benchPayments)
	var size int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in, err := f.payouts.Instruction(f.ctx, f.coop.ID, batch.ID)
		if err != nil {
			b.Fatal(err)
		}
		t := sepa.Transfer{MessageID: in.Batch.MessageID, PaymentInfoID: in.Batch.MessageID, Created: in.Batch.ApprovedAt,
			ExecutionDate: f.clock.Now(), Debtor: sepa.Party{Name: in.DebtorName, IBAN: in.DebtorIBAN, BIC: in.DebtorBIC},
			Payments: make([]sepa.Payment, len(in.Transfers))}
		for j, tr := range in.Transfers {
			t.Payments[j] = sepa.Payment{EndToEndID: tr.ID, AmountCents: tr.AmountCents, Creditor: sepa.Party{Name: tr.Name, IBAN: tr.IBAN},
				Remittance: tr.Text}
		}
		var buf bytes.Buffer
		if err := sepa.Write(&buf, sepa.Pain00100109, t); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1e6, "MB/file")
}

// BenchmarkMatchDebits100k: importing a camt.053 statement of 100,000 debits of a sent
// batch (parsing, storing each line, posting each debit out of transit).
func BenchmarkMatchDebits100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f, batch := sentBatchOf(b, benchPayments)
		in, err := f.payouts.Instruction(f.ctx, f.coop.ID, batch.ID)
		if err != nil {
			b.Fatal(err)
		}
		lines := make([]camt053test.Line, len(in.Transfers))
		for j, tr := range in.Transfers {
			lines[j] = camt053test.Line{AmountCents: tr.AmountCents, EndToEndID: tr.ID, Name: tr.Name, IBAN: tr.IBAN, BookedOn: f.clock.Now()}
		}
		var stmt bytes.Buffer
		if err := camt053test.Write(&stmt, camt053test.Statement{MessageID: "BENCH", StatementID: "BENCH-1", IBAN: f.coop.IBAN,
			Currency: "EUR", Created: f.clock.Now(), Lines: lines}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := bankimport.Import(f.ctx, f.pay, f.coop.ID, bankimport.Source{By: maker}, io.Reader(&stmt))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if res.Tally.PayoutsPaid != benchPayments {
			b.Fatalf("tally %+v", res.Tally)
		}
		if bal := f.balances(f.coop.ID); bal[string(ledger.AccountPayoutsInTransit)] != 0 {
			b.Fatalf("in transit %d", bal[string(ledger.AccountPayoutsInTransit)])
		}
	}
}
