package identity

import (
	"context"
	"crypto/rand"
	"net/url"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// AccountsOptions configure sign-in and accounts.
type AccountsOptions struct {
	// Hasher hashes passwords; NewPasswordHasher(OWASPPasswordParams()) when nil.
	Hasher *PasswordHasher
	// Limits bound failed sign-ins; DefaultSignInLimits() when zero.
	Limits SignInLimits
	// Sends bound invitations; DefaultSendLimits() when zero.
	Sends SendLimits
	// SessionTTL is how long a sign-in lasts, refreshes included (default 30 days).
	SessionTTL time.Duration
	// LinkBaseURL is where the links in mails point (the web app), for example
	// https://kracht.example.org. Links are LinkBaseURL + "/verify-email?token=…" etc.
	LinkBaseURL string
	// TOTPIssuer names the service in authenticator apps (default "Kracht").
	TOTPIssuer string
	// Secrets encrypts TOTP secrets at rest (the key of KRACHT_SECRETS_KEY). When nil, a
	// key that lives as long as the process is made: enough for tests, never for a
	// deployment, where secrets must survive a restart (cmd always passes one).
	Secrets *cooperative.SecretBox
	// Now is the clock (tests pin it); time.Now when nil.
	Now func() time.Time
}

// Accounts is sign-up, sign-in, sessions and everything that proves who someone is.
type Accounts struct {
	run  *cooperative.Runner
	opts AccountsOptions
}

// NewAccounts returns the accounts service on store.
func NewAccounts(store cooperative.Store, opts AccountsOptions) *Accounts {
	if opts.Hasher == nil {
		opts.Hasher = NewPasswordHasher(OWASPPasswordParams())
	}
	if opts.Limits == (SignInLimits{}) {
		opts.Limits = DefaultSignInLimits()
	}
	opts.Sends = opts.Sends.OrDefault()
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 30 * 24 * time.Hour
	}
	if opts.TOTPIssuer == "" {
		opts.TOTPIssuer = "Kracht"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Secrets == nil {
		key := make([]byte, cooperative.SecretsKeyBytes)
		_, _ = rand.Read(key)
		opts.Secrets, _ = cooperative.NewSecretBox(key) // a key of the right length always makes a box
	}
	opts.LinkBaseURL = strings.TrimRight(opts.LinkBaseURL, "/")
	return &Accounts{run: cooperative.NewRunner(store, opts.Now), opts: opts}
}

func (a *Accounts) now() time.Time { return a.run.Now() }

// link builds a link to a page of the web app that carries a secret.
func (a *Accounts) link(page, secret string) string {
	return a.opts.LinkBaseURL + page + "?token=" + url.QueryEscape(secret)
}

// errBadCredentials is the one answer to a wrong e-mail address or password, whichever it
// was, so the answer does not tell whether an address is registered.
func errBadCredentials() error {
	return cooperative.Errorf(cooperative.EUNAUTHORIZED, "The e-mail address or password is not correct.")
}

// SignUp is what a person gives to create an account.
type SignUp struct {
	Email    string
	Password string
	// Language is the language for mails (nl or en; other tags fall back to English).
	Language string
	// ClientIP counts mails sent per client address.
	ClientIP string
}

// SignUp creates an account and mails a verification link. For an address that already
// has an account it does not say so (that would tell anyone who is registered): it
// answers the same, and mails the owner a password-reset link instead, which is what a
// person who forgot they had an account needs. The password is hashed in both cases so
// the time taken does not tell either.
func (a *Accounts) SignUp(ctx context.Context, in SignUp) error {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if err := CheckPassword(in.Password, email); err != nil {
		return err
	}
	lang, err := notify.NotificationLanguage(in.Language)
	if err != nil {
		return cooperative.Errorf(cooperative.EINVALID, "language is required: nl or en")
	}
	hash, err := a.opts.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return err
	}
	now := a.now()
	return a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		if err := reserveAttempt(tx, []throttleKey{mailThrottle(in.ClientIP, a.opts.Limits)}, a.opts.Limits.Window, now); err != nil {
			return err
		}
		existing, found, err := findUserByEmail(tx, email)
		if err != nil {
			return err
		}
		if found {
			return a.mailPasswordReset(tx, existing, now)
		}
		u, err := insertUser(tx, storedUser{ID: cooperative.NewID(), Email: email, Language: lang, PasswordHash: hash,
			CreatedAt: now, PasswordChangedAt: now})
		if err != nil {
			return err
		}
		secret, id, err := newLinkToken(tx, linkVerifyEmail, u.ID, verifyEmailTTL, now)
		if err != nil {
			return err
		}
		return notify.Enqueue(tx, notify.Notification{DedupeKey: "email_verification:" + id, Event: notify.EventEmailVerification,
			To: u.Email, Language: u.Language, Data: map[string]string{"link": a.link("/verify-email", secret)}, CreatedAt: now})
	})
}

