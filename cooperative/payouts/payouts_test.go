package payouts_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/internal/testkit"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

var (
	maker    = cooperative.Actor{UserID: "accountant-1", Role: "accountant"}
	approver = cooperative.Actor{UserID: "board-1", Role: "board"}
)

type clock = testkit.Clock

// fixture is one cooperative on the real embedded store, with its payout and payment
// services wired as cmd/kracht wires them.
type fixture struct {
	t       testing.TB
	ctx     context.Context
	store   cooperative.Store
	clock   *clock
	run     *cooperative.Runner
	payouts *payouts.Payouts
	pay     *payments.Payments
	members *membership.Members
	coop    cooperative.Cooperative
	n       int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	s := testkit.OpenStore(t)
	f := &fixture{t: t, ctx: context.Background(), store: s, clock: testkit.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))}
	f.run = cooperative.NewRunner(s, f.clock.Now)
	f.payouts = payouts.NewPayouts(f.run)
	f.pay = payments.NewPayments(f.run, payments.NewPayables(nil).WithOutgoing(payouts.Statement{}))
	f.members = membership.NewMembers(s, membership.MembersOptions{Now: f.clock.Now, Sends: identity.SendLimits{Window: time.Hour},
		HeldShares: func(cooperative.Tx, string, string) (int64, error) { return 0, nil }})
	f.coop = f.cooperative("Energie Noord", "12345678")
	return f
}

