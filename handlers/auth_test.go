package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
	"github.com/pquerna/otp/totp"
)

// testClock is a pinned clock the tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// authServer is the real API on the embedded store with a pinned clock, argon2 at test
// cost (production uses OWASP's parameters; the algorithm is the same) and the mails
// of the outbox at hand.
type authServer struct {
	*testServer
	clock *testClock
	keys  []SigningKey
	mails []notify.Notification
}

const (
	testPassword      = "correct horse battery"
	testUnsubSecret   = "0123456789abcdef0123456789abcdef"
	testIssuer        = "https://kracht.test"
	testAudience      = "kracht-api"
	testLinkBase      = "https://app.kracht.test"
	testMemoryKiB     = 64
	testPasswordTime  = 1
	testForwardedFrom = "203.0.113.7"
)

func newAuthServer(t testing.TB, change ...func(*Options)) *authServer {
	t.Helper()
	store, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "kracht.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	key, err := NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	logs := &bytes.Buffer{}
	opts := Options{Store: auditChecked(t, store), Logger: slog.New(slog.NewJSONHandler(logs, nil)), Version: "test", BodyLimit: 64 << 10,
		Now: clock.Now, Auth: AuthOptions{Keys: []SigningKey{key}, Issuer: testIssuer, Audience: testAudience,
			UnsubscribeSecret: []byte(testUnsubSecret),
			// The tests' requests come from 0.0.0.0; trusting it lets them pick a client
			// address with X-Forwarded-For.
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}}}
	for _, c := range change {
		c(&opts)
	}
	if opts.Payments.Checkout == nil {
		opts.Payments.Checkout = testCheckout(opts)
	}
	opts = withServices(opts, identity.AccountsOptions{})
	srv := New(opts)
	return &authServer{testServer: &testServer{Server: srv, store: store, logs: logs}, clock: clock, keys: opts.Auth.Keys}
}

// call sends a JSON request, with a bearer token when token is not empty.
func (as *authServer) call(t testing.TB, method, path, token string, body any, header ...string) response {
	t.Helper()
	var r *strings.Reader
	ct := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r, ct = strings.NewReader(string(b)), "application/json"
	}
	if token != "" {
		header = append(header, "Authorization", "Bearer "+token)
	}
	if r == nil {
		return as.do(t, method, path, ct, nil, header...)
	}
	return as.do(t, method, path, ct, r, header...)
}

func decodeBody[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	return v
}

func wantStatus(t testing.TB, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

// collectMail takes every due message out of the outbox, as the worker would.
func (as *authServer) collectMail(t testing.TB) {
	t.Helper()
	res, err := notify.ClaimNotifications(context.Background(), as.store, notify.ClaimRequest{
		Owner: "test", Now: as.clock.Now().Add(time.Hour), Lease: time.Hour, Limit: 1000, MaxAttempts: 10})
	if err != nil {
		t.Fatal(err)
	}
	as.mails = append(as.mails, res.Claimed...)
}

// lastLink returns the token of the last mail to address whose link goes to page.
func (as *authServer) lastLink(t testing.TB, address, page string) string {
	t.Helper()
	as.collectMail(t)
	for i := len(as.mails) - 1; i >= 0; i-- {
		m := as.mails[i]
		if m.To != address {
			continue
		}
		u, err := url.Parse(m.Data["link"])
		if err != nil {
			t.Fatal(err)
		}
		if u.Path == page {
			return u.Query().Get("token")
		}
	}
	t.Fatalf("no mail to %s with a link to %s (mails: %d)", address, page, len(as.mails))
	return ""
}

func (as *authServer) mailCount(t testing.TB, address string) int {
	as.collectMail(t)
	n := 0
	for _, m := range as.mails {
		if m.To == address {
			n++
		}
	}
	return n
}

// signUp makes a verified account through the API.
func (as *authServer) signUp(t testing.TB, email string) {
	t.Helper()
	wantStatus(t, as.call(t, "POST", "/v1/auth/signup", "", map[string]string{"email": email, "password": testPassword, "language": "nl"}), 202)
	token := as.lastLink(t, email, "/verify-email")
	wantStatus(t, as.call(t, "POST", "/v1/auth/verify-email", "", map[string]string{"token": token}), 204)
}

// session is a signed-in user as the client sees it.
type session struct {
	email  string
	userID string
	tokens tokenBody
	totp   string // the TOTP secret once turned on
	// recovery are the recovery codes turning TOTP on gave.
	recovery []string
}

func (as *authServer) login(t testing.TB, email, password, code string) response {
	t.Helper()
	body := map[string]string{"email": email, "password": password}
	if code != "" {
		body["totpCode"] = code
	}
	return as.call(t, "POST", "/v1/auth/login", "", body)
}

func (as *authServer) signIn(t testing.TB, email string) *session {
	t.Helper()
	r := as.login(t, email, testPassword, "")
	wantStatus(t, r, 200)
	s := &session{email: email, tokens: decodeBody[tokenBody](t, r)}
	me := as.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil)
	wantStatus(t, me, 200)
	s.userID = decodeBody[meBody](t, me).ID
	return s
}