// emailOf reads a user's address, before the transaction of a step that is throttled by
// it.
func (a *Accounts) emailOf(ctx context.Context, userID string) (string, error) {
	var email string
	err := a.run.View(ctx, func(tx cooperative.Tx) error {
		u, err := GetUser(tx, userID)
		email = u.Email
		return err
	})
	return email, err
}

func (a *Accounts) mailPasswordReset(tx cooperative.Tx, u storedUser, now time.Time) error {
	secret, id, err := newLinkToken(tx, linkResetPassword, u.ID, resetPasswordTTL, now)
	if err != nil {
		return err
	}
	return notify.Enqueue(tx, notify.Notification{DedupeKey: "password_reset:" + id, Event: notify.EventPasswordReset,
		To: u.Email, Language: u.Language, Data: map[string]string{"link": a.link("/reset-password", secret)}, CreatedAt: now})
}

// VerifyEmail carries out the link of a verification mail.
func (a *Accounts) VerifyEmail(ctx context.Context, secret string) error {
	now := a.now()
	return a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		_, u, err := consumeLinkToken(tx, linkVerifyEmail, secret, now)
		if err != nil {
			return err
		}
		u.EmailVerified = true
		_, err = replaceUser(tx, u)
		return err
	})
}

// Login is a sign-in attempt.
type Login struct {
	Email    string
	Password string
	// TOTPCode is required once the account has turned on two-factor authentication,
	// unless RecoveryCode stands in for it (a lost phone). Never both.
	TOTPCode     string
	RecoveryCode string
	ClientIP     string
	// RequestID ties the audit entry of a spent recovery code to the server's logs.
	RequestID string
}

// Login checks a password (and a TOTP code or recovery code when the account has two-factor
// authentication on) and starts a session. Failures are counted per address and per
// client address before the password is checked; over the limit the answer is ETOOMANY
// for everyone, right password or not, registered or not. A recovery code is spent in
// the transaction that starts the session, so it starts one session at most.
func (a *Accounts) Login(ctx context.Context, in Login) (SessionGrant, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return SessionGrant{}, err
	}
	u, needsRehash, err := a.checkPassword(ctx, email, in.Password, in.ClientIP)
	if err != nil {
		return SessionGrant{}, err
	}
	if !u.EmailVerified {
		return SessionGrant{}, cooperative.Errorf(cooperative.EFORBIDDEN,
			"Confirm your e-mail address first with the link we mailed you, or reset your password to get a new link.")
	}
	step, recovery, err := a.loginSecondFactor(u, in)
	if err != nil {
		return SessionGrant{}, err
	}
	rehash := ""
	if needsRehash {
		// Stored with other parameters: upgrade it now that the password is at hand.
		if rehash, err = a.opts.Hasher.Hash(ctx, in.Password); err != nil {
			return SessionGrant{}, err
		}
	}
	now := a.now()
	var grant SessionGrant
	err = a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		current, err := GetUser(tx, u.ID)
		if err != nil {
			return err
		}
		if current.PasswordHash != u.PasswordHash {
			return errBadCredentials() // changed while we checked it
		}
		if step > 0 {
			if step <= current.TOTP.LastStep {
				return cooperative.Errorf(cooperative.EUNAUTHORIZED, "The TOTP code is not correct.") // used already
			}
			current.TOTP.LastStep = step
		}
		if rehash != "" {
			current.PasswordHash = rehash
		}
		if step > 0 || rehash != "" {
			if _, err := replaceUser(tx, current); err != nil {
				return err
			}
		}
		var use RecoveryCodeUse
		if recovery {
			if use, err = a.spendRecoveryCode(tx, current, in.RecoveryCode, in.RequestID, cooperative.EUNAUTHORIZED, now); err != nil {
				return err
			}
		}
		if err := a.forgive(tx, email, in.ClientIP, now); err != nil {
			return err
		}
		grant, err = startSession(tx, u.ID, step > 0 || recovery, a.opts.SessionTTL, now)
		grant.Recovery = use
		return err
	})
	return grant, err
}

