package handlers

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"
	"github.com/kracht-coop/kracht/payments/camt053/camt053test"
)

// portalSignIn signs c in as s through the sign-in page.
func portalSignIn(t testing.TB, as *authServer, c *webClient, s *session) {
	t.Helper()
	c.signIn(as, s.email, s.totp)
}

// portalFixture is a cooperative where Ann holds shares 4–7 (Bob holds 1–3), paid by bank
// transfer, with a second subscription waiting for payment, and 10 bonds of an issue.
type portalFixture struct {
	sc            *scenario
	ann, bob      *session
	annM, bobM    membership.Member
	paid, pending shares.Subscription
	issue         bonds.Issue
	bobSub        shares.Subscription
}

func newPortalFixture(t testing.TB) *portalFixture {
	t.Helper()
	sc := newScenario(t)
	as := sc.as
	ctx := context.Background()
	f := &portalFixture{sc: sc}
	sc.adopt(t, 20)
	o := sc.open(t, 5000, 100, 10, 14*24*time.Hour)
	f.bob, f.bobM = sc.member(t, "bob@example.org", "Bob Bakker")
	f.ann, f.annM = sc.member(t, "ann@example.org", "Ann de Vries")
	board := cooperative.Actor{UserID: sc.chair.userID, Role: "board"}
	accountant := cooperative.Actor{UserID: sc.treasurer.userID, Role: "accountant"}
	subscribe := func(o shares.Offering, m membership.Member, n int64) shares.Subscription {
		s, err := as.registry.Subscribe(ctx, shares.SubscriptionRequest{CooperativeID: sc.id, OfferingID: o.ID, MemberID: m.ID, Shares: n})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	f.bobSub = subscribe(o, f.bobM, 3)
	f.paid = subscribe(o, f.annM, 4)
	today := cooperative.DateOf(as.clock.Now())
	if _, err := as.registry.MarkPaid(ctx, accountant, sc.id, f.bobSub.ID, "BANK-BOB", today); err != nil {
		t.Fatal(err)
	}
	// Ann pays by bank transfer with the RF reference of her instructions.
	r := as.call(t, "POST", sc.coop+"/subscriptions/"+f.paid.ID+"/transfer-instructions", f.ann.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	ti := decodeBody[transferInstructionsBody](t, r)
	booked := as.clock.Now().Add(24 * time.Hour)
	var stmt bytes.Buffer
	if err := camt053test.Write(&stmt, camt053test.Statement{MessageID: "STMT-ANN", StatementID: "STMT-ANN-1",
		IBAN: "NL91ABNA0417164300", Created: booked, Lines: []camt053test.Line{{Credit: true, AmountCents: ti.AmountCents,
			RFReference: ti.Reference, Name: "A DE VRIES", IBAN: "NL91ABNA0417164300", BookedOn: booked}}}); err != nil {
		t.Fatal(err)
	}
	as.clock.advance(48 * time.Hour)
	sc.treasurer = as.signInMFA(t, sc.treasurer)
	r = as.do(t, "POST", sc.coop+"/bank-statements", "application/xml", bytes.NewReader(stmt.Bytes()), "Authorization", "Bearer "+sc.accountant())
	wantStatus(t, r, 200)

	// Bonds: Ann subscribes 10 units, marked paid; the issue closes after its window.
	var err error
	if f.issue, err = as.bonds.CreateIssue(ctx, board, bondIssueForTest(sc.id, as.clock.Now())); err != nil {
		t.Fatal(err)
	}
	bs, err := as.bonds.Subscribe(ctx, bonds.SubscriptionRequest{CooperativeID: sc.id, IssueID: f.issue.ID, MemberID: f.annM.ID, Units: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.bonds.MarkPaid(ctx, accountant, sc.id, bs.ID, "BANK-ANN-BONDS", cooperative.DateOf(as.clock.Now())); err != nil {
		t.Fatal(err)
	}
	as.clock.advance(32 * 24 * time.Hour)
	if _, err := as.registry.CloseOffering(ctx, board, sc.id, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := as.bonds.CloseIssue(ctx, board, sc.id, f.issue.ID); err != nil {
		t.Fatal(err)
	}
	if f.paid, err = as.registry.GetSubscription(ctx, sc.id, f.paid.ID); err != nil || f.paid.Status != shares.SubscriptionAllocated {
		t.Fatalf("Ann's subscription: %+v %v", f.paid, err)
	}
	// A second round: Ann subscribes 2 more and has not paid yet.
	sc.chair, f.ann = as.signInMFA(t, sc.chair), as.signIn(t, "ann@example.org")
	o2 := sc.open(t, 5000, 100, 10, 14*24*time.Hour)
	f.pending = subscribe(o2, f.annM, 2)
	wantStatus(t, as.call(t, "POST", sc.coop+"/subscriptions/"+f.pending.ID+"/transfer-instructions", f.ann.tokens.AccessToken, nil), 200)
	// The sessions of the setup have expired with the clock: sign in again.
	f.ann, f.bob = as.signIn(t, "ann@example.org"), as.signIn(t, "bob@example.org")
	return f
}

func TestWebMemberDashboard(t *testing.T) {
	f := newPortalFixture(t)
	as, coop := f.sc.as, f.sc.id
	c := as.webClient(t)

	// Signed out: to the sign-in page, back here afterwards.
	out := c.do("GET", "/c/"+coop+"/me", nil)
	if out.status != 303 || out.location != "/login?next=%2Fc%2F"+coop+"%2Fme" {
		t.Fatalf("signed out: %d %q", out.status, out.location)
	}
	if out := c.do("GET", "/me", nil); out.status != 303 || out.location != "/login?next=%2Fme" {
		t.Fatalf("signed out /me: %d %q", out.status, out.location)
	}

	portalSignIn(t, as, c, f.ann)
	p := c.get("/c/" + coop + "/me")
	if p.status != 200 {
		t.Fatalf("dashboard: %d %s", p.status, p.body)
	}
	text := p.text()
	for _, want := range []string{
		"Mijn lidmaatschap", "Ann de Vries", "Lidnummer 2", "Lid sinds 1 maart 2025",
		// Shares 4–7 of class A, € 50,00 each, € 200,00 in all.
		"Member share (A) 4 4–7 € 50,00 € 200,00",
		// The transfer received, and the second subscription waiting with its pay link.
		"Aandelen A Overschrijving € 200,00 3 maart 2025 Ontvangen",
		"Nog niets ontvangen € 100,00", "Wacht op betaling",
		// Bonds: 10 units of € 250, the first payment a year after the issue date.
		"Zonnedak school", "10 € 2.500,00 3 mei 2026: € 612,50",
		"Jaaroverzicht obligaties 2025",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Bob Bakker") {
		t.Errorf("Bob's name on Ann's dashboard")
	}
	for _, link := range []string{
		`href="/c/` + coop + `/subscriptions/` + f.pending.ID + `"`,
		`href="/c/` + coop + `/me/certificate.pdf?subscription=` + f.paid.ID + `"`,
		`href="/c/` + coop + `/me/bonds/` + f.issue.ID + `"`,
		`href="/c/` + coop + `/me/bond-statements/2025.pdf"`,
		`href="/c/` + coop + `/me/withdrawal"`, `href="/c/` + coop + `/me/payout-account"`,
		`href="/c/` + coop + `/me/election"`, `href="/account/mail"`, `aria-current="page"`,
	} {
		if !strings.Contains(p.body, link) {
			t.Errorf("dashboard lacks %s", link)
		}
	}
	if strings.Contains(p.body, `/subscriptions/`+f.paid.ID+`"`) {
		t.Errorf("a paid subscription still links to its payment page")
	}

	// The certificate: the API's PDF, as a download.
	for _, path := range []string{"/c/" + coop + "/me/certificate.pdf", "/c/" + coop + "/me/certificate.pdf?subscription=" + f.paid.ID} {
		pdf := c.do("GET", path, nil)
		if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF") ||
			!strings.HasPrefix(pdf.header.Get("Content-Disposition"), "attachment;") || !strings.Contains(pdf.body, "Ann de Vries") {
			t.Fatalf("%s: %d %v %.40q", path, pdf.status, pdf.header, pdf.body)
		}
	}
	// The bond schedule and statement.
	sched := c.get("/c/" + coop + "/me/bonds/" + f.issue.ID)
	if st := sched.text(); sched.status != 200 || !strings.Contains(st, "Betaalschema: Zonnedak school") ||
		!strings.Contains(st, "3 mei 2026 € 112,50 € 500,00 € 2.000,00") || !strings.Contains(st, "3 mei 2030 € 22,50 € 500,00 € 0,00") {
		t.Fatalf("schedule: %d %s", sched.status, st)
	}
	if st := c.do("GET", "/c/"+coop+"/me/bond-statements/2025.pdf", nil); st.status != 200 || !strings.HasPrefix(st.body, "%PDF") {
		t.Fatalf("bond statement: %d %.40q", st.status, st.body)
	}
	// No distribution was executed for 2025: no statement (a dry run is not one).
	if d := c.get("/c/" + coop + "/me/distributions/2025"); d.status != 404 {
		t.Fatalf("distribution not executed: %d", d.status)
	}

	// My cooperatives.
	mine := c.get("/me")
	if mine.status != 200 || !strings.Contains(mine.text(), "Zonnepark De Kracht Lid Lidnummer 2") ||
		!strings.Contains(mine.body, `href="/c/`+coop+`/me"`) {
		t.Fatalf("/me: %d %s", mine.status, mine.text())
	}

	// The English variant.
	c.lang = "en"
	en := c.get("/c/" + coop + "/me?lang=en")
	if et := en.text(); !strings.Contains(et, "My membership") || !strings.Contains(et, "Member since 1 March 2025") ||
		!strings.Contains(et, "Member share (A) 4 4–7 €50.00 €200.00") || !strings.Contains(et, "Shares A Bank transfer €200.00 3 March 2025 Received") {
		t.Fatalf("english: %s", et)
	}
}

// Another member's documents by URL: the same page not found as a made-up id, with
// nothing of theirs in it.
func TestWebMemberOthersDocuments(t *testing.T) {
	f := newPortalFixture(t)
	as, coop := f.sc.as, f.sc.id
	c := as.webClient(t)
	portalSignIn(t, as, c, f.bob)
	for _, path := range []string{
		"/c/" + coop + "/me/certificate.pdf?subscription=" + f.paid.ID, // Ann's certificate
		"/c/" + coop + "/me/bonds/" + f.issue.ID,                       // Bob holds no bonds of it
		"/c/" + coop + "/me/certificate.pdf?subscription=nonsense",
		"/c/" + coop + "/me/distributions/1999",
	} {
		p := c.get(path)
		if p.status != 404 || strings.Contains(p.body, "Ann") || strings.Contains(p.body, "%PDF") || !strings.Contains(p.text(), "Niet gevonden") {
			t.Errorf("%s: %d %s", path, p.status, p.text())
		}
	}
	// His own certificate is his, numbers 1–3.
	pdf := c.do("GET", "/c/"+coop+"/me/certificate.pdf", nil)
	if pdf.status != 200 {
		t.Fatalf("Bob's certificate: %d", pdf.status)
	}
	if words := pdfWords(t, pdf.body); !strings.Contains(words, "Bob Bakker") || strings.Contains(words, "Ann de Vries") {
		t.Fatalf("Bob's certificate: %s", words)
	}
	// His bond statement is his own: nothing of Ann's issue holding in it.
	st := c.do("GET", "/c/"+coop+"/me/bond-statements/2025.pdf", nil)
	if st.status != 200 {
		t.Fatalf("Bob's statement: %d", st.status)
	}
	if words := pdfWords(t, st.body); strings.Contains(words, "Ann de Vries") || !strings.Contains(words, "Bob Bakker") {
		t.Fatalf("Bob's statement: %s", words)
	}
	p := c.get("/c/" + coop + "/me")
	if txt := p.text(); strings.Contains(txt, "Ann de Vries") || !strings.Contains(txt, "1–3") || strings.Contains(txt, "Zonnedak") {
		t.Fatalf("Bob's dashboard: %s", txt)
	}
}

// An applicant sees that the board has yet to decide; a signed-in person who never
// applied is offered to apply, not shown an error.
func TestWebMemberApplicantAndStranger(t *testing.T) {
	sc := newScenario(t)
	sc.adopt(t, 20)
	as := sc.as
	cara, _ := sc.applicant(t, "cara@example.org", "Cara Smit")
	c := as.webClient(t)
	portalSignIn(t, as, c, cara)
	p := c.get("/c/" + sc.id + "/me")
	if txt := p.text(); p.status != 200 || !strings.Contains(txt, "Aangemeld") || !strings.Contains(txt, "wacht op het bestuur") ||
		strings.Contains(txt, "Lidnummer") || strings.Contains(p.body, "/me/withdrawal") {
		t.Fatalf("applicant: %d %s", p.status, txt)
	}
	if mine := c.get("/me"); !strings.Contains(mine.text(), "Zonnepark De Kracht Aangemeld") {
		t.Fatalf("/me: %s", mine.text())
	}

	as.signUp(t, "dirk@example.org")
	dirk := as.signIn(t, "dirk@example.org")
	d := as.webClient(t)
	portalSignIn(t, as, d, dirk)
	p = d.get("/c/" + sc.id + "/me")
	if p.status != 200 || !strings.Contains(p.text(), "Nog geen lid") || !strings.Contains(p.body, `href="/c/`+sc.id+`/apply"`) {
		t.Fatalf("stranger: %d %s", p.status, p.text())
	}
	if pdf := d.get("/c/" + sc.id + "/me/certificate.pdf"); pdf.status != 404 {
		t.Fatalf("stranger's certificate: %d", pdf.status)
	}
	mine := d.get("/me")
	if txt := mine.text(); !strings.Contains(txt, "nog bij geen enkele coöperatie") || !strings.Contains(txt, "Coöperaties waar je lid van kunt worden Zonnepark De Kracht") {
		t.Fatalf("/me of a stranger: %s", txt)
	}
}
