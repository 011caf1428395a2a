package handlers

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"

	"github.com/golang-jwt/jwt/v5"
	"github.com/kracht-coop/kracht/cooperative"
)

// TestBadAccessTokensAre401 builds forged and broken tokens with jwt/v5 directly and
// expects each to be refused with 401 problem+json.
func TestBadAccessTokensAre401(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	s := as.signIn(t, "ann@example.org")
	good, err := as.tokens.parse(s.tokens.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	now := as.clock.Now()
	key := as.keys[0]
	claims := func(change func(*accessClaims)) *accessClaims {
		c := good
		c.RegisteredClaims.Audience = append(jwt.ClaimStrings(nil), good.Audience...)
		c.IssuedAt, c.NotBefore, c.ExpiresAt = jwt.NewNumericDate(now), jwt.NewNumericDate(now), jwt.NewNumericDate(now.Add(5*time.Minute))
		if change != nil {
			change(&c)
		}
		return &c
	}
	sign := func(method jwt.SigningMethod, c *accessClaims, signingKey any, header map[string]any) string {
		tok := jwt.NewWithClaims(method, c)
		tok.Header["kid"], tok.Header["typ"] = key.ID, accessTokenType
		for k, v := range header {
			if v == nil {
				delete(tok.Header, k)
			} else {
				tok.Header[k] = v
			}
		}
		out, err := tok.SignedString(signingKey)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	eddsa := func(c *accessClaims, header map[string]any) string {
		return sign(jwt.SigningMethodEdDSA, c, key.Key, header)
	}
	// The control: a token made this way is accepted, so each refusal below is about
	// the one thing changed.
	wantStatus(t, as.call(t, "GET", "/v1/me", eddsa(claims(nil), nil), nil), 200)
	// The longest lifetime allowed (the configured one plus the leeway) still passes.
	wantStatus(t, as.call(t, "GET", "/v1/me", eddsa(claims(func(c *accessClaims) {
		c.ExpiresAt = jwt.NewNumericDate(now.Add(MaxAccessTokenTTL + leeway))
	}), nil), nil), 200)

	_, strangerKey, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tampered := func() string {
		tok := eddsa(claims(nil), nil)
		parts := strings.Split(tok, ".")
		// Same signature, another payload (a longer lifetime).
		other := strings.Split(eddsa(claims(func(c *accessClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(time.Hour)) }), nil), ".")
		return parts[0] + "." + other[1] + "." + parts[2]
	}
	flippedSignature := func() string {
		tok := []byte(eddsa(claims(nil), nil))
		i := len(tok) - 5
		if tok[i] == 'A' {
			tok[i] = 'B'
		} else {
			tok[i] = 'A'
		}
		return string(tok)
	}
	for name, token := range map[string]string{
		"alg none": sign(jwt.SigningMethodNone, claims(nil), jwt.UnsafeAllowNoneSignatureType, nil),
		// HS256 keyed with our public key: the classic confusion of verifiers that let the
		// token pick the algorithm.
		"HS256 with the public key as secret": sign(jwt.SigningMethodHS256, claims(nil), []byte(key.Key.Public().(ed25519.PublicKey)), nil),
		"RS256 with a key of its own":         sign(jwt.SigningMethodRS256, claims(nil), rsaKey, nil),
		"signed by a stranger's key":          sign(jwt.SigningMethodEdDSA, claims(nil), strangerKey, nil),
		"unknown kid":                         eddsa(claims(nil), map[string]any{"kid": "retired-2019"}),
		"no kid":                              eddsa(claims(nil), map[string]any{"kid": nil}),
		"typ JWT":                             eddsa(claims(nil), map[string]any{"typ": "JWT"}),
		"no typ":                              eddsa(claims(nil), map[string]any{"typ": nil}),
		"wrong audience":                      eddsa(claims(func(c *accessClaims) { c.Audience = jwt.ClaimStrings{"another-api"} }), nil),
		"no audience":                         eddsa(claims(func(c *accessClaims) { c.Audience = nil }), nil),
		"wrong issuer":                        eddsa(claims(func(c *accessClaims) { c.Issuer = "https://evil.example" }), nil),
		"expired":                             eddsa(claims(func(c *accessClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute)) }), nil),
		"no expiry":                           eddsa(claims(func(c *accessClaims) { c.ExpiresAt = nil }), nil),
		"not yet valid":                       eddsa(claims(func(c *accessClaims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) }), nil),
		"no nbf":                              eddsa(claims(func(c *accessClaims) { c.NotBefore = nil }), nil),
		"issued in the future":                eddsa(claims(func(c *accessClaims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) }), nil),
		"no iat":                              eddsa(claims(func(c *accessClaims) { c.IssuedAt = nil }), nil),
		// Signed correctly but living longer than any token we issue: a day, or issued an
		// hour ago and still valid for minutes (exp - iat above the lifetime plus leeway).
		"exp a day away": eddsa(claims(func(c *accessClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(24 * time.Hour)) }), nil),
		"exp a year away, iat and nbf backdated": eddsa(claims(func(c *accessClaims) {
			c.IssuedAt, c.NotBefore = jwt.NewNumericDate(now.Add(-time.Hour)), jwt.NewNumericDate(now.Add(-time.Hour))
			c.ExpiresAt = jwt.NewNumericDate(now.Add(365 * 24 * time.Hour))
		}), nil),
		"lifetime just over ttl plus leeway": eddsa(claims(func(c *accessClaims) {
			c.ExpiresAt = jwt.NewNumericDate(now.Add(MaxAccessTokenTTL + leeway + time.Second))
		}), nil),
		"subject not an id":      eddsa(claims(func(c *accessClaims) { c.Subject = "admin" }), nil),
		"unknown session":        eddsa(claims(func(c *accessClaims) { c.SessionID = cooperative.NewID() }), nil),
		"another user's session": eddsa(claims(func(c *accessClaims) { c.Subject = cooperative.NewID() }), nil),
		"tampered payload":       tampered(),
		"tampered signature":     flippedSignature(),
		"a refresh token":        s.tokens.RefreshToken,
		"garbage":                "not.a.jwt",
		"long garbage":           strings.Repeat("a", 3500),
	} {
		t.Run(name, func(t *testing.T) {
			r := as.call(t, "GET", "/v1/me", token, nil)
			wantProblem(t, r, 401, cooperative.EUNAUTHORIZED)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	for name, header := range map[string]string{
		"no header":       "",
		"basic auth":      "Basic YWRtaW46YWRtaW4=",
		"scheme only":     "Bearer",
		"scheme and junk": "Bearer    ",
		"token no scheme": s.tokens.AccessToken,
	} {
		t.Run(name, func(t *testing.T) {
			var r response
			if header == "" {
				r = as.call(t, "GET", "/v1/me", "", nil)
			} else {
				r = as.call(t, "GET", "/v1/me", "", nil, "Authorization", header)
			}
			wantProblem(t, r, 401, cooperative.EUNAUTHORIZED)
		})
	}
	// A bad token on a write route with a bad body is still a 401: the guard runs
	// before the body is read.
	r := as.do(t, "POST", "/v1/admin/cooperatives", "application/json", strings.NewReader(`{"name":`), "Authorization", "Bearer x")
	wantProblem(t, r, 401, cooperative.EUNAUTHORIZED)
}

// TestKeyRotation: two keys verify at once; the first signs.
func TestKeyRotation(t *testing.T) {
	old, err := NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	old.ID = "old"
	before := newAuthServer(t, func(o *Options) { o.Auth.Keys = []SigningKey{old} })
	before.signUp(t, "ann@example.org")
	s := before.signIn(t, "ann@example.org")

	// The same store, now with a new key first and the old one still listed.
	next, err := NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	next.ID = "new"
	after := New(withServices(Options{Store: before.store, Logger: before.log, Now: before.clock.Now, Auth: AuthOptions{
		Keys: []SigningKey{next, old}, Issuer: testIssuer, Audience: testAudience}}, identity.AccountsOptions{}))
	rotated := &authServer{testServer: &testServer{Server: after, store: before.store, logs: before.logs}, clock: before.clock}
	wantStatus(t, rotated.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil), 200)
	fresh := rotated.signIn(t, "ann@example.org")
	tok, _, err := jwt.NewParser().ParseUnverified(fresh.tokens.AccessToken, &accessClaims{})
	if err != nil || tok.Header["kid"] != "new" {
		t.Fatalf("new tokens signed with kid %v (%v)", tok.Header["kid"], err)
	}
	// Once the old key is removed, its tokens stop working.
	retired := New(withServices(Options{Store: before.store, Logger: before.log, Now: before.clock.Now, Auth: AuthOptions{
		Keys: []SigningKey{next}, Issuer: testIssuer, Audience: testAudience}}, identity.AccountsOptions{}))
	gone := &authServer{testServer: &testServer{Server: retired, store: before.store, logs: before.logs}, clock: before.clock}
	wantProblem(t, gone.call(t, "GET", "/v1/me", s.tokens.AccessToken, nil), 401, cooperative.EUNAUTHORIZED)
	wantStatus(t, gone.call(t, "GET", "/v1/me", fresh.tokens.AccessToken, nil), 200)
}
