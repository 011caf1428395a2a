package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// Recovery codes are the way back in for someone who lost their authenticator app: a set
// of one-time codes, made when two-factor authentication is turned on (and again on
// request), shown once, each accepted once instead of a TOTP code.
//
// Only a keyed hash of each code is stored: HMAC-SHA-256 under a random key per set, the
// key itself sealed with the secrets key like the TOTP secrets. A fast hash is right here,
// unlike for passwords: a code is 50 random bits that nobody chose, so there is no
// dictionary to try first, and guesses online are throttled with the sign-in attempts;
// argon2 per code would make one sign-in cost ten slow hashes. The key is what a fast
// hash of 50 bits needs: without it, a copy of the database alone gives nothing to
// brute-force offline.

const (
	collectionRecoveryCodes = "recovery_codes"
	recoveryCodeCount       = 10
	recoveryCodeLength      = 10 // characters, 5 bits each
	// recoveryAlphabet is RFC 4648's base32, which leaves out 0, 1 and 8 so they are not
	// mistaken for O, I and B. 32 characters: a random byte mod 32 is uniform.
	recoveryAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	recoveryPurpose  = "recovery"
)

// recoveryCode is one code of a set: its hash, and when it was used.
type recoveryCode struct {
	Hash   string    `json:"hash"`
	UsedAt time.Time `json:"usedAt,omitzero"`
}

// recoveryCodeSet is a user's current codes, one record per user (its id is the user's).
// Spending a code rewrites the record at the version read, so of two sign-ins with the
// same code, the second either sees it used or conflicts and is run again, and then sees
// it used.
type recoveryCodeSet struct {
	UserID string `json:"userId"`
	// SetID names this set in the dedupe keys of its mails; a new set gets a new one.
	SetID     string         `json:"setId"`
	Key       string         `json:"key"` // the HMAC key, sealed
	Codes     []recoveryCode `json:"codes"`
	CreatedAt time.Time      `json:"createdAt"`
	version   int64
}

func (s recoveryCodeSet) record() cooperative.Record {
	return cooperative.Record{Collection: collectionRecoveryCodes, ID: s.UserID, Version: s.version, Data: cooperative.Encode(s)}
}

func (s recoveryCodeSet) remaining() int {
	n := 0
	for _, c := range s.Codes {
		if c.UsedAt.IsZero() {
			n++
		}
	}
	return n
}

// find returns the index of the unused code whose hash is hash, or -1. Every stored hash
// is compared, in constant time, so the time taken does not tell how much of a guess
// matched.
func (s recoveryCodeSet) find(hash string) int {
	found := -1
	for i, c := range s.Codes {
		if subtle.ConstantTimeCompare([]byte(c.Hash), []byte(hash)) == 1 && c.UsedAt.IsZero() {
			found = i
		}
	}
	return found
}

// getRecoveryCodes returns userID's set, and false when there is none.
func getRecoveryCodes(tx cooperative.Tx, userID string) (recoveryCodeSet, bool, error) {
	s, rec, err := cooperative.GetAs[recoveryCodeSet](tx, collectionRecoveryCodes, userID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return recoveryCodeSet{}, false, nil
	}
	s.version = rec.Version
	return s, err == nil, err
}

// newRecoveryCode returns a code as people read it: XXXXX-XXXXX.
func newRecoveryCode() string {
	b := make([]byte, recoveryCodeLength)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	for i := range b {
		b[i] = recoveryAlphabet[b[i]%byte(len(recoveryAlphabet))]
	}
	half := recoveryCodeLength / 2
	return string(b[:half]) + "-" + string(b[half:])
}

// normalizeRecoveryCode undoes how people copy a code: any case, with or without the
// dash or spaces, and a digit typed for the letter it looks like.
func normalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\t':
			return -1
		case '0':
			return 'O'
		case '1':
			return 'I'
		case '8':
			return 'B'
		}
		return r
	}, strings.ToUpper(code))
}

func recoveryHash(key []byte, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(normalizeRecoveryCode(code)))
	return hex.EncodeToString(m.Sum(nil))
}

// replaceRecoveryCodes gives userID a new set, which voids every code of the old one, and
// returns the codes (the only copy, to be shown once) and the set's id.
func (a *Accounts) replaceRecoveryCodes(tx cooperative.Tx, userID string, now time.Time) ([]string, string, error) {
	old, _, err := getRecoveryCodes(tx, userID)
	if err != nil {
		return nil, "", err
	}
	key := make([]byte, sha256.Size)
	_, _ = rand.Read(key)
	set := recoveryCodeSet{UserID: userID, SetID: cooperative.NewID(), Key: a.seal(recoveryPurpose, userID, key), CreatedAt: now,
		version: old.version}
	codes := make([]string, recoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		set.Codes = append(set.Codes, recoveryCode{Hash: recoveryHash(key, codes[i])})
	}
	_, err = cooperative.Put(tx, set.record())
	return codes, set.SetID, err
}

// RecoveryCodeUse says whether a recovery code gave a second factor, and how many of the
// set are left after it.
type RecoveryCodeUse struct {
	Used bool
	Left int
}

