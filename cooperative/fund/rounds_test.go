package fund_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/internal/testkit"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// The vote's tests: one cooperative on the real embedded store, the clock pinned at
// 2026-03-01 09:00 UTC. Names carry "vote" so they stay apart from the grant tests'.

var voteBoard = cooperative.Actor{UserID: "board-1", Role: "board"}

type voteClock = testkit.Clock

type voteFixture struct {
	t       testing.TB
	ctx     context.Context
	store   cooperative.Store
	clock   *voteClock
	run     *cooperative.Runner
	fund    *fund.Fund
	members *membership.Members
	coop    string
}

var voteTestKey = []byte("0123456789abcdef0123456789abcdef")

func newVoteFixture(t testing.TB) *voteFixture {
	t.Helper()
	s := testkit.OpenStore(t)
	f := &voteFixture{t: t, ctx: context.Background(), store: s, clock: testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	f.run = cooperative.NewRunner(s, f.clock.Now)
	f.fund = fund.New(s, fund.Options{Now: f.clock.Now, BallotKey: voteTestKey})
	f.members = membership.NewMembers(s, membership.MembersOptions{Now: f.clock.Now, Sends: identity.SendLimits{Window: time.Hour},
		HeldShares: shares.HeldShares})
	f.coop = f.cooperative("Zon op Noord", "12345678")
	return f
}

func (f *voteFixture) cooperative(name, reg string) string {
	f.t.Helper()
	c := testkit.NewCooperative(f.t, f.run, name, reg)
	if _, err := f.members.AdoptStatutes(f.ctx, voteBoard, membership.Statutes{CooperativeID: c.ID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1,
			MaxPerMember: 20, ConfersMembership: true}}, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}); err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

