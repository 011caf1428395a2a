package handlers

import (
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
)

// mailsOf returns the collected mails of one event.
func (as *authServer) mailsOf(t *testing.T, event notify.NotificationEvent) []notify.Notification {
	t.Helper()
	as.collectMail(t)
	var out []notify.Notification
	for _, m := range as.mails {
		if m.Event == event {
			out = append(out, m)
		}
	}
	return out
}

// TestLostPhone: someone who lost their phone signs in with a recovery code, moves
// two-factor authentication to a new app, and signs in with that from then on.
func TestLostPhone(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org") // in Dutch
	s := as.signIn(t, "ann@example.org")
	older := as.signIn(t, "ann@example.org") // without the second factor
	as.turnOnTOTP(t, s)

	r := as.recoveryLogin(t, "ann@example.org", s.recovery[0])
	wantStatus(t, r, 200)
	lost := decodeBody[tokenBody](t, r).AccessToken

	// Only a session with the second factor may start or confirm a replacement.
	wantProblem(t, as.call(t, "POST", "/v1/auth/totp/replace", older.tokens.AccessToken, nil), 403, cooperative.EFORBIDDEN)
	wantProblem(t, as.call(t, "POST", "/v1/auth/totp/replace/confirm", older.tokens.AccessToken,
		map[string]string{"code": "123456"}), 403, cooperative.EFORBIDDEN)
	// Enrolling again is still refused, and says where to go instead.
	if r := as.call(t, "POST", "/v1/auth/totp/enroll", lost, nil); r.status != 409 || !strings.Contains(string(r.body), "/v1/auth/totp/replace") {
		t.Fatalf("enroll with TOTP on: %d %s", r.status, r.body)
	}

	r = as.call(t, "POST", "/v1/auth/totp/replace", lost, nil)
	wantStatus(t, r, 200)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the new secret may be cached: %q", r.header.Get("Cache-Control"))
	}
	e := decodeBody[totpEnrollBody](t, r)
	if e.Secret == "" || e.Secret == s.totp || !strings.HasPrefix(e.OTPAuthURL, "otpauth://totp/") {
		t.Fatalf("replacement %s", r.body)
	}
	// The old app keeps working until the new one is confirmed.
	wantStatus(t, as.login(t, s.email, testPassword, as.code(t, s.totp)), 200)
	wantProblem(t, as.login(t, s.email, testPassword, as.code(t, e.Secret)), 401, cooperative.EUNAUTHORIZED)
	wantProblem(t, as.call(t, "POST", "/v1/auth/totp/replace/confirm", lost, map[string]string{"code": as.code(t, s.totp)}),
		400, cooperative.EINVALID)

	wantStatus(t, as.call(t, "POST", "/v1/auth/totp/replace/confirm", lost, map[string]string{"code": as.code(t, e.Secret)}), 204)
	wantProblem(t, as.login(t, s.email, testPassword, as.code(t, s.totp)), 401, cooperative.EUNAUTHORIZED)
	r = as.login(t, s.email, testPassword, as.code(t, e.Secret))
	wantStatus(t, r, 200)
	if !decodeBody[tokenBody](t, r).MFA {
		t.Fatal("signing in with the new app gave no second factor")
	}
	if n := as.recoveryCodesLeft(t, lost); n != 9 {
		t.Fatalf("%d recovery codes left, want 9", n)
	}

	mails := as.mailsOf(t, notify.EventAuthenticatorReplaced)
	if len(mails) != 1 || mails[0].To != "ann@example.org" || mails[0].Language != "nl" {
		t.Fatalf("mails %+v, want one to ann in Dutch", mails)
	}

	// A new set of recovery codes is mailed too.
	wantStatus(t, as.call(t, "POST", "/v1/auth/totp/recovery-codes", lost, nil), 200)
	if mails := as.mailsOf(t, notify.EventRecoveryCodesReplaced); len(mails) != 1 || mails[0].To != "ann@example.org" {
		t.Fatalf("mails %+v, want one to ann", mails)
	}
}

// TestBadReplacementInputChangesNothing: malformed requests are a 4xx problem, start no
// replacement and switch nothing.
func TestBadReplacementInputChangesNothing(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	s := as.signIn(t, "ann@example.org")
	as.turnOnTOTP(t, s)
	bearer := []string{"Authorization", "Bearer " + s.tokens.AccessToken}
	for _, tt := range []struct {
		name, path, body string
		status           int
	}{
		{"replace: unknown field", "/v1/auth/totp/replace", `{"secret":"JBSWY3DPEHPK3PXP"}`, 422},
		{"replace: not an object", "/v1/auth/totp/replace", `["x"]`, 422},
		{"replace: malformed JSON", "/v1/auth/totp/replace", `{"secret":`, 400},
		{"confirm: code as a number", "/v1/auth/totp/replace/confirm", `{"code":123456}`, 422},
		{"confirm: unknown field", "/v1/auth/totp/replace/confirm", `{"code":"123456","secret":"JBSWY3DPEHPK3PXP"}`, 422},
		{"confirm: no code", "/v1/auth/totp/replace/confirm", `{}`, 422},
		{"confirm: too long", "/v1/auth/totp/replace/confirm", `{"code":"12345678901"}`, 422},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := as.do(t, "POST", tt.path, "application/json", strings.NewReader(tt.body), bearer...)
			wantProblem(t, r, tt.status, cooperative.EINVALID)
		})
	}
	// Nothing was started: there is nothing to confirm, and the app still works.
	wantProblem(t, as.call(t, "POST", "/v1/auth/totp/replace/confirm", s.tokens.AccessToken,
		map[string]string{"code": as.code(t, s.totp)}), 422, cooperative.ERULE)
	wantStatus(t, as.login(t, s.email, testPassword, as.code(t, s.totp)), 200)
	if mails := as.mailsOf(t, notify.EventAuthenticatorReplaced); len(mails) != 0 {
		t.Fatalf("mails %+v", mails)
	}
}
