package bonds_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

// The runs of an issue from the first date to maturity, every figure worked out by hand:
// the first year pays 4.5% on €250 a unit and a fifth of it back; each later year 4.5% on
// what is left. 15% of interest is withheld, rounded half up per holder.
func TestPaymentRunsToMaturity(t *testing.T) {
	f := newFixture(t)
	issue, ann, bob := f.allocatedWith(1500) // 15% withheld of interest
	f.clock.Set(time.Date(2027, 4, 1, 8, 0, 0, 0, time.UTC))

	// Not a payment date: refused, naming the rule and the next date; nothing written.
	_, err := f.bonds.CreateRun(f.ctx, acctActor, f.coop, issue.ID, "2027-03-31")
	wantRule(t, err, "nothing_due")
	if !strings.Contains(cooperative.ErrorMessage(err), "2027-04-01") {
		t.Fatalf("the refusal does not name the next date: %v", err)
	}

	// The dry run, then the run: the same table.
	dry := must[bonds.RunTable](t)(f.bonds.PreviewRun(f.ctx, f.coop, issue.ID, "2027-04-01"))
	want := map[string]bonds.RunLine{
		// 10 × 250.00 × 4.5% = 112.50; 10 × 50.00 back; 15% of 112.50 = 16.875 → 16.88.
		ann: {MemberID: ann, Units: 10, InterestCents: 11250, PrincipalCents: 50000, WithholdingCents: 1688, NetCents: 59562},
		// 4 × 250.00 × 4.5% = 45.00; 4 × 50.00 back; 15% = 6.75.
		bob: {MemberID: bob, Units: 4, InterestCents: 4500, PrincipalCents: 20000, WithholdingCents: 675, NetCents: 23825},
	}
	if dry.Posted || len(dry.Lines) != 2 {
		t.Fatalf("dry run %+v", dry)
	}
	for _, l := range dry.Lines {
		if l != want[l.MemberID] {
			t.Errorf("dry line %+v, want %+v", l, want[l.MemberID])
		}
	}
	run := must[bonds.RunTable](t)(f.bonds.CreateRun(f.ctx, acctActor, f.coop, issue.ID, "2027-04-01"))
	if !run.Posted || run.Replayed || run.Run.RunTotals != (bonds.RunTotals{Holders: 2, InterestCents: 15750, PrincipalCents: 70000,
		WithholdingCents: 2363, NetCents: 83387}) {
		t.Fatalf("run %+v", run.Run)
	}
	for _, l := range run.Lines {
		w := want[l.MemberID]
		w.PayableID = l.PayableID
		if l != w || l.PayableID == "" {
			t.Errorf("line %+v, want %+v", l, w)
		}
	}
	// Again: the same run, nothing written.
	entries := f.ledgerLen()
	again := must[bonds.RunTable](t)(f.bonds.CreateRun(f.ctx, acctActor, f.coop, issue.ID, "2027-04-01"))
	if !again.Replayed || again.Run.ID != run.Run.ID || f.ledgerLen() != entries {
		t.Fatalf("second run %+v", again.Run)
	}
	if got := f.balances("2027-04-01"); got[string(ledger.AccountBondInterestExpense)] != 15750 ||
		got[string(ledger.AccountBondsOutstanding)] != -280000 || got[string(ledger.AccountWithholdingTaxPayable)] != -2363 ||
		got[string(ledger.AccountBondPaymentsPayable)] != -83387 {
		t.Fatalf("ledger %v", got)
	}
	pays, _, err := f.payouts.ListPayables(f.ctx, f.coop, payouts.PayableFilter{MemberID: ann})
	if err != nil || len(pays) != 1 || pays[0].AmountCents != 59562 || pays[0].Reason != payouts.ReasonBondPrincipal ||
		pays[0].DueOn != "2027-04-01" || pays[0].Account != string(ledger.AccountBondPaymentsPayable) {
		t.Fatalf("Ann's payable %+v %v", pays, err)
	}

	// The other four dates: 4.5% on 200.00, 150.00, 100.00, 50.00 a unit; all principal back.
	for k, d := range []cooperative.Date{"2028-04-01", "2029-04-01", "2030-04-01", "2031-04-01"} {
		f.clock.Set(d.Time().Add(8 * time.Hour))
		r := must[bonds.RunTable](t)(f.bonds.CreateRun(f.ctx, acctActor, f.coop, issue.ID, d))
		left := int64(20000 - 5000*k)
		if r.Run.InterestCents != 14*left*450/10000 || r.Run.PrincipalCents != 70000 {
			t.Fatalf("%s: %+v", d, r.Run.RunTotals)
		}
	}
	if got := f.balances("2031-04-01"); got[string(ledger.AccountBondsOutstanding)] != 0 {
		t.Fatalf("bonds outstanding at maturity: %d", got[string(ledger.AccountBondsOutstanding)])
	}
	_, err = f.bonds.CreateRun(f.ctx, acctActor, f.coop, issue.ID, "2032-04-01")
	wantRule(t, err, "nothing_due")

	// Ann's statement of 2027, for the tax return, in Dutch.
	st := must[bonds.YearStatement](t)(f.bonds.YearStatement(f.ctx, f.coop, ann, 2027))
	if len(st.Issues) != 1 || st.Language != "nl" || st.Totals != (bonds.StatementIssue{UnitsStart: 10, OutstandingStart: 250000,
		UnitsEnd: 10, OutstandingEnd: 200000, InterestCents: 11250, PrincipalCents: 50000, WithholdingCents: 1688, NetCents: 59562}) {
		t.Fatalf("statement %+v", st)
	}
	pdf, err := st.PDF()
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, s := range []string{"Jaaroverzicht obligaties 2027", "Ann Smit", "Hoofdsom op 1 januari", "€ 2.500,00", "€ 112,50", "€ 16,88"} {
		if !strings.Contains(text, s) {
			t.Errorf("the PDF does not say %q:\n%s", s, text)
		}
	}
	// A year before any unit was held: an empty statement, not an error.
	if st := must[bonds.YearStatement](t)(f.bonds.YearStatement(f.ctx, f.coop, bob, 2025)); len(st.Issues) != 0 {
		t.Fatalf("2025: %+v", st)
	}
}

func (f *fixture) balances(on cooperative.Date) map[string]int64 {
	var b map[string]int64
	if err := f.run.View(f.ctx, func(tx cooperative.Tx) (err error) {
		b, err = ledger.AccountBalances(tx, f.coop, on)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) ledgerLen() int {
	entries, _, err := ledger.ReadLedger(f.ctx, f.store, f.coop, 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(entries)
}

// pdfText is the text of a PDF, read by pdftotext (poppler-utils, which CI installs).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
