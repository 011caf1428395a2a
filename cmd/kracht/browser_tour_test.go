package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/payments/camt053/camt053test"
)

// tour visits every page of the web front once, with data on it, so that each is
// checked by axe-core and photographed at both widths (KRACHT_SCREENSHOTS): the public
// pages signed out, the pages of every mailed link, and a member's pages with shares,
// a bond and a fund round. The other scenarios check behaviour; this one checks that
// no page is left out.
func tour(t *testing.T, browser context.Context, s *stand, c *coop) {
	const email = "tour@example.org"
	u, _ := c.member(email, "Łukasz Wąsowski")
	var about map[string]any
	s.call("PUT", c.api("/about"), c.board.token, map[string]string{
		"textNl": "Wij wekken samen zonnestroom op in het dorp en steken de winst in nieuwe buurtprojecten.",
		"textEn": "Together we make solar power in the village and put the surplus into new local projects.",
		"street": "Dijkweg 1", "postcode": "9711 AA", "city": "Groningen", "email": "bestuur@example.org",
		"website": "https://zon.example.org"}, 200, &about)

	// Money for the fund, so a round can open: a donation paid by transfer.
	var donation struct {
		ID string `json:"id"`
	}
	s.call("POST", c.api("/fund/donations"), u.token, map[string]any{"amountCents": 250_000, "name": "Łukasz", "public": true},
		201, &donation)
	var instr struct {
		Reference   string `json:"reference"`
		AmountCents int64  `json:"amountCents"`
	}
	s.call("POST", c.api("/fund/donations/"+donation.ID+"/transfer-instructions"), u.token, nil, 200, &instr)
	importCredit(t, s, c, "TOUR-DONATION", instr.Reference, instr.AmountCents)
	now := time.Now()
	var round struct {
		ID string `json:"id"`
	}
	s.call("POST", c.api("/fund/rounds"), c.board.token, map[string]any{"title": "Buurtbudget 2027", "budgetCents": 200_000,
		"proposalsFrom": now.Add(-time.Minute), "proposalsTo": now.AddDate(0, 0, 10), "votingFrom": now.AddDate(0, 0, 11),
		"votingTo": now.AddDate(0, 0, 20), "recordDate": now.AddDate(0, 0, 10).UTC().Format("2006-01-02")}, 201, &round)

	// A bond issue open for subscription.
	var issue struct {
		ID string `json:"id"`
	}
	s.call("POST", c.api("/bond-issues"), c.board.token, map[string]any{"name": "Zonnedak school", "project": "Zonnepanelen op het dak van de dorpsschool",
		"terms": map[string]any{"denominationCents": 25000, "couponBp": 450, "termMonths": 60, "amortisation": "linear",
			"frequency": 1, "dayCount": "30E/360", "issueDate": now.AddDate(0, 2, 0).UTC().Format("2006-01-02"),
			"firstPaymentDate": now.AddDate(1, 2, 0).UTC().Format("2006-01-02")},
		"sizeUnits": 100, "opensAt": now.Add(-time.Minute), "closesAt": now.AddDate(0, 1, 0), "minPerMember": 1, "maxPerMember": 40,
		"allocation": "first_come", "earlyRedemption": map[string]any{"allowedFrom": now.AddDate(1, 2, 0).UTC().Format("2006-01-02"),
			"penaltyMonths": 3}}, 201, &issue)
	offering := c.openOffering(sharePrice)

	visitor := newTab(t, browser, s, "tour-visitor")
	visitor.open("the home page in English (the browser's language)", "/", 200)
	visitor.wantText("the home page in English", "Cooperatives on Kracht")
	visitor.open("the switch to Dutch", "/?lang=nl", 200)
	visitor.wantText("the home page in Dutch", "Coöperaties op Kracht")
	for _, p := range []struct{ step, path string }{
		{"the home page", "/"}, {"the cooperative's page", c.web("")}, {"the fund page", c.web("/fund")},
		{"the fund's rounds", c.web("/fund/rounds")}, {"the round", c.web("/fund/rounds/" + round.ID)},
		{"the sign-up page", "/signup"}, {"the sign-in page", "/login"}, {"forgot password", "/forgot-password"},
	} {
		visitor.open(p.step, p.path, 200)
		if p.path == c.web("/fund/rounds/"+round.ID) {
			visitor.wantText("the round", "Buurtbudget 2027")
		}
	}
	visitor.open("the cooperative's page again", c.web(""), 200)
	visitor.wantText("the cooperative's page", "zonnestroom", "Zonnedak school")
	visitor.open("forgot password", "/forgot-password", 200)
	visitor.submit("ask for a reset link", "/forgot-password", map[string]string{"email": email}, 200)
	visitor.open("the reset link from the mail", s.mailLink(email, "/reset-password").RequestURI(), 200)
	s.call("POST", c.api("/invitations"), c.board.token, map[string]string{"email": "new-board@example.org", "language": "nl",
		"role": "board"}, 201, nil)
	visitor.open("the invitation link from the mail", s.mailLink("new-board@example.org", "/invitations/accept").RequestURI(), 200)

	b := newTab(t, browser, s, "tour-member")
	b.signIn(email)
	for _, p := range []struct{ step, path string }{
		{"my cooperatives", "/me"}, {"the member's page", c.web("/me")}, {"the offering", c.web("/offerings/" + offering)},
		{"the bond issue", c.web("/bond-issues/" + issue.ID)}, {"the withdrawal form", c.web("/me/withdrawal")},
		{"the payout account", c.web("/me/payout-account")}, {"the dividend election", c.web("/me/election")},
		{"the account", "/account"}, {"two-step verification", "/account/totp"}, {"recovery codes", "/account/recovery-codes"},
		{"mail preferences", "/account/mail"}, {"the proposal form", c.web("/fund/rounds/" + round.ID + "/propose")},
	} {
		b.open(p.step, p.path, 200)
	}
	b.open("the proposal form", c.web("/fund/rounds/"+round.ID+"/propose"), 200)
	b.submit("propose a project", c.web("/fund/rounds/"+round.ID+"/propose"), map[string]string{"title": "Speeltuin Noord",
		"description": "Een speeltuin voor de kinderen in de straat.", "amount": "1.250,00", "beneficiary_name": "Stichting Speeltuin",
		"beneficiary_iban": "NL91ABNA0417164300", "neighbourhood": "Noord"}, 200)
	b.wantText("the round with the proposal", "Speeltuin Noord")

	// A bond bought and paid by transfer, the issue closed: the holding and its schedule.
	b.open("the bond issue", c.web("/bond-issues/"+issue.ID), 200)
	b.submit("buy two bonds", c.web("/bond-issues/"+issue.ID), map[string]string{"units": "2"}, 200)
	sub := regexp.MustCompile(`/bond-subscriptions/([^/?#]+)$`).FindStringSubmatch(strings.SplitN(b.location(), "?", 2)[0])
	if sub == nil {
		t.Fatalf("tour: buying bonds led to %s, want /c/:coop/bond-subscriptions/:sub", b.location())
	}
	b.submit("pay the bonds by bank transfer", c.web("/bond-subscriptions/"+sub[1]+"/transfer"), nil, 200)
	ref := regexp.MustCompile(`RF\d{2}[0-9A-Z]{1,21}`).FindString(strings.ReplaceAll(b.text(), " ", ""))
	if ref == "" {
		t.Fatalf("tour: the bond transfer page shows no RF reference; it says:\n%s", b.text())
	}
	importCredit(t, s, c, "TOUR-BONDS", ref, 2*25000)
	s.call("POST", c.api("/bond-issues/"+issue.ID+"/close"), c.board.token, nil, 200, nil)
	b.open("the member's page with the bond", c.web("/me"), 200)
	b.open("the bond's schedule", c.web("/me/bonds/"+issue.ID), 200)
	b.wantText("the bond's schedule", "€ 22,50", "€ 400,00")

	// A change of payout account without TOTP waits for the mailed link.
	b.open("the payout account", c.web("/me/payout-account"), 200)
	b.submit("change the payout account", c.web("/me/payout-account"), map[string]string{"iban": "NL20INGB0001234567",
		"holder": "Ł. Wąsowski"}, 200)
	b.open("the payout link from the mail", s.mailLink(email, "/confirm-payout-account").RequestURI(), 200)
	b.open("the unsubscribe link from a mail", s.mailLink(email, "/unsubscribe").RequestURI(), 200)
}

// importCredit has the accountant import a statement with one credit of amount cents
// quoting ref.
func importCredit(t *testing.T, s *stand, c *coop, id, ref string, amount int64) {
	t.Helper()
	var stmt bytes.Buffer
	now := time.Now()
	if err := camt053test.Write(&stmt, camt053test.Statement{MessageID: id, StatementID: id + "-1", IBAN: "NL91ABNA0417164300",
		Created: now, Lines: []camt053test.Line{{Credit: true, AmountCents: amount, RFReference: ref, Name: "L WASOWSKI",
			IBAN: "NL91ABNA0417164300", BookedOn: now}}}); err != nil {
		t.Fatal(err)
	}
	var imported struct {
		Tally struct {
			Matched int `json:"matched"`
		} `json:"tally"`
	}
	s.call("POST", c.api("/bank-statements"), c.acc.token, stmt.Bytes(), 200, &imported)
	if imported.Tally.Matched != 1 {
		t.Fatalf("tour: the statement %s with %s over %d cents matched %d payments, want 1", id, ref, amount, imported.Tally.Matched)
	}
}
