package identity

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Two-factor authentication with TOTP (RFC 6238): 6 digits, 30-second steps, SHA-1, which
// is what every authenticator app supports.
//
// The secret is stored encrypted (AccountsOptions.Secrets, bound to the user's id), so a
// copy of the database alone does not give anyone the second factor.
//
// Once on, it stays on; its authenticator can be replaced with the second factor
// (totpreplace.go), never turned off.
type totpState struct {
	Secret string `json:"secret,omitempty"` // sealed, once confirmed
	// Pending is sealed and not yet confirmed: a first enrolment while Enabled is false,
	// a replacement for Secret while it is true.
	Pending string `json:"pending,omitempty"`
	// PendingUntil is when a pending replacement lapses; zero for a first enrolment,
	// which needs no lapse since nothing depends on it until it is confirmed.
	PendingUntil time.Time `json:"pendingUntil,omitzero"`
	Enabled      bool      `json:"enabled,omitempty"`
	// LastStep is the last time step a code was accepted for: a code works once, so one
	// seen over someone's shoulder cannot be replayed within its 30 seconds.
	LastStep int64 `json:"lastStep,omitempty"`
}

const totpPeriod = 30

// seal encrypts a secret for storage in userID's records. The purpose is bound in with
// the user, so a sealed secret copied into another user's record, or into another field
// (a recovery key as a TOTP secret), does not open.
func (a *Accounts) seal(purpose, userID string, secret []byte) string {
	return base64.StdEncoding.EncodeToString(a.opts.Secrets.Seal(secret, purpose+":"+userID))
}

// open decrypts what seal made for the same purpose and user.
func (a *Accounts) open(purpose, userID, sealed string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, cooperative.WrapError(cooperative.EINTERNAL, err, "a stored secret is damaged")
	}
	return a.opts.Secrets.Open(b, purpose+":"+userID)
}

const totpPurpose = "totp"

// sealTOTP encrypts a base32 secret for storage in userID's record.
func (a *Accounts) sealTOTP(userID, secret string) string {
	return a.seal(totpPurpose, userID, []byte(secret))
}

// openTOTP decrypts a stored secret ("" stays "").
func (a *Accounts) openTOTP(userID, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	secret, err := a.open(totpPurpose, userID, sealed)
	return string(secret), err
}

func totpOpts() totp.ValidateOpts {
	return totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
}

// checkTOTP accepts the code of the current step or one step either side (clock drift),
// if that step is after lastStep, and returns the step.
func checkTOTP(secret, code string, lastStep int64, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for _, s := range []int64{step - 1, step, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts())
		if err == nil && s > lastStep && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPEnrollment is shown once, to put the secret into an authenticator app.
type TOTPEnrollment struct {
	Secret string // base32
	URL    string // otpauth://totp/…, for a QR code
}

// EnrollTOTP starts turning on two-factor authentication: it makes a secret and keeps it
// pending until ConfirmTOTP proves the app has it. Enrolling again replaces a pending
// secret; once on, it stays on (turning it off would be the way around it for someone
// who took over a session), and its authenticator can only be replaced, with the second
// factor (StartTOTPReplacement).
func (a *Accounts) EnrollTOTP(ctx context.Context, userID string) (TOTPEnrollment, error) {
	var out TOTPEnrollment
	err := a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		u, err := GetUser(tx, userID)
		if err != nil {
			return err
		}
		if u.TOTP.Enabled {
			return cooperative.Errorf(cooperative.ECONFLICT, "Two-factor authentication is already on for this account. "+
				"To move it to a new authenticator app, use POST /v1/auth/totp/replace.")
		}
		out, err = a.pendTOTP(tx, u, time.Time{})
		return err
	})
	return out, err
}

// pendTOTP makes a new secret and keeps it as u's pending one until until (zero: no
// lapse), beside any current secret, which stays as it is.
func (a *Accounts) pendTOTP(tx cooperative.Tx, u storedUser, until time.Time) (TOTPEnrollment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: a.opts.TOTPIssuer, AccountName: u.Email,
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrollment{}, cooperative.WrapError(cooperative.EINTERNAL, err, "cannot make a TOTP secret")
	}
	u.TOTP.Pending, u.TOTP.PendingUntil = a.sealTOTP(u.ID, key.Secret()), until
	if _, err := replaceUser(tx, u); err != nil {
		return TOTPEnrollment{}, err
	}
	return TOTPEnrollment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP turns two-factor authentication on with a code from the app, counts the
