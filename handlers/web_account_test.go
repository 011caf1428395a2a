package handlers

import (
	"context"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/notifications"
	"github.com/kracht-coop/kracht/storage/embedded"
	"github.com/wneessen/go-mail"
	"golang.org/x/net/html"
)

// webLogin signs c in on the login page with the fields given over email and password.
func webLogin(c *webClient, email, password string, fields map[string]string) webPage {
	c.t.Helper()
	f := map[string]string{"email": email, "password": password}
	for k, v := range fields {
		f[k] = v
	}
	return c.post(c.get("/login"), "/login", f)
}

// webSignedIn says whether c's session opens the account page (a visitor is sent to /login).
func webSignedIn(c *webClient) bool {
	c.t.Helper()
	p := c.do("GET", "/account", nil)
	return p.status == 200
}

// inputValue is the value of the named input of the form with action.
func inputValue(t testing.TB, p webPage, action, name string) string {
	t.Helper()
	f := p.form(action)
	if f == nil {
		t.Fatalf("no form %s in:\n%s", action, p.body)
	}
	for _, in := range f.inputs {
		if in[0] == name {
			return in[1]
		}
	}
	t.Fatalf("form %s has no input %s", action, name)
	return ""
}

func TestWebSignUpVerifyLogin(t *testing.T) {
	as := newAuthServer(t)
	c := as.webClient(t)

	// A weak password: the reason beside the field, in Dutch, and nothing made or mailed.
	weak := c.submit(c.get("/signup"), "/signup", map[string]string{"email": "ann@example.org", "password": "wachtwoord123"})
	if weak.status != 422 || !strings.Contains(weak.fieldError("password"), "te bekend") {
		t.Fatalf("weak password: %d %q", weak.status, weak.fieldError("password"))
	}
	if inputValue(t, weak, "/signup", "email") != "ann@example.org" || as.mailCount(t, "ann@example.org") != 0 {
		t.Fatal("the address was not kept, or a mail went out")
	}
	signup := c.get("/signup")
	if !strings.Contains(signup.text(), "Minstens 12 tekens") {
		t.Errorf("no password rules: %s", signup.text())
	}
	sent := c.submit(signup, "/signup", map[string]string{"email": "ann@example.org", "password": testPassword})
	if sent.status != 200 || !strings.Contains(sent.text(), "Kijk in je mail") || !strings.Contains(sent.text(), "ann@example.org") {
		t.Fatalf("sent: %d %s", sent.status, sent.text())
	}
	// An address that has an account gets the same answer (and its owner a reset link).
	again := c.submit(c.get("/signup"), "/signup", map[string]string{"email": "ann@example.org", "password": "another long passphrase"})
	if again.status != 200 || again.text() != sent.text() {
		t.Fatalf("a second sign-up tells the address is taken: %s", again.text())
	}
	as.lastLink(t, "ann@example.org", "/reset-password")

	// Not verified: signing in says what to do.
	unverified := webLogin(c, "ann@example.org", testPassword, nil)
	if unverified.status != 422 || !strings.Contains(unverified.text(), "Bevestig eerst je e-mailadres") {
		t.Fatalf("unverified: %d %s", unverified.status, unverified.text())
	}
	token := as.lastLink(t, "ann@example.org", "/verify-email")
	// The GET (a mail scanner's) spends nothing; the button does.
	page := c.get("/verify-email?token=" + url.QueryEscape(token))
	page = c.get("/verify-email?token=" + url.QueryEscape(token))
	if page.status != 200 || inputValue(t, page, "/verify-email", "token") != token {
		t.Fatalf("verify page: %d %s", page.status, page.body)
	}
	done := c.submit(page, "/verify-email", nil)
	if done.status != 200 || !strings.Contains(done.text(), "Je e-mailadres is bevestigd") || done.form("/login") == nil {
		t.Fatalf("verified: %d %s", done.status, done.text())
	}

	// A wrong password: the message at the form, the address kept, no session.
	wrong := webLogin(c, "ann@example.org", "not the password at all", nil)
	if wrong.status != 422 || !strings.Contains(wrong.text(), "Het e-mailadres of het wachtwoord klopt niet") ||
		inputValue(t, wrong, "/login", "email") != "ann@example.org" || webSignedIn(c) {
		t.Fatalf("wrong password: %d %s", wrong.status, wrong.text())
	}
	// Signed in: to /me, or to next when it stays on this site.
	in := webLogin(c, "ann@example.org", testPassword, nil)
	if in.status != 303 || in.location != "/me" || !webSignedIn(c) {
		t.Fatalf("login: %d %q", in.status, in.location)
	}
	d := as.webClient(t)
	next := d.get("/account")
	if next.form("/login") == nil {
		t.Fatalf("a visitor is not sent to sign in: %s", next.body)
	}
	if p := d.submit(next, "/login", map[string]string{"email": "ann@example.org", "password": testPassword}); p.status != 200 ||
		!strings.Contains(p.text(), "Je account") || !strings.Contains(p.text(), "ann@example.org") {
		t.Fatalf("next: %d %s", p.status, p.text())
	}
	e := as.webClient(t)
	evil := e.post(e.get("/login?next=//evil.example/x"), "/login", map[string]string{"email": "ann@example.org", "password": testPassword})
	if evil.location != "/me" {
		t.Fatalf("next left the site: %q", evil.location)
	}
}

