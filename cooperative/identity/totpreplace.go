package identity

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// Replacing the authenticator: the way back to a working second factor for someone who
// lost their phone and got in with a recovery code, before the codes run out. Two-factor
// authentication stays on throughout: the new secret waits beside the current one, which
// keeps working, until a code from the new app proves it is there, and only then takes
// its place, in one transaction with the audit entry and the mail to the owner.

// totpReplacementLifetime is how long a new secret waits for its first code. Fifteen
// minutes is ample to scan a QR code and read a code off the new app, and short enough
// that a secret shown once does not stay ready to confirm for whoever gets hold of the
// session later. It is also the sign-in throttle's window.
const totpReplacementLifetime = 15 * time.Minute

// StartTOTPReplacement makes a new secret for userID's authenticator and keeps it pending
// beside the current one, which keeps working, until ConfirmTOTPReplacement; starting
// again replaces a pending one. The session must have given the second factor: whoever
// only holds a password must not be able to move it to their own phone.
func (a *Accounts) StartTOTPReplacement(ctx context.Context, userID, sessionID string) (TOTPEnrollment, error) {
	now := a.now()
	var out TOTPEnrollment
	err := a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		u, err := GetUser(tx, userID)
		if err != nil {
			return err
		}
		if err := requireSecondFactor(tx, u, sessionID, now); err != nil {
			return err
		}
		out, err = a.pendTOTP(tx, u, now.Add(totpReplacementLifetime))
		return err
	})
	return out, err
}

// ConfirmTOTPReplacement puts the pending secret in place of the current one with a code
// from the new app, records it in the audit log and mails the owner, all at once. A wrong
// code is counted like any other TOTP attempt (stepUp).
func (a *Accounts) ConfirmTOTPReplacement(ctx context.Context, userID, sessionID, code, clientIP, requestID string) error {
	return a.stepUp(ctx, userID, sessionID, clientIP, func(tx cooperative.Tx, u storedUser, now time.Time) error {
		if err := requireSecondFactor(tx, u, sessionID, now); err != nil {
			return err
		}
		return a.replaceTOTP(tx, u, code, requestID, now)
	})
}

// replaceTOTP checks code against u's pending replacement and, when it is right, makes
// that the secret.
func (a *Accounts) replaceTOTP(tx cooperative.Tx, u storedUser, code, requestID string, now time.Time) error {
	if u.TOTP.Pending == "" || u.TOTP.PendingUntil.IsZero() {
		return cooperative.Errorf(cooperative.ERULE, "Start a replacement first (POST /v1/auth/totp/replace), then confirm with a code from the new app.")
	}
	if !now.Before(u.TOTP.PendingUntil) {
		return cooperative.Errorf(cooperative.ERULE, "The replacement has expired: start again (POST /v1/auth/totp/replace).")
	}
	secret, err := a.openTOTP(u.ID, u.TOTP.Pending)
	if err != nil {
		return err
	}
	// No step of the new secret was accepted before, so none is ruled out: the old
	// secret's last step says nothing about the new one's codes.
	step, ok := checkTOTP(secret, code, 0, now)
	if !ok {
		return errWrongTOTP()
	}
	u.TOTP = totpState{Secret: u.TOTP.Pending, Enabled: true, LastStep: step}
	if _, err := replaceUser(tx, u); err != nil {
		return err
	}
	if err := cooperative.AppendAudit(tx, selfActor(u, requestID), "", "totp.replace", "user", u.ID, nil, nil, now); err != nil {
		return err
	}
	// Mandatory: if someone else moved the second factor to their phone, the owner's app
	// has just stopped working and they must learn why now.
	return notify.Enqueue(tx, notify.Notification{DedupeKey: "authenticator_replaced:" + cooperative.NewID(), Event: notify.EventAuthenticatorReplaced,
		To: u.Email, Language: u.Language, CreatedAt: now})
}

// requireSecondFactor refuses unless sessionID is u's live session and has given a
// second factor. The handlers' policy checks the same; the rule is kept here too because
// it is what makes replacing the authenticator safe.
func requireSecondFactor(tx cooperative.Tx, u storedUser, sessionID string, now time.Time) error {
	if !u.TOTP.Enabled {
		return errTOTPNotOn()
	}
	s, err := getSession(tx, sessionID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && (s.UserID != u.ID || !s.live(now))) {
		return errSessionEnded()
	}
	if err != nil {
		return err
	}
	if !s.MFA {
		return cooperative.Errorf(cooperative.EFORBIDDEN, "This needs a session with the second factor: give it first (POST /v1/auth/totp/verify).")
	}
	return nil
}
