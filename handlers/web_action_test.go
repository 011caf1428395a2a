package handlers

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// actionSignIn signs c in as s through the sign-in page.
func actionSignIn(t *testing.T, as *authServer, c *webClient, s *session) {
	t.Helper()
	c.signIn(as, s.email, s.totp)
}

func wantPage(t *testing.T, p webPage, status int, texts ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d: %s", p.status, status, p.text())
	}
	for _, s := range texts {
		if !strings.Contains(p.text(), s) {
			t.Fatalf("page lacks %q: %s", s, p.text())
		}
	}
}

func TestWebWithdrawal(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	ann := sc.holders(t, map[string]int64{"ann": 3})["ann"]
	c := as.webClient(t)
	path := "/c/" + sc.id + "/me/withdrawal"

	// A visitor is sent to sign in first.
	if p := c.do("GET", path, nil); p.status != 303 || !strings.HasPrefix(p.location, "/login?next=") {
		t.Fatalf("visitor: %d %q", p.status, p.location)
	}
	actionSignIn(t, as, c, ann.session)
	form := c.get(path)
	wantPage(t, form, 200, "30 dagen", "nominale waarde", "€ 150,00")

	// All three shares without resigning: refused beside the field, nothing asked.
	bad := c.submit(form, path, map[string]string{"shares": "3"})
	wantPage(t, bad, 422)
	if e := bad.fieldError("shares"); !strings.Contains(e, "lid te blijven") {
		t.Fatalf("shares error: %q", e)
	}
	if got := c.submit(form, path, map[string]string{"shares": "drie"}); got.status != 422 || got.fieldError("shares") == "" {
		t.Fatalf("not a number: %d %q", got.status, got.fieldError("shares"))
	}
	if got := c.submit(form, path, map[string]string{"shares": "1", "end_membership": "1"}); got.status != 422 ||
		!strings.Contains(got.fieldError("end_membership"), "genoeg aandelen") {
		t.Fatalf("resigning while keeping shares: %d %q", got.status, got.fieldError("end_membership"))
	}
	list, _, err := as.registry.ListWithdrawals(context.Background(), sc.id, "", ann.member.ID, "", 10)
	if err != nil || len(list) != 0 {
		t.Fatalf("refused requests were stored: %v %+v", err, list)
	}

	// Two of three: asked, shown with its state and the day the board may decide.
	done := c.submit(form, path, map[string]string{"shares": "2"})
	wantPage(t, done, 200, "Je verzoek is ingediend", "Wacht op het bestuur", "€ 100,00")
	list, _, err = as.registry.ListWithdrawals(context.Background(), sc.id, "", ann.member.ID, "", 10)
	if err != nil || len(list) != 1 || list[0].Shares != 2 || list[0].Status != shares.WithdrawalRequested ||
		list[0].EarliestOn != cooperative.DateOf(as.clock.Now()).AddDays(30) {
		t.Fatalf("stored: %v %+v", err, list)
	}
	// The open request counts: two more are more than is left.
	if got := c.submit(done, path, map[string]string{"shares": "2"}); got.status != 422 ||
		!strings.Contains(got.fieldError("shares"), "open verzoeken") {
		t.Fatalf("more than left: %d %q", got.status, got.fieldError("shares"))
	}

	// Someone who is not a member of this cooperative gets a page saying so.
	as.signUp(t, "eve@example.org")
	eve := as.webClient(t)
	actionSignIn(t, as, eve, as.signIn(t, "eve@example.org"))
	wantPage(t, eve.get(path), 404, "geen lid")
}