func TestWebLinksExpiredOrUsed(t *testing.T) {
	as := newAuthServer(t)
	c := as.webClient(t)
	c.submit(c.get("/signup"), "/signup", map[string]string{"email": "bo@example.org", "password": testPassword})
	token := as.lastLink(t, "bo@example.org", "/verify-email")
	page := c.get("/verify-email?token=" + url.QueryEscape(token))
	as.clock.advance(49 * time.Hour)
	expired := c.submit(page, "/verify-email", nil)
	if expired.status != 400 || !strings.Contains(expired.text(), "Deze link werkt niet (meer)") ||
		!strings.Contains(expired.text(), "Nieuw wachtwoord aanvragen") {
		t.Fatalf("expired: %d %s", expired.status, expired.text())
	}
	if webLogin(c, "bo@example.org", testPassword, nil).status != 422 {
		t.Fatal("an expired link verified the address")
	}

	// Used twice: the second time says so, in the reader's language, never a 500.
	c.submit(c.get("/forgot-password"), "/forgot-password", map[string]string{"email": "bo@example.org"})
	reset := c.get("/reset-password?token=" + url.QueryEscape(as.lastLink(t, "bo@example.org", "/reset-password")))
	if p := c.submit(reset, "/reset-password", map[string]string{"password": "a new long passphrase"}); p.status != 200 {
		t.Fatalf("reset: %d %s", p.status, p.text())
	}
	c.lang = "en"
	twice := c.post(reset, "/reset-password", map[string]string{"password": "yet another passphrase"})
	if twice.status != 400 || !strings.Contains(twice.text(), "This link does not work (any more)") ||
		!strings.Contains(twice.text(), "Ask for a new one") {
		t.Fatalf("used twice: %d %s", twice.status, twice.text())
	}
	if webLogin(c, "bo@example.org", "a new long passphrase", nil).status != 303 {
		t.Fatal("the first reset did not hold")
	}
	// A link that was never one.
	c = as.webClient(t)
	c.lang = "en"
	if p := c.get("/invitations/accept?token=kri_nonsense"); p.status != 200 {
		t.Fatalf("invitation page: %d", p.status)
	} else if bad := c.submit(p, "/invitations/accept", map[string]string{"password": testPassword}); bad.status != 400 ||
		!strings.Contains(bad.text(), "ask whoever invited you") {
		t.Fatalf("bogus invitation: %d %s", bad.status, bad.text())
	}
}

func TestWebResetPasswordSignsOut(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "cas@example.org")
	old := as.webClient(t)
	webLogin(old, "cas@example.org", testPassword, nil)
	if !webSignedIn(old) {
		t.Fatal("not signed in")
	}
	c := as.webClient(t)
	// The same answer for an address without an account, and no mail for it.
	unknown := c.submit(c.get("/forgot-password"), "/forgot-password", map[string]string{"email": "nobody@example.org"})
	if unknown.status != 200 || !strings.Contains(unknown.text(), "Kijk in je mail") || as.mailCount(t, "nobody@example.org") != 0 {
		t.Fatalf("unknown address: %d %s", unknown.status, unknown.text())
	}
	c.submit(c.get("/forgot-password"), "/forgot-password", map[string]string{"email": "cas@example.org"})
	page := c.get("/reset-password?token=" + url.QueryEscape(as.lastLink(t, "cas@example.org", "/reset-password")))
	// A weak password is refused beside the field; the link still works.
	weak := c.submit(page, "/reset-password", map[string]string{"password": "short"})
	if weak.status != 422 || !strings.Contains(weak.fieldError("password"), "minstens 12 tekens") {
		t.Fatalf("weak: %d %q", weak.status, weak.fieldError("password"))
	}
	done := c.submit(weak, "/reset-password", map[string]string{"password": "a new long passphrase"})
	if done.status != 200 || !strings.Contains(done.text(), "Je wachtwoord is gewijzigd") {
		t.Fatalf("reset: %d %s", done.status, done.text())
	}
	if webSignedIn(old) {
		t.Fatal("the old session outlived the reset")
	}
	if webLogin(c, "cas@example.org", testPassword, nil).status != 422 || webLogin(c, "cas@example.org", "a new long passphrase", nil).status != 303 {
		t.Fatal("the new password does not hold")
	}
}

