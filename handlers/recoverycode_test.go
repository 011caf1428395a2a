package handlers

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
)

// recoveryLogin signs in with a recovery code instead of a TOTP code.
func (as *authServer) recoveryLogin(t testing.TB, email, code string) response {
	t.Helper()
	return as.call(t, "POST", "/v1/auth/login", "", map[string]string{"email": email, "password": testPassword, "recoveryCode": code})
}

func (as *authServer) recoveryCodesLeft(t testing.TB, token string) int {
	t.Helper()
	r := as.call(t, "GET", "/v1/auth/totp/recovery-codes", token, nil)
	wantStatus(t, r, 200)
	return decodeBody[recoveryCodeStatusBody](t, r).Remaining
}

// wantNoCodes fails when text holds any of codes.
func wantNoCodes(t *testing.T, what, text string, codes []string) {
	t.Helper()
	for _, c := range codes {
		if strings.Contains(text, c) {
			t.Fatalf("%s shows recovery code %s", what, c)
		}
	}
}

func TestRecoveryCodesStandInForTOTP(t *testing.T) {
	as := newAuthServer(t)
	admin := as.admin(t, "ops@kracht.test")
	as.signUp(t, "ann@example.org") // in Dutch
	s := as.signIn(t, "ann@example.org")
	older := as.signIn(t, "ann@example.org") // from before TOTP was on: no second factor
	as.turnOnTOTP(t, s)
	format := regexp.MustCompile(`^[A-Z2-7]{5}-[A-Z2-7]{5}$`)
	if len(s.recovery) != 10 || !format.MatchString(s.recovery[0]) {
		t.Fatalf("confirming TOTP gave recovery codes %v", s.recovery)
	}
	if n := as.recoveryCodesLeft(t, s.tokens.AccessToken); n != 10 {
		t.Fatalf("%d codes left, want 10", n)
	}
	codes := append([]string{}, s.recovery...)

	// Signing in with one gives a session with the second factor, once.
	r := as.recoveryLogin(t, "ann@example.org", s.recovery[0])
	wantStatus(t, r, 200)
	g := decodeBody[tokenBody](t, r)
	if !g.MFA || g.RecoveryCodesLeft == nil || *g.RecoveryCodesLeft != 9 || g.Warning != "" {
		t.Fatalf("sign-in with a recovery code: %s", r.body)
	}
	if !decodeBody[meBody](t, as.call(t, "GET", "/v1/me", g.AccessToken, nil)).SessionMFA {
		t.Fatal("the session of a recovery code has no second factor")
	}
	wantProblem(t, as.recoveryLogin(t, "ann@example.org", s.recovery[0]), 401, cooperative.EUNAUTHORIZED)

	// A session without the second factor steps up with one.
	r = as.call(t, "POST", "/v1/auth/totp/verify", older.tokens.AccessToken, map[string]string{"recoveryCode": s.recovery[1]})
	wantStatus(t, r, 200)
	if up := decodeBody[accessTokenBody](t, r); !up.MFA || up.RecoveryCodesLeft == nil || *up.RecoveryCodesLeft != 8 {
		t.Fatalf("step-up with a recovery code: %s", r.body)
	}

	// Each use is mailed to the owner, in their language.
	as.collectMail(t)
	var left []string
	for _, m := range as.mails {
		if m.Event == notify.EventRecoveryCodeUsed {
			if m.To != "ann@example.org" || m.Language != "nl" {
				t.Fatalf("mail %+v, want to ann in Dutch", m)
			}
			left = append(left, m.Data["remaining"])
		}
	}
	if strings.Join(left, ",") != "9,8" {
		t.Fatalf("mails say %v codes are left, want 9 then 8", left)
	}

	// A new set needs the second factor, and voids the old one.
	wantProblem(t, as.call(t, "POST", "/v1/auth/totp/recovery-codes", older.tokens.AccessToken, nil), 403, cooperative.EFORBIDDEN)
	r = as.call(t, "POST", "/v1/auth/totp/recovery-codes", s.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("new codes may be cached: %q", r.header.Get("Cache-Control"))
	}
	fresh := decodeBody[recoveryCodesBody](t, r).RecoveryCodes
	codes = append(codes, fresh...)
	wantProblem(t, as.recoveryLogin(t, "ann@example.org", s.recovery[2]), 401, cooperative.EUNAUTHORIZED)
	if n := as.recoveryCodesLeft(t, s.tokens.AccessToken); n != 10 {
		t.Fatalf("%d codes left after a new set, want 10", n)
	}

	// The last one says so.
	for i, c := range fresh {
		r = as.recoveryLogin(t, "ann@example.org", c)
		wantStatus(t, r, 200)
		if g := decodeBody[tokenBody](t, r); *g.RecoveryCodesLeft != 9-i || (g.Warning != "") != (i == 9) {
			t.Fatalf("sign-in with code %d: %s", i, r.body)
		}
	}

	// The codes are shown only when they are made: not in the status, the audit log,
	// the mails or the server's logs.
	status := as.call(t, "GET", "/v1/auth/totp/recovery-codes", s.tokens.AccessToken, nil)
	wantNoCodes(t, "the status", string(status.body), codes)
	audit := as.call(t, "GET", "/v1/admin/audit", admin.tokens.AccessToken, nil)
	wantStatus(t, audit, 200)
	if !strings.Contains(string(audit.body), "recovery_code.use") || !strings.Contains(string(audit.body), "recovery_codes.regenerate") {
		t.Fatalf("the platform's audit log has no recovery codes: %s", audit.body)
	}
	wantNoCodes(t, "the audit log", string(audit.body), codes)
	for _, m := range as.mails {
		wantNoCodes(t, "a mail", strings.Join([]string{m.Data["remaining"], m.Data["link"]}, " "), codes)
	}
	wantNoCodes(t, "the server's log", as.logs.String(), codes)
}

