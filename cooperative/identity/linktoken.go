package identity

import (
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// Links in mails (verify the address, reset the password): single-use secrets made with
// newSecret, owned by sign-in (identity).

// What a mail link is for.
const (
	linkVerifyEmail   = "verify_email"
	linkResetPassword = "reset_password"
)

// Link lifetimes: a verification may wait for the person to find the mail; a reset link
// grants a new password, so it lives briefly.
const (
	verifyEmailTTL   = 48 * time.Hour
	resetPasswordTTL = time.Hour
)

// linkToken is a single-use secret sent in a mail. It is deleted when used.
type linkToken struct {
	Purpose   string    `json:"purpose"`
	UserID    string    `json:"userId"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

const collectionLinkTokens = "link_tokens"

// sweepAt is when an unused link may be removed (cleanup.go); a used one is gone already.
func (t linkToken) sweepAt() time.Time { return t.ExpiresAt.Add(linkTokenRetention) }

const linkTokenPrefix = "krl_"

// newLinkToken stores a link token and returns its secret and record id.
func newLinkToken(tx cooperative.Tx, purpose, userID string, ttl time.Duration, now time.Time) (string, string, error) {
	secret, hash := cooperative.NewSecret(linkTokenPrefix)
	t := linkToken{Purpose: purpose, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	index := sweepIndexOf(t)
	index["user"] = userID
	_, err := tx.Insert(cooperative.Record{Collection: collectionLinkTokens, ID: hash, Data: cooperative.Encode(t), Index: index})
	return secret, hash, err
}

// errInvalidLink is the one answer for a link that is unknown, used, expired or for
// something else, so a probe learns nothing about which.
func errInvalidLink() error {
	return cooperative.Errorf(cooperative.EINVALID, "This link is not valid or has expired.")
}

// consumeLinkToken deletes the token of secret and returns it with the user it is for,
// if it is for purpose and still valid.
func consumeLinkToken(tx cooperative.Tx, purpose, secret string, now time.Time) (linkToken, storedUser, error) {
	if !cooperative.PlausibleSecret(linkTokenPrefix, secret) {
		return linkToken{}, storedUser{}, errInvalidLink()
	}
	t, rec, err := cooperative.GetAs[linkToken](tx, collectionLinkTokens, cooperative.HashSecret(secret))
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return t, storedUser{}, errInvalidLink()
	}
	if err != nil {
		return t, storedUser{}, err
	}
	if t.Purpose != purpose || !now.Before(t.ExpiresAt) {
		return t, storedUser{}, errInvalidLink()
	}
	if err := tx.Delete(rec); err != nil {
		return t, storedUser{}, err
	}
	u, err := GetUser(tx, t.UserID)
	return t, u, err
}