func TestWebLoginSecondFactor(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "dirk@example.org")
	s := as.signIn(t, "dirk@example.org")
	as.turnOnTOTP(t, s)
	c := as.webClient(t)

	none := webLogin(c, "dirk@example.org", testPassword, nil)
	if none.status != 422 || !strings.Contains(none.fieldError("code"), "vul de code uit je app in") {
		t.Fatalf("no code: %d %q", none.status, none.fieldError("code"))
	}
	wrong := webLogin(c, "dirk@example.org", testPassword, map[string]string{"code": "000000"})
	if wrong.status != 422 || !strings.Contains(wrong.fieldError("code"), "Deze code klopt niet") || webSignedIn(c) ||
		inputValue(t, wrong, "/login", "email") != "dirk@example.org" {
		t.Fatalf("wrong code: %d %q", wrong.status, wrong.fieldError("code"))
	}
	if p := webLogin(c, "dirk@example.org", testPassword, map[string]string{"code": as.code(t, s.totp)}); p.status != 303 || !webSignedIn(c) {
		t.Fatalf("code: %d %s", p.status, p.text())
	}

	// A recovery code instead: in, and told how many are left.
	r := as.webClient(t)
	in := r.post(r.get("/login?next=/account"), "/login", map[string]string{"email": "dirk@example.org", "password": testPassword,
		"recovery": s.recovery[0]})
	if in.status != 303 || !strings.HasPrefix(in.location, "/account/recovery-codes?next=") {
		t.Fatalf("recovery: %d %q %s", in.status, in.location, in.text())
	}
	left := r.get(in.location)
	if !strings.Contains(left.text(), "ingelogd met een herstelcode") || !strings.Contains(left.text(), "nog 9 herstelcodes") {
		t.Fatalf("left: %s", left.text())
	}
	// Spent: a second use is refused beside the field.
	again := webLogin(as.webClient(t), "dirk@example.org", testPassword, map[string]string{"recovery": s.recovery[0]})
	if again.status != 422 || !strings.Contains(again.fieldError("recovery"), "al gebruikt") {
		t.Fatalf("spent code: %d %q", again.status, again.fieldError("recovery"))
	}
}