// TestBadRecoveryCodeInputChangesNothing: malformed requests are a 4xx problem, echo no
// code, spend none and make no new set.
func TestBadRecoveryCodeInputChangesNothing(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	s := as.signIn(t, "ann@example.org")
	older := as.signIn(t, "ann@example.org")
	as.turnOnTOTP(t, s)
	code := s.recovery[0]
	bearer := func(s *session) []string { return []string{"Authorization", "Bearer " + s.tokens.AccessToken} }
	login := func(extra string) string {
		return `{"email":"ann@example.org","password":"` + testPassword + `",` + extra + `}`
	}
	for _, tt := range []struct {
		name, method, path, body string
		header                   []string
		status                   int
		code                     string
	}{
		{"login: code as a number", "POST", "/v1/auth/login", login(`"recoveryCode":1234567890`), nil, 422, cooperative.EINVALID},
		{"login: codes as a list", "POST", "/v1/auth/login", login(`"recoveryCodes":["` + code + `"]`), nil, 422, cooperative.EINVALID},
		{"login: too long", "POST", "/v1/auth/login", login(`"recoveryCode":"` + strings.Repeat(code, 4) + `"`), nil, 422, cooperative.EINVALID},
		{"login: both factors", "POST", "/v1/auth/login", login(`"recoveryCode":"` + code + `","totpCode":"123456"`), nil, 400, cooperative.EINVALID},
		{"step-up: both factors", "POST", "/v1/auth/totp/verify", `{"recoveryCode":"` + code + `","code":"123456"}`, bearer(older), 400, cooperative.EINVALID},
		{"step-up: code as a list", "POST", "/v1/auth/totp/verify", `{"recoveryCode":["` + code + `"]}`, bearer(older), 422, cooperative.EINVALID},
		{"step-up: unknown field", "POST", "/v1/auth/totp/verify", `{"recovery":"` + code + `"}`, bearer(older), 422, cooperative.EINVALID},
		{"regenerate: unknown field", "POST", "/v1/auth/totp/recovery-codes", `{"count":20}`, bearer(s), 422, cooperative.EINVALID},
		{"regenerate: not an object", "POST", "/v1/auth/totp/recovery-codes", `["x"]`, bearer(s), 422, cooperative.EINVALID},
		{"regenerate: malformed JSON", "POST", "/v1/auth/totp/recovery-codes", `{"count":`, bearer(s), 400, cooperative.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := as.do(t, tt.method, tt.path, "application/json", strings.NewReader(tt.body), tt.header...)
			wantProblem(t, r, tt.status, tt.code)
			wantNoCodes(t, "the problem", string(r.body), s.recovery)
		})
	}
	if n := as.recoveryCodesLeft(t, s.tokens.AccessToken); n != 10 {
		t.Fatalf("%d codes left, want 10", n)
	}
	if decodeBody[meBody](t, as.call(t, "GET", "/v1/me", older.tokens.AccessToken, nil)).SessionMFA {
		t.Fatal("a refused step-up gave the second factor")
	}
	wantStatus(t, as.recoveryLogin(t, "ann@example.org", code), 200) // the first set still stands
}
