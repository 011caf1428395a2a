package cooperative_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// openStore opens the real embedded store in a temporary directory. synchronous=normal:
// the tests are about the domain, not about fsync.
func openStore(t testing.TB) cooperative.Store {
	t.Helper()
	s, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), embedded.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// clock is a test clock that the tests move forward by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
func (c *clock) Today() cooperative.Date { return cooperative.DateOf(c.Now()) }

var board = cooperative.Actor{UserID: "board-user", Role: "board"}

type fixture struct {
	t       testing.TB
	ctx     context.Context
	store   cooperative.Store
	reg     *shares.Registry
	members *membership.Members
	clock   *clock
	coop    cooperative.Cooperative
}

// unboundedSends lifts the limits on applications: the tests of the register apply for
// many people at once, from one address.
var unboundedSends = identity.SendLimits{Window: time.Hour}

// newFixture opens the real embedded store with one cooperative whose statutes have
// class A (€50, 1..20 per member, confers membership) and class B (€1000, 0..5).
func newFixture(t testing.TB, allocation membership.AllocationMethod) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: openStore(t),
		clock: &clock{now: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}}
	f.services()
	if err := f.store.Update(f.ctx, func(tx cooperative.Tx) (err error) {
		f.coop, err = cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Energie Noord", Kind: cooperative.KindEnergy,
			Country: "NL", RegistrationNumber: "12345678", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, f.clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.members.AdoptStatutes(f.ctx, board, membership.Statutes{CooperativeID: f.coop.ID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{
			{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1, MaxPerMember: 20, ConfersMembership: true},
			{Code: "B", Name: "Project share", NominalCents: 100000, MinPerMember: 0, MaxPerMember: 5},
		}, MembershipFeeCents: 1000, DividendCapBP: 500, NoticePeriodDays: 30, Allocation: allocation}); err != nil {
		t.Fatal(err)
	}
	return f
}

// services builds the fixture's Registry and Members on its store and clock, wired as
// cmd/kracht wires them.
func (f *fixture) services() {
	f.reg = shares.NewRegistry(f.store, shares.RegistryOptions{Now: f.clock.Now})
	f.members = membership.NewMembers(f.store, membership.MembersOptions{Now: f.clock.Now, Sends: unboundedSends,
		HeldShares: shares.HeldShares})
}

func (f *fixture) application(name string) membership.Application {
	return membership.Application{CooperativeID: f.coop.ID, Kind: membership.MemberPerson, Name: name,
		Address:     membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: "member@example.org", IBAN: "NL91 ABNA 0417 1643 00", Language: "nl",
		StatutesVersion: 1}
}

// member applies and is approved.
func (f *fixture) member(name string) membership.Member {
	f.t.Helper()
	m, err := f.members.Apply(f.ctx, f.application(name))
	if err != nil {
		f.t.Fatal(err)
	}
	if m, err = f.members.Approve(f.ctx, board, f.coop.ID, m.ID); err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *fixture) offering(class string, price, cap int64) shares.Offering {
	f.t.Helper()
	o, err := f.reg.OpenOffering(f.ctx, board, shares.NewOffering{CooperativeID: f.coop.ID, Class: class, PriceCents: price,
		CapShares: cap, TargetShares: cap, MinPerSubscription: 1, MaxPerSubscription: 10, MaxPerMember: 15,
		OpensAt: f.clock.Now(), ClosesAt: f.clock.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// buy subscribes, pays and returns the subscription.
func (f *fixture) buy(o shares.Offering, m membership.Member, n int64) shares.Subscription {
	f.t.Helper()
	s, err := f.reg.Subscribe(f.ctx, shares.SubscriptionRequest{CooperativeID: f.coop.ID, OfferingID: o.ID, MemberID: m.ID, Shares: n})
	if err != nil {
		f.t.Fatal(err)
	}
	if s, err = f.reg.MarkPaid(f.ctx, board, f.coop.ID, s.ID, "BANK-"+s.ID[:8], f.clock.Today()); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// journalLen counts a journal's entries.
func (f *fixture) journalLen(journal string) int {
	f.t.Helper()
	n := 0
	if err := f.store.View(f.ctx, func(tx cooperative.Tx) error {
		var after int64
		for {
			page, err := tx.ReadJournal(journal, after, cooperative.MaxPageSize)
			if err != nil {
				return err
			}
			n += len(page)
			if len(page) < cooperative.MaxPageSize {
				return nil
			}
			after = page[len(page)-1].Seq
		}
	}); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// checkInvariants asserts what must hold at every moment: every ledger entry balances,
// the trial balance balances, the register's state equals the replay of its events (with
// and without checkpoints), the ledger's member capital equals shares × nominal, and no
// holding is negative.
func (f *fixture) checkInvariants() {
	f.t.Helper()
	var after int64
	for {
		entries, next, err := ledger.ReadLedger(f.ctx, f.store, f.coop.ID, after, 1000)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, e := range entries {
			var sum int64
			for _, l := range e.Lines {
				sum += l.Amount
			}
			if sum != 0 || len(e.Lines) < 2 {
				f.t.Fatalf("entry %d does not balance: %+v", e.Seq, e.Lines)
			}
		}
		if next == 0 {
			break
		}
		after = next
	}
	tb, err := ledger.TrialBalanceOn(f.ctx, f.store, f.coop.ID, f.clock.Today())
	if err != nil {
		f.t.Fatal(err)
	}
	if tb.TotalDebit != tb.TotalCredit {
		f.t.Fatalf("trial balance: debit %d ≠ credit %d", tb.TotalDebit, tb.TotalCredit)
	}
	current, err := f.reg.CurrentHoldings(f.ctx, f.coop.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	replayed, err := f.reg.ReplayRegister(f.ctx, f.coop.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	asOf, err := f.reg.HoldingsOn(f.ctx, f.coop.ID, f.clock.Today())
	if err != nil {
		f.t.Fatal(err)
	}
	if !sameHoldings(current, replayed) || !sameHoldings(current, asOf) {
		f.t.Fatalf("register state differs from its events:\ncurrent  %+v\nreplayed %+v\nas of    %+v", current, replayed, asOf)
	}
	for _, h := range current {
		if h.Shares < 0 {
			f.t.Fatalf("negative holding %+v", h)
		}
	}
	diff, err := f.reg.ReconcileCapital(f.ctx, f.coop.ID, f.clock.Today())
	if err != nil {
		f.t.Fatal(err)
	}
	if len(diff) > 0 {
		f.t.Fatalf("ledger capital ≠ register × nominal: %+v", diff)
	}
}

func sameHoldings(a, b []shares.Holding) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].MemberID != b[i].MemberID || a[i].Class != b[i].Class || a[i].Shares != b[i].Shares ||
			shares.FormatRanges(a[i].Ranges) != shares.FormatRanges(b[i].Ranges) {
			return false
		}
	}
	return true
}

func wantRule(t testing.TB, err error, code, rule string) {
	t.Helper()
	if cooperative.ErrorCode(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	if rule != "" && !strings.Contains(cooperative.ErrorMessage(err), "rule "+rule) {
		t.Fatalf("error %q does not name rule %s", cooperative.ErrorMessage(err), rule)
	}
}