func TestWebTOTPEnrolAndRecoveryCodes(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "eva@example.org")
	api := as.signIn(t, "eva@example.org")
	c := as.webClient(t)
	webLogin(c, "eva@example.org", testPassword, nil)
	before := as.webClient(t) // a session from before two-step verification
	webLogin(before, "eva@example.org", testPassword, nil)

	if !strings.Contains(c.get("/account").text(), "Uit") {
		t.Fatal("account does not say two-step verification is off")
	}
	if p := c.get("/account/recovery-codes"); !strings.Contains(p.text(), "staat nog uit") {
		t.Fatalf("recovery codes without TOTP: %s", p.text())
	}
	page := c.get("/account/totp")
	if !strings.Contains(page.body, `src="data:image/png;base64,`) || !strings.Contains(page.body, `class="qr"`) {
		t.Fatalf("no QR code: %s", page.body)
	}
	otpauth, err := url.Parse(inputValue(t, page, "/account/totp", "otpauth"))
	if err != nil {
		t.Fatal(err)
	}
	secret := otpauth.Query().Get("secret")
	if !strings.Contains(strings.ReplaceAll(page.text(), " ", ""), secret) {
		t.Fatalf("the secret is not there to type: %s", page.text())
	}
	// A wrong code: said beside the field, the same QR code again, nothing turned on.
	wrong := c.submit(page, "/account/totp", map[string]string{"code": "000000"})
	if wrong.status != 422 || !strings.Contains(wrong.fieldError("code"), "klopt niet") ||
		inputValue(t, wrong, "/account/totp", "otpauth") != otpauth.String() {
		t.Fatalf("wrong code: %d %q", wrong.status, wrong.fieldError("code"))
	}
	if twoFactorOn(t, as, api) {
		t.Fatal("a wrong code turned two-step verification on")
	}
	shown := c.submit(wrong, "/account/totp", map[string]string{"code": as.code(t, secret)})
	codes := codesOf(shown)
	if shown.status != 200 || len(codes) != 10 || !strings.Contains(shown.text(), "apart van je telefoon") {
		t.Fatalf("recovery codes: %d %v %s", shown.status, codes, shown.text())
	}
	if !twoFactorOn(t, as, api) || !strings.Contains(c.get("/account").text(), "Aan") {
		t.Fatal("two-step verification is not on")
	}
	// The session that turned it on gave the second factor: new codes at once.
	page = c.get("/account/recovery-codes")
	if !strings.Contains(page.text(), "nog 10 herstelcodes") {
		t.Fatalf("recovery page: %s", page.text())
	}
	renewed := codesOf(c.submit(page, "/account/recovery-codes", nil))
	if len(renewed) != 10 || renewed[0] == codes[0] {
		t.Fatalf("renewed %v", renewed)
	}
	// The older session has not: it is asked for a code first, and nothing changes without.
	page = before.get("/account/recovery-codes")
	if !strings.Contains(page.text(), "zonder de code uit je app") {
		t.Fatalf("no step-up asked: %s", page.text())
	}
	if p := before.submit(page, "/account/recovery-codes", nil); p.status != 422 || p.fieldError("code") == "" {
		t.Fatalf("no code: %d %s", p.status, p.text())
	}
	if p := before.submit(page, "/account/recovery-codes", map[string]string{"code": "000000"}); p.status != 422 || p.fieldError("code") == "" {
		t.Fatalf("wrong code: %d %s", p.status, p.text())
	}
	if p := webLogin(as.webClient(t), "eva@example.org", testPassword, map[string]string{"recovery": renewed[1]}); p.status != 303 {
		t.Fatalf("the codes were replaced without a second factor: %d", p.status)
	}
	third := codesOf(before.submit(page, "/account/recovery-codes", map[string]string{"code": as.code(t, secret)}))
	if len(third) != 10 {
		t.Fatal("no codes after the step-up")
	}
	if p := webLogin(as.webClient(t), "eva@example.org", testPassword, map[string]string{"recovery": renewed[2]}); p.status != 422 {
		t.Fatalf("the replaced codes still work: %d", p.status)
	}
}

// codesOf reads the recovery codes a page shows (the list with class "codes").
func codesOf(p webPage) []string {
	var out []string
	var walk func(n *html.Node, in bool)
	walk = func(n *html.Node, in bool) {
		if n.Type == html.ElementNode && n.Data == "ul" && strings.Contains(attr(n, "class"), "codes") {
			in = true
		}
		if in && n.Type == html.ElementNode && n.Data == "code" && n.FirstChild != nil {
			out = append(out, n.FirstChild.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, in)
		}
	}
	if p.doc != nil {
		walk(p.doc, false)
	}
	return out
}

// twoFactorOn reads the account of s as the API shows it.
func twoFactorOn(t testing.TB, as *authServer, s *session) bool {
	t.Helper()
	r := as.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	return decodeBody[meBody](t, r).TOTPEnabled
}