// SecondFactor is what proves the second factor: the code of the authenticator app or,
// when that is lost, a recovery code. Only one may be given, so the two are never
// confused.
type SecondFactor struct {
	TOTPCode     string
	RecoveryCode string
}

// recovery reports whether the factor is a recovery code, and refuses both at once.
func (f SecondFactor) recovery() (bool, error) {
	totp, recovery := strings.TrimSpace(f.TOTPCode) != "", strings.TrimSpace(f.RecoveryCode) != ""
	if totp && recovery {
		return false, cooperative.Errorf(cooperative.EINVALID, "Send either a TOTP code or a recovery code, not both.")
	}
	return recovery, nil
}

// spendRecoveryCode marks code used when it is one of u's unused codes, records that in
// the audit log and mails u about it, all in tx. A wrong or spent code is an error with
// code wrong (the sign-in's 401, or a step-up's 400); the attempt was counted before.
func (a *Accounts) spendRecoveryCode(tx cooperative.Tx, u storedUser, code, requestID, wrong string, now time.Time) (RecoveryCodeUse, error) {
	refused := cooperative.Errorf(wrong, "The recovery code is not correct, or was used already.")
	set, found, err := getRecoveryCodes(tx, u.ID)
	if err != nil {
		return RecoveryCodeUse{}, err
	}
	if !found {
		return RecoveryCodeUse{}, refused
	}
	key, err := a.open(recoveryPurpose, u.ID, set.Key)
	if err != nil {
		return RecoveryCodeUse{}, err
	}
	i := set.find(recoveryHash(key, code))
	if i < 0 {
		return RecoveryCodeUse{}, refused
	}
	set.Codes[i].UsedAt = now
	if _, err := tx.Replace(set.record()); err != nil {
		return RecoveryCodeUse{}, err
	}
	use := RecoveryCodeUse{Used: true, Left: set.remaining()}
	return use, announceRecoveryCodeUse(tx, u, set.SetID+":"+strconv.Itoa(i), use.Left, requestID, now)
}

// announceRecoveryCodeUse writes the audit entry and the mail of a spent code (slot names
// it within all sets ever made). The mail is mandatory: if someone else used the code, the
// owner must learn it now.
func announceRecoveryCodeUse(tx cooperative.Tx, u storedUser, slot string, left int, requestID string, now time.Time) error {
	if err := cooperative.AppendAudit(tx, selfActor(u, requestID), "", "recovery_code.use", "user", u.ID, nil,
		RecoveryCodeStatus{Remaining: left}, now); err != nil {
		return err
	}
	return notify.Enqueue(tx, notify.Notification{DedupeKey: "recovery_code_used:" + slot, Event: notify.EventRecoveryCodeUsed,
		To: u.Email, Language: u.Language, Data: map[string]string{"remaining": strconv.Itoa(left)}, CreatedAt: now})
}

// selfActor is a person acting on their own account, for the platform's audit log.
func selfActor(u storedUser, requestID string) cooperative.Actor {
	return cooperative.Actor{UserID: u.ID, Email: u.Email, Role: "self", RequestID: requestID}
}

// RecoveryCodeStatus is what may be shown of a user's recovery codes: how many are left,
// never which.
type RecoveryCodeStatus struct {
	Remaining int       `json:"remaining"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// RecoveryCodes returns how many of userID's recovery codes are unused (0 when there is
// no set: two-factor authentication is off, or was turned on before recovery codes
// existed).
func (a *Accounts) RecoveryCodes(ctx context.Context, userID string) (RecoveryCodeStatus, error) {
	var st RecoveryCodeStatus
	err := a.run.View(ctx, func(tx cooperative.Tx) error {
		set, _, err := getRecoveryCodes(tx, userID)
		st = RecoveryCodeStatus{Remaining: set.remaining(), CreatedAt: set.CreatedAt}
		return err
	})
	return st, err
}

// RegenerateRecoveryCodes replaces userID's recovery codes with a new set (the unused old
// ones stop working) and returns the codes, shown only now. The caller must have given a
// second factor in this session: whoever only holds a password must not be able to make
// codes that stand in for the authenticator. The owner is mailed, in the same
// transaction, so whoever got hold of such a session cannot swap the codes unnoticed.
func (a *Accounts) RegenerateRecoveryCodes(ctx context.Context, userID, requestID string) ([]string, error) {
	now := a.now()
	var codes []string
	err := a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		u, err := GetUser(tx, userID)
		if err != nil {
			return err
		}
		if !u.TOTP.Enabled {
			return errTOTPNotOn()
		}
		var setID string
		if codes, setID, err = a.replaceRecoveryCodes(tx, u.ID, now); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, selfActor(u, requestID), "", "recovery_codes.regenerate", "user", u.ID, nil,
			RecoveryCodeStatus{Remaining: len(codes), CreatedAt: now}, now); err != nil {
			return err
		}
		return notify.Enqueue(tx, notify.Notification{DedupeKey: "recovery_codes_replaced:" + setID, Event: notify.EventRecoveryCodesReplaced,
			To: u.Email, Language: u.Language, CreatedAt: now})
	})
	return codes, err
}
