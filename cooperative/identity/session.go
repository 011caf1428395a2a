package identity

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// A session is one sign-in on one device: a family of refresh tokens. Every refresh
// spends the token it was given and issues the next one (rotation), so a refresh token
// works once. A spent token presented again means two parties hold the family (a stolen
// token, or a client that kept an old one), and the whole session is ended: the thief
// and the victim both have to sign in again, and only the victim can (OAuth 2.0 Security
// BCP, RFC 9700 §4.14.2).
type session struct {
	ID        string    `json:"id"`
	UserID    string    `json:"userId"`
	MFA       bool      `json:"mfa"` // a second factor was given in this session
	CreatedAt time.Time `json:"createdAt"`
	// ExpiresAt is fixed at sign-in: refreshing does not extend a session forever.
	ExpiresAt     time.Time `json:"expiresAt"`
	RefreshedAt   time.Time `json:"refreshedAt"`
	RevokedAt     time.Time `json:"revokedAt,omitzero"`
	RevokedReason string    `json:"revokedReason,omitempty"`
	version       int64
}

const (
	collectionSessions      = "sessions"
	collectionRefreshTokens = "refresh_tokens"
)

// Only live sessions are indexed by user, so ending all of a user's sessions reads only
// the ones that still need it. Every session is indexed by the day it may be swept
// (cleanup.go).
func (s session) record() cooperative.Record {
	rec := cooperative.Record{Collection: collectionSessions, ID: s.ID, Version: s.version, Data: cooperative.Encode(s),
		Index: sweepIndexOf(s)}
	if s.RevokedAt.IsZero() {
		rec.Index["user"] = s.UserID
	}
	return rec
}

func (s session) live(now time.Time) bool { return s.RevokedAt.IsZero() && now.Before(s.ExpiresAt) }

// endedAt is when the session stopped working: revoked or expired, whichever came first.
func (s session) endedAt() time.Time {
	if !s.RevokedAt.IsZero() && s.RevokedAt.Before(s.ExpiresAt) {
		return s.RevokedAt
	}
	return s.ExpiresAt
}

// sweepAt is when the session and its refresh tokens may be removed (cleanup.go).
func (s session) sweepAt() time.Time { return s.endedAt().Add(sessionRetention) }

// refreshToken is stored under the hash of its secret.
type refreshToken struct {
	SessionID string    `json:"sessionId"`
	Spent     bool      `json:"spent"`
	CreatedAt time.Time `json:"createdAt"`
}

const refreshTokenPrefix = "krr_"

// Refresh tokens are indexed by session, so a session's whole family can be swept with it
// (cleanup.go).
func (t refreshToken) record(hash string, version int64) cooperative.Record {
	return cooperative.Record{Collection: collectionRefreshTokens, ID: hash, Version: version, Data: cooperative.Encode(t),
		Index: map[string]string{"session": t.SessionID}}
}

// SessionGrant is what a sign-in or refresh hands out. RefreshToken is the only copy of
// the secret: it is not stored and cannot be shown again.
type SessionGrant struct {
	UserID       string
	SessionID    string
	MFA          bool
	RefreshToken string
	// RefreshExpiresAt is when the session ends, whatever the refreshes.
	RefreshExpiresAt time.Time
	// Recovery says whether a recovery code gave the second factor, and how many are left.
	Recovery RecoveryCodeUse
}

func getSession(tx cooperative.Tx, id string) (session, error) {
	s, rec, err := cooperative.GetAs[session](tx, collectionSessions, id)
	s.version = rec.Version
	return s, err
}

// startSession stores a new session and its first refresh token.
func startSession(tx cooperative.Tx, userID string, mfa bool, ttl time.Duration, now time.Time) (SessionGrant, error) {
	s := session{ID: cooperative.NewID(), UserID: userID, MFA: mfa, CreatedAt: now, ExpiresAt: now.Add(ttl), RefreshedAt: now}
	if _, err := tx.Insert(s.record()); err != nil {
		return SessionGrant{}, err
	}
	secret, err := issueRefreshToken(tx, s.ID, now)
	return SessionGrant{UserID: userID, SessionID: s.ID, MFA: mfa, RefreshToken: secret, RefreshExpiresAt: s.ExpiresAt}, err
}

func issueRefreshToken(tx cooperative.Tx, sessionID string, now time.Time) (string, error) {
	secret, hash := cooperative.NewSecret(refreshTokenPrefix)
	_, err := tx.Insert(refreshToken{SessionID: sessionID, CreatedAt: now}.record(hash, 0))
	return secret, err
}

func revokeSession(tx cooperative.Tx, s session, reason string, now time.Time) error {
	if !s.RevokedAt.IsZero() {
		return nil
	}
	s.RevokedAt, s.RevokedReason = now, reason
	_, err := tx.Replace(s.record())
	return err
}

