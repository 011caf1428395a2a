package cooperative_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
)

// lostPhone signs w's owner in with a recovery code, as someone without their phone
// does, and starts replacing the authenticator in that session. It returns the session
// and the new secret.
func (w *recoveryWorld) lostPhone(t *testing.T) (identity.SessionGrant, string) {
	t.Helper()
	g := w.login(t, identity.Login{RecoveryCode: w.codes[0]})
	return g, w.startReplacement(t, g)
}

// startReplacement starts replacing the authenticator in g and returns the new secret.
func (w *recoveryWorld) startReplacement(t *testing.T, g identity.SessionGrant) string {
	t.Helper()
	e, err := w.accounts.StartTOTPReplacement(context.Background(), w.userID, g.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Secret == "" || e.Secret == w.secret || !strings.HasPrefix(e.URL, "otpauth://totp/") {
		t.Fatalf("replacement %+v", e)
	}
	return e.Secret
}

func (w *recoveryWorld) confirmReplacement(g identity.SessionGrant, code string) error {
	return w.accounts.ConfirmTOTPReplacement(context.Background(), w.userID, g.SessionID, code, clientIP, "req-1")
}

// wantTOTPSignIn checks whether a sign-in with code works.
func (w *recoveryWorld) wantTOTPSignIn(t *testing.T, what, code string, ok bool) {
	t.Helper()
	if _, err := w.signIn(identity.Login{TOTPCode: code}); (err == nil) != ok {
		t.Fatalf("sign-in with the %s code: %v, want it to work: %v", what, err, ok)
	}
}

func TestReplacingTheAuthenticator(t *testing.T) {
	w := newRecoveryWorld(t, generousLimits)
	g, fresh := w.lostPhone(t)

	// Until it is confirmed, the current app works and the new one does not.
	w.wantTOTPSignIn(t, "old", w.code(t), true)
	w.wantTOTPSignIn(t, "new", w.codeOf(t, fresh), false)
	if err := w.confirmReplacement(g, w.code(t)); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("confirming with the old app's code: %v", err)
	}
	if mails := w.mails(t, notify.EventAuthenticatorReplaced); len(mails) != 0 {
		t.Fatalf("mails before the switch: %+v", mails)
	}

	if err := w.confirmReplacement(g, w.codeOf(t, fresh)); err != nil {
		t.Fatal(err)
	}
	w.wantTOTPSignIn(t, "old", w.code(t), false)
	w.wantTOTPSignIn(t, "new", w.codeOf(t, fresh), true)
	w.wantLeft(t, 9) // the recovery codes stand
	// Nothing is left pending to confirm a second time.
	if err := w.confirmReplacement(g, w.codeOf(t, fresh)); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("confirming again: %v", err)
	}

	mails := w.mails(t, notify.EventAuthenticatorReplaced)
	if len(mails) != 1 || mails[0].To != recoveryEmail || mails[0].Language != "nl" || !mails[0].Event.Mandatory() {
		t.Fatalf("mails %+v, want one in Dutch to the owner", mails)
	}
	if got := strings.Join(w.auditActions(t), " "); strings.Count(got, "self:totp.replace") != 1 {
		t.Fatalf("audit %s", got)
	}
}

func TestAReplacementLapses(t *testing.T) {
	w := newRecoveryWorld(t, generousLimits)
	g, fresh := w.lostPhone(t)
	w.advance(15 * time.Minute)
	if err := w.confirmReplacement(g, w.codeOf(t, fresh)); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("confirming a lapsed replacement: %v", err)
	}
	w.wantTOTPSignIn(t, "old", w.code(t), true)

	// Starting again gives a new secret, with a new lifetime.
	again := w.startReplacement(t, g)
	if again == fresh {
		t.Fatal("starting again gave the same secret")
	}
	if err := w.confirmReplacement(g, w.codeOf(t, again)); err != nil {
		t.Fatal(err)
	}
}

func TestWrongReplacementCodesCountTowardTheLimit(t *testing.T) {
	w := newRecoveryWorld(t, identity.SignInLimits{Window: 15 * time.Minute, PerAccount: 3, PerIP: 100, MailsPerIP: 100})
	g, fresh := w.lostPhone(t)
	for range 3 {
		if err := w.confirmReplacement(g, "000000"); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Fatalf("a wrong code: %v", err)
		}
	}
	// Locked: the right code is refused too, and nothing switches.
	if err := w.confirmReplacement(g, w.codeOf(t, fresh)); cooperative.ErrorCode(err) != cooperative.ETOOMANY {
		t.Fatalf("the right code after three wrong ones: %v", err)
	}
	w.wantRefused(t, w.codes[1], cooperative.ETOOMANY)
	w.advance(15 * time.Minute)
	w.wantTOTPSignIn(t, "old", w.code(t), true)
	if mails := w.mails(t, notify.EventAuthenticatorReplaced); len(mails) != 0 {
		t.Fatalf("mails %+v", mails)
	}
}

func TestReplacingTheAuthenticatorNeedsTheSecondFactor(t *testing.T) {
	w := newRecoveryWorld(t, generousLimits)
	ctx := context.Background()
	if _, err := w.accounts.StartTOTPReplacement(ctx, w.userID, w.older.SessionID); cooperative.ErrorCode(err) != cooperative.EFORBIDDEN {
		t.Fatalf("start without the second factor: %v", err)
	}
	g, fresh := w.lostPhone(t)
	// The pending secret cannot be confirmed from a session without it either.
	if err := w.confirmReplacement(w.older, w.codeOf(t, fresh)); cooperative.ErrorCode(err) != cooperative.EFORBIDDEN {
		t.Fatalf("confirm without the second factor: %v", err)
	}
	if err := w.accounts.Logout(ctx, g.SessionID); err != nil {
		t.Fatal(err)
	}
	if err := w.confirmReplacement(g, w.codeOf(t, fresh)); cooperative.ErrorCode(err) != cooperative.EUNAUTHORIZED {
		t.Fatalf("confirm in an ended session: %v", err)
	}
	w.wantTOTPSignIn(t, "old", w.code(t), true)
}

func TestRegeneratingRecoveryCodesIsMailed(t *testing.T) {
	w := newRecoveryWorld(t, generousLimits)
	if mails := w.mails(t, notify.EventRecoveryCodesReplaced); len(mails) != 0 {
		t.Fatalf("the first set was mailed as a replacement: %+v", mails)
	}
	codes, err := w.accounts.RegenerateRecoveryCodes(context.Background(), w.userID, "req-1")
	if err != nil || len(codes) != 10 {
		t.Fatalf("regenerate: %d codes, %v", len(codes), err)
	}
	mails := w.mails(t, notify.EventRecoveryCodesReplaced)
	if len(mails) != 1 || mails[0].To != recoveryEmail || mails[0].Language != "nl" || !mails[0].Event.Mandatory() {
		t.Fatalf("mails %+v, want one in Dutch to the owner", mails)
	}
	if len(mails[0].Data) != 0 {
		t.Fatalf("the mail carries data %v: it must not hold the codes", mails[0].Data)
	}
}
