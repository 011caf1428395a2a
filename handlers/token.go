package handlers

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/kracht-coop/kracht/cooperative"
)

// Access tokens are JWTs signed with Ed25519 (EdDSA). They are short-lived and carry no
// roles: roles are read from the store on every request, so a change of role, a logout
// or a password change takes effect at once and not when the token expires.
//
// Validation follows RFC 8725 (JWT best practices) and RFC 9068 (JWT access tokens): the
// algorithm is pinned (no "none", no HS256 with a public key as secret), the key is
// chosen by kid among ours only, the "typ" header must say at+jwt (so an ID token or any
// other JWT of ours cannot pass as an access token), and iss, aud, exp, nbf and iat are
// all required and checked, with exp at most the configured lifetime (plus leeway) after iat.

// SigningKey is one Ed25519 key with its key id.
type SigningKey struct {
	ID  string
	Key ed25519.PrivateKey
}

// MaxAccessTokenTTL is the longest an access token may live.
const MaxAccessTokenTTL = 15 * time.Minute

const accessTokenType = "at+jwt"

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ValidKeyID reports whether s may be used as a kid.
func ValidKeyID(s string) bool { return kidPattern.MatchString(s) }

// NewSigningKey makes a new random key (for a key file or a test).
func NewSigningKey() (SigningKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, err
	}
	id := make([]byte, 6)
	if _, err := rand.Read(id); err != nil {
		return SigningKey{}, err
	}
	return SigningKey{ID: time.Now().UTC().Format("20060102") + "-" + hex.EncodeToString(id), Key: priv}, nil
}

type accessClaims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	// AMR says how the session was authenticated (RFC 8176): pwd, and otp and mfa when a
	// TOTP code was given.
	AMR []string `json:"amr"`
}

func (c accessClaims) mfa() bool { return slices.Contains(c.AMR, "otp") }

type accessTokens struct {
	signer   SigningKey
	verify   map[string]ed25519.PublicKey
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

// leeway allows for clocks of replicas that differ by a few seconds.
const leeway = 10 * time.Second

func newAccessTokens(keys []SigningKey, issuer, audience string, ttl time.Duration, now func() time.Time) (*accessTokens, error) {
	if len(keys) == 0 {
		return nil, errors.New("no signing key")
	}
	if ttl <= 0 || ttl > MaxAccessTokenTTL {
		ttl = MaxAccessTokenTTL
	}
	t := &accessTokens{signer: keys[0], verify: map[string]ed25519.PublicKey{}, issuer: issuer, audience: audience,
		ttl: ttl, now: now}
	for _, k := range keys {
		if !ValidKeyID(k.ID) || len(k.Key) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("signing key %q is not a valid Ed25519 key with a plain kid", k.ID)
		}
		if _, dup := t.verify[k.ID]; dup {
			return nil, fmt.Errorf("two signing keys have the kid %q", k.ID)
		}
		t.verify[k.ID] = k.Key.Public().(ed25519.PublicKey)
	}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	)
	return t, nil
}

// issue signs an access token for a session.
func (t *accessTokens) issue(userID, sessionID string, mfa bool) (string, time.Time, error) {
	now := t.now().UTC().Truncate(time.Second)
	exp := now.Add(t.ttl)
	amr := []string{"pwd"}
	if mfa {
		amr = append(amr, "otp", "mfa")
	}
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: t.issuer, Subject: userID, Audience: jwt.ClaimStrings{t.audience},
			ExpiresAt: jwt.NewNumericDate(exp), NotBefore: jwt.NewNumericDate(now), IssuedAt: jwt.NewNumericDate(now),
			ID: cooperative.NewID()},
		SessionID: sessionID,
		AMR:       amr,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = t.signer.ID
	tok.Header["typ"] = accessTokenType
	signed, err := tok.SignedString(t.signer.Key)
	if err != nil {
		return "", time.Time{}, cooperative.WrapError(cooperative.EINTERNAL, err, "cannot sign the access token")
	}
	return signed, exp, nil
}

// maxTokenLength bounds what is parsed at all; our tokens are about 500 bytes.
const maxTokenLength = 4096

// parse verifies an access token; every failure is EUNAUTHORIZED.
func (t *accessTokens) parse(raw string) (accessClaims, error) {
	invalid := cooperative.Errorf(cooperative.EUNAUTHORIZED, "The access token is not valid.")
	if raw == "" || len(raw) > maxTokenLength {
		return accessClaims{}, invalid
	}
	var claims accessClaims
	_, err := t.parser.ParseWithClaims(raw, &claims, func(tok *jwt.Token) (any, error) {
		if typ, _ := tok.Header["typ"].(string); typ != accessTokenType {
			return nil, errors.New("not an access token")
		}
		kid, _ := tok.Header["kid"].(string)
		key, ok := t.verify[kid]
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return key, nil
	})
	if errors.Is(err, jwt.ErrTokenExpired) {
		return accessClaims{}, cooperative.WrapError(cooperative.EUNAUTHORIZED, err, "The access token has expired: refresh it.")
	}
	if err != nil {
		return accessClaims{}, cooperative.WrapError(cooperative.EUNAUTHORIZED, err, invalid.Message)
	}
	if !cooperative.ValidID(claims.Subject) || !cooperative.ValidID(claims.SessionID) {
		return accessClaims{}, invalid
	}
	// The parser checks iat only when present and never how far exp lies beyond it: a
	// token that lives longer than we issue them (a leaked signing key, a bug of an older
	// release) would otherwise be good for as long as it says.
	if claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > t.ttl+leeway {
		return accessClaims{}, invalid
	}
	return claims, nil
}