// current session as having given a second factor, and returns the first set of recovery
// codes: the only time they are shown. It is in the platform's audit log, by the user.
func (a *Accounts) ConfirmTOTP(ctx context.Context, userID, sessionID, code, clientIP, requestID string) ([]string, error) {
	var codes []string
	err := a.stepUp(ctx, userID, sessionID, clientIP, func(tx cooperative.Tx, u storedUser, now time.Time) (err error) {
		if err := a.acceptTOTP(tx, u, code, true, now); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, selfActor(u, requestID), "", "totp.enable", "user", u.ID, nil, nil, now); err != nil {
			return err
		}
		codes, _, err = a.replaceRecoveryCodes(tx, u.ID, now)
		return err
	})
	return codes, err
}

// StepUp counts the current session as having given a second factor (for a session that
// began before two-factor authentication was turned on): a TOTP code or, instead, a
// recovery code.
func (a *Accounts) StepUp(ctx context.Context, userID, sessionID string, f SecondFactor, clientIP, requestID string) (RecoveryCodeUse, error) {
	recovery, err := f.recovery()
	if err != nil {
		return RecoveryCodeUse{}, err
	}
	var use RecoveryCodeUse
	err = a.stepUp(ctx, userID, sessionID, clientIP, func(tx cooperative.Tx, u storedUser, now time.Time) (err error) {
		if !recovery {
			return a.acceptTOTP(tx, u, f.TOTPCode, false, now)
		}
		if !u.TOTP.Enabled {
			return errTOTPNotOn()
		}
		// Not 401: the access token is fine, and a client that refreshes on 401 would
		// only loop.
		use, err = a.spendRecoveryCode(tx, u, f.RecoveryCode, requestID, cooperative.EINVALID, now)
		return err
	})
	return use, err
}

// stepUp counts an attempt at a second factor against the account and the client address
// (codes can be guessed, like passwords), then runs prove; when it accepts, the session
// has given a second factor and the attempt is forgiven, in the same transaction.
func (a *Accounts) stepUp(ctx context.Context, userID, sessionID, clientIP string, prove func(cooperative.Tx, storedUser, time.Time) error) error {
	email, err := a.emailOf(ctx, userID)
	if err != nil {
		return err
	}
	now := a.now()
	if err := a.reserveSignInAttempt(ctx, email, clientIP, now); err != nil {
		return err
	}
	return a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		u, err := GetUser(tx, userID)
		if err != nil {
			return err
		}
		if err := prove(tx, u, now); err != nil {
			return err
		}
		s, err := getSession(tx, sessionID)
		if err != nil {
			return err
		}
		if !s.live(now) {
			return errSessionEnded()
		}
		s.MFA = true
		if _, err := tx.Replace(s.record()); err != nil {
			return err
		}
		return a.forgive(tx, email, clientIP, now)
	})
}

// errWrongTOTP is a refused TOTP code in a session. Not 401: the access token is fine,
// and a client that refreshes on 401 would only loop.
func errWrongTOTP() error {
	return cooperative.Errorf(cooperative.EINVALID, "The TOTP code is not correct.")
}

func errTOTPNotOn() error {
	return cooperative.Errorf(cooperative.ERULE, "Two-factor authentication is not on for this account: enroll first.")
}

// acceptTOTP checks a code against u's secret (the pending one when confirming, which
// turns it on) and records its step, so the code does not work twice.
func (a *Accounts) acceptTOTP(tx cooperative.Tx, u storedUser, code string, confirm bool, now time.Time) error {
	sealed := u.TOTP.Secret
	switch {
	case confirm && u.TOTP.Enabled:
		return cooperative.Errorf(cooperative.ECONFLICT, "Two-factor authentication is already on for this account.")
	case confirm && u.TOTP.Pending == "":
		return cooperative.Errorf(cooperative.ERULE, "Enroll first (POST /v1/auth/totp/enroll), then confirm with a code.")
	case confirm:
		sealed = u.TOTP.Pending
	case !u.TOTP.Enabled:
		return errTOTPNotOn()
	}
	secret, err := a.openTOTP(u.ID, sealed)
	if err != nil {
		return err
	}
	step, ok := checkTOTP(secret, code, u.TOTP.LastStep, now)
	if !ok {
		return errWrongTOTP()
	}
	if confirm {
		u.TOTP = totpState{Secret: sealed, Enabled: true}
	}
	u.TOTP.LastStep = step
	_, err = replaceUser(tx, u)
	return err
}
