package bonds_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/internal/testkit"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

var (
	boardActor = cooperative.Actor{UserID: "board-1", Role: "board"}
	acctActor  = cooperative.Actor{UserID: "accountant-1", Role: "accountant"}
)

type clock = testkit.Clock

// fixture is one cooperative on the real embedded store, with the bonds, payments and
// payouts services wired as cmd/kracht wires them.
type fixture struct {
	t       testing.TB
	ctx     context.Context
	store   cooperative.Store
	clock   *clock
	run     *cooperative.Runner
	bonds   *bonds.Bonds
	pay     *payments.Payments
	payouts *payouts.Payouts
	members *membership.Members
	coop    string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	s := testkit.OpenStore(t)
	f := &fixture{t: t, ctx: context.Background(), store: s, clock: testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	f.run = cooperative.NewRunner(s, f.clock.Now)
	f.bonds = bonds.New(s, bonds.Options{Now: f.clock.Now})
	f.pay = payments.NewPayments(f.run, shares.StandardPayables())
	f.payouts = payouts.NewPayouts(f.run)
	f.members = membership.NewMembers(s, membership.MembersOptions{Now: f.clock.Now, Sends: identity.SendLimits{Window: time.Hour},
		HeldShares: shares.HeldShares})
	c := testkit.NewCooperative(t, f.run, "Zon op Noord", "12345678")
	f.coop = c.ID
	if _, err := f.members.AdoptStatutes(f.ctx, boardActor, membership.Statutes{CooperativeID: c.ID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1,
			MaxPerMember: 20, ConfersMembership: true}}, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) member(name string) string {
	f.t.Helper()
	m, err := f.members.Apply(f.ctx, membership.Application{CooperativeID: f.coop, Kind: membership.MemberPerson, Name: name,
		Address:     membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org",
		IBAN: "NL91ABNA0417164300", Language: "nl", StatutesVersion: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	if m, err = f.members.Approve(f.ctx, boardActor, f.coop, m.ID); err != nil {
		f.t.Fatal(err)
	}
	return m.ID
}

// goodIssue: 100 units of €250 at 4.5%, 5 years, yearly linear, issued 2026-04-01,
// window in March, early redemption from 2027-04-01 with 3 months' penalty.
func (f *fixture) goodIssue() bonds.NewIssue {
	return bonds.NewIssue{CooperativeID: f.coop, Name: "Zonnedak school", Project: "Solar roof of the village school",
		Terms: bonds.Terms{DenominationCents: 25000, CouponBP: 450, TermMonths: 60, Amortisation: bonds.Linear,
			Frequency: bonds.Yearly, DayCount: bonds.DayCount30E360, IssueDate: "2026-04-01", FirstPaymentDate: "2027-04-01"},
		SizeUnits: 100, OpensAt: f.clock.Now(), ClosesAt: time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC),
		MinPerMember: 2, MaxPerMember: 40, Allocation: membership.AllocationFirstCome,
		EarlyRedemption: bonds.EarlyRedemption{AllowedFrom: "2027-04-01", PenaltyMonths: 3}}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantRule(t *testing.T, err error, rule string) {
	t.Helper()
	if cooperative.ErrorCode(err) != cooperative.ERULE || !strings.Contains(cooperative.ErrorMessage(err), rule) {
		t.Fatalf("want ERULE %s, got %v", rule, err)
	}
}

func (f *fixture) balance(account string, on cooperative.Date) int64 {
	var b map[string]int64
	if err := f.run.Update(f.ctx, func(tx cooperative.Tx, _ time.Time) (err error) {
		b, err = ledger.AccountBalances(tx, f.coop, on)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return b[account]
}

func TestIssueRefusedNamesTheRuleAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	for name, c := range map[string]struct {
		change func(*bonds.NewIssue)
		rule   string
	}{
		"coupon above 25%":         {func(n *bonds.NewIssue) { n.Terms.CouponBP = 2600 }, "coupon_range"},
		"no term":                  {func(n *bonds.NewIssue) { n.Terms.TermMonths = 0 }, "term_range"},
		"first payment on issue":   {func(n *bonds.NewIssue) { n.Terms.FirstPaymentDate = "2026-04-01" }, "first_payment_date"},
		"window after issue date":  {func(n *bonds.NewIssue) { n.ClosesAt = time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC) }, "subscription_window"},
		"window closes before":     {func(n *bonds.NewIssue) { n.ClosesAt = n.OpensAt }, "subscription_window"},
		"max below min":            {func(n *bonds.NewIssue) { n.MaxPerMember = 1 }, "per_member_limits"},
		"no size":                  {func(n *bonds.NewIssue) { n.SizeUnits = 0 }, "issue_size"},
		"withholding above 100%":   {func(n *bonds.NewIssue) { n.WithholdingBP = 10001 }, "withholding_range"},
		"redemption before issue":  {func(n *bonds.NewIssue) { n.EarlyRedemption.AllowedFrom = "2026-03-01" }, "early_redemption_terms"},
		"penalty without the date": {func(n *bonds.NewIssue) { n.EarlyRedemption.AllowedFrom = "" }, "early_redemption_terms"},
	} {
		in := f.goodIssue()
		c.change(&in)
		_, err := f.bonds.CreateIssue(f.ctx, boardActor, in)
		if cooperative.ErrorCode(err) != cooperative.ERULE || !strings.Contains(cooperative.ErrorMessage(err), c.rule) {
			t.Errorf("%s: %v, want rule %s", name, err, c.rule)
		}
	}
	in := f.goodIssue()
	in.Allocation = "lottery"
	if _, err := f.bonds.CreateIssue(f.ctx, boardActor, in); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Errorf("unknown allocation: %v", err)
	}
	if list, _, err := f.bonds.ListIssues(f.ctx, f.coop, "", 10); err != nil || len(list) != 0 {
		t.Fatalf("refused issues were written: %v %v", list, err)
	}
}

// TestIssueSubscribePayCloseRegister is the life of an issue up to the register: three
// members subscribe; one pays by matched bank transfer (RF reference), one is marked
// paid, one never pays; closing numbers the paid units 1.., posts them to bonds
// outstanding and lapses the unpaid one; the register answers as of any date.
func TestIssueSubscribePayCloseRegister(t *testing.T) {
	f := newFixture(t)
	ann, bob, cor := f.member("Ann Smit"), f.member("Bob Bakker"), f.member("Cor Dijk")
	issue := must[bonds.Issue](t)(f.bonds.CreateIssue(f.ctx, boardActor, f.goodIssue()))
	subA := must[bonds.Subscription](t)(f.bonds.Subscribe(f.ctx, bonds.SubscriptionRequest{CooperativeID: f.coop, IssueID: issue.ID, MemberID: ann, Units: 10}))
	subB := must[bonds.Subscription](t)(f.bonds.Subscribe(f.ctx, bonds.SubscriptionRequest{CooperativeID: f.coop, IssueID: issue.ID, MemberID: bob, Units: 4}))
	must[bonds.Subscription](t)(f.bonds.Subscribe(f.ctx, bonds.SubscriptionRequest{CooperativeID: f.coop, IssueID: issue.ID, MemberID: cor, Units: 3}))
	if subA.AmountCents != 250000 || subA.Order != 1 || subB.Order != 2 {
		t.Fatalf("subscription %+v", subA)
	}

	f.clock.Set(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	// Ann pays by transfer quoting the RF reference of her payment (purpose bonds).
	p := must[payments.Payment](t)(f.bonds.SubscriptionPayment(f.ctx, f.coop, subA.ID, "RF18539007547034"))
	if p.Purpose != payments.PurposeBonds || p.Amount != 250000 {
		t.Fatalf("payment %+v", p)
	}
	tally := must[payments.BankImportTally](t)(f.pay.ImportBankLines(f.ctx, acctActor, f.coop, []payments.BankLine{{
		Key: "NL91ABNA0417164300/L1", Account: "NL91ABNA0417164300", StatementID: "S1", Credit: true, Booked: true,
		Amount: 250000, Currency: "EUR", Reference: "RF18539007547034", Payer: "A. Smit",
		BookedOn: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}}))
	if tally.Matched != 1 {
		t.Fatalf("import %+v", tally)
	}
	must[bonds.Subscription](t)(f.bonds.MarkPaid(f.ctx, acctActor, f.coop, subB.ID, "BANK-42", "2026-03-03"))
	if got := must[bonds.Subscription](t)(f.bonds.GetSubscription(f.ctx, f.coop, subA.ID)); got.Status != bonds.SubscriptionPaid {
		t.Fatalf("after the import: %+v", got)
	}
	if b := f.balance(string(ledger.AccountBondSubscriptionsInAdvance), "2026-03-31"); b != -350000 {
		t.Fatalf("bond subscriptions in advance %d", b)
	}

	res := must[bonds.AllocationResult](t)(f.bonds.CloseIssue(f.ctx, boardActor, f.coop, issue.ID))
	if res.Issue.Status != bonds.IssueAllocated || res.Issue.IssuedUnits != 14 {
		t.Fatalf("closed %+v", res.Issue)
	}
	byMember := map[string]bonds.Subscription{}
	for _, s := range res.Subscriptions {
		byMember[s.MemberID] = s
	}
	if s := byMember[ann]; s.Status != bonds.SubscriptionAllocated || numbered.Format(s.UnitNumbers) != "1-10" || s.IssuedOn != "2026-04-01" {
		t.Fatalf("Ann %+v", s)
	}
	if s := byMember[bob]; numbered.Format(s.UnitNumbers) != "11-14" || byMember[cor].Status != bonds.SubscriptionLapsed {
		t.Fatalf("Bob %+v, Cor %+v", s, byMember[cor])
	}
	if b := f.balance(string(ledger.AccountBondsOutstanding), "2026-04-01"); b != -350000 {
		t.Fatalf("bonds outstanding %d", b)
	}
	if b := f.balance(string(ledger.AccountBondSubscriptionsInAdvance), "2026-04-01"); b != 0 {
		t.Fatalf("bond subscriptions in advance left %d", b)
	}
	// Closing again changes nothing.
	if again := must[bonds.AllocationResult](t)(f.bonds.CloseIssue(f.ctx, boardActor, f.coop, issue.ID)); again.Issue.IssuedUnits != 14 {
		t.Fatalf("closed twice: %+v", again.Issue)
	}
	if reg := must[[]bonds.RegisterEntry](t)(f.bonds.RegisterOn(f.ctx, f.coop, issue.ID, "2026-03-31")); len(reg) != 0 {
		t.Fatalf("units before the issue date: %+v", reg)
	}
	reg := must[[]bonds.RegisterEntry](t)(f.bonds.RegisterOn(f.ctx, f.coop, issue.ID, "2026-04-01"))
	if len(reg) != 2 {
		t.Fatalf("register %+v", reg)
	}
	// The units can be paid for no more.
	if _, err := f.bonds.SubscriptionPayment(f.ctx, f.coop, byMember[cor].ID, "RF0000"); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("payment of a lapsed subscription: %v", err)
	}
}

// allocated is an allocated issue: Ann holds 1-10, Bob 11-14, from 2026-04-01.
func (f *fixture) allocated() (issue bonds.Issue, ann, bob string) { return f.allocatedWith(0) }

// allocatedWith is allocated with withholdingBP withheld of interest.
func (f *fixture) allocatedWith(withholdingBP int64) (issue bonds.Issue, ann, bob string) {
	t := f.t
	ann, bob = f.member("Ann Smit"), f.member("Bob Bakker")
	n := f.goodIssue()
	n.WithholdingBP = withholdingBP
	issue = must[bonds.Issue](t)(f.bonds.CreateIssue(f.ctx, boardActor, n))
	f.clock.Set(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	for i, m := range []string{ann, bob} {
		s := must[bonds.Subscription](t)(f.bonds.Subscribe(f.ctx, bonds.SubscriptionRequest{CooperativeID: f.coop, IssueID: issue.ID,
			MemberID: m, Units: []int64{10, 4}[i]}))
		must[bonds.Subscription](t)(f.bonds.MarkPaid(f.ctx, acctActor, f.coop, s.ID, fmt.Sprintf("BANK-%d", i), "2026-03-02"))
	}
	issue = must[bonds.AllocationResult](t)(f.bonds.CloseIssue(f.ctx, boardActor, f.coop, issue.ID)).Issue
	return issue, ann, bob
}

func TestTransferRedemptionAndHoldingsOn(t *testing.T) {
	f := newFixture(t)
	issue, ann, bob := f.allocated()
	// Terms are fixed once units are issued.
	_, err := f.bonds.ChangeIssue(f.ctx, boardActor, issue.ID, f.goodIssue())
	wantRule(t, err, "terms_fixed")

	f.clock.Set(time.Date(2026, 9, 15, 10, 0, 0, 0, time.UTC))
	_, err = f.bonds.Transfer(f.ctx, boardActor, bonds.TransferRequest{CooperativeID: f.coop, IssueID: issue.ID, From: ann, To: bob, Units: 11})
	wantRule(t, err, "units_held")
	_, err = f.bonds.Transfer(f.ctx, boardActor, bonds.TransferRequest{CooperativeID: f.coop, IssueID: issue.ID, From: ann, To: bob, Units: 37})
	wantRule(t, err, "units_held")
	tr := must[bonds.Transfer](t)(f.bonds.Transfer(f.ctx, boardActor, bonds.TransferRequest{CooperativeID: f.coop, IssueID: issue.ID,
		From: ann, To: bob, Units: 3, Reason: "sale"}))
	if numbered.Format(tr.UnitNumbers) != "1-3" || tr.Date != "2026-09-15" || tr.PrincipalCents != 75000 {
		t.Fatalf("transfer %+v", tr)
	}

	// Early redemption: refused before the terms' date, allowed after it.
	_, err = f.bonds.RequestRedemption(f.ctx, cooperative.Actor{UserID: "ann", Role: "member"},
		bonds.RedemptionRequest{CooperativeID: f.coop, IssueID: issue.ID, MemberID: bob, Units: 2})
	wantRule(t, err, "early_redemption")
	f.clock.Set(time.Date(2027, 4, 1, 10, 0, 0, 0, time.UTC))
	_, err = f.bonds.RequestRedemption(f.ctx, boardActor, bonds.RedemptionRequest{CooperativeID: f.coop, IssueID: issue.ID, MemberID: bob, Units: 8})
	wantRule(t, err, "units_held")
	red := must[bonds.Redemption](t)(f.bonds.RequestRedemption(f.ctx, boardActor, bonds.RedemptionRequest{CooperativeID: f.coop,
		IssueID: issue.ID, MemberID: bob, Units: 2}))
	// What is asked to be redeemed cannot be transferred meanwhile.
	_, err = f.bonds.Transfer(f.ctx, boardActor, bonds.TransferRequest{CooperativeID: f.coop, IssueID: issue.ID, From: bob, To: ann, Units: 6})
	wantRule(t, err, "units_held")
	f.clock.Set(time.Date(2027, 4, 3, 10, 0, 0, 0, time.UTC))
	red = must[bonds.Redemption](t)(f.bonds.DecideRedemption(f.ctx, boardActor, f.coop, red.ID, bonds.RedemptionDecision{Approve: true}))
	// Linear: a fifth of each unit was due on 2027-04-01 (to the holders of that day, by the
	// run of that date), so 2 × 200.00 is outstanding; the penalty is 3 months of 4.5% on it.
	if red.Status != bonds.RedemptionApproved || numbered.Format(red.UnitNumbers) != "1-2" || red.PrincipalCents != 40000 ||
		red.PenaltyMonths != 3 || red.PenaltyCents != 450 || red.PayableID == "" {
		t.Fatalf("redemption %+v", red)
	}
	if _, err := f.bonds.DecideRedemption(f.ctx, boardActor, f.coop, red.ID, bonds.RedemptionDecision{Approve: true}); err == nil {
		t.Fatal("decided twice")
	}
	if b := f.balance(string(ledger.AccountBondsOutstanding), "2027-04-03"); b != -310000 {
		t.Fatalf("bonds outstanding after the redemption %d", b)
	}
	pays := must[[]payouts.PayableView](t)(func() ([]payouts.PayableView, error) {
		l, _, err := f.payouts.ListPayables(f.ctx, f.coop, payouts.PayableFilter{MemberID: bob})
		return l, err
	}())
	if len(pays) != 1 || pays[0].AmountCents != 39550 || pays[0].Reason != payouts.ReasonBondPrincipal ||
		pays[0].Account != string(ledger.AccountBondPaymentsPayable) {
		t.Fatalf("payables %+v", pays)
	}

	// Who held what from when to when.
	var intervals []bonds.HoldingInterval
	if err := f.run.Update(f.ctx, func(tx cooperative.Tx, _ time.Time) (err error) {
		intervals, err = bonds.HoldingsOn(tx, f.coop, issue.ID, "2026-01-01", "2027-12-31")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range intervals {
		who := map[string]string{ann: "ann", bob: "bob"}[h.MemberID]
		got = append(got, fmt.Sprintf("%s %d %s..%s", who, h.Units, h.From, h.To))
	}
	want := []string{"ann 10 2026-04-01..2026-09-15", "ann 7 2026-09-15..", "bob 4 2026-04-01..2026-09-15",
		"bob 7 2026-09-15..2027-04-03", "bob 5 2027-04-03.."}
	if strings.Join(got, "; ") != strings.Join(want, "; ") && !sameSet(got, want) {
		t.Fatalf("intervals\n got %v\nwant %v", got, want)
	}
	before := must[[]bonds.RegisterEntry](t)(f.bonds.RegisterOn(f.ctx, f.coop, issue.ID, "2026-09-14"))
	after := must[[]bonds.RegisterEntry](t)(f.bonds.RegisterOn(f.ctx, f.coop, issue.ID, "2027-04-03"))
	units := func(list []bonds.RegisterEntry) map[string]string {
		m := map[string]string{}
		for _, e := range list {
			m[e.MemberID] = numbered.Format(e.Ranges)
		}
		return m
	}
	if u := units(before); u[ann] != "1-10" || u[bob] != "11-14" {
		t.Fatalf("register before the transfer %v", u)
	}
	if u := units(after); u[ann] != "4-10" || u[bob] != "3, 11-14" {
		t.Fatalf("register after the redemption %v", u)
	}
	if h := must[[]bonds.Holding](t)(f.bonds.MemberHoldings(f.ctx, f.coop, bob)); len(h) != 1 || h[0].Units != 5 {
		t.Fatalf("Bob's holdings %+v", h)
	}
	if is := must[bonds.Issue](t)(f.bonds.GetIssue(f.ctx, f.coop, issue.ID)); is.OutstandingUnits() != 12 {
		t.Fatalf("outstanding %d", is.OutstandingUnits())
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestSubscriptionRefusalsNameTheRule(t *testing.T) {
	f := newFixture(t)
	ann, bob := f.member("Ann Smit"), f.member("Bob Bakker")
	in := f.goodIssue()
	in.SizeUnits, in.MaxPerMember = 50, 30
	issue := must[bonds.Issue](t)(f.bonds.CreateIssue(f.ctx, boardActor, in))
	sub := func(m string, n int64) error {
		_, err := f.bonds.Subscribe(f.ctx, bonds.SubscriptionRequest{CooperativeID: f.coop, IssueID: issue.ID, MemberID: m, Units: n})
		return err
	}
	wantRule(t, sub(ann, 31), "max_per_member")
	wantRule(t, sub(ann, 1), "min_per_member")
	if err := sub(ann, 30); err != nil {
		t.Fatal(err)
	}
	wantRule(t, sub(ann, 1), "max_per_member")
	wantRule(t, sub(bob, 21), "remaining_size")
	if err := sub(bob, 20); err != nil {
		t.Fatal(err)
	}
	// Terms may change until the first unit is issued, but not the size below what is
	// subscribed.
	in.SizeUnits = 40
	_, err := f.bonds.ChangeIssue(f.ctx, boardActor, issue.ID, in)
	wantRule(t, err, "issue_size")
	f.clock.Set(in.ClosesAt)
	wantRule(t, sub(bob, 2), "subscription_window")
	if is := must[bonds.Issue](t)(f.bonds.GetIssue(f.ctx, f.coop, issue.ID)); is.SubscribedUnits != 50 || is.SizeUnits != 50 {
		t.Fatalf("issue %+v", is)
	}
}

// TestParallelSubscriptionsKeepTheLimits: members subscribing at once never take more
// than the size, nor one member more than the maximum.
func TestParallelSubscriptionsKeepTheLimits(t *testing.T) {
	f := newFixture(t)
	in := f.goodIssue()
	in.SizeUnits, in.MinPerMember, in.MaxPerMember = 60, 1, 9
	issue := must[bonds.Issue](t)(f.bonds.CreateIssue(f.ctx, boardActor, in))
	var members []string
	for i := range 10 {
		members = append(members, f.member(fmt.Sprintf("Member %d", i)))
	}
	var wg sync.WaitGroup
	for _, m := range members {
		for range 4 {
			wg.Go(func() {
				_, err := f.bonds.Subscribe(f.ctx, bonds.SubscriptionRequest{CooperativeID: f.coop, IssueID: issue.ID, MemberID: m, Units: 3})
				if err != nil && cooperative.ErrorCode(err) != cooperative.ERULE {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	var total int64
	for _, m := range members {
		list, _, err := f.bonds.ListSubscriptions(f.ctx, f.coop, "member", m, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, s := range list {
			n += s.Units
		}
		if n > 9 {
			t.Fatalf("member %s subscribed %d units", m, n)
		}
		total += n
	}
	is := must[bonds.Issue](t)(f.bonds.GetIssue(f.ctx, f.coop, issue.ID))
	if total > 60 || total != is.SubscribedUnits || total != 60 {
		t.Fatalf("subscribed %d, the issue counts %d", total, is.SubscribedUnits)
	}
}
