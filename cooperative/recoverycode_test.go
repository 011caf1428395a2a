package cooperative_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
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

// recoveryWorld is a store in a directory of its own (so its files can be read), and an
// account with two-factor authentication on, in Dutch.
type recoveryWorld struct {
	dir      string
	store    cooperative.Store
	accounts *identity.Accounts
	mu       sync.Mutex
	now      time.Time
	userID   string
	secret   string   // the TOTP secret
	codes    []string // the recovery codes ConfirmTOTP gave
	// older is a session from before two-factor authentication was on: without it.
	older identity.SessionGrant
}

const (
	recoveryEmail    = "ann@example.org"
	recoveryPassword = "a long enough passphrase"
)

func newRecoveryWorld(t *testing.T, limits identity.SignInLimits) *recoveryWorld {
	t.Helper()
	w := &recoveryWorld{dir: t.TempDir(), now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	var err error
	if w.store, err = embedded.Open(context.Background(), filepath.Join(w.dir, "k.db"), embedded.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.store.Close() })
	w.accounts = identity.NewAccounts(w.store, identity.AccountsOptions{
		Hasher: identity.NewPasswordHasher(identity.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}),
		Limits: limits, Now: w.clock})
	ctx := context.Background()
	u, err := w.accounts.CreatePlatformAdmin(ctx, recoveryEmail, recoveryPassword, "nl", cooperative.Actor{Role: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	w.userID = u.ID
	g := w.login(t, identity.Login{})
	w.older = w.login(t, identity.Login{})
	enrollment, err := w.accounts.EnrollTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.secret = enrollment.Secret
	if w.codes, err = w.accounts.ConfirmTOTP(ctx, u.ID, g.SessionID, w.code(t), clientIP, ""); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *recoveryWorld) clock() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }

// code moves the clock a step on (a TOTP code works once) and returns the next code.
func (w *recoveryWorld) code(t *testing.T) string {
	t.Helper()
	return w.codeOf(t, w.secret)
}

// codeOf is code for another secret (a replacement authenticator's).
func (w *recoveryWorld) codeOf(t *testing.T, secret string) string {
	t.Helper()
	w.advance(30 * time.Second)
	code, err := totp.GenerateCode(secret, w.clock())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (w *recoveryWorld) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

// signIn signs in with in's second factor (none when empty).
func (w *recoveryWorld) signIn(in identity.Login) (identity.SessionGrant, error) {
	in.Email, in.Password, in.ClientIP = recoveryEmail, recoveryPassword, clientIP
	return w.accounts.Login(context.Background(), in)
}

func (w *recoveryWorld) login(t *testing.T, in identity.Login) identity.SessionGrant {
	t.Helper()
	g, err := w.signIn(in)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (w *recoveryWorld) wantRefused(t *testing.T, code, errCode string) {
	t.Helper()
	if _, err := w.signIn(identity.Login{RecoveryCode: code}); cooperative.ErrorCode(err) != errCode {
		t.Fatalf("sign-in with recovery code %q: %v, want %s", code, err, errCode)
	}
}

func (w *recoveryWorld) wantLeft(t *testing.T, left int) {
	t.Helper()
	st, err := w.accounts.RecoveryCodes(context.Background(), w.userID)
	if err != nil || st.Remaining != left {
		t.Fatalf("recovery codes: %+v %v, want %d left", st, err, left)
	}
}

// mails claims every queued mail of one event.
func (w *recoveryWorld) mails(t *testing.T, event notify.NotificationEvent) []notify.Notification {
	t.Helper()
	var out []notify.Notification
	for _, n := range claimOutbox(t, w.store, "test", w.clock().Add(time.Hour), 100).Claimed {
		if n.Event == event {
			out = append(out, n)
		}
	}
	return out
}

func (w *recoveryWorld) auditActions(t *testing.T) []string {
	t.Helper()
	entries, _, err := cooperative.ReadAudit(context.Background(), w.store, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.ActorRole+":"+e.Action)
	}
	return actions
}

// generousLimits let a test fail sign-ins that are not about the limit.
var generousLimits = identity.SignInLimits{Window: time.Minute, PerAccount: 100, PerIP: 100, MailsPerIP: 100}

var recoveryCodeFormat = regexp.MustCompile(`^[A-Z2-7]{5}-[A-Z2-7]{5}$`)

func TestRecoveryCodesAreMadeOnceAndStoredOnlyHashed(t *testing.T) {
	w := newRecoveryWorld(t, identity.DefaultSignInLimits())
	seen := map[string]bool{}
	for _, c := range w.codes {
		if !recoveryCodeFormat.MatchString(c) || seen[c] {
			t.Fatalf("codes %v: want 10 distinct XXXXX-XXXXX", w.codes)
		}
		seen[c] = true
	}
	if len(w.codes) != 10 {
		t.Fatalf("%d codes, want 10", len(w.codes))
	}
	w.wantLeft(t, 10)
	w.login(t, identity.Login{RecoveryCode: w.codes[0]})
	_, err := w.accounts.RegenerateRecoveryCodes(context.Background(), w.userID, "req-1")
	if err != nil {
		t.Fatal(err)
	}
	// Every byte the store wrote (database and write-ahead log): no code in any form.
	if err := w.store.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(w.dir, "*"))
	var stored bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stored.Write(b)
	}
	if !bytes.Contains(stored.Bytes(), []byte("recovery_code.use")) {
		t.Fatal("the scan does not see the store's records")
	}
	for _, c := range w.codes {
		for _, form := range []string{c, strings.ReplaceAll(c, "-", ""), strings.ToLower(c)} {
			if bytes.Contains(stored.Bytes(), []byte(form)) {
				t.Fatalf("recovery code %s is stored as %q", c, form)
			}
		}
	}
}