func (f *fixture) cooperative(name, number string) cooperative.Cooperative {
	c := testkit.NewCooperative(f.t, f.run, name, number)
	if _, err := f.members.AdoptStatutes(f.ctx, approver, membership.Statutes{CooperativeID: c.ID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1,
			MaxPerMember: 20, ConfersMembership: true}}, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}); err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) member(coopID, name, iban string) membership.Member {
	f.t.Helper()
	m, err := f.members.Apply(f.ctx, membership.Application{CooperativeID: coopID, Kind: membership.MemberPerson, Name: name,
		Address:     membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", IBAN: iban,
		Language: "nl", StatutesVersion: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	if m, err = f.members.Approve(f.ctx, approver, coopID, m.ID); err != nil {
		f.t.Fatal(err)
	}
	return m
}

// owe posts a refund owed to m (Dr member capital / Cr refunds payable) and its payable,
// in one transaction, as a capability does.
func (f *fixture) owe(coopID string, m membership.Member, cents int64, reason payouts.Reason) payouts.Payable {
	f.t.Helper()
	f.n++
	var p payouts.Payable
	src := fmt.Sprintf("test-%d", f.n)
	if err := f.run.Update(f.ctx, func(tx cooperative.Tx, now time.Time) (err error) {
		if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: coopID, Key: "owed:" + src, BookingDate: cooperative.DateOf(now),
			Description: "owed", Source: ledger.Source{Type: "test", ID: src},
			Lines: []ledger.Line{{Account: ledger.MemberAccount(ledger.AccountMemberCapital, m.ID), Amount: cents},
				{Account: string(ledger.AccountRefundsPayable), Amount: -cents}}}); err != nil {
			return err
		}
		p, err = payouts.Owe(tx, maker, payouts.Owed{CooperativeID: coopID, MemberID: m.ID, Reason: reason,
			Account: string(ledger.AccountRefundsPayable), AmountCents: cents, DueOn: cooperative.DateOf(now),
			Text: "Redemption " + src, SourceType: "test", SourceID: src}, now)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) balances(coopID string) map[string]int64 {
	f.t.Helper()
	var bal map[string]int64
	if err := f.run.View(f.ctx, func(tx cooperative.Tx) (err error) {
		bal, err = ledger.AccountBalances(tx, coopID, "9999-12-31")
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return bal
}

func (f *fixture) sentBatch(coopID string, in payouts.NewBatch) (payouts.Batch, []payouts.Transfer) {
	f.t.Helper()
	res, err := f.payouts.CreateBatch(f.ctx, maker, coopID, in)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.payouts.ApproveBatch(f.ctx, approver, coopID, res.Batch.ID); err != nil {
		f.t.Fatal(err)
	}
	b, err := f.payouts.MarkSent(f.ctx, maker, coopID, res.Batch.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	ts, _, err := f.payouts.ListTransfers(f.ctx, coopID, b.ID, "", cooperative.MaxPageSize)
	if err != nil {
		f.t.Fatal(err)
	}
	return b, ts
}

func debit(t payouts.Transfer, key string) payments.BankLine {
	return payments.BankLine{Key: key, Account: "NL91ABNA0417164300", Booked: true, Amount: t.AmountCents, Currency: "EUR",
		EndToEndID: t.ID, BookedOn: time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC)}
}

func returnOf(t payouts.Transfer, key, code string) payments.BankLine {
	l := debit(t, key)
	l.Credit, l.ReturnReason = true, code
	return l
}

func (f *fixture) payable(coopID, id string) payouts.PayableView {
	f.t.Helper()
	list, _, err := f.payouts.ListPayables(f.ctx, coopID, payouts.PayableFilter{Limit: cooperative.MaxPageSize})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, p := range list {
		if p.ID == id {
			return p
		}
	}
	f.t.Fatalf("payable %s not listed", id)
	return payouts.PayableView{}
}

func TestBatchFourEyesAndTheRulesOfGathering(t *testing.T) {
	f := newFixture(t)
	ann := f.member(f.coop.ID, "Ann Smit", "NL91ABNA0417164300")
	p1 := f.owe(f.coop.ID, ann, 12_345, payouts.ReasonShareRedemption)
	f.clock.Advance(48 * time.Hour)
	p2 := f.owe(f.coop.ID, ann, 500, payouts.ReasonRefund) // due today, later than dueBy below

	// Nothing due of that reason: refused, nothing written.
	if _, err := f.payouts.CreateBatch(f.ctx, maker, f.coop.ID, payouts.NewBatch{Reason: payouts.ReasonDividend}); cooperative.ErrorCode(err) != cooperative.ERULE ||
		!strings.Contains(err.Error(), "batch_empty") {
		t.Fatalf("empty batch: %v", err)
	}
	res, err := f.payouts.CreateBatch(f.ctx, maker, f.coop.ID, payouts.NewBatch{DueBy: p1.DueOn})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batch.Payments != 1 || res.Batch.TotalCents != 12_345 {
		t.Fatalf("gathered by date: %+v", res.Batch)
	}
	// The payable in the batch cannot go into another.
	if _, err := f.payouts.CreateBatch(f.ctx, maker, f.coop.ID, payouts.NewBatch{PayableIDs: []string{p1.ID, p2.ID}}); cooperative.ErrorCode(err) != cooperative.ERULE ||
		!strings.Contains(err.Error(), "payable_in_batch") {
		t.Fatalf("payable in two batches: %v", err)
	}
	if got := f.payable(f.coop.ID, p2.ID); got.Status != payouts.PayableOpen {
		t.Fatalf("a refused batch changed p2: %+v", got)
	}
	// The maker cannot approve; the file waits for approval.
	if _, err := f.payouts.ApproveBatch(f.ctx, maker, f.coop.ID, res.Batch.ID); cooperative.ErrorCode(err) != cooperative.ERULE ||
		!strings.Contains(err.Error(), "four_eyes") {
		t.Fatalf("self-approval: %v", err)
	}
	if _, err := f.payouts.Instruction(f.ctx, f.coop.ID, res.Batch.ID); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("instruction of a draft: %v", err)
	}
	if _, err := f.payouts.MarkSent(f.ctx, maker, f.coop.ID, res.Batch.ID); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("sent before approval: %v", err)
	}
	b, err := f.payouts.ApproveBatch(f.ctx, approver, f.coop.ID, res.Batch.ID)
	if err != nil || b.Status != payouts.BatchApproved {
		t.Fatalf("approve: %+v %v", b, err)
	}
	in, err := f.payouts.Instruction(f.ctx, f.coop.ID, b.ID)
	if err != nil || len(in.Transfers) != 1 || in.DebtorIBAN != f.coop.IBAN || in.Transfers[0].Name != "Ann Smit" {
		t.Fatalf("instruction: %+v %v", in, err)
	}
	// Another cooperative sees no such batch.
	other := f.cooperative("Zorg Zuid", "87654321")
	if _, err := f.payouts.ApproveBatch(f.ctx, approver, other.ID, b.ID); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("other cooperative: %v", err)
	}
	// Cancelling opens the payable again.
	if _, err := f.payouts.CancelBatch(f.ctx, maker, f.coop.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.payable(f.coop.ID, p1.ID); got.Status != payouts.PayableOpen || got.BatchID != "" {
		t.Fatalf("after cancel: %+v", got)
	}
	if bal := f.balances(f.coop.ID); bal[string(ledger.AccountPayoutsInTransit)] != 0 || bal[string(ledger.AccountRefundsPayable)] != -12_845 {
		t.Fatalf("nothing was sent, yet: %v", bal)
	}
}

func TestTheClosedLoopOnTheLedger(t *testing.T) {
	f := newFixture(t)
	ann := f.member(f.coop.ID, "Ann Smit", "NL91ABNA0417164300")
	bob := f.member(f.coop.ID, "Bob de Vries", "DE89370400440532013000")
	pa := f.owe(f.coop.ID, ann, 25_000, payouts.ReasonShareRedemption)
	pb := f.owe(f.coop.ID, bob, 10_050, payouts.ReasonShareRedemption)
	b, ts := f.sentBatch(f.coop.ID, payouts.NewBatch{})
	if b.TotalCents != 35_050 || len(ts) != 2 {
		t.Fatalf("batch: %+v, %d payments", b, len(ts))
	}
	bal := f.balances(f.coop.ID)
	if bal[string(ledger.AccountPayoutsInTransit)] != -35_050 || bal[string(ledger.AccountRefundsPayable)] != 0 {
		t.Fatalf("sent: %v", bal)
	}
	byPayable := map[string]payouts.Transfer{}
	for _, tr := range ts {
		byPayable[tr.PayableID] = tr
	}
	lines := []payments.BankLine{debit(byPayable[pa.ID], "s1/1"), debit(byPayable[pb.ID], "s1/2"),
		returnOf(byPayable[pb.ID], "s2/1", "AC04")}
	tally, err := f.pay.ImportBankLines(f.ctx, maker, f.coop.ID, lines)
	if err != nil {
		t.Fatal(err)
	}
	if tally.PayoutsPaid != 2 || tally.PayoutsReturned != 1 {
		t.Fatalf("tally: %+v", tally)
	}
	// Again: nothing changes.
	again, err := f.pay.ImportBankLines(f.ctx, maker, f.coop.ID, lines)
	if err != nil || again.Duplicates != 3 {
		t.Fatalf("re-import: %+v %v", again, err)
	}
	bal = f.balances(f.coop.ID)
	if bal[string(ledger.AccountPayoutsInTransit)] != 0 || bal[string(ledger.AccountBank)] != -25_000 ||
		bal[string(ledger.AccountRefundsPayable)] != -10_050 {
		t.Fatalf("after the statement: %v", bal)
	}
	if got := f.payable(f.coop.ID, pa.ID); got.Status != payouts.PayablePaid || got.PaidOn != "2026-06-03" {
		t.Fatalf("ann: %+v", got)
	}
	got := f.payable(f.coop.ID, pb.ID)
	if got.Status != payouts.PayableOpen || got.Returns != 1 || !strings.Contains(got.LastReturn, "AC04") ||
		!strings.Contains(got.Waiting, "held") {
		t.Fatalf("bob's returned payable: %+v", got)
	}
	// Held until Bob gives another account: a batch of what is due skips him, and says why.
	if _, err := f.payouts.CreateBatch(f.ctx, maker, f.coop.ID, payouts.NewBatch{}); cooperative.ErrorCode(err) != cooperative.ERULE ||
		!strings.Contains(err.Error(), "wait for their payee's account") {
		t.Fatalf("batch of a held payable: %v", err)
	}
	// A debit for a payout of another cooperative refuses the lines, and writes nothing.
	other := f.cooperative("Zorg Zuid", "87654321")
	before := f.balances(other.ID)
	_, err = f.pay.ImportBankLines(f.ctx, maker, other.ID, []payments.BankLine{
		{Key: "o/1", Credit: true, Booked: true, Amount: 100, Currency: "EUR"}, debit(byPayable[pa.ID], "o/2")})
	if cooperative.ErrorCode(err) != cooperative.ERULE || !strings.Contains(err.Error(), "payout_other_cooperative") {
		t.Fatalf("other cooperative's payout: %v", err)
	}
	if again, err := f.pay.ImportBankLines(f.ctx, maker, other.ID, []payments.BankLine{{Key: "o/1", Credit: true, Booked: true,
		Amount: 100, Currency: "EUR"}}); err != nil || again.Duplicates != 0 {
		t.Fatalf("the refused lines were stored: %+v %v", again, err)
	}
	if after := f.balances(other.ID); len(after) != len(before) {
		t.Fatalf("the other cooperative's ledger changed: %v", after)
	}
	// An unknown id of Kracht's form, and a wrong amount, wait for review.
	unknown := debit(payouts.Transfer{ID: "KP" + strings.Repeat("0", 32), AmountCents: 5}, "s3/1")
	wrong := debit(byPayable[pa.ID], "s3/2")
	wrong.Amount++
	tally, err = f.pay.ImportBankLines(f.ctx, maker, f.coop.ID, []payments.BankLine{unknown, wrong})
	if err != nil || tally.Review != 2 {
		t.Fatalf("review: %+v %v", tally, err)
	}
	items, _, err := f.pay.ListPaymentReviews(f.ctx, f.coop.ID, payments.ReviewOpen, "", 10)
	if err != nil || len(items) != 2 || items[0].Reason != payments.ReviewPayoutUnknown || items[1].Reason != payments.ReviewPayoutMismatch {
		t.Fatalf("review items: %+v %v", items, err)
	}
	// A payout's line is not money in: it cannot be assigned to a payment.
	if _, err := f.pay.ResolvePaymentReview(f.ctx, f.coop.ID, items[0].ID, payments.ReviewResolution{Action: payments.ResolveAssign,
		PaymentID: cooperative.NewID(), By: maker}); cooperative.ErrorCode(err) != cooperative.ERULE || !strings.Contains(err.Error(), "assign_credit") {
		t.Fatalf("assigning a payout line: %v", err)
	}
}

// Whatever the order in which the bank's lines arrive (debits, returns, twice), the
// ledger ends where the facts put it, each batch's total is its payments and its ledger
// movement, and no payable is paid twice.
func TestNoPayableIsPaidTwiceWhateverTheOrder(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			f := newFixture(t)
			ann := f.member(f.coop.ID, "Ann Smit", "NL91ABNA0417164300")
			var owed []payouts.Payable
			for i := 0; i < 2+rng.IntN(6); i++ {
				owed = append(owed, f.owe(f.coop.ID, ann, 1+rng.Int64N(1_000_000), payouts.ReasonShareRedemption))
			}
			var all []payouts.Transfer
			var lines []payments.BankLine
			returnedTwice := map[string]bool{}
			// Up to three rounds: a batch of what is open, its debits, some of them returned.
			for r := 0; r < 3; r++ {
				res, err := f.payouts.CreateBatch(f.ctx, maker, f.coop.ID, payouts.NewBatch{})
				if cooperative.ErrorCode(err) == cooperative.ERULE {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				f.payouts.ApproveBatch(f.ctx, approver, f.coop.ID, res.Batch.ID)
				b, err := f.payouts.MarkSent(f.ctx, maker, f.coop.ID, res.Batch.ID)
				if err != nil {
					t.Fatal(err)
				}
				ts, _, _ := f.payouts.ListTransfers(f.ctx, f.coop.ID, b.ID, "", cooperative.MaxPageSize)
				var sum int64
				for _, tr := range ts {
					sum += tr.AmountCents
				}
				e, err := ledgerEntry(f, b.SentSeq)
				if err != nil {
					t.Fatal(err)
				}
				if sum != b.TotalCents || e.Lines[len(e.Lines)-1].Amount != -sum {
					t.Fatalf("batch total %d, payments %d, ledger %+v", b.TotalCents, sum, e.Lines)
				}
				var round []payments.BankLine
				for _, tr := range ts {
					all = append(all, tr)
					round = append(round, debit(tr, "d/"+tr.ID))
					if rng.IntN(3) == 0 {
						round = append(round, returnOf(tr, "r/"+tr.ID, "AC01"))
						returnedTwice[tr.ID] = true
					}
				}
				// Returns are imported in this round (so their payables can be batched
				// again); the debits at a random later moment, in random order.
				anyReturned := false
				for _, l := range round {
					if l.Credit {
						if _, err := f.pay.ImportBankLines(f.ctx, maker, f.coop.ID, []payments.BankLine{l}); err != nil {
							t.Fatal(err)
						}
						anyReturned = true
					} else {
						lines = append(lines, l)
					}
				}
				if anyReturned {
					// A return holds payouts to the account until the member gives another.
					if got := f.payable(f.coop.ID, owed[0].ID); got.Status == payouts.PayableOpen && got.Waiting == "" {
						t.Fatalf("a returned payable does not wait for a new account: %+v", got)
					}
					iban := ibans[r%len(ibans)]
					if _, err := f.members.Correct(f.ctx, approver, f.coop.ID, ann.ID, membership.Correction{IBAN: &iban}); err != nil {
						t.Fatal(err)
					}
				}
			}
			rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
			lines = append(lines, lines[:len(lines)/2]...) // some twice
			for len(lines) > 0 {
				n := 1 + rng.IntN(len(lines))
				if _, err := f.pay.ImportBankLines(f.ctx, maker, f.coop.ID, lines[:n]); err != nil {
					t.Fatal(err)
				}
				lines = lines[n:]
			}
			bal := f.balances(f.coop.ID)
			if bal[string(ledger.AccountPayoutsInTransit)] != 0 {
				t.Fatalf("in transit: %d", bal[string(ledger.AccountPayoutsInTransit)])
			}
			var paidOut, open int64
			paidBy := map[string]int{}
			for _, tr := range all {
				if !returnedTwice[tr.ID] {
					paidBy[tr.PayableID]++
					paidOut += tr.AmountCents
				}
			}
			for _, p := range owed {
				got := f.payable(f.coop.ID, p.ID)
				switch {
				case paidBy[p.ID] > 1:
					t.Fatalf("payable %s paid %d times", p.ID, paidBy[p.ID])
				case paidBy[p.ID] == 1 && got.Status != payouts.PayablePaid:
					t.Fatalf("payable %s was paid, is %s", p.ID, got.Status)
				case paidBy[p.ID] == 0 && got.Status != payouts.PayableOpen:
					t.Fatalf("payable %s was not paid, is %s", p.ID, got.Status)
				case paidBy[p.ID] == 0:
					open += p.AmountCents
				}
			}
			if bal[string(ledger.AccountBank)] != -paidOut || bal[string(ledger.AccountRefundsPayable)] != -open {
				t.Fatalf("bank %d (want %d), refunds payable %d (want %d)", bal[string(ledger.AccountBank)], -paidOut,
					bal[string(ledger.AccountRefundsPayable)], -open)
			}
		})
	}
}

