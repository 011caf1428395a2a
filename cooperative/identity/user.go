package identity

import (
	"net/mail"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// user is one person who can sign in, with the secrets that prove it. It never leaves
// this package: callers see a User, which holds no secret.
type storedUser struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"emailVerified"`
	// Language is the language of the mails this person gets (see NotificationLanguage).
	Language          string    `json:"language"`
	PasswordHash      string    `json:"passwordHash"`
	PlatformAdmin     bool      `json:"platformAdmin,omitempty"`
	TOTP              totpState `json:"totp"`
	CreatedAt         time.Time `json:"createdAt"`
	PasswordChangedAt time.Time `json:"passwordChangedAt"`
	version           int64
}

// User is what a person and the API may see of a user.
type User struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"emailVerified"`
	Language      string    `json:"language"`
	PlatformAdmin bool      `json:"platformAdmin"`
	TOTPEnabled   bool      `json:"totpEnabled"`
	CreatedAt     time.Time `json:"createdAt"`
}

func (u storedUser) view() User {
	return User{ID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified, Language: u.Language,
		PlatformAdmin: u.PlatformAdmin, TOTPEnabled: u.TOTP.Enabled, CreatedAt: u.CreatedAt}
}

const collectionUsers = "users"

// The e-mail address is both unique (one account per address) and indexed (to find the
// account at sign-in); the port looks up by index, and enforces uniqueness by key.
func (u storedUser) record() cooperative.Record {
	return cooperative.Record{Collection: collectionUsers, ID: u.ID, Version: u.version, Data: cooperative.Encode(u),
		Unique: map[string]string{"email": u.Email}, Index: map[string]string{"email": u.Email}}
}

// NormalizeEmail checks an e-mail address and returns it in the one form accounts are
// keyed by: bare and lower-case. Lower-casing the local part is not what RFC 5321 says,
// but it is what people and mail providers do, and two accounts for Ann@ and ann@ would
// be a trap.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s || len(s) > 254 || !strings.Contains(s, ".") {
		return "", cooperative.Errorf(cooperative.EINVALID, "the e-mail address is not valid")
	}
	return strings.ToLower(s), nil
}

func GetUser(tx cooperative.Tx, id string) (storedUser, error) {
	u, rec, err := cooperative.GetAs[storedUser](tx, collectionUsers, id)
	u.version = rec.Version
	return u, err
}

// findUserByEmail returns the user with the normalised address email, and false when
// there is none.
func findUserByEmail(tx cooperative.Tx, email string) (storedUser, bool, error) {
	page, err := tx.Find(cooperative.Query{Collection: collectionUsers, Index: "email", Value: email, Limit: 1})
	if err != nil || len(page.Records) == 0 {
		return storedUser{}, false, err
	}
	var u storedUser
	if err := cooperative.Decode(page.Records[0], &u); err != nil {
		return u, false, err
	}
	u.version = page.Records[0].Version
	return u, true, nil
}

func insertUser(tx cooperative.Tx, u storedUser) (storedUser, error) {
	rec, err := tx.Insert(u.record())
	if cooperative.ErrorCode(err) == cooperative.ECONFLICT {
		return u, cooperative.Errorf(cooperative.ECONFLICT, "an account with this e-mail address already exists")
	}
	u.version = rec.Version
	return u, err
}

func replaceUser(tx cooperative.Tx, u storedUser) (storedUser, error) {
	rec, err := tx.Replace(u.record())
	u.version = rec.Version
	return u, err
}