func TestWebPayoutAccount(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	annS, ann := sc.member(t, "ann@example.org", "Ann Smit")
	c := as.webClient(t)
	actionSignIn(t, as, c, annS)
	path := "/c/" + sc.id + "/me/payout-account"

	form := c.get(path)
	wantPage(t, form, 200, "**** 4300", "Ann Smit", "bevestigingslink")
	if form.form(path) == nil || strings.Contains(form.body, `name="code"`) {
		t.Fatalf("without TOTP there is no code field: %s", form.body)
	}
	// A bad IBAN: beside the field, nothing changed, no mail.
	// Mail goes to the member record's address (applicationBody's), not the account's.
	const onFile = "applicant@example.org"
	mails := as.mailCount(t, onFile)
	bad := c.submit(form, path, map[string]string{"iban": "NL00 ABNA 0417 1643 00", "holder": "Ann Smit"})
	if bad.status != 422 || !strings.Contains(bad.fieldError("iban"), "geen geldig IBAN") {
		t.Fatalf("bad iban: %d %q", bad.status, bad.fieldError("iban"))
	}
	if as.mailCount(t, onFile) != mails {
		t.Fatal("a refused change sent mail")
	}
	// Without TOTP: a link to confirm, mailed; the account unchanged until then.
	sent := c.submit(form, path, map[string]string{"iban": "DE89 3704 0044 0532 0130 00", "holder": "A. Smit"})
	wantPage(t, sent, 200, "Kijk in je mail", "**** 3000", "**** 4300")
	if token := as.lastLink(t, onFile, "/confirm-payout-account"); token == "" {
		t.Fatal("no confirmation link")
	}
	m, err := as.members.GetMember(context.Background(), sc.id, ann.ID)
	if err != nil || m.IBAN != "NL91ABNA0417164300" || m.PayoutAccountChange == nil {
		t.Fatalf("before confirming: %v %+v", err, m)
	}

	// With TOTP on: a wrong code beside the field, nothing changed; the right one at once.
	as.turnOnTOTP(t, annS)
	c2 := as.webClient(t)
	actionSignIn(t, as, c2, as.signInMFA(t, annS))
	form = c2.get(path)
	if !strings.Contains(form.body, `name="code"`) {
		t.Fatalf("no code field with TOTP on: %s", form.text())
	}
	wrong := c2.submit(form, path, map[string]string{"iban": "DE89370400440532013000", "holder": "A. Smit", "code": "000000"})
	if wrong.status != 422 || !strings.Contains(wrong.fieldError("code"), "code klopt niet") {
		t.Fatalf("wrong code: %d %q %s", wrong.status, wrong.fieldError("code"), wrong.text())
	}
	if m, _ := as.members.GetMember(context.Background(), sc.id, ann.ID); m.IBAN != "NL91ABNA0417164300" {
		t.Fatalf("a wrong code changed the account: %+v", m)
	}
	ok := c2.submit(form, path, map[string]string{"iban": "DE89370400440532013000", "holder": "A. Smit", "code": as.code(t, annS.totp)})
	wantPage(t, ok, 200, "is gewijzigd", "**** 3000", "A. Smit")
	if m, _ := as.members.GetMember(context.Background(), sc.id, ann.ID); m.IBAN != "DE89370400440532013000" || m.AccountHolder != "A. Smit" {
		t.Fatalf("after the right code: %+v", m)
	}
}

func TestWebElection(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	annS, ann := sc.member(t, "ann@example.org", "Ann Smit")
	c := as.webClient(t)
	actionSignIn(t, as, c, annS)
	path := "/c/" + sc.id + "/me/election"

	// The English page (the switch: the account says Dutch), the default selected.
	form := c.get(path + "?lang=en")
	wantPage(t, form, 200, "What do we do with your dividend?", "You have not chosen yet", "Pay it out", "community fund")
	if f := form.form(path); f == nil || !slices.Contains(f.inputs, [2]string{"election", "payout"}) {
		t.Fatalf("the default is not the choice selected: %+v", f)
	}
	if strings.Contains(form.text(), "Buy new shares") {
		t.Fatal("reinvesting offered by a cooperative that does not offer it")
	}
	// Reinvesting where it is not offered: beside the choice, nothing stored.
	bad := c.submit(form, path, map[string]string{"election": "reinvest"})
	if bad.status != 422 || !strings.Contains(bad.fieldError("election"), "does not offer new shares") {
		t.Fatalf("reinvest: %d %q", bad.status, bad.fieldError("election"))
	}
	if v, _ := as.distributions.ElectionOf(context.Background(), sc.id, ann.ID); !v.Default {
		t.Fatalf("a refused election was stored: %+v", v)
	}
	done := c.submit(form, path, map[string]string{"election": "donate"})
	wantPage(t, done, 200, "Your choice has been saved", "Your choice now: Give it to the community fund")
	if v, _ := as.distributions.ElectionOf(context.Background(), sc.id, ann.ID); v.Election != distribution.ElectDonate || v.Default {
		t.Fatalf("stored: %+v", v)
	}
}