var ibans = []string{"DE89370400440532013000", "BE68539007547034", "NL91ABNA0417164300"}

func ledgerEntry(f *fixture, seq int64) (ledger.Entry, error) {
	var e ledger.Entry
	err := f.run.View(f.ctx, func(tx cooperative.Tx) (err error) {
		e, err = ledger.GetEntry(tx, f.coop.ID, seq)
		return err
	})
	return e, err
}

// Accountants gathering at the same time: every payable goes into exactly one batch,
// and each batch's total is what it holds.
func TestConcurrentBatchesTakeEachPayableOnce(t *testing.T) {
	f := newFixture(t)
	ann := f.member(f.coop.ID, "Ann Smit", "NL91ABNA0417164300")
	var want int64
	for i := 0; i < 30; i++ {
		p := f.owe(f.coop.ID, ann, int64(100+i), payouts.ReasonDividend)
		want += p.AmountCents
	}
	var (
		mu      sync.Mutex
		batches []payouts.Batch
		wg      sync.WaitGroup
	)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 3; j++ {
				res, err := f.payouts.CreateBatch(f.ctx, maker, f.coop.ID, payouts.NewBatch{})
				if cooperative.ErrorCode(err) == cooperative.ERULE {
					return // all taken
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				batches = append(batches, res.Batch)
				n := len(batches)
				mu.Unlock()
				if n%2 == 0 { // some are cancelled and gathered again by another
					if _, err := f.payouts.CancelBatch(f.ctx, maker, f.coop.ID, res.Batch.ID); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	taken := map[string]string{}
	var total int64
	for _, b := range batches {
		v, err := f.payouts.GetBatch(f.ctx, f.coop.ID, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status == payouts.BatchCancelled {
			continue
		}
		ts, _, err := f.payouts.ListTransfers(f.ctx, f.coop.ID, b.ID, "", cooperative.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, tr := range ts {
			if other, dup := taken[tr.PayableID]; dup {
				t.Fatalf("payable %s is in batches %s and %s", tr.PayableID, other, b.ID)
			}
			taken[tr.PayableID] = b.ID
			sum += tr.AmountCents
		}
		if sum != v.TotalCents || len(ts) != v.Payments {
			t.Fatalf("batch %s: total %d of %d payments, its payments %d of %d", b.ID, v.TotalCents, v.Payments, sum, len(ts))
		}
		total += sum
	}
	open, _, err := f.payouts.ListPayables(f.ctx, f.coop.ID, payouts.PayableFilter{Status: payouts.PayableOpen, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range open {
		total += p.AmountCents
	}
	if total != want {
		t.Fatalf("batched and open payables sum to %d, owed %d", total, want)
	}
}

// Owing many at once: each is a payable as Owe makes it; owing a source again refuses
// the whole transaction.
func TestOweAll(t *testing.T) {
	f := newFixture(t)
	ann := f.member(f.coop.ID, "Ann Smit", "NL91ABNA0417164300")
	bob := f.member(f.coop.ID, "Bob de Vries", "DE89370400440532013000")
	owe := func(src string, members ...membership.Member) error {
		return f.run.Update(f.ctx, func(tx cooperative.Tx, now time.Time) error {
			var all []payouts.Owed
			for i, m := range members {
				all = append(all, payouts.Owed{CooperativeID: f.coop.ID, MemberID: m.ID, Reason: payouts.ReasonBondInterest,
					Account: string(ledger.AccountRefundsPayable), AmountCents: int64(100 * (i + 1)), DueOn: "2026-06-01",
					Text: "Interest", SourceType: "run", SourceID: src + ":" + m.ID})
			}
			_, err := payouts.OweAll(tx, maker, f.coop.ID, "run", src, all, now)
			return err
		})
	}
	if err := owe("r1", ann, bob); err != nil {
		t.Fatal(err)
	}
	if err := owe("r1", bob); cooperative.ErrorCode(err) != cooperative.ECONFLICT {
		t.Fatalf("owing a source again: %v", err)
	}
	list, _, err := f.payouts.ListPayables(f.ctx, f.coop.ID, payouts.PayableFilter{Status: payouts.PayableOpen})
	if err != nil || len(list) != 2 || list[0].AmountCents+list[1].AmountCents != 300 {
		t.Fatalf("payables: %+v %v", list, err)
	}
}