func TestRecoveryCodeWorksOnceInsteadOfTOTP(t *testing.T) {
	w := newRecoveryWorld(t, generousLimits)
	// As people type it: lower case, no dash, a zero for an O.
	typed := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(w.codes[3], "-", " "), "O", "0"))
	g := w.login(t, identity.Login{RecoveryCode: typed})
	if !g.MFA || g.Recovery != (identity.RecoveryCodeUse{Used: true, Left: 9}) {
		t.Fatalf("grant %+v, want a second factor and 9 codes left", g)
	}
	p, err := w.accounts.Authenticate(context.Background(), g.UserID, g.SessionID, "")
	if err != nil || !p.MFA {
		t.Fatalf("session %+v %v, want a second factor", p, err)
	}
	w.wantLeft(t, 9)
	w.wantRefused(t, w.codes[3], cooperative.EUNAUTHORIZED)
	w.wantRefused(t, "AAAAA-AAAAA", cooperative.EUNAUTHORIZED)
	// Never both, never confused: a recovery code is not a TOTP code, nor the other way.
	if _, err := w.signIn(identity.Login{TOTPCode: w.code(t), RecoveryCode: w.codes[4]}); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("both: %v", err)
	}
	if _, err := w.signIn(identity.Login{TOTPCode: w.codes[4]}); cooperative.ErrorCode(err) != cooperative.EUNAUTHORIZED {
		t.Fatalf("a recovery code as a TOTP code: %v", err)
	}
	w.wantRefused(t, w.code(t), cooperative.EUNAUTHORIZED)
	w.wantLeft(t, 9)
	// A TOTP sign-in spends nothing, and says nothing of recovery codes.
	if g := w.login(t, identity.Login{TOTPCode: w.code(t)}); g.Recovery.Used {
		t.Fatalf("TOTP sign-in %+v", g)
	}

	// The owner hears of it in their language, and the platform's audit log has it.
	mails := w.mails(t, notify.EventRecoveryCodeUsed)
	if len(mails) != 1 || mails[0].To != recoveryEmail || mails[0].Language != "nl" || mails[0].Data["remaining"] != "9" {
		t.Fatalf("mails %+v, want one in Dutch saying 9 are left", mails)
	}
	if got := strings.Join(w.auditActions(t), " "); !strings.Contains(got, "self:recovery_code.use") {
		t.Fatalf("audit %s", got)
	}
}

func TestRecoveryCodesRunOut(t *testing.T) {
	w := newRecoveryWorld(t, identity.DefaultSignInLimits())
	for i, c := range w.codes {
		if g := w.login(t, identity.Login{RecoveryCode: c}); g.Recovery.Left != 9-i {
			t.Fatalf("code %d: %+v", i, g.Recovery)
		}
	}
	w.wantLeft(t, 0)
	w.wantRefused(t, w.codes[9], cooperative.EUNAUTHORIZED)
	mails := w.mails(t, notify.EventRecoveryCodeUsed)
	if len(mails) != 10 || mails[9].Data["remaining"] != "0" {
		t.Fatalf("%d mails, the last %+v", len(mails), mails[len(mails)-1])
	}
}

