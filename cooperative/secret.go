package cooperative

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// Secrets that travel to people (refresh tokens, links in mails, invitations) are 32
// random bytes. Only their SHA-256 is stored, as the record id: a copy of the database
// then holds nothing that can be replayed, and a lookup is one Get. A plain hash (no
// salt, no slow KDF) is right here because the input has 256 bits of entropy.
const secretBytes = 32

// newSecret returns a secret with a prefix that says what it is (so a leaked one is
// recognised, by a person or a secret scanner) and the hash to store.
func newSecret(prefix string) (secret, hash string) {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// plausibleSecret screens input before it reaches the store: right prefix, right length.
func plausibleSecret(prefix, s string) bool {
	body, ok := strings.CutPrefix(s, prefix)
	return ok && len(body) == base64.RawURLEncoding.EncodedLen(secretBytes)
}

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
func newLinkToken(tx Tx, purpose, userID string, ttl time.Duration, now time.Time) (string, string, error) {
	secret, hash := newSecret(linkTokenPrefix)
	t := linkToken{Purpose: purpose, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	index := sweepIndexOf(t)
	index["user"] = userID
	_, err := tx.Insert(Record{Collection: collectionLinkTokens, ID: hash, Data: encode(t), Index: index})
	return secret, hash, err
}

// errInvalidLink is the one answer for a link that is unknown, used, expired or for
// something else, so a probe learns nothing about which.
func errInvalidLink() error { return Errorf(EINVALID, "This link is not valid or has expired.") }

// consumeLinkToken deletes the token of secret and returns it, if it is for purpose and
// still valid.
func consumeLinkToken(tx Tx, purpose, secret string, now time.Time) (linkToken, error) {
	if !plausibleSecret(linkTokenPrefix, secret) {
		return linkToken{}, errInvalidLink()
	}
	t, rec, err := getAs[linkToken](tx, collectionLinkTokens, hashSecret(secret))
	if ErrorCode(err) == ENOTFOUND {
		return t, errInvalidLink()
	}
	if err != nil {
		return t, err
	}
	if t.Purpose != purpose || !now.Before(t.ExpiresAt) {
		return t, errInvalidLink()
	}
	return t, tx.Delete(rec)
}
