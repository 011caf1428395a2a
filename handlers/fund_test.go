package handlers

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/payments/camt053/camt053test"
)

// TestFundRoundOverHTTP: a whole round. The board opens it (refused above the fund's
// free balance, then allowed once the fund is credited); members propose (one over the
// round's budget, one after the window: refused); the board admits and rejects; 200
// members vote at once (some change their ballot) and bad ballots are refused, nothing
// written; the count, public, equals the result recomputed from the published counts.
func TestFundRoundOverHTTP(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	annS, ann := sc.member(t, "ann@example.org", "Ann Smit")
	bobS, bob := sc.member(t, "bob@example.org", "Bob Bakker")
	now := as.clock.Now()
	rounds := sc.coop + "/fund/rounds"
	// later moves the clock on and signs everyone in again (access tokens live minutes).
	later := func(d time.Duration) {
		as.clock.advance(d)
		annS, bobS, sc.chair = as.signIn(t, annS.email), as.signIn(t, bobS.email), as.signInMFA(t, sc.chair)
	}

	wantRule(t, as.call(t, "POST", rounds, sc.board(), fundRoundBody(now, 100_000)), "budget_free")
	if err := fundCredit(as.store, as.clock.Now, sc.id, 150_000); err != nil {
		t.Fatal(err)
	}
	wantRule(t, as.call(t, "POST", rounds, sc.board(), fundRoundBody(now, 150_001)), "budget_free")
	bad := fundRoundBody(now, 1000)
	bad["recordDate"] = cooperative.DateOf(now.AddDate(0, 0, 12))
	wantRule(t, as.call(t, "POST", rounds, sc.board(), bad), "record_date")
	wantStatus(t, as.call(t, "POST", rounds, annS.tokens.AccessToken, fundRoundBody(now, 1000)), 403)
	r := as.call(t, "POST", rounds, sc.board(), fundRoundBody(now, 100_000))
	wantStatus(t, r, 201)
	round := decodeBody[fund.Round](t, r)
	rpath := rounds + "/" + round.ID
	free := decodeBody[fund.Balances](t, as.call(t, "GET", sc.coop+"/fund/free-balance", sc.board(), nil))
	if free != (fund.Balances{BalanceCents: 150_000, ReservedCents: 100_000, FreeCents: 50_000}) {
		t.Fatalf("balances: %+v", free)
	}

	propose := func(s *session, memberID string, budget int64) response {
		return as.call(t, "POST", rpath+"/proposals", s.tokens.AccessToken, fundProposalBody(memberID, budget))
	}
	wantRule(t, propose(annS, ann.ID, 100_001), "proposal_budget")
	wantProblem(t, propose(bobS, ann.ID, 1000), 404, cooperative.ENOTFOUND) // someone else's record
	badIBAN := fundProposalBody(ann.ID, 1000)
	badIBAN["beneficiary"] = map[string]string{"name": "X", "iban": "NL00ABNA0417164300"}
	wantProblem(t, as.call(t, "POST", rpath+"/proposals", annS.tokens.AccessToken, badIBAN), 400, cooperative.EINVALID)
	var ids []string
	for _, p := range []struct {
		s      *session
		member string
		budget int64
	}{{annS, ann.ID, 60_000}, {bobS, bob.ID, 50_000}, {annS, ann.ID, 30_000}, {bobS, bob.ID, 5_000}} {
		r := propose(p.s, p.member, p.budget)
		wantStatus(t, r, 201)
		ids = append(ids, decodeBody[fund.Proposal](t, r).ID)
	}
	// The public list: no login, no proposer, no beneficiary's account.
	list := decodeBody[struct{ Items []fund.Proposal }](t, as.call(t, "GET", rpath+"/proposals", "", nil)).Items
	if len(list) != 4 || list[0].MemberID != "" || list[0].Beneficiary.IBAN != "" || list[0].Beneficiary.Name == "" {
		t.Fatalf("public proposals: %+v", list)
	}
	decide := func(id string, admit bool, reason string) response {
		return as.call(t, "POST", sc.coop+"/fund/proposals/"+id+"/decision", sc.board(), map[string]any{"admit": admit, "reason": reason})
	}
	for _, id := range ids[:3] {
		wantStatus(t, decide(id, true, ""), 200)
	}
	wantProblem(t, decide(ids[3], false, ""), 400, cooperative.EINVALID)
	wantStatus(t, decide(ids[3], false, "Outside our neighbourhoods"), 200)

	later(10*24*time.Hour + time.Minute) // the proposal window has closed
	wantRule(t, propose(annS, ann.ID, 1000), "proposal_window")

	// 200 more members, admitted before the record date.
	voters := []string{ann.ID, bob.ID}
	chair := cooperative.Actor{UserID: sc.chair.userID, Role: "board"}
	for i := range 198 {
		m, err := as.members.Apply(context.Background(), testApplication(sc.id, "", fmt.Sprintf("Voter %03d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := as.members.Approve(context.Background(), chair, sc.id, m.ID); err != nil {
			t.Fatal(err)
		}
		voters = append(voters, m.ID)
	}
	ballot := func(s *session, memberID string, projects ...string) response {
		return as.call(t, "PUT", rpath+"/ballots/"+memberID, s.tokens.AccessToken, map[string]any{"projects": projects})
	}
	wantRule(t, ballot(annS, ann.ID, ids[0]), "voting_window")
	later(24 * time.Hour) // voting is open
	wantRule(t, decide(ids[3], true, "late"), "admission_window")
	wantRule(t, ballot(annS, ann.ID, ids[0], ids[1]), "ballot_budget")
	wantRule(t, ballot(annS, ann.ID, ids[3]), "project_admitted")
	wantProblem(t, ballot(annS, bob.ID, ids[0]), 404, cooperative.ENOTFOUND)
	wantStatus(t, as.call(t, "GET", rpath+"/ballots/"+ann.ID, sc.board(), nil), 403) // secret, for the board too
	// A member of another cooperative: their record is not in this one.
	other := newScenarioOn(t, as, "Elders")
	other.adopt(t, 20)
	samS, sam := other.member(t, "sam@example.org", "Sam Elders")
	wantProblem(t, ballot(samS, sam.ID, ids[0]), 404, cooperative.ENOTFOUND)
	if got := decodeBody[fund.Ballot](t, as.call(t, "GET", rpath+"/ballots/"+ann.ID, annS.tokens.AccessToken, nil)); got.Voted {
		t.Fatalf("refused ballots were written: %+v", got)
	}

	// Ann over HTTP; the 200 at once through the service, every fourth changing its mind.
	wantStatus(t, ballot(annS, ann.ID, ids[1]), 200)
	var wg sync.WaitGroup
	for i, id := range voters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := []string{ids[0]}
			if i%2 == 1 {
				first = []string{ids[1], ids[2]}
			}
			if _, err := as.fund.CastBallot(context.Background(), sc.id, round.ID, id, first); err != nil {
				t.Error(err)
			}
			if i%4 == 0 {
				if _, err := as.fund.CastBallot(context.Background(), sc.id, round.ID, id, []string{ids[2]}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	want := map[string]int64{}
	for i := range voters {
		switch {
		case i%4 == 0:
			want[ids[2]]++
		case i%2 == 1:
			want[ids[1]]++
			want[ids[2]]++
		default:
			want[ids[0]]++
		}
	}
	got := decodeBody[fund.Ballot](t, as.call(t, "GET", rpath+"/ballots/"+bob.ID, bobS.tokens.AccessToken, nil))
	if !got.Voted || !slices.Equal(got.Projects, []string{ids[1], ids[2]}) {
		t.Fatalf("Bob's own ballot: %+v", got)
	}

	// The count: refused while voting is open; then public, and the same when asked again.
	wantRule(t, as.call(t, "POST", rpath+"/count", "", nil), "voting_window")
	later(10 * 24 * time.Hour)
	wantRule(t, ballot(annS, ann.ID, ids[0]), "voting_window")
	r = as.call(t, "POST", rpath+"/count", "", nil)
	wantStatus(t, r, 200)
	counted := decodeBody[fund.Round](t, r)
	if counted.Status != fund.RoundCounted || counted.Ballots != 200 || len(counted.Counts) != 3 {
		t.Fatalf("counted: %+v", counted)
	}
	for id, n := range want {
		if counted.Counts[id] != n {
			t.Fatalf("project %s: %d approvals, want %d", id, counted.Counts[id], n)
		}
	}
	// Anyone recomputes the result from what is public: the round and its proposals.
	pub := decodeBody[fund.Round](t, as.call(t, "GET", rpath, "", nil))
	list = decodeBody[struct{ Items []fund.Proposal }](t, as.call(t, "GET", rpath+"/proposals", "", nil)).Items
	recomputed := fund.Result(pub.BudgetCents, fund.TallyProjects(pub, list))
	// 150 approvals for the 30 000 project, 100 for 50 000, 50 for 60 000 (no longer fits).
	if !slices.Equal(pub.Result, recomputed) || !slices.Equal(pub.Result, []string{ids[2], ids[1]}) {
		t.Fatalf("result %v, recomputed %v, counts %v", pub.Result, recomputed, pub.Counts)
	}
	again := decodeBody[fund.Round](t, as.call(t, "POST", rpath+"/count", annS.tokens.AccessToken, nil))
	if !again.CountedAt.Equal(counted.CountedAt) || !slices.Equal(again.Result, counted.Result) {
		t.Fatal("a second count changed the round")
	}

	// Awards: the result's first project gets its budget; one outside the result needs a
	// reason, and none gets more than its budget. Refused awards write nothing.
	grants := sc.coop + "/fund/grants"
	award := func(id string, cents int64, reason string) response {
		return as.call(t, "POST", grants, sc.board(), map[string]any{"roundId": counted.ID, "proposalId": id, "amountCents": cents, "reason": reason})
	}
	wantRule(t, award(ids[0], 10_000, ""), "award_reason")
	wantRule(t, award(ids[1], 50_001, ""), "grant_budget")
	r = award(ids[2], 30_000, "")
	wantStatus(t, r, 201)
	g := decodeBody[fund.Grant](t, r)
	gpath := grants + "/" + g.ID
	wantRule(t, as.call(t, "POST", gpath+"/tranches", sc.board(), map[string]any{"amountCents": 30_001}), "tranche_remaining")
	r = as.call(t, "POST", gpath+"/tranches", sc.board(), map[string]any{"amountCents": 20_000})
	wantStatus(t, r, 201)
	tranche := decodeBody[struct {
		PayableID string `json:"payableId"`
	}](t, r)
	sc.treasurer = as.signInMFA(t, sc.treasurer)
	r = as.call(t, "GET", sc.coop+"/payables?status=open", sc.accountant(), nil)
	wantStatus(t, r, 200)
	var trancheOwed bool
	for _, p := range decodeBody[page[payouts.PayableView]](t, r).Items {
		trancheOwed = trancheOwed || (p.ID == tranche.PayableID && p.AmountCents == 20_000 && p.Reason == payouts.ReasonGrant)
	}
	if !trancheOwed {
		t.Fatal("the tranche is not a payable")
	}
	wantStatus(t, as.call(t, "POST", gpath+"/progress", sc.board(), map[string]any{"text": "The playground is half built."}), 201)

	// A donation by bank transfer, named in public at the donor's wish.
	annS = as.signIn(t, annS.email)
	r = as.call(t, "POST", sc.coop+"/fund/donations", annS.tokens.AccessToken, map[string]any{"amountCents": 2_500, "name": "Ann Smit", "public": true})
	wantStatus(t, r, 201)
	donation := decodeBody[fund.Donation](t, r)
	r = as.call(t, "POST", sc.coop+"/fund/donations/"+donation.ID+"/transfer-instructions", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	ti := decodeBody[transferInstructionsBody](t, r)
	var stmt bytes.Buffer
	if err := camt053test.Write(&stmt, camt053test.Statement{MessageID: "FUND-1", StatementID: "FUND-1-1", IBAN: ti.IBAN, Currency: "EUR",
		Created: as.clock.Now(), Lines: []camt053test.Line{{Credit: true, AmountCents: ti.AmountCents, RFReference: ti.Reference,
			Name: "A. Smit", IBAN: "NL91ABNA0417164300", BookedOn: as.clock.Now()}}}); err != nil {
		t.Fatal(err)
	}
	r = as.do(t, "POST", sc.coop+"/bank-statements", "application/xml", &stmt, "Authorization", "Bearer "+sc.accountant())
	wantStatus(t, r, 200)

	// The public page, with no sign-in: its balance is the ledger's, every euro in and out.
	r = as.call(t, "GET", sc.coop+"/fund", "", nil)
	wantStatus(t, r, 200)
	pg := decodeBody[fund.PublicPage](t, r)
	bal := sc.balances(t)
	if pg.BalanceCents != -bal[string(ledger.AccountCommunityFund)] || pg.BalanceCents != 150_000+2_500-30_000 ||
		pg.InCents-pg.OutCents != pg.BalanceCents {
		t.Fatalf("public page %+v, ledger %d", pg, bal[string(ledger.AccountCommunityFund)])
	}
	named := false
	for _, fl := range pg.Flows {
		named = named || (fl.Name == "Ann Smit" && fl.InCents == 2_500)
	}
	if !named {
		t.Fatalf("the named donation is not on the page: %+v", pg.Flows)
	}
	r = as.call(t, "GET", sc.coop+"/fund.atom", "", nil)
	wantStatus(t, r, 200)
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(r.body, &feed); err != nil || len(feed.Entries) == 0 {
		t.Fatalf("Atom feed: %v\n%s", err, r.body)
	}
	r = as.call(t, "GET", sc.coop+"/fund.csv", "", nil)
	wantStatus(t, r, 200)

	// Closing the round frees what it did not grant.
	wantStatus(t, as.call(t, "POST", rpath+"/close", sc.board(), nil), 200)
	free = decodeBody[fund.Balances](t, as.call(t, "GET", sc.coop+"/fund/free-balance", sc.board(), nil))
	if free.ReservedCents != 0 || free.FreeCents != pg.BalanceCents {
		t.Fatalf("after closing: %+v", free)
	}
}