// loginSecondFactor checks the second factor of a sign-in into u, when u has two-factor
// authentication on: a TOTP code's step, or that a recovery code was given instead (it is
// checked and spent in the transaction that starts the session).
func (a *Accounts) loginSecondFactor(u storedUser, in Login) (step int64, recovery bool, err error) {
	if !u.TOTP.Enabled {
		return 0, false, nil
	}
	recovery, err = SecondFactor{TOTPCode: in.TOTPCode, RecoveryCode: in.RecoveryCode}.recovery()
	if err != nil || recovery {
		return 0, recovery, err
	}
	if strings.TrimSpace(in.TOTPCode) == "" {
		return 0, false, cooperative.Errorf(cooperative.EUNAUTHORIZED, "This account uses two-factor authentication: send totpCode (or, without your authenticator, a recoveryCode) with the e-mail address and password.")
	}
	secret, err := a.openTOTP(u.ID, u.TOTP.Secret)
	if err != nil {
		return 0, false, err
	}
	step, ok := checkTOTP(secret, in.TOTPCode, u.TOTP.LastStep, a.now())
	if !ok {
		return 0, false, cooperative.Errorf(cooperative.EUNAUTHORIZED, "The TOTP code is not correct.")
	}
	return step, false, nil
}

// checkPassword counts the attempt, then checks email's password in constant time (a
// dummy hash when there is no such account) and returns the user, and whether the hash
// should be redone with the current parameters.
func (a *Accounts) checkPassword(ctx context.Context, email, password, clientIP string) (storedUser, bool, error) {
	if err := a.reserveSignInAttempt(ctx, email, clientIP, a.now()); err != nil {
		return storedUser{}, false, err
	}
	var (
		u     storedUser
		found bool
	)
	if err := a.run.View(ctx, func(tx cooperative.Tx) (err error) {
		u, found, err = findUserByEmail(tx, email)
		return err
	}); err != nil {
		return storedUser{}, false, err
	}
	if !found {
		if err := a.opts.Hasher.VerifyDummy(ctx, password); err != nil {
			return storedUser{}, false, err
		}
		return storedUser{}, false, errBadCredentials()
	}
	ok, rehash, err := a.opts.Hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return storedUser{}, false, err
	}
	if !ok {
		return storedUser{}, false, errBadCredentials()
	}
	return u, rehash, nil
}

// reserveSignInAttempt counts an attempt at a credential (a password, a TOTP or recovery
// code) against the address and the client address, before it is checked.
func (a *Accounts) reserveSignInAttempt(ctx context.Context, email, clientIP string, now time.Time) error {
	keys := []throttleKey{accountThrottle(email, a.opts.Limits), ipThrottle(clientIP, a.opts.Limits)}
	return a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		return reserveAttempt(tx, keys, a.opts.Limits.Window, now)
	})
}

// forgive undoes the attempt counted for a sign-in that succeeded: the account's lock-out
// ends; the client address gets its attempt back (its other failures stand).
func (a *Accounts) forgive(tx cooperative.Tx, email, clientIP string, now time.Time) error {
	if err := clearThrottle(tx, accountThrottle(email, a.opts.Limits)); err != nil {
		return err
	}
	return forgiveAttempt(tx, ipThrottle(clientIP, a.opts.Limits), a.opts.Limits.Window, now)
}

// RequestPasswordReset mails a reset link if the address has an account, and answers the
// same either way.
func (a *Accounts) RequestPasswordReset(ctx context.Context, email, clientIP string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	now := a.now()
	return a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		if err := reserveAttempt(tx, []throttleKey{mailThrottle(clientIP, a.opts.Limits)}, a.opts.Limits.Window, now); err != nil {
			return err
		}
		u, found, err := findUserByEmail(tx, email)
		if err != nil || !found {
			return err
		}
		return a.mailPasswordReset(tx, u, now)
	})
}