func (f *voteFixture) member(coop, name string) string {
	f.t.Helper()
	m, err := f.members.Apply(f.ctx, membership.Application{CooperativeID: coop, Kind: membership.MemberPerson, Name: name,
		Address:     membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org",
		IBAN: "NL91ABNA0417164300", Language: "nl", StatutesVersion: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	if m, err = f.members.Approve(f.ctx, voteBoard, coop, m.ID); err != nil {
		f.t.Fatal(err)
	}
	return m.ID
}

// credit puts cents into the fund: Dr bank / Cr community_fund.
func (f *voteFixture) credit(cents int64) {
	f.t.Helper()
	if err := f.run.Update(f.ctx, func(tx cooperative.Tx, now time.Time) error {
		_, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: f.coop, Key: "test-donation:" + cooperative.NewID(),
			BookingDate: cooperative.DateOf(now), Description: "A donation to the community fund",
			Lines: []ledger.Line{{Account: string(ledger.AccountBank), Amount: cents},
				{Account: string(ledger.AccountCommunityFund), Amount: -cents}}})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *voteFixture) free() (balance, reserved, free int64) {
	f.t.Helper()
	if err := f.run.View(f.ctx, func(tx cooperative.Tx) (err error) {
		balance, reserved, free, err = fund.FreeBalance(tx, f.coop)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return
}

// voteRound: proposals in March, voting 1–14 April, record date 31 March.
func (f *voteFixture) voteRound(budget int64) fund.NewRound {
	return fund.NewRound{CooperativeID: f.coop, Title: "Buurtbudget 2026", BudgetCents: budget,
		ProposalsFrom: f.clock.Now(), ProposalsTo: time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC),
		VotingFrom: time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC), VotingTo: time.Date(2026, 4, 14, 20, 0, 0, 0, time.UTC),
		RecordDate: "2026-03-31"}
}

func (f *voteFixture) propose(r fund.Round, member string, budget int64) fund.Proposal {
	f.t.Helper()
	p, err := f.fund.Propose(f.ctx, cooperative.Actor{UserID: "u-" + member, Role: "member"}, voteProposal(f.coop, r.ID, member, budget))
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func voteProposal(coop, round, member string, budget int64) fund.NewProposal {
	return fund.NewProposal{CooperativeID: coop, RoundID: round, MemberID: member, Title: "Speeltuin " + member[len(member)-4:],
		Description: "A playground\nfor the street.", BudgetCents: budget,
		Beneficiary:   fund.Beneficiary{Name: "Stichting Speeltuin Noord", IBAN: "NL91 ABNA 0417 1643 00"},
		Neighbourhood: "Noord"}
}

func voteMust[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func voteWantRule(t testing.TB, err error, rule string) {
	t.Helper()
	if cooperative.ErrorCode(err) != cooperative.ERULE || !strings.HasPrefix(cooperative.ErrorMessage(err), "rule "+rule+":") {
		t.Fatalf("want ERULE %s, got %v", rule, err)
	}
}

func TestFreeBalanceAndOpeningRounds(t *testing.T) {
	f := newVoteFixture(t)
	if b, r, fr := f.free(); b != 0 || r != 0 || fr != 0 {
		t.Fatalf("empty fund: %d %d %d", b, r, fr)
	}
	voteWantRule(t, voteMust2(f.fund.OpenRound(f.ctx, voteBoard, f.voteRound(1))), "budget_free")
	f.credit(500_000)
	first := voteMust[fund.Round](t)(f.fund.OpenRound(f.ctx, voteBoard, f.voteRound(300_000)))
	if b, r, fr := f.free(); b != 500_000 || r != 300_000 || fr != 200_000 {
		t.Fatalf("after a round of 3000: %d %d %d", b, r, fr)
	}
	voteWantRule(t, voteMust2(f.fund.OpenRound(f.ctx, voteBoard, f.voteRound(200_001))), "budget_free")

	// Bad windows and dates, each refused naming the rule.
	for rule, change := range map[string]func(n *fund.NewRound){
		"round_windows": func(n *fund.NewRound) { n.VotingFrom = n.ProposalsTo.Add(-time.Hour) },
		"record_date":   func(n *fund.NewRound) { n.RecordDate = "2026-04-02" },
	} {
		n := f.voteRound(1000)
		change(&n)
		voteWantRule(t, voteMust2(f.fund.OpenRound(f.ctx, voteBoard, n)), rule)
	}
	n := f.voteRound(1000)
	n.RecordDate = "31-03-2026"
	if _, err := f.fund.OpenRound(f.ctx, voteBoard, n); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("bad record date: %v", err)
	}
	if list, _, _ := f.fund.ListRounds(f.ctx, f.coop, "", 10); len(list) != 1 || list[0].ID != first.ID {
		t.Fatalf("refused rounds were written: %+v", list)
	}

	// Rounds opened at once never reserve more than is free: 10 × 300 against 2000.
	var wg sync.WaitGroup
	var mu sync.Mutex
	opened := 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.fund.OpenRound(f.ctx, voteBoard, f.voteRound(30_000))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				opened++
			case !strings.Contains(cooperative.ErrorMessage(err), "budget_free"):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if b, r, fr := f.free(); opened != 6 || b != 500_000 || r != 480_000 || fr != 20_000 {
		t.Fatalf("opened %d: %d %d %d", opened, b, r, fr)
	}
}

func voteMust2[T any](_ T, err error) error { return err }

func TestProposalsAndAdmission(t *testing.T) {
	f := newVoteFixture(t)
	f.credit(1_000_000)
	ann := f.member(f.coop, "Ann Smit")
	r := voteMust[fund.Round](t)(f.fund.OpenRound(f.ctx, voteBoard, f.voteRound(100_000)))
	annActor := cooperative.Actor{UserID: "u-ann", Role: "member"}

	voteWantRule(t, voteMust2(f.fund.Propose(f.ctx, annActor, voteProposal(f.coop, r.ID, ann, 100_001))), "proposal_budget")
	bad := voteProposal(f.coop, r.ID, ann, 1000)
	bad.Beneficiary.IBAN = "NL91ABNA0417164301"
	if _, err := f.fund.Propose(f.ctx, annActor, bad); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("bad IBAN: %v", err)
	}
	other := f.cooperative("Elders", "87654321")
	stranger := f.member(other, "Sam Elders")
	if _, err := f.fund.Propose(f.ctx, annActor, voteProposal(f.coop, r.ID, stranger, 1000)); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("a member of another cooperative: %v", err)
	}
	p := f.propose(r, ann, 40_000)
	if p.Status != fund.ProposalProposed || p.Beneficiary.IBAN != "NL91ABNA0417164300" || p.Description != "A playground\nfor the street." {
		t.Fatalf("proposal: %+v", p)
	}
	if _, err := f.fund.Decide(f.ctx, voteBoard, f.coop, p.ID, false, " "); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("a rejection without reason: %v", err)
	}
	p = voteMust[fund.Proposal](t)(f.fund.Decide(f.ctx, voteBoard, f.coop, p.ID, false, "Outside the cooperative's area"))
	p = voteMust[fund.Proposal](t)(f.fund.Decide(f.ctx, voteBoard, f.coop, p.ID, true, ""))
	if p.Status != fund.ProposalAdmitted || p.Reason != "" {
		t.Fatalf("admitted: %+v", p)
	}

	// After the proposal window: no new proposal; after voting opens: no decision.
	f.clock.Set(r.ProposalsTo)
	voteWantRule(t, voteMust2(f.fund.Propose(f.ctx, annActor, voteProposal(f.coop, r.ID, ann, 1000))), "proposal_window")
	f.clock.Set(r.VotingFrom)
	voteWantRule(t, voteMust2(f.fund.Decide(f.ctx, voteBoard, f.coop, p.ID, false, "late")), "admission_window")
	if list := voteMust[[]fund.Proposal](t)(f.fund.ListProposals(f.ctx, f.coop, r.ID)); len(list) != 1 || list[0].Status != fund.ProposalAdmitted {
		t.Fatalf("proposals: %+v", list)
	}
}