// revokeUserSessions ends every live session of a user (a password change or reset).
func revokeUserSessions(tx cooperative.Tx, userID, reason string, now time.Time) error {
	for {
		// Revoked sessions leave the index, so the first page is always the next one.
		page, err := tx.Find(cooperative.Query{Collection: collectionSessions, Index: "user", Value: userID, Limit: 100})
		if err != nil {
			return err
		}
		for _, rec := range page.Records {
			var s session
			if err := cooperative.Decode(rec, &s); err != nil {
				return err
			}
			s.version = rec.Version
			if err := revokeSession(tx, s, reason, now); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
	}
}

func errSessionEnded() error {
	return cooperative.Errorf(cooperative.EUNAUTHORIZED, "The session has ended. Sign in again.")
}

// Refresh spends a refresh token and returns the session's next one.
func (a *Accounts) Refresh(ctx context.Context, secret string) (SessionGrant, error) {
	if !cooperative.PlausibleSecret(refreshTokenPrefix, secret) {
		return SessionGrant{}, cooperative.Errorf(cooperative.EUNAUTHORIZED, "The refresh token is not valid.")
	}
	now := a.now()
	var (
		grant   SessionGrant
		outcome error // an error to return after committing (the revocation must stay)
	)
	err := a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		grant, outcome = SessionGrant{}, nil
		t, rec, err := cooperative.GetAs[refreshToken](tx, collectionRefreshTokens, cooperative.HashSecret(secret))
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return cooperative.Errorf(cooperative.EUNAUTHORIZED, "The refresh token is not valid.")
		}
		if err != nil {
			return err
		}
		s, err := getSession(tx, t.SessionID)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return errSessionEnded() // swept (cleanup.go) with this token left behind
		}
		if err != nil {
			return err
		}
		if !s.live(now) {
			return errSessionEnded()
		}
		if t.Spent {
			outcome = cooperative.Errorf(cooperative.EUNAUTHORIZED, "This refresh token was already used, so the session was ended to protect the account. Sign in again.")
			return revokeSession(tx, s, "refresh token reused", now)
		}
		t.Spent = true
		if _, err := tx.Replace(t.record(rec.ID, rec.Version)); err != nil {
			return err
		}
		next, err := issueRefreshToken(tx, s.ID, now)
		if err != nil {
			return err
		}
		s.RefreshedAt = now
		if _, err := tx.Replace(s.record()); err != nil {
			return err
		}
		grant = SessionGrant{UserID: s.UserID, SessionID: s.ID, MFA: s.MFA, RefreshToken: next, RefreshExpiresAt: s.ExpiresAt}
		return nil
	})
	if err != nil {
		return SessionGrant{}, err
	}
	return grant, outcome
}

// Logout ends one session; its refresh token and access tokens stop working at once.
func (a *Accounts) Logout(ctx context.Context, sessionID string) error {
	now := a.now()
	return a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		s, err := getSession(tx, sessionID)
		if err != nil {
			return err
		}
		return revokeSession(tx, s, "logout", now)
	})
}

// Principal is who a request acts for: an account in a live session, and the roles it
// holds in the cooperative the request is about.
type Principal struct {
	User
	SessionID string
	// MFA is true when the session was started or stepped up with a second factor.
	MFA bool
	// CooperativeID and Roles: the cooperative asked about and the roles there.
	CooperativeID string
	Roles         []Role
}

// Authenticate checks that the session of an access token is still live (so logout and a
// password change take effect before the token expires) and loads the account and, when
// cooperativeID is set, its roles there.
func (a *Accounts) Authenticate(ctx context.Context, userID, sessionID, cooperativeID string) (Principal, error) {
	now := a.now()
	var p Principal
	err := a.run.View(ctx, func(tx cooperative.Tx) error {
		s, err := getSession(tx, sessionID)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return errSessionEnded()
		}
		if err != nil {
			return err
		}
		if s.UserID != userID || !s.live(now) {
			return errSessionEnded()
		}
		u, err := GetUser(tx, userID)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return errSessionEnded()
		}
		if err != nil {
			return err
		}
		p = Principal{User: u.view(), SessionID: s.ID, MFA: s.MFA, CooperativeID: cooperativeID}
		if cooperativeID != "" {
			g, found, err := findRoleGrant(tx, cooperativeID, userID)
			if err != nil {
				return err
			}
			// A platform admin holds no role in a cooperative (errAdminHoldsNoRole); a
			// grant from before that rule counts for nothing.
			if found && !u.PlatformAdmin {
				p.Roles = g.Roles
			}
		}
		return nil
	})
	return p, err
}