func TestWebFundRound(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	annS, _ := sc.member(t, "ann@example.org", "Ann Smit")
	bobS, _ := sc.member(t, "bob@example.org", "Bob Bakker")
	if err := fundCredit(as.store, as.clock.Now, sc.id, 150_000); err != nil {
		t.Fatal(err)
	}
	r := as.call(t, "POST", sc.coop+"/fund/rounds", sc.board(), fundRoundBody(as.clock.Now(), 100_000))
	wantStatus(t, r, 201)
	round := decodeBody[fund.Round](t, r)
	rpath := "/c/" + sc.id + "/fund/rounds/" + round.ID

	ann := as.webClient(t)
	actionSignIn(t, as, ann, annS)
	list := ann.get("/c/" + sc.id + "/fund/rounds")
	wantPage(t, list, 200, "Buurtbudget", "Projecten indienen")
	page := ann.get(rpath)
	wantPage(t, page, 200, "Buurtbudget", "€ 1.000,00", "Een project indienen")

	// Propose: over the round's budget refused beside the amount, nothing stored.
	form := ann.get(rpath + "/propose")
	fields := map[string]string{"title": "Speeltuin Noord", "description": "Een speeltuin voor de straat.",
		"amount": "750,50", "neighbourhood": "Noord", "beneficiary_name": "Stichting Speeltuin",
		"beneficiary_iban": "NL91 ABNA 0417 1643 00"}
	over := map[string]string{}
	for k, v := range fields {
		over[k] = v
	}
	over["amount"] = "1000,01"
	bad := ann.submit(form, rpath+"/propose", over)
	if bad.status != 422 || !strings.Contains(bad.fieldError("amount"), "budget van de ronde") {
		t.Fatalf("over budget: %d %q", bad.status, bad.fieldError("amount"))
	}
	if ps, _ := as.fund.ListProposals(context.Background(), sc.id, round.ID); len(ps) != 0 {
		t.Fatalf("a refused proposal was stored: %+v", ps)
	}
	done := ann.submit(form, rpath+"/propose", fields)
	wantPage(t, done, 200, "Je project is ingediend", "Speeltuin Noord", "Wacht op het bestuur")
	ps, _ := as.fund.ListProposals(context.Background(), sc.id, round.ID)
	if len(ps) != 1 || ps[0].BudgetCents != 75_050 || ps[0].Beneficiary.IBAN != "NL91ABNA0417164300" {
		t.Fatalf("stored: %+v", ps)
	}
	if strings.Contains(done.body, "NL91") || strings.Contains(done.text(), "Ann Smit") {
		t.Fatal("the round page shows the beneficiary's account or the proposer")
	}
	wantStatus(t, as.call(t, "POST", sc.coop+"/fund/proposals/"+ps[0].ID+"/decision", sc.board(), map[string]any{"admit": true}), 200)

	// A non-member can neither propose nor vote.
	as.signUp(t, "eve@example.org")
	eve := as.webClient(t)
	actionSignIn(t, as, eve, as.signIn(t, "eve@example.org"))
	wantPage(t, eve.get(rpath+"/propose"), 404, "geen lid")

	as.clock.advance(11*24*time.Hour + time.Minute) // voting is open
	page = ann.get(rpath)
	wantPage(t, page, 200, "Stem uitbrengen")
	eveRound := eve.get(rpath)
	if eveRound.form(rpath+"/ballot") != nil {
		t.Fatal("a non-member is offered the ballot")
	}
	// A ballot posted anyway, with her own valid token: the page says she is no member.
	csrf := ""
	for _, in := range eveRound.form("/logout").inputs {
		if in[0] == "_csrf" {
			csrf = in[1]
		}
	}
	wantPage(t, eve.do("POST", rpath+"/ballot", url.Values{"_csrf": {csrf}, "project": {ps[0].ID}}), 404, "geen lid")
	// A project that is not on the ballot: beside the choices, no ballot stored.
	notOn := ann.submit(page, rpath+"/ballot", map[string]string{"project": cooperative.NewID()})
	if notOn.status != 422 || !strings.Contains(notOn.fieldError("project"), "niet op het stembiljet") {
		t.Fatalf("not on the ballot: %d %q", notOn.status, notOn.fieldError("project"))
	}
	if strings.Contains(notOn.text(), "Je hebt gestemd") {
		t.Fatal("a refused ballot reads as cast")
	}
	// Ann votes, and the same form posted twice counts once.
	first := ann.post(page, rpath+"/ballot", map[string]string{"project": ps[0].ID})
	if first.status != 303 {
		t.Fatalf("ballot: %d %s", first.status, first.text())
	}
	again := ann.submit(page, rpath+"/ballot", map[string]string{"project": ps[0].ID})
	wantPage(t, again, 200, "Je stem is opgeslagen", "Je hebt gestemd", "Stem veranderen")
	bob := as.webClient(t)
	actionSignIn(t, as, bob, bobS)
	wantPage(t, bob.get(rpath), 200, "Stem uitbrengen")
	if strings.Contains(bob.get(rpath).text(), "Je hebt gestemd") {
		t.Fatal("Bob reads Ann's vote as his")
	}

	as.clock.advance(10 * 24 * time.Hour) // voting closed, and the count's grace passed
	counted := decodeBody[fund.Round](t, as.call(t, "POST", sc.coop+"/fund/rounds/"+round.ID+"/count", "", nil))
	if counted.Ballots != 1 || counted.Counts[ps[0].ID] != 1 {
		t.Fatalf("count: %+v", counted)
	}
	wantPage(t, ann.get(rpath), 200, "Geteld", "Stemmen voor")
}

