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
	Purpose string `json:"purpose"`
	UserID  string `json:"userId"`
	// Subject names what a link of a purpose owned outside identity is about (NewLink);
	// identity's own links need none.
	Subject   string    `json:"subject,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

const collectionLinkTokens = "link_tokens"

// sweepAt is when an unused link may be removed (cleanup.go); a used one is gone already.
func (t linkToken) sweepAt() time.Time { return t.ExpiresAt.Add(linkTokenRetention) }

const linkTokenPrefix = "krl_"

// newLinkToken stores a link token and returns its secret and record id.
func newLinkToken(tx cooperative.Tx, purpose, userID string, ttl time.Duration, now time.Time) (string, string, error) {
	return insertLinkToken(tx, linkToken{Purpose: purpose, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl)})
}

// insertLinkToken stores t under a new secret and returns the secret and record id.
func insertLinkToken(tx cooperative.Tx, t linkToken) (string, string, error) {
	secret, hash := cooperative.NewSecret(linkTokenPrefix)
	index := sweepIndexOf(t)
	index["user"] = t.UserID
	_, err := tx.Insert(cooperative.Record{Collection: collectionLinkTokens, ID: hash, Data: cooperative.Encode(t), Index: index})
	return secret, hash, err
}

// errInvalidLink is the one answer for a link that is unknown, used, expired or for
// something else, so a probe learns nothing about which.
func errInvalidLink() error {
	return cooperative.Errorf(cooperative.EINVALID, invalidLinkMessage)
}

const invalidLinkMessage = "This link is not valid or has expired."

// IsInvalidLink says whether err is that answer (a page then explains the link, rather
// than the form).
func IsInvalidLink(err error) bool {
	return cooperative.ErrorCode(err) == cooperative.EINVALID && cooperative.ErrorMessage(err) == invalidLinkMessage
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

// Links whose purpose is owned outside identity: identity keeps, spends and sweeps them
// like its own, and the owner decides what they do.
const (
	// LinkPayoutAccount confirms a change of a member's payout account (membership).
	LinkPayoutAccount = "payout_account"
)

// Link is what a link's owner outside identity learns of a spent link.
type Link struct {
	UserID    string
	Email     string // the account's address now
	Subject   string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// errForeignPurpose refuses a purpose NewLink and ConsumeLink do not serve: identity's
// own links (a password reset) must not be made or spent by other packages.
func errForeignPurpose(purpose string) error {
	return cooperative.Errorf(cooperative.EINTERNAL, "identity: %q is not a link purpose of another package", purpose)
}

// NewLink stores a single-use link for purpose (LinkPayoutAccount) about subject, for
// userID, valid for ttl, in tx. It returns the link to page of the web app, carrying the
// secret, and the token's id: a hash of the secret, for dedupe keys, useless as a link.
func (a *Accounts) NewLink(tx cooperative.Tx, purpose, subject, userID, page string, ttl time.Duration, now time.Time) (string, string, error) {
	if purpose != LinkPayoutAccount {
		return "", "", errForeignPurpose(purpose)
	}
	secret, hash, err := insertLinkToken(tx, linkToken{Purpose: purpose, UserID: userID, Subject: subject, CreatedAt: now,
		ExpiresAt: now.Add(ttl)})
	if err != nil {
		return "", "", err
	}
	return a.link(page, secret), hash, nil
}

// ConsumeLink spends the link secret of purpose (deleted in tx, so it works once if tx
// commits) and returns what it was made for. A link that is unknown, spent, expired or of
// another purpose is the one EINVALID answer of every link.
func ConsumeLink(tx cooperative.Tx, purpose, secret string, now time.Time) (Link, error) {
	if purpose != LinkPayoutAccount {
		return Link{}, errForeignPurpose(purpose)
	}
	t, u, err := consumeLinkToken(tx, purpose, secret, now)
	if err != nil {
		return Link{}, err
	}
	return Link{UserID: t.UserID, Email: u.Email, Subject: t.Subject, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}, nil
}

// ErrInvalidLink is the answer for a link that cannot be used, the same as identity's
// own, for a link's owner that finds it void after it was spent.
func ErrInvalidLink() error { return errInvalidLink() }
