package handlers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/numbered"
	"github.com/kracht-coop/kracht/payments/bankimport"
	"github.com/kracht-coop/kracht/payments/camt053/camt053test"
)

// TestBondIssueOverHTTP: the board sets up an issue (bad input refused naming the rule,
// nothing written) → members subscribe (above the maximum or the size refused) → one
// pays by bank transfer quoting the RF reference of the transfer instructions (a
// camt.053 statement, imported), one is marked paid → the board closes: units numbered
// in the register from the issue date on → a transfer → an early redemption refused
// before the terms' date and approved after it.
func TestBondIssueOverHTTP(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	annS, ann := sc.member(t, "ann@example.org", "Ann Smit")
	bobS, bob := sc.member(t, "bob@example.org", "Bob Bakker")
	corS, cor := sc.member(t, "cor@example.org", "Cor Dijk")
	now := as.clock.Now() // 2025-03-01
	issue := bondIssueForTest(sc.id, now)
	issue.SizeUnits, issue.MaxPerMember = 20, 15
	body := bondIssueBody(issue) // issue date 2025-05-01, early redemption from 2026-05-01

	// Bad input: each a 422 naming the rule, nothing written.
	for rule, change := range map[string]func(m map[string]any){
		"coupon_range":        func(m map[string]any) { m["terms"].(map[string]any)["couponBp"] = 2600 },
		"term_range":          func(m map[string]any) { m["terms"].(map[string]any)["termMonths"] = 18 },
		"first_payment_date":  func(m map[string]any) { m["terms"].(map[string]any)["firstPaymentDate"] = "2025-04-30" },
		"subscription_window": func(m map[string]any) { m["closesAt"] = now.AddDate(0, 3, 0) },
	} {
		bad := bondIssueBody(issue)
		bad["terms"] = map[string]any{}
		for k, v := range body["terms"].(map[string]any) {
			bad["terms"].(map[string]any)[k] = v
		}
		change(bad)
		wantRule(t, as.call(t, "POST", sc.coop+"/bond-issues", sc.board(), bad), rule)
	}
	bad := bondIssueBody(issue)
	bad["allocation"] = "lottery"
	wantProblem(t, as.call(t, "POST", sc.coop+"/bond-issues", sc.board(), bad), 422, cooperative.EINVALID)
	r := as.call(t, "GET", sc.coop+"/bond-issues", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if items := decodeBody[page[bonds.Issue]](t, r).Items; len(items) != 0 {
		t.Fatalf("refused issues were written: %+v", items)
	}
	r = as.call(t, "POST", sc.coop+"/bond-issues", sc.board(), body)
	wantStatus(t, r, 201)
	iss := decodeBody[bonds.Issue](t, r)
	ipath := sc.coop + "/bond-issues/" + iss.ID

	subscribe := func(s *session, memberID string, units int64) response {
		return as.call(t, "POST", ipath+"/subscriptions", s.tokens.AccessToken, map[string]any{"memberId": memberID, "units": units})
	}
	wantRule(t, subscribe(bobS, bob.ID, 16), "max_per_member")
	r = subscribe(annS, ann.ID, 10)
	wantStatus(t, r, 201)
	annSub := decodeBody[bonds.Subscription](t, r)
	r = subscribe(bobS, bob.ID, 5)
	wantStatus(t, r, 201)
	bobSub := decodeBody[bonds.Subscription](t, r)
	wantRule(t, subscribe(corS, cor.ID, 6), "remaining_size")
	wantProblem(t, subscribe(corS, ann.ID, 1), 404, cooperative.ENOTFOUND) // someone else's record
	r = as.call(t, "GET", ipath, sc.board(), nil)
	wantStatus(t, r, 200)
	if got := decodeBody[bonds.Issue](t, r); got.SubscribedUnits != 15 || got.Subscriptions != 2 {
		t.Fatalf("issue after the refusals: %+v", got)
	}

	// Ann pays by transfer with the RF reference; Bob's money is marked paid.
	r = as.call(t, "POST", sc.coop+"/bond-subscriptions/"+annSub.ID+"/transfer-instructions", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	ti := decodeBody[transferInstructionsBody](t, r)
	if ti.AmountCents != 250000 || !strings.HasPrefix(ti.Reference, "RF") {
		t.Fatalf("instructions %+v", ti)
	}
	booked := now.Add(48 * time.Hour)
	var stmt bytes.Buffer
	if err := camt053test.Write(&stmt, camt053test.Statement{MessageID: "STMT-BONDS", StatementID: "STMT-BONDS-1",
		IBAN: "NL91ABNA0417164300", Created: booked, Lines: []camt053test.Line{{Credit: true, AmountCents: 250000,
			RFReference: ti.Reference, Name: "A SMIT", IBAN: "NL91ABNA0417164300", BookedOn: booked}}}); err != nil {
		t.Fatal(err)
	}
	as.clock.advance(72 * time.Hour)
	sc.treasurer = as.signInMFA(t, sc.treasurer)
	annS = as.signIn(t, "ann@example.org")
	r = as.do(t, "POST", sc.coop+"/bank-statements", "application/xml", bytes.NewReader(stmt.Bytes()), "Authorization", "Bearer "+sc.accountant())
	wantStatus(t, r, 200)
	if tally := decodeBody[bankimport.Result](t, r).Tally; tally.Matched != 1 || tally.Review != 0 {
		t.Fatalf("tally %+v", tally)
	}
	wantStatus(t, as.call(t, "POST", sc.coop+"/bond-subscriptions/"+bobSub.ID+"/payment", sc.accountant(),
		map[string]string{"bankReference": "BANK-BOB", "paidOn": string(cooperative.DateOf(as.clock.Now()))}), 200)
	r = as.call(t, "GET", sc.coop+"/bond-subscriptions/"+annSub.ID, annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if got := decodeBody[bonds.Subscription](t, r); got.Status != bonds.SubscriptionPaid || got.Reference != ti.Reference {
		t.Fatalf("Ann's subscription after the statement: %+v", got)
	}
	if bal := sc.balances(t); bal[string(ledger.AccountBondSubscriptionsInAdvance)] != -375000 {
		t.Fatalf("balances %v", bal)
	}

	// The window ends; the board closes and allocates.
	as.clock.advance(30 * 24 * time.Hour) // 2025-04-03
	sc.chair, sc.treasurer = as.signInMFA(t, sc.chair), as.signInMFA(t, sc.treasurer)
	r = as.call(t, "POST", ipath+"/close", sc.board(), nil)
	wantStatus(t, r, 200)
	if res := decodeBody[bondAllocationBody](t, r); res.Issue.IssuedUnits != 15 || res.Issue.Status != bonds.IssueAllocated {
		t.Fatalf("allocation %+v", res.Issue)
	}
	wantRule(t, as.call(t, "PUT", ipath, sc.board(), body), "terms_fixed")
	register := func(date string) map[string]string {
		t.Helper()
		r := as.call(t, "GET", ipath+"/register?date="+date, sc.accountant(), nil)
		wantStatus(t, r, 200)
		out := map[string]string{}
		for _, h := range decodeBody[bondRegisterBody](t, r).Holders {
			out[h.MemberID] = numbered.Format(h.Ranges)
		}
		return out
	}
	if reg := register("2025-04-30"); len(reg) != 0 {
		t.Fatalf("units before the issue date: %v", reg)
	}
	if reg := register("2025-05-01"); reg[ann.ID] != "1-10" || reg[bob.ID] != "11-15" {
		t.Fatalf("register on the issue date: %v", reg)
	}
	wantProblem(t, as.call(t, "GET", ipath+"/register?date=2025-13-01", sc.accountant(), nil), 422, cooperative.EINVALID)

	// A transfer, approved by the board.
	as.clock.advance(60 * 24 * time.Hour) // 2025-06-02
	sc.chair, sc.treasurer = as.signInMFA(t, sc.chair), as.signInMFA(t, sc.treasurer)
	annS = as.signIn(t, "ann@example.org")
	wantRule(t, as.call(t, "POST", ipath+"/transfers", sc.board(), map[string]any{"from": ann.ID, "to": bob.ID, "units": 11}), "units_held")
	r = as.call(t, "POST", ipath+"/transfers", sc.board(), map[string]any{"from": ann.ID, "to": bob.ID, "units": 3, "reason": "sale"})
	wantStatus(t, r, 201)
	if tr := decodeBody[bonds.Transfer](t, r); numbered.Format(tr.UnitNumbers) != "1-3" || tr.Date != "2025-06-02" {
		t.Fatalf("transfer %+v", tr)
	}
	if reg := register("2025-06-01"); reg[ann.ID] != "1-10" {
		t.Fatalf("register the day before the transfer: %v", reg)
	}
	if reg := register("2025-06-02"); reg[ann.ID] != "4-10" || reg[bob.ID] != "1-3, 11-15" {
		t.Fatalf("register after the transfer: %v", reg)
	}

	// Early redemption: refused before the terms allow it (nothing written), then
	// requested and approved.
	redeem := func(s *session) response {
		return as.call(t, "POST", sc.coop+"/members/"+ann.ID+"/bond-redemptions", s.tokens.AccessToken,
			map[string]any{"issueId": iss.ID, "units": 2})
	}
	wantRule(t, redeem(annS), "early_redemption")
	r = as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/bond-redemptions", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if items := decodeBody[page[bonds.Redemption]](t, r).Items; len(items) != 0 {
		t.Fatalf("a refused request was written: %+v", items)
	}
	as.clock.advance(334 * 24 * time.Hour) // 2026-05-02
	sc.chair, sc.treasurer = as.signInMFA(t, sc.chair), as.signInMFA(t, sc.treasurer)
	annS = as.signIn(t, "ann@example.org")
	r = redeem(annS)
	wantStatus(t, r, 201)
	red := decodeBody[bonds.Redemption](t, r)
	r = as.call(t, "POST", sc.coop+"/bond-redemptions/"+red.ID+"/decision", sc.board(), map[string]any{"approve": true})
	wantStatus(t, r, 200)
	if red = decodeBody[bonds.Redemption](t, r); red.Status != bonds.RedemptionApproved || numbered.Format(red.UnitNumbers) != "4-5" ||
		red.PrincipalCents != 40000 || red.PenaltyCents != 450 { // a fifth repaid on 2026-05-01; 3 months of 4.5% on the rest
		t.Fatalf("redemption %+v", red)
	}
	r = as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/bond-holdings", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	held := decodeBody[struct{ Items []bonds.Holding }](t, r)
	if len(held.Items) != 1 || held.Items[0].Units != 5 || numbered.Format(held.Items[0].Ranges) != "6-10" {
		t.Fatalf("Ann's holdings %+v", held)
	}
	if reg := register("2026-05-02"); reg[ann.ID] != "6-10" {
		t.Fatalf("register after the redemption: %v", reg)
	}

	// The run of the first payment date (2026-05-01, before the redemption): the dry run,
	// the run, the run again; a date that is no payment date is refused.
	runs := sc.coop + "/bond-issues/" + iss.ID + "/runs"
	wantRule(t, as.call(t, "POST", runs, sc.accountant(), map[string]string{"date": "2026-05-02"}), "nothing_due")
	wantProblem(t, as.call(t, "POST", runs, sc.board(), map[string]string{"date": "2026-05-01"}), 403, cooperative.EFORBIDDEN)
	r = as.call(t, "GET", runs+"/2026-05-01", sc.board(), nil)
	wantStatus(t, r, 200)
	dry := decodeBody[bonds.RunTable](t, r)
	r = as.call(t, "POST", runs, sc.accountant(), map[string]string{"date": "2026-05-01"})
	wantStatus(t, r, 201)
	posted := decodeBody[bonds.RunTable](t, r)
	annLine := func(rt bonds.RunTable) bonds.RunLine {
		for _, l := range rt.Lines {
			if l.MemberID == ann.ID {
				return l
			}
		}
		return bonds.RunLine{}
	}
	// Ann held 10 units for 31 days (30E/360, to the transfer on 2025-06-02): 9.6875 → 9.69,
	// then 7 for 329 days: 71.96875 → 71.97; 7 units on the date: 7 × 50.00 back.
	if dry.Posted || !posted.Posted || annLine(posted).InterestCents != 969+7197 || annLine(posted).PrincipalCents != 35000 ||
		annLine(dry).NetCents != annLine(posted).NetCents || posted.Run.InterestCents+posted.Run.PrincipalCents !=
		posted.Run.WithholdingCents+posted.Run.NetCents {
		t.Fatalf("dry %+v\nposted %+v", dry, posted)
	}
	r = as.call(t, "POST", runs, sc.accountant(), map[string]string{"date": "2026-05-01"})
	wantStatus(t, r, 201)
	if again := decodeBody[bonds.RunTable](t, r); !again.Replayed || again.Run.EntrySeq != posted.Run.EntrySeq {
		t.Fatalf("the run again %+v", again.Run)
	}

	// Ann's schedule and her statement of 2026, for herself; not for Bob.
	r = as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/bond-schedules", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if sch := decodeBody[struct{ Items []bonds.MemberSchedule }](t, r).Items; len(sch) != 1 || sch[0].Units != 5 || len(sch[0].Payments) != 5 {
		t.Fatalf("Ann's schedule %+v", sch)
	}
	r = as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/bond-statements/2026", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	st := decodeBody[bonds.YearStatement](t, r)
	if st.Totals.InterestCents != 969+7197 || st.Totals.PrincipalCents != 35000 || st.Totals.UnitsEnd != 5 || st.Totals.OutstandingEnd != 5*20000 {
		t.Fatalf("Ann's statement %+v", st.Totals)
	}
	r = as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/bond-statements/2026/statement.pdf", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF")) {
		t.Fatalf("statement PDF: %s %q", r.header.Get("Content-Type"), r.body[:min(20, len(r.body))])
	}
	bobS = as.signIn(t, "bob@example.org")
	wantProblem(t, as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/bond-statements/2026", bobS.tokens.AccessToken, nil), 404, cooperative.ENOTFOUND)
	wantProblem(t, as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/bond-statements/1999", annS.tokens.AccessToken, nil), 422, cooperative.EINVALID)
}
