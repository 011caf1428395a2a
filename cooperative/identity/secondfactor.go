package identity

import (
	"context"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// A second factor asked for by another package, to guard one change of its own (a
// member's payout account): the code is checked in that change's transaction, so the
// change and the code's use commit together. The attempt is counted first, in a
// transaction of its own, as at sign-in: a wrong code rolls the change back, but must
// still count towards the lock-out.

// SecondFactorAttempt is an attempt at an account's second factor, counted by
// ReserveSecondFactor and checked by CheckSecondFactor. Only ReserveSecondFactor makes
// one, so a code cannot be checked without being counted.
type SecondFactorAttempt struct {
	userID, email, clientIP string
}

// TwoFactorOn reports whether userID has two-factor authentication on.
func TwoFactorOn(tx cooperative.Tx, userID string) (bool, error) {
	u, err := GetUser(tx, userID)
	return u.TOTP.Enabled, err
}

// ReserveSecondFactor counts an attempt at userID's second factor against the account's
// address and the client address, like a sign-in attempt, and refuses it (ETOOMANY)
// when either is at its limit.
func (a *Accounts) ReserveSecondFactor(ctx context.Context, userID, clientIP string) (SecondFactorAttempt, error) {
	email, err := a.emailOf(ctx, userID)
	if err != nil {
		return SecondFactorAttempt{}, err
	}
	if err := a.reserveSignInAttempt(ctx, email, clientIP, a.now()); err != nil {
		return SecondFactorAttempt{}, err
	}
	return SecondFactorAttempt{userID: userID, email: email, clientIP: clientIP}, nil
}

// CheckSecondFactor checks f in tx against the account of the attempt: a TOTP code (its
// step recorded, so it works once) or a recovery code (spent, audited and mailed, as at
// sign-in). A wrong code is EINVALID (the caller's session is fine: not 401); one that is
// right forgives the attempt. ERULE when the account has two-factor authentication off.
func (a *Accounts) CheckSecondFactor(tx cooperative.Tx, at SecondFactorAttempt, f SecondFactor, requestID string, now time.Time) (RecoveryCodeUse, error) {
	if at.userID == "" {
		return RecoveryCodeUse{}, cooperative.Errorf(cooperative.EINTERNAL, "identity: a second factor is checked after ReserveSecondFactor")
	}
	recovery, err := f.recovery()
	if err != nil {
		return RecoveryCodeUse{}, err
	}
	u, err := GetUser(tx, at.userID)
	if err != nil {
		return RecoveryCodeUse{}, err
	}
	var use RecoveryCodeUse
	switch {
	case !u.TOTP.Enabled:
		return use, errTOTPNotOn()
	case recovery:
		use, err = a.spendRecoveryCode(tx, u, f.RecoveryCode, requestID, cooperative.EINVALID, now)
	case strings.TrimSpace(f.TOTPCode) == "":
		err = cooperative.Errorf(cooperative.EINVALID, "Send totpCode (or, without your authenticator, a recoveryCode).")
	default:
		err = a.acceptTOTP(tx, u, f.TOTPCode, false, now)
	}
	if err != nil {
		return RecoveryCodeUse{}, err
	}
	return use, a.forgive(tx, at.email, at.clientIP, now)
}