// ConfirmPasswordReset sets a new password with the link of a reset mail. It also proves
// the address (so it verifies it), ends the account's lock-out (the way back in for a
// person who was locked out) and ends every session (whoever knew the old password is
// signed out). It is in the platform's audit log, by the user (role self).
func (a *Accounts) ConfirmPasswordReset(ctx context.Context, secret, newPassword, requestID string) error {
	if !cooperative.PlausibleSecret(linkTokenPrefix, secret) {
		return errInvalidLink()
	}
	// Look before consuming: the policy needs the address, and a refused password must
	// leave the link usable for a second try.
	var u storedUser
	if err := a.run.View(ctx, func(tx cooperative.Tx) error {
		t, _, err := cooperative.GetAs[linkToken](tx, collectionLinkTokens, cooperative.HashSecret(secret))
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && t.Purpose != linkResetPassword) {
			return errInvalidLink()
		}
		if err != nil {
			return err
		}
		u, err = GetUser(tx, t.UserID)
		return err
	}); err != nil {
		return err
	}
	if err := CheckPassword(newPassword, u.Email); err != nil {
		return err
	}
	hash, err := a.opts.Hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	now := a.now()
	return a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		t, u, err := consumeLinkToken(tx, linkResetPassword, secret, now)
		if err != nil {
			return err
		}
		if t.CreatedAt.Before(u.PasswordChangedAt) {
			return errInvalidLink() // a link from before the last password change is void
		}
		u.PasswordHash, u.PasswordChangedAt, u.EmailVerified = hash, now, true
		if _, err := replaceUser(tx, u); err != nil {
			return err
		}
		if err := clearThrottle(tx, accountThrottle(u.Email, a.opts.Limits)); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, selfActor(u, requestID), "", "password.reset", "user", u.ID, nil, nil, now); err != nil {
			return err
		}
		return revokeUserSessions(tx, u.ID, "password reset", now)
	})
}

// ChangePassword replaces a signed-in user's password. The current one is asked for (a
// session left open on a shared computer must not be enough) and every session of the
// user ends, this one included. It is in the platform's audit log, by the user.
func (a *Accounts) ChangePassword(ctx context.Context, userID, current, newPassword, clientIP, requestID string) error {
	email, err := a.emailOf(ctx, userID)
	if err != nil {
		return err
	}
	if err := CheckPassword(newPassword, email); err != nil {
		return err
	}
	u, _, err := a.checkPassword(ctx, email, current, clientIP)
	if cooperative.ErrorCode(err) == cooperative.EUNAUTHORIZED {
		// 403, not 401: the access token is fine, and a client that refreshes on 401
		// would only retry.
		return cooperative.Errorf(cooperative.EFORBIDDEN, "The current password is not correct.")
	}
	if err != nil {
		return err
	}
	hash, err := a.opts.Hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	now := a.now()
	return a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		cur, err := GetUser(tx, userID)
		if err != nil {
			return err
		}
		if cur.PasswordHash != u.PasswordHash {
			return cooperative.Errorf(cooperative.ECONFLICT, "The password was changed at the same time; try again.")
		}
		cur.PasswordHash, cur.PasswordChangedAt = hash, now
		if _, err := replaceUser(tx, cur); err != nil {
			return err
		}
		if err := a.forgive(tx, email, clientIP, now); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, selfActor(cur, requestID), "", "password.change", "user", userID, nil, nil, now); err != nil {
			return err
		}
		return revokeUserSessions(tx, userID, "password changed", now)
	})
}

// CreatePlatformAdmin creates a platform admin. It is only reachable from the command
// line (kracht admin create): whoever runs it already controls the deployment, and no
// HTTP endpoint can make the first admin. The operator vouches for the address, so it
// counts as verified.
func (a *Accounts) CreatePlatformAdmin(ctx context.Context, email, password, language string, actor cooperative.Actor) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	if err := CheckPassword(password, email); err != nil {
		return User{}, err
	}
	lang, err := notify.NotificationLanguage(language)
	if err != nil {
		return User{}, err
	}
	hash, err := a.opts.Hasher.Hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	now := a.now()
	var u storedUser
	err = a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) (err error) {
		u, err = insertUser(tx, storedUser{ID: cooperative.NewID(), Email: email, EmailVerified: true, Language: lang, PasswordHash: hash,
			PlatformAdmin: true, CreatedAt: now, PasswordChangedAt: now})
		if err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, "", "platform_admin.create", "user", u.ID, nil, u.view(), now)
	})
	return u.view(), err
}
