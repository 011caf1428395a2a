package handlers

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestWebBuyShares: a member buys shares (a form posted twice makes one subscription),
// asks for the transfer details (the RF reference and a GiroCode PNG), and may not see
// another member's subscription.
func TestWebBuyShares(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	ctx := context.Background()
	sc.adopt(t, 20)
	o := sc.open(t, 5000, 100, 10, 14*24*time.Hour)
	_, m := sc.member(t, "bert@example.org", "Bert Jansen")
	c := as.webClient(t)
	webSignIn(t, as, c, "bert@example.org")
	action := "/c/" + sc.id + "/offerings/" + o.ID
	page := c.get(action)
	if page.status != 200 || !strings.Contains(page.text(), "minimaal 1, maximaal 10") || !strings.Contains(page.text(), "€ 50,00") {
		t.Fatalf("offering page %d: %s", page.status, page.text())
	}
	if bad := c.post(page, action, map[string]string{"units": "0"}); bad.status != 422 || bad.fieldError("units") != "Vul een heel getal in, 1 of meer." {
		t.Fatalf("0 shares: %d %q", bad.status, bad.fieldError("units"))
	}
	if bad := c.post(page, action, map[string]string{"units": "11"}); bad.status != 422 || bad.fieldError("units") != "Kies minimaal 1 en maximaal 10." {
		t.Fatalf("11 shares: %d %q", bad.status, bad.fieldError("units"))
	}
	first := c.post(page, action, map[string]string{"units": "3"})
	second := c.post(page, action, map[string]string{"units": "3"})
	if first.status != 303 || !strings.HasPrefix(first.location, "/c/"+sc.id+"/subscriptions/") || second.location != first.location {
		t.Fatalf("posted twice: %d %q %q", first.status, first.location, second.location)
	}
	subs, _, err := as.registry.ListSubscriptions(ctx, sc.id, "member", m.ID, "", 10)
	if err != nil || len(subs) != 1 || subs[0].Shares != 3 || subs[0].AmountCents != 15000 {
		t.Fatalf("subscriptions %+v %v", subs, err)
	}
	loc := first.location
	sub := c.get(loc)
	if sub.status != 200 || !strings.Contains(sub.text(), "€ 150,00") || !strings.Contains(sub.text(), "Wacht op betaling") ||
		!strings.Contains(sub.text(), "Je inschrijving is ontvangen") {
		t.Fatalf("subscription page %d: %s", sub.status, sub.text())
	}
	if p := c.do("GET", loc+"/girocode.png", nil); p.status != 404 {
		t.Fatalf("a code before the payment exists: %d", p.status)
	}
	tr := c.submit(sub, loc+"/transfer", nil)
	pay, err := as.payments.PaymentForSubscription(ctx, sc.id, subs[0].ID)
	if err != nil || pay.Reference == "" || pay.Amount != 15000 {
		t.Fatalf("payment %+v %v", pay, err)
	}
	if tr.status != 200 || !strings.Contains(tr.text(), pay.Reference) || !strings.Contains(tr.text(), "NL91ABNA0417164300") ||
		!strings.Contains(tr.body, `src="`+loc+`/girocode.png"`) || !strings.Contains(tr.body, `alt="QR-code voor je bankapp`) {
		t.Fatalf("transfer page %d: %s", tr.status, tr.body)
	}
	img := c.do("GET", loc+"/girocode.png", nil)
	cfg, err := png.DecodeConfig(bytes.NewReader([]byte(img.body)))
	if img.status != 200 || img.header.Get("Content-Type") != "image/png" || err != nil || cfg.Width != 440 || cfg.Height != 440 {
		t.Fatalf("girocode %d %s %v %+v", img.status, img.header.Get("Content-Type"), err, cfg)
	}
	// Paying online without Stripe connected: the page says so, and to pay by transfer.
	if co := c.post(tr, loc+"/checkout", nil); co.status == 303 || !strings.Contains(co.text(), "Online betalen kan bij deze coöperatie nu niet") {
		t.Fatalf("checkout without Stripe: %d %s", co.status, co.text())
	}

	// Another member (and someone who is no member) finds nothing there.
	sc.member(t, "carla@example.org", "Carla")
	other := as.webClient(t)
	webSignIn(t, as, other, "carla@example.org")
	for _, path := range []string{loc, loc + "/girocode.png", loc + "/return"} {
		if p := other.do("GET", path, nil); p.status != 404 {
			t.Fatalf("another member's %s: %d", path, p.status)
		}
	}
	own := other.get(action).form(action)
	var token string
	for _, in := range own.inputs {
		if in[0] == "_csrf" {
			token = in[1]
		}
	}
	for _, path := range []string{loc + "/transfer", loc + "/checkout"} {
		if p := other.do("POST", path, url.Values{"_csrf": {token}}); p.status != 404 {
			t.Fatalf("another member's POST %s: %d", path, p.status)
		}
	}
	as.signUp(t, "dirk@example.org")
	stranger := as.webClient(t)
	webSignIn(t, as, stranger, "dirk@example.org")
	if p := stranger.do("GET", loc, nil); p.status != 404 {
		t.Fatalf("a stranger: %d", p.status)
	}
}

