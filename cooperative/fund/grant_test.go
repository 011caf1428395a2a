package fund

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/xml"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/internal/testkit"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/cooperative/shares"
	"github.com/kracht-coop/kracht/payments/bankimport"
	"github.com/kracht-coop/kracht/payments/camt053/camt053test"
)

var board = cooperative.Actor{UserID: "board-1", Role: "board"}

type fundFixture struct {
	t        testing.TB
	ctx      context.Context
	store    cooperative.Store
	run      *cooperative.Runner
	fund     *Fund
	pay      *payments.Payments
	payouts  *payouts.Payouts
	members  *membership.Members
	checkout *payments.Checkout
	coop     cooperative.Cooperative
	member   membership.Member
}

func newFundFixture(t testing.TB) *fundFixture {
	t.Helper()
	s := testkit.OpenStore(t)
	clk := testkit.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	f := &fundFixture{t: t, ctx: context.Background(), store: s}
	f.run = cooperative.NewRunner(s, clk.Now)
	f.fund = New(s, Options{Now: clk.Now})
	f.pay = payments.NewPayments(f.run, shares.StandardPayables())
	f.payouts = payouts.NewPayouts(f.run)
	f.members = membership.NewMembers(s, membership.MembersOptions{Now: clk.Now, Sends: identity.SendLimits{Window: time.Hour},
		HeldShares: func(cooperative.Tx, string, string) (int64, error) { return 0, nil }})
	f.checkout = payments.NewCheckout(payments.CheckoutDeps{Run: f.run, PaymentOf: payments.PaymentMakers(f.fund.DonationPayment),
		NewReference: func() (string, error) {
			ref, err := bankimport.NewReference(crand.Read)
			return string(ref), err
		}})
	f.coop = testkit.NewCooperative(t, f.run, "Energie Noord", "12345678")
	if _, err := f.members.AdoptStatutes(f.ctx, board, membership.Statutes{CooperativeID: f.coop.ID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1,
			MaxPerMember: 20, ConfersMembership: true}}, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}); err != nil {
		t.Fatal(err)
	}
	m, err := f.members.Apply(f.ctx, membership.Application{CooperativeID: f.coop.ID, Kind: membership.MemberPerson, Name: "Anna de Vries",
		Address:     membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: "anna@example.org", IBAN: "NL39RABO0300065264", Language: "nl", StatutesVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	if f.member, err = f.members.Approve(f.ctx, board, f.coop.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// donate makes a donation, its payment by transfer and a camt.053 paying it, imported.
func (f *fundFixture) donate(cents int64, name string, public bool) Donation {
	f.t.Helper()
	d, err := f.fund.Donate(f.ctx, cooperative.Actor{UserID: "donor"}, f.coop.ID, NewDonation{AmountCents: cents, Name: name, Public: public})
	if err != nil {
		f.t.Fatal(err)
	}
	ti, err := f.checkout.TransferInstructions(f.ctx, f.coop.ID, d.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	var doc bytes.Buffer
	if err := camt053test.Write(&doc, camt053test.Statement{MessageID: "M" + d.ID[:8], StatementID: "S" + d.ID[len(d.ID)-12:],
		IBAN: f.coop.IBAN, Created: time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC),
		Lines: []camt053test.Line{{Credit: true, AmountCents: ti.AmountCents, RFReference: ti.Reference, Name: "J. Gever",
			IBAN: "NL39RABO0300065264"}}}); err != nil {
		f.t.Fatal(err)
	}
	if _, err := bankimport.Import(f.ctx, f.pay, f.coop.ID, bankimport.Source{By: board}, &doc); err != nil {
		f.t.Fatal(err)
	}
	return d
}

// counted seeds a counted round with projects (the rounds' own code makes them; the
// stand-in writes their records as it does).
func (f *fundFixture) counted(budget int64, budgets []int64, result int) (Round, []Proposal) {
	f.t.Helper()
	r := Round{ID: cooperative.NewID(), CooperativeID: f.coop.ID, Title: "Ronde 2026", BudgetCents: budget, Status: RoundCounted,
		RecordDate: "2026-05-01", Counts: map[string]int64{}, CreatedAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	var ps []Proposal
	for i, b := range budgets {
		p := Proposal{ID: cooperative.NewID(), CooperativeID: f.coop.ID, RoundID: r.ID, MemberID: f.member.ID,
			Title: "Project " + string(rune('A'+i)), BudgetCents: b, Beneficiary: Beneficiary{Name: "Stichting Buurt", IBAN: "NL91ABNA0417164300"},
			Status: ProposalAdmitted, ProposedAt: r.CreatedAt.Add(time.Duration(i) * time.Hour)}
		ps = append(ps, p)
		r.Counts[p.ID] = int64(10 - i)
		if i < result {
			r.Result = append(r.Result, p.ID)
		}
	}
	if err := f.run.Update(f.ctx, func(tx cooperative.Tx, now time.Time) error {
		for _, p := range ps {
			if _, err := cooperative.Put(tx, p.record()); err != nil {
				return err
			}
		}
		_, err := cooperative.Put(tx, r.record())
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return r, ps
}

func (f *fundFixture) ledgerFund() int64 {
	f.t.Helper()
	b, err := ledger.AccountBalanceOn(f.ctx, f.store, f.coop.ID, string(ledger.AccountCommunityFund), "9999-12-31")
	if err != nil {
		f.t.Fatal(err)
	}
	return -b
}

func (f *fundFixture) public() PublicPage {
	f.t.Helper()
	pg, err := f.fund.Public(f.ctx, f.coop.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return pg
}

func wantRule(t *testing.T, err error, rule string) {
	t.Helper()
	if cooperative.ErrorCode(err) != cooperative.ERULE || !strings.Contains(cooperative.ErrorMessage(err)+" "+err.Error(), rule) {
		t.Fatalf("got %v, want rule %s", err, rule)
	}
}

// TestDonationByTransferAwardTrancheAndThePage: a donation paid by bank transfer with
// its RF reference (a camt.053 imported) raises the fund; the board awards a project of
// the result and pays a tranche, a payable to the beneficiary; refusals write nothing;
// closing the round frees the rest; the page's sums equal the ledger.
func TestDonationByTransferAwardTrancheAndThePage(t *testing.T) {
	f := newFundFixture(t)
	f.donate(250_00, "Bakkerij Jansen", true)
	f.donate(40_00, "", false)
	f.donate(60_00, "Piet", false)
	if got := f.ledgerFund(); got != 350_00 {
		t.Fatalf("fund after donations: %d, want 35000", got)
	}
	r, ps := f.counted(300_00, []int64{200_00, 150_00, 50_00}, 1)

	before := f.ledgerFund()
	_, err := f.fund.AwardGrant(f.ctx, board, f.coop.ID, Award{RoundID: r.ID, ProposalID: ps[1].ID, AmountCents: 100_00})
	wantRule(t, err, "award_reason")
	_, err = f.fund.AwardGrant(f.ctx, board, f.coop.ID, Award{RoundID: r.ID, ProposalID: ps[0].ID, AmountCents: 200_01})
	wantRule(t, err, "grant_budget")
	g, err := f.fund.AwardGrant(f.ctx, board, f.coop.ID, Award{RoundID: r.ID, ProposalID: ps[0].ID, AmountCents: 200_00})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.fund.AwardGrant(f.ctx, board, f.coop.ID, Award{RoundID: r.ID, ProposalID: ps[1].ID, AmountCents: 100_01, Reason: "runner-up, strong local support"})
	wantRule(t, err, "grant_remaining")
	if got := f.ledgerFund(); got != before-200_00 {
		t.Fatalf("fund after award and refusals: %d, want %d", got, before-200_00)
	}
	g2, err := f.fund.AwardGrant(f.ctx, board, f.coop.ID, Award{RoundID: r.ID, ProposalID: ps[1].ID, AmountCents: 50_00, Reason: "runner-up, strong local support"})
	if err != nil || g2.Reason == "" {
		t.Fatalf("award outside the result with a reason: %+v %v", g2, err)
	}

	_, _, err = f.fund.PayTranche(f.ctx, board, f.coop.ID, g.ID, TrancheInput{AmountCents: 200_01})
	wantRule(t, err, "tranche_remaining")
	g, pay, err := f.fund.PayTranche(f.ctx, board, f.coop.ID, g.ID, TrancheInput{AmountCents: 120_00})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.fund.PayTranche(f.ctx, board, f.coop.ID, g.ID, TrancheInput{AmountCents: 80_01})
	wantRule(t, err, "tranche_remaining")
	list, _, err := f.payouts.ListPayables(f.ctx, f.coop.ID, payouts.PayableFilter{Status: payouts.PayableOpen})
	if err != nil || len(list) != 1 || list[0].ID != pay.ID || list[0].Reason != payouts.ReasonGrant ||
		list[0].Payee == nil || list[0].Payee.Name != "Stichting Buurt" || list[0].AmountCents != 120_00 || list[0].Waiting != "" {
		t.Fatalf("payables: %+v %v", list, err)
	}
	if _, err := f.fund.ReportProgress(f.ctx, cooperative.Actor{UserID: "anna"}, f.coop.ID, g.ID, f.member.ID,
		ProgressInput{Text: "The benches are in.", Date: "2026-06-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.fund.ReportProgress(f.ctx, board, f.coop.ID, g.ID, cooperative.NewID(), ProgressInput{Text: "x"}); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("progress by another member: %v", err)
	}

	pg := f.public()
	if pg.ReservedCents != 300_00-250_00 || pg.BalanceCents != f.ledgerFund() || pg.BalanceCents != 350_00-250_00 {
		t.Fatalf("page balance %d reserved %d, ledger %d", pg.BalanceCents, pg.ReservedCents, f.ledgerFund())
	}
	var named, anon, out int64
	for _, fl := range pg.Flows {
		switch fl.Kind {
		case FlowDonation:
			if fl.Name != "Bakkerij Jansen" {
				t.Fatalf("named a donor who did not choose to be: %+v", fl)
			}
			named += fl.InCents
		case FlowDonations:
			if fl.Name != "" || fl.Entries != 2 {
				t.Fatalf("anonymous month: %+v", fl)
			}
			anon += fl.InCents
		case FlowGrant:
			out += fl.OutCents
		}
	}
	if named != 250_00 || anon != 100_00 || out != 250_00 {
		t.Fatalf("named %d anon %d out %d", named, anon, out)
	}
	if len(pg.Grants) != 2 || len(pg.Grants[0].Progress) != 1 || pg.Grants[0].Progress[0].ReportedBy != "" {
		t.Fatalf("grants on the page: %+v", pg.Grants)
	}
	if pr := pg.Rounds[0].Projects; len(pr) != 3 || pr[0].Approvals == nil || *pr[0].Approvals != 10 {
		t.Fatalf("projects: %+v", pr)
	}
	var atom bytes.Buffer
	if err := pg.WriteAtom(&atom, "https://example.org/fund.atom"); err != nil {
		t.Fatal(err)
	}
	var feed struct {
		XMLName xml.Name
		Entries []struct {
			ID string `xml:"id"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(atom.Bytes(), &feed); err != nil || feed.XMLName.Space != "http://www.w3.org/2005/Atom" || len(feed.Entries) != 4 {
		t.Fatalf("atom: %v %+v\n%s", err, feed, atom.String())
	}
	var csvOut bytes.Buffer
	if err := pg.WriteCSV(&csvOut); err != nil || !strings.Contains(csvOut.String(), "Bakkerij Jansen") || strings.Contains(csvOut.String(), "Piet") {
		t.Fatalf("csv: %v\n%s", err, csvOut.String())
	}

	if _, err := f.fund.CloseRound(f.ctx, board, f.coop.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if pg := f.public(); pg.ReservedCents != 0 || pg.FreeCents != pg.BalanceCents {
		t.Fatalf("after closing: reserved %d free %d balance %d", pg.ReservedCents, pg.FreeCents, pg.BalanceCents)
	}
	_, err = f.fund.AwardGrant(f.ctx, board, f.coop.ID, Award{RoundID: r.ID, ProposalID: ps[2].ID, AmountCents: 10_00, Reason: "late"})
	wantRule(t, err, "round_counted")
}

// TestGrantsNeverExceedTheBudgetNorTheFund: random awards, tranches and donations
// against two rounds; granted stays within each round's budget and the fund never goes
// below zero, and the page's sums equal the ledger after every step.
func TestGrantsNeverExceedTheBudgetNorTheFund(t *testing.T) {
	f := newFundFixture(t)
	rng := rand.New(rand.NewPCG(15, 7))
	f.donate(500_00, "", false)
	r1, ps1 := f.counted(300_00, []int64{120_00, 90_00, 80_00, 70_00, 60_00}, 3)
	r2, ps2 := f.counted(400_00, []int64{150_00, 150_00, 150_00}, 2) // more than the fund holds once r1 grants
	rounds := []Round{r1, r2}
	props := [][]Proposal{ps1, ps2}
	var grants []Grant
	for step := range 60 {
		switch rng.IntN(4) {
		case 0:
			f.donate(int64(100+rng.IntN(5000)), "Donor", rng.IntN(2) == 0)
		case 1, 2:
			i := rng.IntN(2)
			p := props[i][rng.IntN(len(props[i]))]
			g, err := f.fund.AwardGrant(f.ctx, board, f.coop.ID, Award{RoundID: rounds[i].ID, ProposalID: p.ID,
				AmountCents: int64(1 + rng.IntN(int(p.BudgetCents))), Reason: "test"})
			if err == nil {
				grants = append(grants, g)
			} else if cooperative.ErrorCode(err) != cooperative.ERULE {
				t.Fatal(err)
			}
		case 3:
			if len(grants) > 0 {
				g := grants[rng.IntN(len(grants))]
				if _, _, err := f.fund.PayTranche(f.ctx, board, f.coop.ID, g.ID, TrancheInput{AmountCents: int64(1 + rng.IntN(int(g.AmountCents)))}); err != nil && cooperative.ErrorCode(err) != cooperative.ERULE {
					t.Fatal(err)
				}
			}
		}
		pg := f.public()
		bal := f.ledgerFund()
		if pg.BalanceCents != bal || pg.InCents-pg.OutCents != bal || bal < 0 {
			t.Fatalf("step %d: page %d (in %d out %d), ledger %d", step, pg.BalanceCents, pg.InCents, pg.OutCents, bal)
		}
		var flows int64
		for _, fl := range pg.Flows {
			flows += fl.InCents - fl.OutCents
		}
		if flows != bal {
			t.Fatalf("step %d: flows sum to %d, ledger %d", step, flows, bal)
		}
		var granted int64
		for _, r := range pg.Rounds {
			if r.GrantedCents > r.BudgetCents {
				t.Fatalf("step %d: round %s granted %d of %d", step, r.ID, r.GrantedCents, r.BudgetCents)
			}
			granted += r.GrantedCents
		}
		var grantsOut, owed int64
		for _, g := range pg.Grants {
			grantsOut += g.AmountCents
			if g.OwedCents > g.AmountCents {
				t.Fatalf("step %d: grant %s owes %d of %d", step, g.ID, g.OwedCents, g.AmountCents)
			}
			owed += g.OwedCents
		}
		if granted != grantsOut || granted != pg.OutCents {
			t.Fatalf("step %d: rounds granted %d, grants %d, out %d", step, granted, grantsOut, pg.OutCents)
		}
	}
	if len(grants) == 0 {
		t.Fatal("no grant was made: the property tested nothing")
	}
}