// voteAt moves the clock into the voting window of r.
func (f *voteFixture) voteAt(r fund.Round) { f.clock.Set(r.VotingFrom.Add(time.Hour)) }

func TestBallotsAreSecretAndCountedOnce(t *testing.T) {
	f := newVoteFixture(t)
	f.credit(1_000_000)
	r := voteMust[fund.Round](t)(f.fund.OpenRound(f.ctx, voteBoard, f.voteRound(100_000)))
	const voters = 200
	ids := make([]string, voters)
	for i := range ids {
		ids[i] = f.member(f.coop, fmt.Sprintf("Voter %03d", i))
	}
	// Three admitted projects of 40 000, 50 000 and 30 000 (not all fit), one rejected.
	a, b, c, rej := f.propose(r, ids[0], 40_000), f.propose(r, ids[1], 50_000), f.propose(r, ids[2], 30_000), f.propose(r, ids[3], 1000)
	for _, p := range []fund.Proposal{a, b, c} {
		voteMust[fund.Proposal](t)(f.fund.Decide(f.ctx, voteBoard, f.coop, p.ID, true, ""))
	}
	voteMust[fund.Proposal](t)(f.fund.Decide(f.ctx, voteBoard, f.coop, rej.ID, false, "Not local"))
	late := f.member(f.coop, "Late Joiner") // admitted on 2026-03-01 too: eligible; the next is not
	f.clock.Set(time.Date(2026, 4, 1, 7, 0, 0, 0, time.UTC))
	voteWantRule(t, voteMust2(f.fund.CastBallot(f.ctx, f.coop, r.ID, late, []string{a.ID})), "voting_window")
	newcomer := f.member(f.coop, "New Comer") // admitted on 1 April, after the record date
	f.voteAt(r)

	voteWantRule(t, voteMust2(f.fund.CastBallot(f.ctx, f.coop, r.ID, newcomer, []string{a.ID})), "voter")
	voteWantRule(t, voteMust2(f.fund.CastBallot(f.ctx, f.coop, r.ID, late, []string{a.ID, b.ID, c.ID})), "ballot_budget")
	voteWantRule(t, voteMust2(f.fund.CastBallot(f.ctx, f.coop, r.ID, late, []string{rej.ID})), "project_admitted")
	voteWantRule(t, voteMust2(f.fund.CastBallot(f.ctx, f.coop, r.ID, late, []string{cooperative.NewID()})), "project_admitted")
	other := f.cooperative("Elders", "87654321")
	stranger := f.member(other, "Sam Elders")
	if _, err := f.fund.CastBallot(f.ctx, f.coop, r.ID, stranger, []string{a.ID}); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("a member of another cooperative: %v", err)
	}
	if bl := voteMust[fund.Ballot](t)(f.fund.MyBallot(f.ctx, f.coop, r.ID, late)); bl.Voted {
		t.Fatalf("refused ballots were written: %+v", bl)
	}

	// 200 voters at once; every third changes their ballot to {b, c} right after.
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			choice := []string{a.ID}
			if i%2 == 1 {
				choice = []string{a.ID, c.ID}
			}
			if _, err := f.fund.CastBallot(f.ctx, f.coop, r.ID, id, choice); err != nil {
				t.Error(err)
				return
			}
			if i%3 == 0 {
				if _, err := f.fund.CastBallot(f.ctx, f.coop, r.ID, id, []string{b.ID, c.ID}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	want := map[string]int64{}
	for i := range ids {
		switch {
		case i%3 == 0:
			want[b.ID]++
			want[c.ID]++
		case i%2 == 1:
			want[a.ID]++
			want[c.ID]++
		default:
			want[a.ID]++
		}
	}
	if bl := voteMust[fund.Ballot](t)(f.fund.MyBallot(f.ctx, f.coop, r.ID, ids[3])); !bl.Voted || len(bl.Projects) != 2 || bl.Projects[0] != b.ID {
		t.Fatalf("own ballot: %+v", bl)
	}

	// Secrecy: nothing stored names a voter next to a choice, and no audit entry was
	// written for a ballot.
	voteNoVoterInStore(t, f, ids)

	// The count: not before the window has closed (and the grace after it).
	voteWantRule(t, voteMust2(f.fund.Count(f.ctx, cooperative.Actor{}, f.coop, r.ID)), "voting_window")
	f.clock.Set(r.VotingTo)
	voteWantRule(t, voteMust2(f.fund.CastBallot(f.ctx, f.coop, r.ID, late, []string{a.ID})), "voting_window")
	f.clock.Set(r.VotingTo.Add(5 * time.Minute))
	counted := voteMust[fund.Round](t)(f.fund.Count(f.ctx, cooperative.Actor{}, f.coop, r.ID))
	if counted.Status != fund.RoundCounted || counted.Ballots != voters || len(counted.Counts) != 3 {
		t.Fatalf("counted: %+v", counted)
	}
	for id, n := range want {
		if counted.Counts[id] != n {
			t.Fatalf("project %s: %d approvals, want %d (%v)", id, counted.Counts[id], n, counted.Counts)
		}
	}
	// The stored result is Result over the published counts.
	props := voteMust[[]fund.Proposal](t)(f.fund.ListProposals(f.ctx, f.coop, r.ID))
	if got, want := fmt.Sprint(counted.Result), fmt.Sprint(fund.Result(counted.BudgetCents, fund.TallyProjects(counted, props))); got != want {
		t.Fatalf("result %s, recomputed %s", got, want)
	}
	// c 134 approvals (30 000), a 133 (40 000), b 67 (50 000: no longer fits).
	if fmt.Sprint(counted.Result) != fmt.Sprint([]string{c.ID, a.ID}) {
		t.Fatalf("result %v; counts %v (a %s b %s c %s)", counted.Result, counted.Counts, a.ID, b.ID, c.ID)
	}
	again := voteMust[fund.Round](t)(f.fund.Count(f.ctx, cooperative.Actor{}, f.coop, r.ID))
	if !again.CountedAt.Equal(counted.CountedAt) {
		t.Fatal("a second count changed the round")
	}
}

// voteNoVoterInStore reads every stored ballot and the audit log: no member id appears.
func voteNoVoterInStore(t *testing.T, f *voteFixture, members []string) {
	t.Helper()
	if err := f.store.View(f.ctx, func(tx cooperative.Tx) error {
		page, err := tx.Find(cooperative.Query{Collection: "fund_ballots", Limit: cooperative.MaxPageSize})
		if err != nil {
			return err
		}
		if len(page.Records) != len(members) {
			t.Errorf("%d ballot records for %d voters", len(page.Records), len(members))
		}
		for _, rec := range page.Records {
			for _, m := range members {
				if strings.Contains(string(rec.Data), m) || strings.Contains(rec.ID, m) || strings.Contains(fmt.Sprint(rec.Index), m) {
					t.Fatalf("ballot %s names member %s", rec.ID, m)
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	entries, _, err := cooperative.ReadAudit(f.ctx, f.store, f.coop, 0, cooperative.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Action, "ballot") {
			t.Fatalf("audit entry for a ballot: %+v", e)
		}
	}
}

// TestProposalWithAKeyIsMadeOnce: a proposal sent again with the same key is the first
// one (one record, one audit entry), even after the window closed; the same key with
// other facts is a conflict; another member's same key is their own proposal.
func TestProposalWithAKeyIsMadeOnce(t *testing.T) {
	f := newVoteFixture(t)
	f.credit(1_000_000)
	ann, bob := f.member(f.coop, "Ann Smit"), f.member(f.coop, "Bob Bakker")
	r := voteMust[fund.Round](t)(f.fund.OpenRound(f.ctx, voteBoard, f.voteRound(100_000)))
	propose := func(member string, budget int64, key string) (fund.Proposal, error) {
		in := voteProposal(f.coop, r.ID, member, budget)
		in.IdempotencyKey = key
		return f.fund.Propose(f.ctx, cooperative.Actor{UserID: "u-" + member, Role: "member"}, in)
	}
	audited := func() int {
		entries, _, err := cooperative.ReadAudit(f.ctx, f.store, f.coop, 0, cooperative.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == "fund_proposal.create" {
				n++
			}
		}
		return n
	}
	first := voteMust[fund.Proposal](t)(propose(ann, 40_000, "form-1"))
	again := voteMust[fund.Proposal](t)(propose(ann, 40_000, "form-1"))
	if again.ID != first.ID || again.IdempotencyKey != "form-1" {
		t.Fatalf("the same key twice: %s then %s", first.ID, again.ID)
	}
	if _, err := propose(ann, 30_000, "form-1"); cooperative.ErrorCode(err) != cooperative.ECONFLICT {
		t.Fatalf("the key for another budget: %v, want a conflict", err)
	}
	for _, key := range []string{"with space", "ünicode", strings.Repeat("k", 101)} {
		if _, err := propose(ann, 40_000, key); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Fatalf("key %q: %v, want invalid", key, err)
		}
	}
	if n := len(voteMust[[]fund.Proposal](t)(f.fund.ListProposals(f.ctx, f.coop, r.ID))); n != 1 || audited() != 1 {
		t.Fatalf("%d proposals and %d audit entries, want 1 and 1", n, audited())
	}
	f.clock.Set(r.ProposalsTo) // a late retry still answers with the first
	if p := voteMust[fund.Proposal](t)(propose(ann, 40_000, "form-1")); p.ID != first.ID {
		t.Fatalf("a late retry: %s, want %s", p.ID, first.ID)
	}
	f.clock.Set(r.ProposalsFrom)
	if p := voteMust[fund.Proposal](t)(propose(bob, 40_000, "form-1")); p.ID == first.ID || p.MemberID != bob {
		t.Fatalf("another member's same key: %+v", p)
	}
	if n := len(voteMust[[]fund.Proposal](t)(f.fund.ListProposals(f.ctx, f.coop, r.ID))); n != 2 || audited() != 2 {
		t.Fatalf("%d proposals and %d audit entries, want 2 and 2", n, audited())
	}
}
