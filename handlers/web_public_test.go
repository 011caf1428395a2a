package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// webSignIn signs c in as email through the sign-in page (an account without TOTP).
func webSignIn(t testing.TB, as *authServer, c *webClient, email string) {
	t.Helper()
	c.signIn(as, email, "")
}

// TestWebCoopPublic: the cooperative's page and its fund page are readable signed
// out, in Dutch and English, with amounts in the reader's format.
func TestWebCoopPublic(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	sc.open(t, 125000, 100, 10, 14*24*time.Hour)
	if _, err := as.bonds.CreateIssue(context.Background(), cooperative.Actor{UserID: sc.chair.userID, Role: "board"}, bondIssueForTest(sc.id, as.clock.Now())); err != nil {
		t.Fatal(err)
	}
	c := as.webClient(t)
	nl := c.get("/c/" + sc.id)
	text := nl.text()
	for _, want := range []string{"Zonnepark De Kracht", "Energiecoöperatie", "Member share", "€ 1.250,00", "€ 50,00",
		"100 van 100", "Zonnedak school", "4,50%", "60 maanden", "€ 250,00", "Saldo van het fonds: € 0,00", "30 dagen", "Word lid"} {
		if !strings.Contains(text, want) {
			t.Errorf("nl page lacks %q: %s", want, text)
		}
	}
	if nl.status != 200 {
		t.Fatalf("status %d", nl.status)
	}
	for _, link := range []string{`href="/c/` + sc.id + `/apply"`, `href="/c/` + sc.id + `/fund"`, `href="/c/` + sc.id + `/offerings/`,
		`href="/c/` + sc.id + `/bond-issues/`} {
		if !strings.Contains(nl.body, link) {
			t.Errorf("no link %s", link)
		}
	}
	c.lang = "en"
	en := c.get("/c/" + sc.id).text()
	for _, want := range []string{"€1,250.00", "4.50%", "60 months", "Become a member", "Fund balance: €0.00"} {
		if !strings.Contains(en, want) {
			t.Errorf("en page lacks %q: %s", want, en)
		}
	}
	fund := c.get("/c/" + sc.id + "/fund")
	if fund.status != 200 || !strings.Contains(fund.text(), "The community fund") || !strings.Contains(fund.body, "/v1/cooperatives/"+sc.id+"/fund.csv") ||
		!strings.Contains(fund.body, `aria-current="page">Community fund`) {
		t.Fatalf("fund page %d: %s", fund.status, fund.body)
	}
	c.lang = "nl"
	if nlFund := c.get("/c/" + sc.id + "/fund"); !strings.Contains(nlFund.text(), "Het buurtfonds") || !strings.Contains(nlFund.text(), "€ 0,00") {
		t.Fatalf("nl fund: %s", nlFund.text())
	}
	if nf := c.get("/c/" + sc.id + "x"); nf.status != 404 {
		t.Fatalf("unknown cooperative: %d", nf.status)
	}
}

// TestWebApply: a missing field and a wrong IBAN get a message beside them in Dutch and
// store nothing; a right application is stored with the consent to the version shown.
func TestWebApply(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	c := as.webClient(t)
	if p := c.do("GET", "/c/"+sc.id+"/apply", nil); p.status != 303 || !strings.HasPrefix(p.location, "/login?next=") {
		t.Fatalf("signed out: %d %q", p.status, p.location)
	}
	as.signUp(t, "anna@example.org")
	webSignIn(t, as, c, "anna@example.org")
	form := c.get("/c/" + sc.id + "/apply")
	if form.status != 200 || !strings.Contains(form.text(), "Ik ga akkoord met de statuten, versie 1 van 1 januari 2020") {
		t.Fatalf("form %d: %s", form.status, form.text())
	}
	fields := map[string]string{"kind": "person", "name": "Anna de Vries", "street": "Dorpsstraat 1", "postal_code": "9711 AA",
		"city": "Groningen", "country": "NL", "date_of_birth": "1980-05-17", "iban": "NL91 ABNA 0417 1643 01", "consent": "1"}
	delete(fields, "city")
	bad := c.post(form, "/c/"+sc.id+"/apply", fields)
	if bad.status != 422 || bad.fieldError("city") != "Vul dit in." || bad.fieldError("iban") != "Dit is geen geldig IBAN. Kijk het nog eens na." {
		t.Fatalf("bad: %d city %q iban %q", bad.status, bad.fieldError("city"), bad.fieldError("iban"))
	}
	user := as.signIn(t, "anna@example.org").userID
	if ms, err := as.members.MembersOfUser(context.Background(), sc.id, user); err != nil || len(ms) != 0 {
		t.Fatalf("stored after a mistake: %v %v", ms, err)
	}
	noConsent := c.post(bad, "/c/"+sc.id+"/apply", map[string]string{"city": "Groningen", "iban": "NL91ABNA0417164300", "consent": ""})
	if noConsent.status != 422 || !strings.Contains(noConsent.fieldError("consent"), "akkoord") || noConsent.fieldError("city") != "" {
		t.Fatalf("no consent: %d %q", noConsent.status, noConsent.fieldError("consent"))
	}
	ok := c.post(noConsent, "/c/"+sc.id+"/apply", map[string]string{"consent": "1"})
	if ok.status != 303 || ok.location != "/c/"+sc.id+"/me" {
		t.Fatalf("apply: %d %q %s", ok.status, ok.location, ok.text())
	}
	ms, err := as.members.MembersOfUser(context.Background(), sc.id, user)
	if err != nil || len(ms) != 1 {
		t.Fatalf("members %v %v", ms, err)
	}
	m := ms[0]
	if m.Status != membership.MemberApplied || m.Consent.StatutesVersion != 1 || m.Name != "Anna de Vries" || m.IBAN != "NL91ABNA0417164300" ||
		m.Email != "anna@example.org" || m.Address.City != "Groningen" || m.DateOfBirth != "1980-05-17" || m.Language != "nl" {
		t.Fatalf("stored %+v", m)
	}
	// Applying again sends them to their page instead of a second application.
	if again := c.do("GET", "/c/"+sc.id+"/apply", nil); again.status != 303 || again.location != "/c/"+sc.id+"/me" {
		t.Fatalf("again: %d %q", again.status, again.location)
	}
}
