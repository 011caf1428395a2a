package handlers

import (
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestBadInputToAccountRoutes: malformed, missing or forged input to the account routes
// is a 4xx problem+json, never a 500, and fields the server owns cannot be sent.
func TestBadInputToAccountRoutes(t *testing.T) {
	as := newAuthServer(t)
	admin := as.admin(t, "ops@kracht.test")
	coop := as.newCooperative(t, admin, "Coop")
	as.signUp(t, "ann@example.org")
	ann := as.signIn(t, "ann@example.org")
	bearer := func(s *session) []string { return []string{"Authorization", "Bearer " + s.tokens.AccessToken} }
	for _, tt := range []struct {
		name, method, path, body string
		header                   []string
		status                   int
		code                     string
	}{
		{"signup: malformed JSON", "POST", "/v1/auth/signup", `{"email":`, nil, 400, cooperative.EINVALID},
		{"signup: missing password", "POST", "/v1/auth/signup", `{"email":"bob@example.org","language":"en"}`, nil, 422, cooperative.EINVALID},
		{"signup: sets its own role", "POST", "/v1/auth/signup", `{"email":"bob@example.org","password":"correct horse battery","language":"en","platformAdmin":true}`, nil, 422, cooperative.EINVALID},
		{"signup: sets its own id", "POST", "/v1/auth/signup", `{"email":"bob@example.org","password":"correct horse battery","language":"en","id":"x"}`, nil, 422, cooperative.EINVALID},
		{"signup: verified by itself", "POST", "/v1/auth/signup", `{"email":"bob@example.org","password":"correct horse battery","language":"en","emailVerified":true}`, nil, 422, cooperative.EINVALID},
		{"signup: not an address", "POST", "/v1/auth/signup", `{"email":"bob","password":"correct horse battery","language":"en"}`, nil, 400, cooperative.EINVALID},
		{"signup: address with a name", "POST", "/v1/auth/signup", `{"email":"Bob <bob@example.org>","password":"correct horse battery","language":"en"}`, nil, 400, cooperative.EINVALID},
		{"signup: unknown language", "POST", "/v1/auth/signup", `{"email":"bob@example.org","password":"correct horse battery","language":"xx"}`, nil, 422, cooperative.EINVALID},
		{"signup: password as a number", "POST", "/v1/auth/signup", `{"email":"bob@example.org","password":123456789012,"language":"en"}`, nil, 422, cooperative.EINVALID},
		{"signup: huge password", "POST", "/v1/auth/signup", `{"email":"bob@example.org","password":"` + strings.Repeat("x", 2000) + `","language":"en"}`, nil, 422, cooperative.EINVALID},
		{"login: empty body", "POST", "/v1/auth/login", ``, nil, 400, cooperative.EINVALID},
		{"login: not JSON", "POST", "/v1/auth/login", `email=ann`, nil, 400, cooperative.EINVALID},
		{"login: empty address", "POST", "/v1/auth/login", `{"email":"","password":"x"}`, nil, 400, cooperative.EINVALID},
		{"login: empty password", "POST", "/v1/auth/login", `{"email":"ann@example.org","password":""}`, nil, 401, cooperative.EUNAUTHORIZED},
		{"refresh: missing token", "POST", "/v1/auth/refresh", `{}`, nil, 422, cooperative.EINVALID},
		{"refresh: empty token", "POST", "/v1/auth/refresh", `{"refreshToken":""}`, nil, 401, cooperative.EUNAUTHORIZED},
		{"refresh: an access token", "POST", "/v1/auth/refresh", `{"refreshToken":"` + ann.tokens.AccessToken + `"}`, nil, 422, cooperative.EINVALID},
		{"refresh: right prefix, unknown", "POST", "/v1/auth/refresh", `{"refreshToken":"krr_` + strings.Repeat("A", 43) + `"}`, nil, 401, cooperative.EUNAUTHORIZED},
		{"verify: empty token", "POST", "/v1/auth/verify-email", `{"token":""}`, nil, 400, cooperative.EINVALID},
		{"verify: a refresh token", "POST", "/v1/auth/verify-email", `{"token":"` + ann.tokens.RefreshToken + `"}`, nil, 400, cooperative.EINVALID},
		{"reset: not an address", "POST", "/v1/auth/password-reset/request", `{"email":"@"}`, nil, 400, cooperative.EINVALID},
		{"reset confirm: unknown token", "POST", "/v1/auth/password-reset/confirm", `{"token":"krl_` + strings.Repeat("A", 43) + `","newPassword":"a long new password"}`, nil, 400, cooperative.EINVALID},
		{"accept: no password", "POST", "/v1/invitations/accept", `{"token":"kri_x"}`, nil, 422, cooperative.EINVALID},
		{"totp confirm: letters", "POST", "/v1/auth/totp/confirm", `{"code":"abcdef"}`, bearer(ann), 422, cooperative.ERULE},
		{"totp confirm: too short", "POST", "/v1/auth/totp/confirm", `{"code":"12"}`, bearer(ann), 422, cooperative.EINVALID},
		{"admin: create with a bad IBAN", "POST", "/v1/admin/cooperatives", `{"name":"X","kind":"energy","country":"NL","registrationNumber":"1","iban":"NL00XXXX","bic":"ABNANL2A"}`, bearer(admin), 400, cooperative.EINVALID},
		{"admin: create with a bad BIC", "POST", "/v1/admin/cooperatives", `{"name":"X","kind":"energy","country":"NL","registrationNumber":"1","iban":"NL91ABNA0417164300","bic":"NOPE"}`, bearer(admin), 400, cooperative.EINVALID},
		{"admin: create in dollars", "POST", "/v1/admin/cooperatives", `{"name":"X","kind":"energy","country":"NL","registrationNumber":"1","iban":"NL91ABNA0417164300","bic":"ABNANL2A","currency":"USD"}`, bearer(admin), 422, cooperative.EINVALID},
		{"admin: create another kind", "POST", "/v1/admin/cooperatives", `{"name":"X","kind":"bank","country":"NL","registrationNumber":"1","iban":"NL91ABNA0417164300","bic":"ABNANL2A"}`, bearer(admin), 422, cooperative.EINVALID},
		{"admin: invite into no cooperative", "POST", "/v1/admin/cooperatives/" + cooperative.NewID() + "/invitations", `{"email":"x@example.org","language":"en"}`, bearer(admin), 404, cooperative.ENOTFOUND},
		{"admin: invite with a role", "POST", "/v1/admin/cooperatives/" + coop + "/invitations", `{"email":"x@example.org","language":"en","role":"accountant"}`, bearer(admin), 422, cooperative.EINVALID},
		{"admin: retry a malformed id", "POST", "/v1/admin/outbox/nope/retry", ``, bearer(admin), 400, cooperative.EINVALID},
		{"audit: malformed cursor", "GET", "/v1/admin/audit?cursor=-3", ``, bearer(admin), 400, cooperative.EINVALID},
		{"unsubscribe: no token", "GET", "/v1/unsubscribe", ``, nil, 400, cooperative.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var r response
			if tt.body == "" {
				r = as.do(t, tt.method, tt.path, "application/json", nil, tt.header...)
			} else {
				r = as.do(t, tt.method, tt.path, "application/json", strings.NewReader(tt.body), tt.header...)
			}
			wantProblem(t, r, tt.status, tt.code)
			// Refusals do not echo secrets back (into logs of proxies and browsers).
			for _, secret := range []string{strings.Repeat("x", 2000), ann.tokens.AccessToken, ann.tokens.RefreshToken} {
				if strings.Contains(string(r.body), secret) {
					t.Fatalf("the problem echoes a secret: %s", r.body)
				}
			}
		})
	}
	if n := as.mailCount(t, "bob@example.org"); n != 0 {
		t.Fatalf("refused sign-ups sent %d mails", n)
	}
}