func TestWebInvitationAccept(t *testing.T) {
	as := newAuthServer(t)
	admin := as.admin(t, "ops@kracht.test")
	id := as.newCooperative(t, admin, "Zonnepark De Kracht")
	invite := func(email string) string {
		r := as.call(t, "POST", "/v1/admin/cooperatives/"+id+"/invitations", admin.tokens.AccessToken,
			map[string]string{"email": email, "language": "nl"})
		wantStatus(t, r, 201)
		return as.lastLink(t, email, "/invitations/accept")
	}
	// A new address: the password makes the account.
	c := as.webClient(t)
	page := c.get("/invitations/accept?token=" + url.QueryEscape(invite("fien@example.org")))
	if weak := c.submit(page, "/invitations/accept", map[string]string{"password": "short"}); weak.status != 422 || weak.fieldError("password") == "" {
		t.Fatalf("weak: %d %s", weak.status, weak.text())
	}
	done := c.submit(page, "/invitations/accept", map[string]string{"password": testPassword})
	if done.status != 200 || !strings.Contains(done.text(), "Je hebt de uitnodiging aangenomen") || done.form("/login") == nil {
		t.Fatalf("accepted: %d %s", done.status, done.text())
	}
	if webLogin(c, "fien@example.org", testPassword, nil).status != 303 {
		t.Fatal("no account made")
	}
	page = c.get(page.form("/invitations/accept").action + "?token=" + url.QueryEscape(inputValue(t, page, "/invitations/accept", "token")))
	if again := c.submit(page, "/invitations/accept", map[string]string{"password": testPassword}); again.status != 400 {
		t.Fatalf("accepted twice: %d", again.status)
	}

	// An address with an account: its own password, and a wrong one says so.
	as.signUp(t, "gijs@example.org")
	d := as.webClient(t)
	page = d.get("/invitations/accept?token=" + url.QueryEscape(invite("gijs@example.org")))
	if wrong := d.submit(page, "/invitations/accept", map[string]string{"password": "not the password at all"}); wrong.status != 422 ||
		!strings.Contains(wrong.fieldError("password"), "Heb je al een account") {
		t.Fatalf("wrong password: %d %q", wrong.status, wrong.fieldError("password"))
	}
	if ok := d.submit(page, "/invitations/accept", map[string]string{"password": testPassword}); ok.status != 200 ||
		!strings.Contains(ok.text(), "Je hebt de uitnodiging aangenomen") {
		t.Fatalf("existing account: %d %s", ok.status, ok.text())
	}
	s := as.signIn(t, "gijs@example.org")
	if r := as.call(t, "GET", "/v1/cooperatives/"+id+"/members", s.tokens.AccessToken, nil); r.status != 200 {
		t.Fatalf("no board role after accepting: %d", r.status)
	}
}

func TestWebFormsNeedTheirToken(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "hein@example.org")
	c := as.webClient(t)
	webLogin(c, "hein@example.org", testPassword, nil)
	// The mail form posted without its CSRF token (as another site would): refused,
	// nothing changed.
	forged := c.do("POST", "/account/mail", url.Values{"_once": {"x"}})
	if forged.status != 403 || !strings.Contains(forged.text(), "Formulier niet aangenomen") {
		t.Fatalf("forged: %d %s", forged.status, forged.text())
	}
	p, err := notify.GetNotificationPreferences(context.Background(), as.store, "hein@example.org")
	if err != nil || !p.Wants(notify.EventApplicationReceived) {
		t.Fatalf("preferences changed: %+v %v", p, err)
	}
	v := as.webClient(t)
	v.get("/signup")
	if r := v.do("POST", "/signup", url.Values{"email": {"ida@example.org"}, "password": {testPassword}}); r.status != 403 ||
		as.mailCount(t, "ida@example.org") != 0 {
		t.Fatalf("forged sign-up: %d", r.status)
	}
}

func TestWebMailPreferencesAndUnsubscribe(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "jan@example.org")
	c := as.webClient(t)
	webLogin(c, "jan@example.org", testPassword, nil)
	page := c.get("/account/mail")
	if !strings.Contains(page.text(), "Link voor een nieuw wachtwoord altijd") || strings.Contains(page.body, `name="mail_password_reset"`) {
		t.Fatalf("mandatory mails are not shown as such: %s", page.text())
	}
	saved := c.submit(page, "/account/mail", map[string]string{"mail_application_received": ""})
	if !strings.Contains(saved.text(), "Je keuzes voor de mails zijn bewaard") {
		t.Fatalf("saved: %s", saved.text())
	}
	p, err := notify.GetNotificationPreferences(context.Background(), as.store, "jan@example.org")
	if err != nil || p.Wants(notify.EventApplicationReceived) || !p.Wants(notify.EventApplicationApproved) {
		t.Fatalf("preferences %+v %v", p, err)
	}
	// Ticked again: on again.
	c.submit(c.get("/account/mail"), "/account/mail", map[string]string{"mail_application_received": "1"})
	if p, _ = notify.GetNotificationPreferences(context.Background(), as.store, "jan@example.org"); !p.Wants(notify.EventApplicationReceived) {
		t.Fatal("not subscribed again")
	}

	// The unsubscribe link of a mail: GET shows, only the button stops the mails.
	token, err := notify.UnsubscribeToken([]byte(testUnsubSecret), "jan@example.org", notify.EventApplicationReceived)
	if err != nil {
		t.Fatal(err)
	}
	v := as.webClient(t)
	show := v.get("/unsubscribe?token=" + url.QueryEscape(token))
	if show.status != 200 || !strings.Contains(show.text(), "Bevestiging dat we je aanmelding hebben ontvangen") {
		t.Fatalf("unsubscribe page: %d %s", show.status, show.text())
	}
	if p, _ = notify.GetNotificationPreferences(context.Background(), as.store, "jan@example.org"); !p.Wants(notify.EventApplicationReceived) {
		t.Fatal("the GET unsubscribed")
	}
	done := v.submit(show, "/unsubscribe", nil)
	if done.status != 200 || !strings.Contains(done.text(), "krijgt deze mails niet meer") {
		t.Fatalf("unsubscribed: %d %s", done.status, done.text())
	}
	if p, _ = notify.GetNotificationPreferences(context.Background(), as.store, "jan@example.org"); p.Wants(notify.EventApplicationReceived) {
		t.Fatal("still subscribed")
	}
	if bad := v.get("/unsubscribe?token=forged.token"); bad.status != 400 || !strings.Contains(bad.text(), "Kies welke mails je krijgt") {
		t.Fatalf("forged token: %d %s", bad.status, bad.text())
	}
}