// code returns a fresh TOTP code: the clock moves on a step first, since a code is
// accepted once.
func (as *authServer) code(t testing.TB, secret string) string {
	t.Helper()
	as.clock.advance(30 * time.Second)
	c, err := totp.GenerateCode(secret, as.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// turnOnTOTP enrolls and confirms; s then holds an access token with the second factor.
func (as *authServer) turnOnTOTP(t testing.TB, s *session) {
	t.Helper()
	r := as.call(t, "POST", "/v1/auth/totp/enroll", s.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	s.totp = decodeBody[totpEnrollBody](t, r).Secret
	r = as.call(t, "POST", "/v1/auth/totp/confirm", s.tokens.AccessToken, map[string]string{"code": as.code(t, s.totp)})
	wantStatus(t, r, 200)
	confirmed := decodeBody[accessTokenBody](t, r)
	s.tokens.AccessToken, s.recovery = confirmed.AccessToken, confirmed.RecoveryCodes
}

// signInMFA starts a new session with password and TOTP code.
func (as *authServer) signInMFA(t testing.TB, s *session) *session {
	t.Helper()
	r := as.login(t, s.email, testPassword, as.code(t, s.totp))
	wantStatus(t, r, 200)
	n := *s
	n.tokens = decodeBody[tokenBody](t, r)
	return &n
}

// admin makes a platform admin (as the command line does) with TOTP on.
func (as *authServer) admin(t testing.TB, email string) *session {
	t.Helper()
	if _, err := as.accounts.CreatePlatformAdmin(context.Background(), email, testPassword, "en",
		cooperative.Actor{Role: "cli"}); err != nil {
		t.Fatal(err)
	}
	s := as.signIn(t, email)
	as.turnOnTOTP(t, s)
	return s
}

var regSeq struct {
	mu sync.Mutex
	n  int
}

// newCooperative creates a cooperative through the admin API.
func (as *authServer) newCooperative(t testing.TB, admin *session, name string) string {
	t.Helper()
	regSeq.mu.Lock()
	regSeq.n++
	reg := fmt.Sprintf("%08d", regSeq.n)
	regSeq.mu.Unlock()
	r := as.call(t, "POST", "/v1/admin/cooperatives", admin.tokens.AccessToken, map[string]string{"name": name,
		"kind": "energy", "country": "NL", "registrationNumber": reg, "iban": "NL91ABNA0417164300", "bic": "ABNANL2A"})
	wantStatus(t, r, 201)
	return decodeBody[cooperativeDetails](t, r).ID
}

// join invites email into a cooperative with role (by the admin for board, else by the
// inviter, a board member with MFA) and accepts with the test password.
func (as *authServer) join(t testing.TB, inviter *session, cooperativeID, email, role string) {
	t.Helper()
	var r response
	if role == "board" && inviter == nil {
		t.Fatal("no inviter")
	}
	path := "/v1/cooperatives/" + cooperativeID + "/invitations"
	body := map[string]string{"email": email, "language": "en", "role": role}
	if isAdmin(t, as, inviter) {
		path = "/v1/admin/cooperatives/" + cooperativeID + "/invitations"
		delete(body, "role")
	}
	r = as.call(t, "POST", path, inviter.tokens.AccessToken, body)
	wantStatus(t, r, 201)
	token := as.lastLink(t, email, "/invitations/accept")
	wantStatus(t, as.call(t, "POST", "/v1/invitations/accept", "", map[string]string{"token": token, "password": testPassword}), 200)
}

func isAdmin(t testing.TB, as *authServer, s *session) bool {
	r := as.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	return decodeBody[meBody](t, r).PlatformAdmin
}

func TestSignUpVerifyLoginRefreshLogout(t *testing.T) {
	as := newAuthServer(t)
	wantStatus(t, as.call(t, "POST", "/v1/auth/signup", "", map[string]string{"email": "Ann@Example.org", "password": testPassword, "language": "nl"}), 202)
	// Not verified yet: the right password is not enough.
	wantProblem(t, as.login(t, "ann@example.org", testPassword, ""), 403, cooperative.EFORBIDDEN)
	token := as.lastLink(t, "ann@example.org", "/verify-email")
	wantStatus(t, as.call(t, "POST", "/v1/auth/verify-email", "", map[string]string{"token": token}), 204)
	// A link works once.
	wantProblem(t, as.call(t, "POST", "/v1/auth/verify-email", "", map[string]string{"token": token}), 400, cooperative.EINVALID)

	r := as.login(t, "ANN@example.org", testPassword, "")
	wantStatus(t, r, 200)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token response Cache-Control %q", r.header.Get("Cache-Control"))
	}
	tok := decodeBody[tokenBody](t, r)
	if tok.TokenType != "Bearer" || tok.ExpiresIn != 900 || tok.MFA || !strings.HasPrefix(tok.RefreshToken, "krr_") {
		t.Fatalf("tokens %+v", tok)
	}
	me := decodeBody[meBody](t, as.call(t, "GET", "/v1/me", tok.AccessToken, nil))
	if me.Email != "ann@example.org" || !me.EmailVerified || me.Language != "nl" || me.PlatformAdmin || len(me.Roles) != 0 {
		t.Fatalf("me %+v", me)
	}
	if strings.Contains(string(as.call(t, "GET", "/v1/me", tok.AccessToken, nil).body), "assword") {
		t.Fatal("me shows a password field")
	}

	// Refresh rotates: a new refresh token every time.
	r = as.call(t, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": tok.RefreshToken})
	wantStatus(t, r, 200)
	next := decodeBody[tokenBody](t, r)
	if next.RefreshToken == tok.RefreshToken || next.AccessToken == "" {
		t.Fatal("refresh did not rotate")
	}
	// Logout ends the session: the access token and the refresh token stop at once.
	wantStatus(t, as.call(t, "POST", "/v1/auth/logout", next.AccessToken, nil), 204)
	wantProblem(t, as.call(t, "GET", "/v1/me", next.AccessToken, nil), 401, cooperative.EUNAUTHORIZED)
	wantProblem(t, as.call(t, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": next.RefreshToken}), 401, cooperative.EUNAUTHORIZED)

	// Refresh tokens are stored only as hashes.
	assertNotStored(t, as, next.RefreshToken, token)
}

// assertNotStored fails when any secret appears anywhere in the store's records.
func assertNotStored(t *testing.T, as *authServer, secrets ...string) {
	t.Helper()
	for _, c := range []string{"users", "sessions", "refresh_tokens", "link_tokens", "invitations", "role_grants", "access_throttles"} {
		if err := as.store.View(context.Background(), func(tx cooperative.Tx) error {
			page, err := tx.Find(cooperative.Query{Collection: c, Limit: 1000})
			for _, rec := range page.Records {
				for _, s := range secrets {
					if strings.Contains(string(rec.Data), s) || strings.Contains(rec.ID, s) {
						t.Errorf("secret stored in %s/%s", c, rec.ID)
					}
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRefreshTokenReuseRevokesTheFamily(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	s := as.signIn(t, "ann@example.org")
	other := as.signIn(t, "ann@example.org") // another device: another family

	first := s.tokens.RefreshToken
	r := as.call(t, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": first})
	wantStatus(t, r, 200)
	second := decodeBody[tokenBody](t, r)

	// The spent token comes back (a thief, or a client that kept it): the family ends.
	wantProblem(t, as.call(t, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": first}), 401, cooperative.EUNAUTHORIZED)
	// The legitimate holder's newer tokens are dead too.
	wantProblem(t, as.call(t, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": second.RefreshToken}), 401, cooperative.EUNAUTHORIZED)
	wantProblem(t, as.call(t, "GET", "/v1/me", second.AccessToken, nil), 401, cooperative.EUNAUTHORIZED)
	// Another session of the same person is not part of the family.
	wantStatus(t, as.call(t, "GET", "/v1/me", other.tokens.AccessToken, nil), 200)
	wantStatus(t, as.call(t, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": other.tokens.RefreshToken}), 200)
}

func TestSessionsEnd(t *testing.T) {
	as := newAuthServer(t, func(o *Options) { *o = withServices(*o, identity.AccountsOptions{SessionTTL: 2 * time.Hour}) })
	as.signUp(t, "ann@example.org")
	s := as.signIn(t, "ann@example.org")
	// Access tokens live 15 minutes.
	as.clock.advance(16 * time.Minute)
	wantProblem(t, as.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil), 401, cooperative.EUNAUTHORIZED)
	r := as.call(t, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": s.tokens.RefreshToken})
	wantStatus(t, r, 200)
	// Refreshing does not extend the session past its lifetime.
	as.clock.advance(2 * time.Hour)
	wantProblem(t, as.call(t, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": decodeBody[tokenBody](t, r).RefreshToken}), 401, cooperative.EUNAUTHORIZED)
}

func TestPasswordChangeRevokesEverySession(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	a := as.signIn(t, "ann@example.org")
	b := as.signIn(t, "ann@example.org")
	const newPassword = "a much better passphrase"
	wantProblem(t, as.call(t, "POST", "/v1/auth/password", a.tokens.AccessToken,
		map[string]string{"currentPassword": "wrong password here", "newPassword": newPassword}), 403, cooperative.EFORBIDDEN)
	wantProblem(t, as.call(t, "POST", "/v1/auth/password", a.tokens.AccessToken,
		map[string]string{"currentPassword": testPassword, "newPassword": "short"}), 400, cooperative.EINVALID)
	wantStatus(t, as.call(t, "POST", "/v1/auth/password", a.tokens.AccessToken,
		map[string]string{"currentPassword": testPassword, "newPassword": newPassword}), 204)
	for _, s := range []*session{a, b} {
		wantProblem(t, as.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil), 401, cooperative.EUNAUTHORIZED)
		wantProblem(t, as.call(t, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": s.tokens.RefreshToken}), 401, cooperative.EUNAUTHORIZED)
	}
	wantProblem(t, as.login(t, "ann@example.org", testPassword, ""), 401, cooperative.EUNAUTHORIZED)
	wantStatus(t, as.login(t, "ann@example.org", newPassword, ""), 200)
}

func TestPasswordReset(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	s := as.signIn(t, "ann@example.org")
	unknown := as.call(t, "POST", "/v1/auth/password-reset/request", "", map[string]string{"email": "nobody@example.org"})
	known := as.call(t, "POST", "/v1/auth/password-reset/request", "", map[string]string{"email": "ann@example.org"})
	wantStatus(t, unknown, 202)
	wantStatus(t, known, 202)
	if string(unknown.body) != string(known.body) {
		t.Fatalf("reset answers differ: %s / %s", unknown.body, known.body)
	}
	if as.mailCount(t, "nobody@example.org") != 0 {
		t.Fatal("mail sent to an address without an account")
	}
	token := as.lastLink(t, "ann@example.org", "/reset-password")
	// A weak password is refused with the reason, and the link still works after that.
	r := as.call(t, "POST", "/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": "ann@example.org"})
	wantProblem(t, r, 400, cooperative.EINVALID)
	if !strings.Contains(r.problem.Detail, "e-mail") {
		t.Fatalf("reason %q", r.problem.Detail)
	}
	wantStatus(t, as.call(t, "POST", "/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": "new and long enough"}), 204)
	wantProblem(t, as.call(t, "POST", "/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": "another long password"}), 400, cooperative.EINVALID)
	wantProblem(t, as.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil), 401, cooperative.EUNAUTHORIZED)
	wantStatus(t, as.login(t, "ann@example.org", "new and long enough", ""), 200)
	// An expired link is refused.
	wantStatus(t, as.call(t, "POST", "/v1/auth/password-reset/request", "", map[string]string{"email": "ann@example.org"}), 202)
	token = as.lastLink(t, "ann@example.org", "/reset-password")
	as.clock.advance(61 * time.Minute)
	wantProblem(t, as.call(t, "POST", "/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": "yet another passphrase"}), 400, cooperative.EINVALID)
}

func TestDuplicateSignUpRevealsNothing(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	first := as.call(t, "POST", "/v1/auth/signup", "", map[string]string{"email": "bob@example.org", "password": testPassword, "language": "en"})
	again := as.call(t, "POST", "/v1/auth/signup", "", map[string]string{"email": "ANN@example.org", "password": "someone else's password", "language": "en"})
	wantStatus(t, first, 202)
	wantStatus(t, again, 202)
	if string(first.body) != string(again.body) {
		t.Fatalf("sign-up answers differ: %s / %s", first.body, again.body)
	}
	// The owner gets a reset link (the way in for someone who forgot their account);
	// the second password does not work and no second account exists.
	as.lastLink(t, "ann@example.org", "/reset-password")
	wantProblem(t, as.login(t, "ann@example.org", "someone else's password", ""), 401, cooperative.EUNAUTHORIZED)
	wantStatus(t, as.login(t, "ann@example.org", testPassword, ""), 200)
}

func TestWeakPasswordsAreRefusedWithTheReason(t *testing.T) {
	as := newAuthServer(t)
	for _, tt := range []struct{ password, reason string }{
		{"short", "at least 12 characters"},
		{strings.Repeat("long enough ", 11), "at most 128 characters"},
		{"ann@example.org", "e-mail address"},
		{"aaaaaaaaaaaaaaa", "repeat"},
		{"abcabcabcabcabc", "repeat"},
		{"password1234", "too common"},
		{"Wachtwoord123!", "too common"},
		{"Welkom2025!!", "too common"},
	} {
		r := as.call(t, "POST", "/v1/auth/signup", "", map[string]string{"email": "ann@example.org", "password": tt.password, "language": "en"})
		wantProblem(t, r, 400, cooperative.EINVALID)
		if !strings.Contains(r.problem.Detail, tt.reason) {
			t.Errorf("%q: reason %q, want it to say %q", tt.password, r.problem.Detail, tt.reason)
		}
	}
	if as.mailCount(t, "ann@example.org") != 0 {
		t.Fatal("a refused sign-up sent mail")
	}
}

func TestThrottlingKicksInAndLifts(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	ip := func(addr string) []string { return []string{"X-Forwarded-For", addr} }
	login := func(email, password, from string) response {
		return as.call(t, "POST", "/v1/auth/login", "", map[string]string{"email": email, "password": password}, ip(from)...)
	}
	// Five failures per account in 15 minutes, from different addresses.
	for i := range 5 {
		wantProblem(t, login("ann@example.org", "wrong password "+fmt.Sprint(i), fmt.Sprintf("198.51.100.%d", i+1)), 401, cooperative.EUNAUTHORIZED)
	}
	// Now even the right password is refused, with Retry-After.
	r := login("ann@example.org", testPassword, "198.51.100.99")
	wantProblem(t, r, 429, cooperative.ETOOMANY)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// An address without an account locks the same way, with the same answers, so the
	// lock-out does not tell who is registered.
	for i := range 5 {
		wantProblem(t, login("nobody@example.org", "wrong password "+fmt.Sprint(i), "192.0.2.1"), 401, cooperative.EUNAUTHORIZED)
	}
	ghost := login("nobody@example.org", testPassword, "192.0.2.1")
	wantProblem(t, ghost, 429, cooperative.ETOOMANY)
	if ghost.problem.Detail != r.problem.Detail {
		t.Fatalf("lock-out messages differ: %q / %q", ghost.problem.Detail, r.problem.Detail)
	}
	// The lock lifts after the window.
	as.clock.advance(15*time.Minute + time.Second)
	wantStatus(t, login("ann@example.org", testPassword, "198.51.100.99"), 200)

	// Per client address: 50 failures across many accounts, then that address waits.
	for i := range 50 {
		wantProblem(t, login(fmt.Sprintf("guess%d@example.org", i), "wrong password", "203.0.113.50"), 401, cooperative.EUNAUTHORIZED)
	}
	wantProblem(t, login("ann@example.org", testPassword, "203.0.113.50"), 429, cooperative.ETOOMANY)
	wantStatus(t, login("ann@example.org", testPassword, "203.0.113.51"), 200)
}

func TestResetEndsALockOut(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	for range 5 {
		as.login(t, "ann@example.org", "wrong password!", "")
	}
	wantProblem(t, as.login(t, "ann@example.org", testPassword, ""), 429, cooperative.ETOOMANY)
	wantStatus(t, as.call(t, "POST", "/v1/auth/password-reset/request", "", map[string]string{"email": "ann@example.org"}), 202)
	token := as.lastLink(t, "ann@example.org", "/reset-password")
	wantStatus(t, as.call(t, "POST", "/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": "back in business now"}), 204)
	wantStatus(t, as.login(t, "ann@example.org", "back in business now", ""), 200)
}

func TestMailRequestsAreLimitedPerClient(t *testing.T) {
	as := newAuthServer(t)
	for i := range 20 {
		wantStatus(t, as.call(t, "POST", "/v1/auth/password-reset/request", "", map[string]string{"email": fmt.Sprintf("p%d@example.org", i)}), 202)
	}
	wantProblem(t, as.call(t, "POST", "/v1/auth/password-reset/request", "", map[string]string{"email": "p@example.org"}), 429, cooperative.ETOOMANY)
	wantProblem(t, as.call(t, "POST", "/v1/auth/signup", "", map[string]string{"email": "q@example.org", "password": testPassword, "language": "en"}), 429, cooperative.ETOOMANY)
}

func TestTOTP(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	s := as.signIn(t, "ann@example.org")
	older := as.signIn(t, "ann@example.org") // a session from before TOTP was on
	wantProblem(t, as.call(t, "POST", "/v1/auth/totp/confirm", s.tokens.AccessToken, map[string]string{"code": "123456"}), 422, cooperative.ERULE)
	as.turnOnTOTP(t, s)
	// The secret is shown once; enrolling again is refused.
	wantProblem(t, as.call(t, "POST", "/v1/auth/totp/enroll", s.tokens.AccessToken, nil), 409, cooperative.ECONFLICT)
	if !decodeBody[meBody](t, as.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil)).SessionMFA {
		t.Fatal("confirmed session has no second factor")
	}
	// Sign-in now needs the code; a wrong one or a replayed one is refused.
	wantProblem(t, as.login(t, "ann@example.org", testPassword, ""), 401, cooperative.EUNAUTHORIZED)
	wantProblem(t, as.login(t, "ann@example.org", testPassword, "000000"), 401, cooperative.EUNAUTHORIZED)
	code := as.code(t, s.totp)
	r := as.login(t, "ann@example.org", testPassword, code)
	wantStatus(t, r, 200)
	if !decodeBody[tokenBody](t, r).MFA {
		t.Fatal("sign-in with a code has no second factor")
	}
	wantProblem(t, as.login(t, "ann@example.org", testPassword, code), 401, cooperative.EUNAUTHORIZED)
	// The older session steps up with a code.
	if decodeBody[meBody](t, as.call(t, "GET", "/v1/me", older.tokens.AccessToken, nil)).SessionMFA {
		t.Fatal("older session has a second factor")
	}
	r = as.call(t, "POST", "/v1/auth/totp/verify", older.tokens.AccessToken, map[string]string{"code": as.code(t, s.totp)})
	wantStatus(t, r, 200)
	if !decodeBody[meBody](t, as.call(t, "GET", "/v1/me", decodeBody[accessTokenBody](t, r).AccessToken, nil)).SessionMFA {
		t.Fatal("step-up did not give a second factor")
	}
	// The secret is stored for verification, but never returned again.
	if strings.Contains(string(as.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil).body), s.totp) {
		t.Fatal("me shows the TOTP secret")
	}
}

func TestAdminCreatesCooperativeAndInvitesItsBoard(t *testing.T) {
	as := newAuthServer(t)
	admin := as.admin(t, "ops@kracht.test")
	coop := as.newCooperative(t, admin, "Zonnepark De Kracht")

	// Invalid bank details are refused.
	r := as.call(t, "POST", "/v1/admin/cooperatives", admin.tokens.AccessToken, map[string]string{"name": "X",
		"kind": "care", "country": "NL", "registrationNumber": "99999999", "iban": "NL91ABNA0417164301", "bic": "ABNANL2A"})
	wantProblem(t, r, 400, cooperative.EINVALID)
	// The client cannot set what the server owns.
	r = as.call(t, "POST", "/v1/admin/cooperatives", admin.tokens.AccessToken, map[string]string{"name": "X",
		"kind": "care", "country": "NL", "registrationNumber": "99999999", "iban": "NL91ABNA0417164300", "bic": "ABNANL2A",
		"id": cooperative.NewID()})
	wantProblem(t, r, 422, cooperative.EINVALID)

	// The invitation goes by mail; accepting makes the account and grants the board role.
	as.join(t, admin, coop, "chair@example.org", "board")
	if m := as.mails[len(as.mails)-1]; m.Event != notify.EventInvitation || m.Data["cooperative"] != "Zonnepark De Kracht" ||
		m.Data["role"] != "board" || m.CooperativeID != coop {
		t.Fatalf("invitation mail %+v", m)
	}
	chair := as.signIn(t, "chair@example.org")
	me := decodeBody[meBody](t, as.call(t, "GET", "/v1/me", chair.tokens.AccessToken, nil))
	if len(me.Roles) != 1 || me.Roles[0].CooperativeID != coop || me.Roles[0].Roles[0] != "board" || !me.EmailVerified {
		t.Fatalf("me %+v", me)
	}
	// The board must turn on TOTP before changing the register.
	wantProblem(t, as.call(t, "POST", "/v1/cooperatives/"+coop+"/invitations", chair.tokens.AccessToken,
		map[string]string{"email": "m@example.org", "language": "en", "role": "member"}), 403, cooperative.EFORBIDDEN)
	as.turnOnTOTP(t, chair)
	as.join(t, chair, coop, "treasurer@example.org", "accountant")

	// An existing account joins with its password, not a new one.
	as.signUp(t, "ann@example.org")
	wantStatus(t, as.call(t, "POST", "/v1/cooperatives/"+coop+"/invitations", chair.tokens.AccessToken,
		map[string]string{"email": "ann@example.org", "language": "en", "role": "member"}), 201)
	token := as.lastLink(t, "ann@example.org", "/invitations/accept")
	wantProblem(t, as.call(t, "POST", "/v1/invitations/accept", "", map[string]string{"token": token, "password": "not ann's password"}), 401, cooperative.EUNAUTHORIZED)
	r = as.call(t, "POST", "/v1/invitations/accept", "", map[string]string{"token": token, "password": testPassword})
	wantStatus(t, r, 200)
	ann := as.signIn(t, "ann@example.org")
	if g := decodeBody[roleGrantBody](t, r); g.UserID != ann.userID || g.Roles[0] != "member" {
		t.Fatalf("grant %+v", g)
	}
	// Used once.
	wantProblem(t, as.call(t, "POST", "/v1/invitations/accept", "", map[string]string{"token": token, "password": testPassword}), 400, cooperative.EINVALID)

	// The board changes roles; the last board member cannot step down.
	wantStatus(t, as.call(t, "PUT", "/v1/cooperatives/"+coop+"/roles/"+ann.userID, chair.tokens.AccessToken,
		map[string][]string{"roles": {"member", "board"}}), 200)
	wantStatus(t, as.call(t, "PUT", "/v1/cooperatives/"+coop+"/roles/"+ann.userID, chair.tokens.AccessToken,
		map[string][]string{"roles": {"member"}}), 200)
	wantProblem(t, as.call(t, "PUT", "/v1/cooperatives/"+coop+"/roles/"+chair.userID, chair.tokens.AccessToken,
		map[string][]string{"roles": {"member"}}), 422, cooperative.ERULE)

	// The audit log has every write, readable by the board and exportable as CSV.
	r = as.call(t, "GET", "/v1/cooperatives/"+coop+"/audit", chair.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	log := decodeBody[auditList](t, r)
	var actions []string
	for _, e := range log.Items {
		actions = append(actions, e.ActorRole+":"+e.Action)
		if e.At.IsZero() || e.ObjectID == "" || e.Seq == 0 {
			t.Fatalf("incomplete entry %+v", e)
		}
	}
	want := "admin:cooperative.create admin:invitation.create invitee:roles.grant board:invitation.create invitee:roles.grant " +
		"board:invitation.create invitee:roles.grant board:roles.update board:roles.update"
	if strings.Join(actions, " ") != want {
		t.Fatalf("audit actions\n%s\nwant\n%s", strings.Join(actions, " "), want)
	}
	update := log.Items[7]
	if update.ActorID != chair.userID || update.RequestID == "" || !strings.Contains(string(update.Before), `"member"`) ||
		!strings.Contains(string(update.After), `"board"`) {
		t.Fatalf("roles.update entry %+v", update)
	}
	// Paging.
	page := decodeBody[auditList](t, as.call(t, "GET", "/v1/cooperatives/"+coop+"/audit?limit=4", chair.tokens.AccessToken, nil))
	rest := decodeBody[auditList](t, as.call(t, "GET", "/v1/cooperatives/"+coop+"/audit?limit=100&cursor="+page.NextCursor, chair.tokens.AccessToken, nil))
	if len(page.Items) != 4 || page.NextCursor == "" || len(rest.Items) != len(log.Items)-4 || rest.NextCursor != "" {
		t.Fatalf("pages of %d (next %q) and %d", len(page.Items), page.NextCursor, len(rest.Items))
	}
	csv := as.call(t, "GET", "/v1/cooperatives/"+coop+"/audit.csv", chair.tokens.AccessToken, nil)
	wantStatus(t, csv, 200)
	if ct := csv.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	lines := strings.Split(strings.TrimSpace(string(csv.body)), "\n")
	if len(lines) != len(log.Items)+1 || !strings.HasPrefix(lines[0], "seq,at,actor_id") || !strings.Contains(string(csv.body), "roles.update") {
		t.Fatalf("csv:\n%s", csv.body)
	}
	// No secret in the log.
	if strings.Contains(string(csv.body), "passwordHash") || strings.Contains(string(csv.body), "krl_") ||
		strings.Contains(string(csv.body), "kri_") {
		t.Fatalf("secret in the audit log:\n%s", csv.body)
	}
	// The platform log has the admin's creation from the command line first (then each
	// person turning two-factor authentication on).
	platform := decodeBody[auditList](t, as.call(t, "GET", "/v1/admin/audit", admin.tokens.AccessToken, nil))
	if len(platform.Items) == 0 || platform.Items[0].Action != "platform_admin.create" || platform.Items[0].ActorRole != "cli" {
		t.Fatalf("platform audit %+v", platform.Items)
	}
}

func TestAdminOutboxAndUnsubscribe(t *testing.T) {
	as := newAuthServer(t)
	admin := as.admin(t, "ops@kracht.test")
	r := as.call(t, "GET", "/v1/admin/outbox/dead", admin.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if len(decodeBody[deadMailList](t, r).Items) != 0 {
		t.Fatalf("dead mail %s", r.body)
	}
	wantProblem(t, as.call(t, "POST", "/v1/admin/outbox/"+cooperative.NewID()+"/retry", admin.tokens.AccessToken, nil), 404, cooperative.ENOTFOUND)

	token, err := notify.UnsubscribeToken([]byte(testUnsubSecret), "ann@example.org", notify.EventApplicationReceived)
	if err != nil {
		t.Fatal(err)
	}
	r = as.call(t, "GET", "/v1/unsubscribe?token="+url.QueryEscape(token), "", nil)
	wantStatus(t, r, 200)
	if b := decodeBody[unsubscribeBody](t, r); b.Unsubscribed || b.Address != "ann@example.org" {
		t.Fatalf("GET %+v", b)
	}
	// RFC 8058 one-click: a form POST.
	r = as.do(t, "POST", "/v1/unsubscribe?token="+url.QueryEscape(token), "application/x-www-form-urlencoded",
		strings.NewReader("List-Unsubscribe=One-Click"))
	wantStatus(t, r, 200)
	p, err := notify.GetNotificationPreferences(context.Background(), as.store, "ann@example.org")
	if err != nil || p.Wants(notify.EventApplicationReceived) {
		t.Fatalf("preferences %+v %v", p, err)
	}
	wantProblem(t, as.call(t, "POST", "/v1/unsubscribe?token=forged.token", "", nil), 400, cooperative.EINVALID)
}

// TestThrottleHoldsUnderConcurrency: attempts are counted before the password is
// checked, so parallel guesses cannot all slip in before the first failure is written.
func TestThrottleHoldsUnderConcurrency(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	statuses := make(chan int, 20)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			statuses <- as.login(t, "ann@example.org", fmt.Sprintf("wrong password %d", i), "").status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[401] != 5 || count[429] != 15 {
		t.Fatalf("statuses %v, want 5 × 401 and 15 × 429", count)
	}
}
