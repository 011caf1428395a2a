package cooperative_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// A year's distribution from the register to the ledger, every figure by hand.
//
// Anna buys 5 project shares (class B, 1,000.00 nominal) and Bert 3, issued on
// 2025-03-03; on 2025-07-01 Anna transfers one to Bert. 2025 has 365 days; from 3 March
// to 1 July is 120 days, from 1 July to the year's end 184.
//
//	Anna: 5 × 120 + 4 × 184 = 1,336 share-days; 1,000.00 × 4% × 1,336 / 365 = 146.41 (146.4109…)
//	Bert: 3 × 120 + 4 × 184 = 1,096 share-days; 1,000.00 × 4% × 1,096 / 365 = 120.11 (120.1096…)
//	withheld 15%: Anna 21.96 (21.9615), Bert 18.02 (18.0165); net 124.45 and 102.09
//	Anna reinvests in member shares (class A, 50.00): 2 shares (100.00), 24.45 paid out;
//	Bert is paid 102.09.
//
// The result of 1,000.00 goes 500.00 to the reserves, 100.00 to the fund and 266.52 to
// the members; 133.48 stays.
func TestDistributionExecutedByHand(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, bert := f.member("Anna"), f.member("Bert")
	o := f.offering("B", 100000, 100)
	f.buy(o, anna, 5)
	f.buy(o, bert, 3)
	f.closeAndCheck(o)
	f.clock.now = time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)
	if _, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID, From: anna.ID, To: bert.ID,
		Class: "B", Shares: 1}); err != nil {
		t.Fatal(err)
	}
	d := distribution.New(f.store, distribution.Options{Now: f.clock.Now})
	if _, err := d.SetSettings(f.ctx, board, distribution.Settings{CooperativeID: f.coop.ID, WithholdingBP: 1500, ThresholdCents: 100,
		DefaultElection: distribution.ElectPayout, ReinvestClass: "A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetElection(f.ctx, cooperative.Actor{UserID: "anna", Role: "member"}, f.coop.ID, anna.ID, distribution.ElectReinvest); err != nil {
		t.Fatal(err)
	}
	f.clock.now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if _, err := d.Propose(f.ctx, board, distribution.NewAppropriation{CooperativeID: f.coop.ID, Year: 2025, ResultCents: 1000_00,
		ReservesCents: 500_00, FundCents: 100_00, Method: distribution.DividendRate, RateBP: 400, MembersCents: 300_00,
		RecordDate: "2026-05-01"}); err != nil {
		t.Fatal(err)
	}
	// Not decided yet: refused, nothing written.
	_, err := d.Execute(f.ctx, treasurer, f.coop.ID, 2025, nil)
	wantRule(t, err, cooperative.ERULE, "appropriation_undecided")
	if _, err := d.Decide(f.ctx, board, f.coop.ID, 2025, distribution.DecisionInput{Date: "2026-02-27", VotesFor: 41,
		VotesAgainst: 3, Abstaining: 2, FileName: "alv.pdf", Minutes: []byte("%PDF-1.4\n% minutes\n%%EOF\n")}); err != nil {
		t.Fatal(err)
	}
	f.clock.now = time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)

	dry, err := d.DryRun(f.ctx, f.coop.ID, 2025)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]distribution.Line{
		anna.ID: {MemberID: anna.ID, Number: anna.Number, ShareDays: 1336, WeightCents: 100000 * 1336, GrossCents: 14641, WithholdingCents: 2196,
			NetCents: 12445, Election: distribution.ElectReinvest, PayoutCents: 2445, ReinvestShares: 2, ReinvestCents: 10000},
		bert.ID: {MemberID: bert.ID, Number: bert.Number, ShareDays: 1096, WeightCents: 100000 * 1096, GrossCents: 12011, WithholdingCents: 1802,
			NetCents: 10209, Election: distribution.ElectPayout, PayoutCents: 10209},
	}
	if len(dry.Lines) != 2 || dry.RetainedCents != 133_48 {
		t.Fatalf("dry run %+v", dry)
	}
	for _, l := range dry.Lines {
		if l != want[l.MemberID] {
			t.Errorf("line %+v\nwant %+v", l, want[l.MemberID])
		}
	}
	var progressed []int
	e, err := d.Execute(f.ctx, treasurer, f.coop.ID, 2025, func(done, total int) { progressed = append(progressed, done) })
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != distribution.ExecutionDone || e.Totals != dry.Totals || len(progressed) == 0 || progressed[len(progressed)-1] != 2 {
		t.Fatalf("execution %+v, progress %v", e, progressed)
	}
	bal := f.balances()
	for account, want := range map[string]int64{
		string(ledger.AccountResultForAppropriation): 500_00 + 100_00 + 266_52,
		string(ledger.AccountReserves):               -500_00,
		string(ledger.AccountCommunityFund):          -100_00,
		string(ledger.AccountWithholdingTaxPayable):  -(2196 + 1802),
		string(ledger.AccountDividendsPayable):       -(2445 + 10209), // what the payables pay out
	} {
		if bal[account] != want {
			t.Errorf("%s: %d, want %d", account, bal[account], want)
		}
	}
	// Anna's reinvested shares are in the register and her capital.
	held, err := f.reg.CurrentHoldings(f.ctx, f.coop.ID)
	if err != nil {
		t.Fatal(err)
	}
	var annaA int64
	for _, h := range held {
		if h.MemberID == anna.ID && h.Class == "A" {
			annaA = h.Shares
		}
	}
	if annaA != 2 || bal[ledger.MemberAccount(ledger.AccountMemberCapital, anna.ID)] != -(4*100000+2*5000) {
		t.Fatalf("Anna holds %d A shares, capital %d", annaA, bal[ledger.MemberAccount(ledger.AccountMemberCapital, anna.ID)])
	}
	f.checkInvariants()
	pays, _, err := payouts.NewPayouts(cooperative.NewRunner(f.store, f.clock.Now)).ListPayables(f.ctx, f.coop.ID,
		payouts.PayableFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var dividends int64
	for _, p := range pays {
		if p.Reason == payouts.ReasonDividend {
			dividends += p.AmountCents
		}
	}
	if dividends != 2445+10209 {
		t.Fatalf("dividend payables %d", dividends)
	}

	// Again: nothing changes.
	entries := f.journalLen(ledger.LedgerJournal(f.coop.ID))
	again, err := d.Execute(f.ctx, treasurer, f.coop.ID, 2025, nil)
	if err != nil || !again.Replayed || f.journalLen(ledger.LedgerJournal(f.coop.ID)) != entries {
		t.Fatalf("executed again: %+v %v", again, err)
	}

	// The withholding rate changed after the execution: the figures differ, so executing
	// again is refused, and nothing is written.
	if _, err := d.SetSettings(f.ctx, board, distribution.Settings{CooperativeID: f.coop.ID, WithholdingBP: 2500, ThresholdCents: 100,
		DefaultElection: distribution.ElectPayout, ReinvestClass: "A"}); err != nil {
		t.Fatal(err)
	}
	entries = f.journalLen(ledger.LedgerJournal(f.coop.ID))
	_, err = d.Execute(f.ctx, treasurer, f.coop.ID, 2025, nil)
	wantRule(t, err, cooperative.ERULE, "already_executed")
	if f.journalLen(ledger.LedgerJournal(f.coop.ID)) != entries {
		t.Fatal("a refused execution posted")
	}

	// Anna's statement, as executed, in Dutch.
	st, err := d.Statement(f.ctx, f.coop.ID, anna.ID, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Executed || st.Line != want[anna.ID] || len(st.Holdings) != 2 || st.Holdings[0].Days+st.Holdings[1].Days != 304 {
		t.Fatalf("statement %+v", st)
	}
	pdf, err := st.PDF()
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, s := range []string{"Overzicht uitkering 2025", "Anna", "Aandeeldagen", "1336", "€ 146,41", "€ 21,96", "€ 124,45",
		"Herbelegd in aandelen", "€ 100,00", "€ 24,45"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), s) {
			t.Errorf("the statement does not say %q:\n%s", s, text)
		}
	}
}