func TestWebPayoutAccountLink(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	anna, m := payoutMember(t, sc)
	path := sc.coop + "/members/" + m.ID + "/payout-account"
	wantStatus(t, as.call(t, "POST", path, anna.tokens.AccessToken, map[string]string{"iban": "BE68 5390 0754 7034", "accountHolder": "A. de Vries"}), 200)
	token := as.lastLink(t, payoutEmail, "/confirm-payout-account")
	c := as.webClient(t)
	page := c.get("/confirm-payout-account?token=" + url.QueryEscape(token))
	if page.status != 200 || sc.getMember(t, anna.tokens.AccessToken, m.ID).IBAN != payoutIBAN {
		t.Fatalf("the page changed something, or failed: %d", page.status)
	}
	done := c.submit(page, "/confirm-payout-account", nil)
	if done.status != 200 || !strings.Contains(done.text(), "**** 7034") || strings.Contains(done.body, payoutNew) ||
		!strings.Contains(done.text(), "Rekeningnummer gewijzigd") {
		t.Fatalf("confirmed: %d %s", done.status, done.text())
	}
	if g := sc.getMember(t, anna.tokens.AccessToken, m.ID); g.IBAN != payoutNew {
		t.Fatalf("member %+v", g)
	}
	if again := c.submit(page, "/confirm-payout-account", nil); again.status != 400 || !strings.Contains(again.text(), "ledenpagina") {
		t.Fatalf("twice: %d %s", again.status, again.text())
	}
}

func TestWebEnglishSignUp(t *testing.T) {
	as := newAuthServer(t)
	c := as.webClient(t)
	c.lang = "en"
	page := c.get("/signup")
	if !strings.Contains(page.body, `<html lang="en">`) || !strings.Contains(page.text(), "Create an account") ||
		inputValue(t, page, "/signup", "language") != "en" {
		t.Fatalf("english sign-up: %s", page.text())
	}
	weak := c.submit(page, "/signup", map[string]string{"email": "kim@example.org", "password": "kim@example.org"})
	if weak.fieldError("password") != "Your password must not be your e-mail address." {
		t.Fatalf("weak: %q", weak.fieldError("password"))
	}
	sent := c.submit(page, "/signup", map[string]string{"email": "kim@example.org", "password": testPassword})
	if !strings.Contains(sent.text(), "Check your mail") {
		t.Fatalf("sent: %s", sent.text())
	}
	as.lastLink(t, "kim@example.org", "/verify-email")
	if m := as.mails[len(as.mails)-1]; m.Language != "en" {
		t.Fatalf("the mail is in %s", m.Language)
	}
	if p := webLogin(c, "kim@example.org", "wrong password here", nil); !strings.Contains(p.text(), "The e-mail address or password is not correct.") {
		t.Fatalf("english login: %s", p.text())
	}
}

// captureSender keeps what the worker sends.
type captureSender struct {
	mu   sync.Mutex
	msgs []*mail.Msg
}

func (s *captureSender) Send(_ context.Context, m *mail.Msg) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	return nil
}