// TestWebBuyBonds: the same pages for bond units.
func TestWebBuyBonds(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	ctx := context.Background()
	sc.adopt(t, 20)
	i, err := as.bonds.CreateIssue(ctx, cooperative.Actor{UserID: sc.chair.userID, Role: "board"}, bondIssueForTest(sc.id, as.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	_, m := sc.member(t, "bert@example.org", "Bert Jansen")
	c := as.webClient(t)
	webSignIn(t, as, c, "bert@example.org")
	c.get("/?lang=en") // the switch: the account's language is Dutch
	action := "/c/" + sc.id + "/bond-issues/" + i.ID
	page := c.get(action)
	if page.status != 200 || !strings.Contains(page.text(), "4.50%") || !strings.Contains(page.text(), "€250.00") {
		t.Fatalf("issue page %d: %s", page.status, page.text())
	}
	first := c.post(page, action, map[string]string{"units": "2"})
	second := c.post(page, action, map[string]string{"units": "2"})
	if first.status != 303 || !strings.HasPrefix(first.location, "/c/"+sc.id+"/bond-subscriptions/") || second.location != first.location {
		t.Fatalf("posted twice: %d %q %q", first.status, first.location, second.location)
	}
	subs, _, err := as.bonds.ListSubscriptions(ctx, sc.id, "member", m.ID, "", 10)
	if err != nil || len(subs) != 1 || subs[0].Units != 2 || subs[0].AmountCents != 50000 {
		t.Fatalf("bond subscriptions %+v %v", subs, err)
	}
	tr := c.submit(c.get(first.location), first.location+"/transfer", nil)
	pay, err := as.payments.PaymentForSubscription(ctx, sc.id, subs[0].ID)
	if err != nil || tr.status != 200 || !strings.Contains(tr.text(), pay.Reference) || !strings.Contains(tr.text(), "€500.00") {
		t.Fatalf("transfer %d %v: %s", tr.status, err, tr.text())
	}
	if img := c.do("GET", first.location+"/girocode.png", nil); img.status != 200 || !strings.HasPrefix(img.body, "\x89PNG") {
		t.Fatalf("girocode %d", img.status)
	}
}

// TestWebCheckout: paying online goes to Stripe Checkout (stripe-mock) and back to a
// page that waits for Stripe's word.
func TestWebCheckout(t *testing.T) {
	sf := newStripeFlow(t)
	sf.member(t, "erik@example.org")
	c := sf.webClient(t)
	webSignIn(t, sf.authServer, c, "erik@example.org")
	action := "/c/" + sf.coop + "/offerings/" + sf.offering
	loc := c.post(c.get(action), action, map[string]string{"units": "2"}).location
	sub := c.get(loc)
	co := c.post(sub, loc+"/checkout", nil)
	if co.status != 303 || co.location == "" || strings.HasPrefix(co.location, "/") {
		t.Fatalf("checkout: %d %q %s", co.status, co.location, co.text())
	}
	started := false
	for _, call := range sf.stripe.Calls() {
		started = started || call.Method == "POST" && call.Path == "/v1/checkout/sessions"
	}
	if !started {
		t.Fatalf("no Checkout Session asked: %+v", sf.stripe.Calls())
	}
	if back := c.get(loc + "/return"); back.status != 200 || !strings.Contains(back.text(), "We wachten op de bevestiging van Stripe") {
		t.Fatalf("return: %d %s", back.status, back.text())
	}
}