// TestWebWithdrawalPostedTwice: the withdrawal form sent twice with the same hidden
// fields (a double click, a resent POST) makes one request and mails the board once;
// the same form sent again with other details makes none and gives a fresh form.
func TestWebWithdrawalPostedTwice(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	ann := sc.holders(t, map[string]int64{"ann": 3})["ann"]
	c := as.webClient(t)
	actionSignIn(t, as, c, ann.session)
	path := "/c/" + sc.id + "/me/withdrawal"
	form := c.get(path)
	for i := range 2 {
		if p := c.post(form, path, map[string]string{"shares": "1"}); p.status != 303 || p.location != path {
			t.Fatalf("post %d: %d %q %s", i+1, p.status, p.location, p.text())
		}
	}
	list, _, err := as.registry.ListWithdrawals(context.Background(), sc.id, "", ann.member.ID, "", 10)
	if err != nil || len(list) != 1 || list[0].Shares != 1 {
		t.Fatalf("stored: %v %+v", err, list)
	}
	mails := as.mailsOf(t, notify.EventWithdrawalRequested)
	to := map[string]int{}
	for _, m := range mails {
		to[m.To]++
	}
	if len(mails) == 0 || to[sc.chair.email] != 1 || len(to) != len(mails) {
		t.Fatalf("board mails: %+v", to)
	}
	// The same form with another number: nothing asked, a fresh form that says why.
	again := c.submit(form, path, map[string]string{"shares": "2"})
	wantPage(t, again, 200, "Je had dit formulier al verstuurd")
	if again.form(path) == nil {
		t.Fatal("no form to fill in again")
	}
	if list, _, _ = as.registry.ListWithdrawals(context.Background(), sc.id, "", ann.member.ID, "", 10); len(list) != 1 {
		t.Fatalf("stored after a changed resend: %+v", list)
	}
}

// TestWebProposalPostedTwice: the proposal form sent twice with the same hidden fields
// makes one proposal.
func TestWebProposalPostedTwice(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	annS, _ := sc.member(t, "ann@example.org", "Ann Smit")
	if err := fundCredit(as.store, as.clock.Now, sc.id, 150_000); err != nil {
		t.Fatal(err)
	}
	r := as.call(t, "POST", sc.coop+"/fund/rounds", sc.board(), fundRoundBody(as.clock.Now(), 100_000))
	wantStatus(t, r, 201)
	round := decodeBody[fund.Round](t, r)
	rpath := "/c/" + sc.id + "/fund/rounds/" + round.ID
	ann := as.webClient(t)
	actionSignIn(t, as, ann, annS)
	form := ann.get(rpath + "/propose")
	fields := map[string]string{"title": "Speeltuin Noord", "description": "Een speeltuin voor de straat.",
		"amount": "750,50", "neighbourhood": "Noord", "beneficiary_name": "Stichting Speeltuin",
		"beneficiary_iban": "NL91 ABNA 0417 1643 00"}
	for i := range 2 {
		if p := ann.post(form, rpath+"/propose", fields); p.status != 303 || p.location != rpath {
			t.Fatalf("post %d: %d %q %s", i+1, p.status, p.location, p.text())
		}
	}
	if ps, err := as.fund.ListProposals(context.Background(), sc.id, round.ID); err != nil || len(ps) != 1 {
		t.Fatalf("stored: %v %+v", err, ps)
	}
	fields["amount"] = "500"
	again := ann.submit(form, rpath+"/propose", fields)
	wantPage(t, again, 200, "Je had dit formulier al verstuurd")
	if ps, _ := as.fund.ListProposals(context.Background(), sc.id, round.ID); len(ps) != 1 || ps[0].BudgetCents != 75_050 {
		t.Fatalf("stored after a changed resend: %+v", ps)
	}
}