var mailLink = regexp.MustCompile(`https?://[^\s"<>]+`)

// TestWebEveryMailLinkLands: the mails of a scenario (sign-up, reset, invitation,
// roles, two-step verification, an application, a payout account change), sent as the
// worker sends them, and every link in them opened: each is a page, none a 404.
func TestWebEveryMailLinkLands(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	anna, m := payoutMember(t, sc)
	wantStatus(t, as.call(t, "POST", sc.coop+"/members/"+m.ID+"/payout-account", anna.tokens.AccessToken,
		map[string]string{"iban": "BE68 5390 0754 7034", "accountHolder": "A. de Vries"}), 200)
	wantStatus(t, as.call(t, "POST", "/v1/auth/password-reset/request", "", map[string]string{"email": payoutEmail}), 202)
	as.collectMail(t)

	// The helpers took the mails out of the outbox; the worker sends copies from one of
	// its own, so each is composed exactly as it would be.
	store, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "mail.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	kinds := map[notify.NotificationEvent]bool{}
	if err := store.Update(context.Background(), func(tx cooperative.Tx) error {
		for _, n := range as.mails {
			kinds[n.Event] = true
			if err := notify.Enqueue(tx, notify.Notification{DedupeKey: n.DedupeKey, Event: n.Event, CooperativeID: n.CooperativeID,
				To: n.To, ToName: n.ToName, Language: n.Language, Data: n.Data, Attachments: n.Attachments, CreatedAt: n.CreatedAt}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, e := range []notify.NotificationEvent{notify.EventEmailVerification, notify.EventPasswordReset, notify.EventInvitation,
		notify.EventRoleGranted, notify.EventApplicationReceived, notify.EventPayoutAccountConfirmation} {
		if !kinds[e] {
			t.Fatalf("the scenario sent no %s mail", e)
		}
	}
	r, err := notifications.NewRenderer(notifications.Templates())
	if err != nil {
		t.Fatal(err)
	}
	sender := &captureSender{}
	w, err := notifications.NewWorker(store, sender, r, notifications.WorkerOptions{From: "Kracht <noreply@kracht.test>",
		UnsubscribeURL: testLinkBase + "/v1/unsubscribe", UnsubscribePage: testLinkBase + "/unsubscribe",
		UnsubscribeSecret: []byte(testUnsubSecret), Now: func() time.Time { return as.clock.Now().Add(time.Hour) },
		Throttle: &notify.NotificationThrottle{Window: time.Hour, Limit: 1000, OptionalLimit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		n, err := w.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if len(sender.msgs) != len(as.mails) {
		t.Fatalf("sent %d of %d mails", len(sender.msgs), len(as.mails))
	}
	c := as.webClient(t)
	seen := map[string]bool{}
	for _, msg := range sender.msgs {
		for _, part := range msg.GetParts() {
			b, err := part.GetContent()
			if err != nil {
				t.Fatal(err)
			}
			for _, link := range mailLink.FindAllString(string(b), -1) {
				link = html.UnescapeString(link)
				u, err := url.Parse(link)
				if err != nil || u.Scheme+"://"+u.Host != testLinkBase {
					t.Errorf("a mail links elsewhere: %q", link)
					continue
				}
				if seen[u.RequestURI()] {
					continue
				}
				seen[u.RequestURI()] = true
				if p := c.get(u.RequestURI()); p.status != 200 {
					t.Errorf("%s: %d %s", u.Path, p.status, p.text())
				}
			}
		}
	}
	paths := map[string]bool{}
	for l := range seen {
		u, _ := url.Parse(l)
		paths[u.Path] = true
	}
	for _, p := range []string{"/verify-email", "/reset-password", "/invitations/accept", "/confirm-payout-account", "/unsubscribe"} {
		if !paths[p] {
			t.Errorf("no mail linked to %s (links: %v)", p, paths)
		}
	}
}

func TestWebLoginThrottled(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "lot@example.org")
	c := as.webClient(t)
	for range identity.DefaultSignInLimits().PerAccount {
		webLogin(c, "lot@example.org", "not the password at all", nil)
	}
	// Over the limit even the right password waits, and the page says so.
	p := webLogin(c, "lot@example.org", testPassword, nil)
	if p.status != 422 || !strings.Contains(p.text(), "Te veel pogingen") || webSignedIn(c) {
		t.Fatalf("throttled: %d %s", p.status, p.text())
	}
}