func TestWrongRecoveryCodesCountTowardTheLimit(t *testing.T) {
	w := newRecoveryWorld(t, identity.SignInLimits{Window: 15 * time.Minute, PerAccount: 3, PerIP: 100, MailsPerIP: 100})
	for range 2 {
		w.wantRefused(t, "AAAAA-AAAAA", cooperative.EUNAUTHORIZED)
	}
	// A step-up counts the same way: a wrong code there is the third strike.
	if _, err := w.accounts.StepUp(context.Background(), w.userID, w.older.SessionID,
		identity.SecondFactor{RecoveryCode: "BBBBB-BBBBB"}, clientIP, ""); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("step-up with a wrong code: %v", err)
	}
	// Locked: even a right code is refused, and not spent.
	w.wantRefused(t, w.codes[0], cooperative.ETOOMANY)
	w.wantLeft(t, 10)
	w.advance(15 * time.Minute)
	w.login(t, identity.Login{RecoveryCode: w.codes[0]})
}

func TestStepUpWithARecoveryCode(t *testing.T) {
	w := newRecoveryWorld(t, identity.DefaultSignInLimits())
	ctx := context.Background()
	g := w.older
	if p, _ := w.accounts.Authenticate(ctx, g.UserID, g.SessionID, ""); p.MFA {
		t.Fatal("a session without the second factor has it")
	}
	use, err := w.accounts.StepUp(ctx, w.userID, g.SessionID, identity.SecondFactor{RecoveryCode: w.codes[0]}, clientIP, "")
	if err != nil || use != (identity.RecoveryCodeUse{Used: true, Left: 9}) {
		t.Fatalf("step-up: %+v %v", use, err)
	}
	if p, _ := w.accounts.Authenticate(ctx, g.UserID, g.SessionID, ""); !p.MFA {
		t.Fatal("step-up with a recovery code gave no second factor")
	}
	if _, err := w.accounts.StepUp(ctx, w.userID, g.SessionID, identity.SecondFactor{RecoveryCode: w.codes[0]},
		clientIP, ""); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("the same code again: %v", err)
	}
	// A TOTP step-up still works, and spends no recovery code.
	if use, err := w.accounts.StepUp(ctx, w.userID, g.SessionID, identity.SecondFactor{TOTPCode: w.code(t)}, clientIP, ""); err != nil || use.Used {
		t.Fatalf("TOTP step-up: %+v %v", use, err)
	}
	w.wantLeft(t, 9)
}

func TestRegeneratingVoidsTheOldCodes(t *testing.T) {
	w := newRecoveryWorld(t, identity.DefaultSignInLimits())
	ctx := context.Background()
	w.login(t, identity.Login{RecoveryCode: w.codes[0]})
	w.wantLeft(t, 9)
	fresh, err := w.accounts.RegenerateRecoveryCodes(ctx, w.userID, "req-2")
	if err != nil || len(fresh) != 10 {
		t.Fatalf("regenerate: %d codes, %v", len(fresh), err)
	}
	w.wantLeft(t, 10)
	for _, old := range w.codes[1:3] {
		w.wantRefused(t, old, cooperative.EUNAUTHORIZED)
	}
	w.login(t, identity.Login{RecoveryCode: fresh[1]})
	w.wantLeft(t, 9)
	if got := strings.Join(w.auditActions(t), " "); !strings.Contains(got, "self:recovery_codes.regenerate") {
		t.Fatalf("audit %s", got)
	}

	// Without two-factor authentication there is nothing to stand in for.
	u, err := w.accounts.CreatePlatformAdmin(ctx, "bob@example.org", recoveryPassword, "en", cooperative.Actor{Role: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.accounts.RegenerateRecoveryCodes(ctx, u.ID, ""); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("regenerate without TOTP: %v", err)
	}
	if st, err := w.accounts.RecoveryCodes(ctx, u.ID); err != nil || st.Remaining != 0 || !st.CreatedAt.IsZero() {
		t.Fatalf("status without TOTP: %+v %v", st, err)
	}
}

// TestARecoveryCodeStartsOneSessionOnly: parallel sign-ins with the same code, and
// exactly one gets in.
func TestARecoveryCodeStartsOneSessionOnly(t *testing.T) {
	w := newRecoveryWorld(t, generousLimits)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = w.signIn(identity.Login{RecoveryCode: w.codes[0]}) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch cooperative.ErrorCode(err) {
		case "":
			ok++
		case cooperative.EUNAUTHORIZED:
		default:
			t.Fatalf("parallel sign-in: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d sign-ins succeeded with one code, want 1", ok)
	}
	w.wantLeft(t, 9)
	if mails := w.mails(t, notify.EventRecoveryCodeUsed); len(mails) != 1 {
		t.Fatalf("%d mails, want 1", len(mails))
	}
}
