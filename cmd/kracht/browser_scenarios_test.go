package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kracht-coop/kracht/payments/camt053/camt053test"
)

// applyFields is what the newcomer types into /c/:coop/apply (kind person). The names
// follow the URL/form contract; adjust them here when the form names a field otherwise.
var applyFields = map[string]string{
	"kind":          "person",
	"name":          "Noor Bakker",
	"street":        "Vismarkt 3",
	"postal_code":   "9712 CA",
	"city":          "Groningen",
	"country":       "NL",
	"date_of_birth": "1990-03-14",
	"iban":          "NL91ABNA0417164300",
	"consent":       "1",
}

const sharePrice = 5500 // cents a share in the scenarios' offerings (nominal €50)

func TestBrowser(t *testing.T) {
	browser := newBrowser(t)
	const adminEmail = "ops@kracht.test"
	s := newStand(t, func(_ string, vars func(string) string) { createAdmin(t, vars, adminEmail) })
	c := s.newCoop(adminEmail, "Zonnepark De Kracht")

	t.Run("frame", func(t *testing.T) {
		b := newTab(t, browser, s, "frame")
		b.open("the home page lists the cooperative", "/", 200)
		b.wantText("the home page lists the cooperative", "Zonnepark De Kracht")
		b.open("a page that does not exist", "/no-such-page", 404)
	})
	t.Run("newcomer", func(t *testing.T) { newcomer(t, browser, s, c) })
	t.Run("every-page", func(t *testing.T) { tour(t, browser, s, c) })
	t.Run("wrong-totp", func(t *testing.T) {
		b := newTab(t, browser, s, "wrong-totp")
		b.open("the sign-in page", "/login", 200)
		b.submit("sign in with a wrong code", "/login", map[string]string{"email": c.board.email, "password": standPassword,
			"code": "000000"}, 422)
		if msg := b.fieldError("code"); msg == "" {
			t.Fatalf("wrong-totp: no message beside the code field (#e-code); the page says:\n%s", b.text())
		}
	})
	t.Run("used-link", func(t *testing.T) {
		b := newTab(t, browser, s, "used-link")
		s.signUp("twice@example.org") // verifies through the API: the link is used
		link := s.mailLink("twice@example.org", "/verify-email")
		for name, path := range map[string]string{"used": link.RequestURI(), "unknown": "/verify-email?token=not-a-token"} {
			ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
			res, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.base+path))
			cancel()
			if err != nil {
				t.Fatalf("used-link: open the %s link: %v", name, err)
			}
			if res.Status == 200 && eval[bool](b, "find the form", `!!document.querySelector('form[action="/verify-email"]')`) {
				b.check("the " + name + " link's page")
				ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
				res, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/verify-email"] button`)))
				cancel()
				if err != nil {
					t.Fatalf("used-link: confirm the %s link: %v", name, err)
				}
			}
			if res.Status >= 500 || res.Status < 200 {
				t.Fatalf("used-link: the %s link answered %d; want a page that explains (4xx or 200)", name, res.Status)
			}
			b.check("the " + name + " link explained")
			if !eval[bool](b, "find the heading", `!!document.querySelector("h1") && document.querySelector("h1").innerText.trim() !== ""`) {
				t.Fatalf("used-link: the %s link's page has no heading; it says:\n%s", name, b.text())
			}
		}
	})
	var offering string
	t.Run("double-submit", func(t *testing.T) {
		offering = c.openOffering(sharePrice)
		u, m := c.member("double@example.org", "Daan Dubbel")
		b := newTab(t, browser, s, "double-submit")
		b.signIn(u.email)
		path := c.web("/offerings/" + offering)
		b.open("the offering", path, 200)
		b.fill(path, map[string]string{"units": "1"})
		// A double click (or a resend) posts the same form twice: the first post is sent
		// from the page as the browser would, then the button is pressed.
		eval[int](b, "post the form a first time", fmt.Sprintf(`(() => { const f = document.querySelector('form[action=%q]');
			return fetch(f.action, {method: "POST", body: new URLSearchParams(new FormData(f)), credentials: "same-origin",
				redirect: "manual"}).then(r => r.status); })()`, path))
		b.submit("post the same form again", path, nil, 200)
		if subs := c.subscriptions(u, m.ID); len(subs) != 1 {
			t.Fatalf("double-submit: the form posted twice made %d subscriptions, want 1", len(subs))
		}
		// Buying again on purpose is a new form, and a second subscription.
		b.open("the offering again", path, 200)
		b.submit("buy one more share", path, map[string]string{"units": "1"}, 200)
		if subs := c.subscriptions(u, m.ID); len(subs) != 2 {
			t.Fatalf("double-submit: a new form made %d subscriptions in all, want 2", len(subs))
		}
	})
	t.Run("csrf", func(t *testing.T) {
		if offering == "" {
			t.Fatal("csrf: needs the offering of double-submit")
		}
		u, m := c.member("target@example.org", "Tim Doelwit")
		b := newTab(t, browser, s, "csrf")
		b.signIn(u.email)
		// Another origin (same host, another port: same site, so the cookie goes along;
		// only the origin and token checks stand between).
		target := s.base + c.web("/offerings/"+offering)
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Win a prize</title></head><body><main><h1>Win a prize</h1>
<form method="post" action="%s"><input type="hidden" name="units" value="10"><input type="hidden" name="_csrf" value="forged">
<button type="submit">Claim</button></form></main></body></html>`, target)
		}))
		defer evil.Close()
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(evil.URL)); err != nil {
			t.Fatalf("csrf: open the other site: %v", err)
		}
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("button")))
		if err != nil {
			t.Fatalf("csrf: post from the other site: %v", err)
		}
		if res.Status != 403 {
			t.Fatalf("csrf: a post from %s answered %d, want 403; the page says:\n%s", evil.URL, res.Status, b.text())
		}
		b.check("refused post from another origin")
		if subs := c.subscriptions(u, m.ID); len(subs) != 0 {
			t.Fatalf("csrf: the forged post made a subscription: %+v", subs)
		}
	})
	t.Run("someone-elses", func(t *testing.T) {
		if offering == "" {
			t.Fatal("someone-elses: needs the offering of double-submit")
		}
		owner, om := c.member("owner@example.org", "Olga Eigenaar")
		var sub apiSubscription
		s.call("POST", c.api("/offerings/"+offering+"/subscriptions"), owner.token, map[string]any{"memberId": om.ID, "shares": 1},
			201, &sub, "Idempotency-Key", "owner-1")
		peeker, _ := c.member("peeker@example.org", "Piet Gluur")
		b := newTab(t, browser, s, "someone-elses")
		b.signIn(peeker.email)
		b.open("someone else's subscription by URL", c.web("/subscriptions/"+sub.ID), 404)
		if status, _, _ := b.fetch(c.web("/subscriptions/"+sub.ID+"/girocode.png"), 0); status != 404 {
			t.Fatalf("someone-elses: their girocode.png answered %d, want 404", status)
		}
		// Their certificate, once the offering is closed and the shares are theirs.
		s.call("POST", c.api("/subscriptions/"+sub.ID+"/payment"), c.acc.token,
			map[string]string{"bankReference": "OWNER-1", "paidOn": time.Now().UTC().Format("2006-01-02")}, 200, nil)
		s.call("POST", c.api("/offerings/"+offering+"/close"), c.board.token, nil, 200, nil)
		if status, ct, _ := b.fetch(c.web("/me/certificate.pdf?subscription="+sub.ID), 5); status != 404 || ct == "application/pdf" {
			t.Fatalf("someone-elses: their certificate answered %d (%s), want 404", status, ct)
		}
		ob := newTab(t, browser, s, "someone-elses-owner")
		ob.signIn(owner.email)
		if status, ct, head := ob.fetch(c.web("/me/certificate.pdf?subscription="+sub.ID), 5); status != 200 || ct != "application/pdf" || head != "%PDF-" {
			t.Fatalf("someone-elses: the owner's own certificate answered %d %s %q", status, ct, head)
		}
	})
}

// newcomer: sign up, verify, sign in, apply, (board approves), buy shares by bank
// transfer, (accountant imports the statement, board closes the round), see the shares
// and download the certificate.
func newcomer(t *testing.T, browser context.Context, s *stand, c *coop) {
	const email = "noor@example.org"
	offering := c.openOffering(sharePrice)
	b := newTab(t, browser, s, "newcomer")

	b.open("the sign-up page", "/signup", 200)
	b.submit("sign up", "/signup", map[string]string{"email": email, "password": standPassword, "language": "nl"}, 200)
	link := s.mailLink(email, "/verify-email")
	b.open("the verification link from the mail", link.RequestURI(), 200)
	b.submit("confirm the e-mail address", "/verify-email", nil, 200)
	b.signIn(email)

	b.open("the application form", c.web("/apply"), 200)
	b.submit("apply", c.web("/apply"), applyFields, 200)
	u := &apiUser{email: email}
	s.signIn(u)
	m := c.myMember(u)
	if m.Status != "applied" {
		t.Fatalf("newcomer: after applying the member record is %+v, want status applied", m)
	}
	m = c.approve(m.ID)

	buy := c.web("/offerings/" + offering)
	b.open("the offering", buy, 200)
	b.submit("buy two shares", buy, map[string]string{"units": "2"}, 200)
	subPath := regexp.MustCompile(`/c/[^/]+/subscriptions/([^/?#]+)$`).FindStringSubmatch(strings.SplitN(b.location(), "?", 2)[0])
	if subPath == nil {
		t.Fatalf("newcomer: buying led to %s, want /c/:coop/subscriptions/:sub", b.location())
	}
	sub := subPath[1]
	b.submit("pay by bank transfer", c.web("/subscriptions/"+sub+"/transfer"), nil, 200)
	page := b.text()
	ref := regexp.MustCompile(`RF\d{2}[0-9A-Z]{1,21}`).FindString(strings.ReplaceAll(page, " ", ""))
	const amount = 2 * sharePrice
	if ref == "" || !strings.Contains(page, "110,00") {
		t.Fatalf("newcomer: the transfer page shows no RF reference or not the amount 110,00; it says:\n%s", page)
	}

	// The bank statement with the member's transfer, imported by the accountant.
	var stmt bytes.Buffer
	now := time.Now()
	if err := camt053test.Write(&stmt, camt053test.Statement{MessageID: "STMT-NOOR", StatementID: "STMT-NOOR-1",
		IBAN: "NL91ABNA0417164300", Created: now, Lines: []camt053test.Line{{Credit: true, AmountCents: amount,
			RFReference: ref, Name: "N BAKKER", IBAN: "NL91ABNA0417164300", BookedOn: now}}}); err != nil {
		t.Fatal(err)
	}
	var imported struct {
		Tally struct {
			Matched int `json:"matched"`
			Review  int `json:"review"`
		} `json:"tally"`
	}
	s.call("POST", c.api("/bank-statements"), c.acc.token, stmt.Bytes(), 200, &imported)
	if imported.Tally.Matched != 1 {
		t.Fatalf("newcomer: the statement with %s over %d cents matched %d payments, want 1", ref, amount, imported.Tally.Matched)
	}
	s.call("POST", c.api("/offerings/"+offering+"/close"), c.board.token, nil, 200, nil)

	b.open("the member's page with the shares", c.web("/me"), 200)
	b.wantText("the member's page with the shares", fmt.Sprint(m.Number))
	if !regexp.MustCompile(`\b1\s*(–|-|t/m|to)\s*2\b`).MatchString(b.text()) {
		t.Fatalf("newcomer: the member's page does not show share numbers 1–2; it says:\n%s", b.text())
	}
	status, ct, head := b.fetch(c.web("/me/certificate.pdf"), 5)
	if status != 200 || ct != "application/pdf" || head != "%PDF-" {
		t.Fatalf("newcomer: the certificate answered %d, %s, starting %q; want 200, application/pdf, %%PDF-", status, ct, head)
	}
}

// signIn signs in through the sign-in page with the stand's password.
func (b *tab) signIn(email string) {
	b.t.Helper()
	b.open("the sign-in page", "/login", 200)
	b.submit("sign in as "+email, "/login", map[string]string{"email": email, "password": standPassword}, 200)
}
