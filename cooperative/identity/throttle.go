package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// SignInLimits bound guessing. Counters live in the store, so every replica sees the
// same ones. A counter is a fixed window: it starts at the first attempt and lifts
// Window later, which is also the longest anyone waits.
type SignInLimits struct {
	Window time.Duration
	// PerAccount is how many failed sign-ins one e-mail address may have per window,
	// counted alike whether or not an account has that address, so the lock-out itself
	// does not reveal who is registered.
	PerAccount int
	// PerIP is how many failed sign-ins one client address may have per window. It is
	// higher than PerAccount because many people can share one address (an office, a
	// mobile carrier's NAT).
	PerIP int
	// MailsPerIP bounds requests that send a mail (sign-up, password reset) per client
	// address and window, so nobody can use Kracht to flood someone's inbox.
	MailsPerIP int
}

// DefaultSignInLimits are the production limits.
func DefaultSignInLimits() SignInLimits {
	return SignInLimits{Window: 15 * time.Minute, PerAccount: 5, PerIP: 50, MailsPerIP: 20}
}

// SendLimits bound what one person can make Kracht mail to others: invitations, and
// membership applications, whose receipt goes to whatever address the applicant gives.
// Like the sign-in limits they are fixed windows counted in the store, and only what was
// sent counts (a refused request rolls its count back with it). A limit of 0 leaves that
// count unbounded (tests of other things); an all-zero SendLimits means the defaults.
type SendLimits struct {
	Window time.Duration
	// InvitationsPerActor is how many invitations one account may send per window, over
	// every cooperative.
	InvitationsPerActor int
	// ApplicationsPerActor is how many membership applications one account may file per
	// window, over every cooperative.
	ApplicationsPerActor int
	// PerRecipient is how many invitations and application receipts one address may be
	// sent per window, whoever sends them.
	PerRecipient int
}

// DefaultSendLimits are the production limits, per hour. A board bringing people in
// sends 20 invitations an hour (480 a day) and a person applies for themself and perhaps
// an entity or two they represent: 5 applications. Nobody needs more than 3 such mails
// an hour at one address (an invitation sent again after a typo, an application
// receipt); beyond that they are someone's inbox being flooded, and a hijacked or
// hostile account can send at most these numbers before anyone can notice.
func DefaultSendLimits() SendLimits {
	return SendLimits{Window: time.Hour, InvitationsPerActor: 20, ApplicationsPerActor: 5, PerRecipient: 3}
}

func (l SendLimits) OrDefault() SendLimits {
	if l == (SendLimits{}) {
		return DefaultSendLimits()
	}
	return l
}

// sendKeys are the counters a mail to email charges: the recipient's, and the sender's
// of kind ("invitation" or "application") when the sender is known.
func SendKeys(kind, userID, email string, l SendLimits) []throttleKey {
	sum := sha256.Sum256([]byte(email))
	keys := []throttleKey{{id: "send.recipient." + hex.EncodeToString(sum[:]), limit: l.PerRecipient}}
	if userID != "" {
		limit := l.InvitationsPerActor
		if kind == "application" {
			limit = l.ApplicationsPerActor
		}
		keys = append(keys, throttleKey{id: "send." + kind + ".actor." + userID, limit: limit})
	}
	return keys
}

// reserveSend counts a mail to someone else against keys, and refuses it (ETOOMANY, with
// when to try again) when one is at its limit.
func ReserveSend(tx cooperative.Tx, keys []throttleKey, l SendLimits, now time.Time) error {
	err := reserveAttempt(tx, keys, l.Window, now)
	var t *ThrottledError
	if errors.As(err, &t) {
		t.err = cooperative.Errorf(cooperative.ETOOMANY, "Too many invitations or applications for now. Try again in %s.",
			humanDuration(int64(t.RetryAfter.Seconds())))
	}
	return err
}

// ThrottledError is an ETOOMANY error that says when to try again (HTTP Retry-After).
type ThrottledError struct {
	RetryAfter time.Duration
	err        *cooperative.Error
}

func (e *ThrottledError) Error() string { return e.err.Error() }
func (e *ThrottledError) Unwrap() error { return e.err }

func throttled(retryAfter time.Duration) *ThrottledError {
	secs := int64(math.Ceil(retryAfter.Seconds()))
	return &ThrottledError{RetryAfter: time.Duration(secs) * time.Second,
		err: cooperative.Errorf(cooperative.ETOOMANY, "Too many attempts. Try again in %s, or reset your password.", humanDuration(secs))}
}

func humanDuration(secs int64) string {
	if secs <= 90 {
		return fmt.Sprintf("%d seconds", secs)
	}
	return fmt.Sprintf("%d minutes", (secs+59)/60)
}

const collectionThrottles = "access_throttles"

// throttleCounter is one fixed-window counter.
type throttleCounter struct {
	Count       int       `json:"count"`
	WindowStart time.Time `json:"windowStart"`
	// ResetsAt is when the window ends, kept so the sweep (cleanup.go) needs no limits.
	ResetsAt time.Time `json:"resetsAt,omitzero"`
	version  int64
}

// sweepAt is when the counter may be removed. Counters from before ResetsAt was kept are
// judged by legacyThrottleWindow.
func (c throttleCounter) sweepAt() time.Time {
	resets := c.ResetsAt
	if resets.IsZero() {
		resets = c.WindowStart.Add(legacyThrottleWindow)
	}
	return resets.Add(throttleRetention)
}

// throttleKey names a counter and its limit. Addresses are hashed so the store does not
// keep the addresses of people who have no account.
type throttleKey struct {
	id    string
	limit int
}

func accountThrottle(email string, l SignInLimits) throttleKey {
	sum := sha256.Sum256([]byte(email))
	return throttleKey{id: "signin.account." + hex.EncodeToString(sum[:]), limit: l.PerAccount}
}

func ipThrottle(ip string, l SignInLimits) throttleKey {
	return throttleKey{id: "signin.ip." + ip, limit: l.PerIP}
}

func mailThrottle(ip string, l SignInLimits) throttleKey {
	return throttleKey{id: "mail.ip." + ip, limit: l.MailsPerIP}
}

func readCounter(tx cooperative.Tx, id string, window time.Duration, now time.Time) (throttleCounter, error) {
	c, rec, err := cooperative.GetAs[throttleCounter](tx, collectionThrottles, id)
	switch cooperative.ErrorCode(err) {
	case cooperative.ENOTFOUND:
		c = throttleCounter{WindowStart: now}
	case "":
		c.version = rec.Version
		if !now.Before(c.WindowStart.Add(window)) {
			c.Count, c.WindowStart = 0, now // the window has passed: the limit lifts
		}
	default:
		return c, err
	}
	c.ResetsAt = c.WindowStart.Add(window)
	return c, nil
}

func writeCounter(tx cooperative.Tx, id string, c throttleCounter) error {
	_, err := cooperative.Put(tx, cooperative.Record{Collection: collectionThrottles, ID: id, Version: c.version, Data: cooperative.Encode(c), Index: sweepIndexOf(c)})
	return err
}

// reserveAttempt counts an attempt against every key before the password is checked, and
// refuses it when a key is at its limit. Counting first (rather than after a failure)
// keeps the limit exact under concurrency: a thousand parallel guesses cannot all pass
// the check before the first failure is written. A successful attempt is then forgiven.
func reserveAttempt(tx cooperative.Tx, keys []throttleKey, window time.Duration, now time.Time) error {
	counters := make([]throttleCounter, len(keys))
	var wait time.Duration
	for i, k := range keys {
		c, err := readCounter(tx, k.id, window, now)
		if err != nil {
			return err
		}
		if k.limit > 0 && c.Count >= k.limit {
			wait = max(wait, c.WindowStart.Add(window).Sub(now))
		}
		counters[i] = c
	}
	if wait > 0 {
		return throttled(wait)
	}
	for i, k := range keys {
		counters[i].Count++
		if err := writeCounter(tx, k.id, counters[i]); err != nil {
			return err
		}
	}
	return nil
}

// forgiveAttempt takes back one reserved attempt of key (a success is not a failure).
func forgiveAttempt(tx cooperative.Tx, key throttleKey, window time.Duration, now time.Time) error {
	c, err := readCounter(tx, key.id, window, now)
	if err != nil || c.version == 0 || c.Count == 0 {
		return err
	}
	c.Count--
	return writeCounter(tx, key.id, c)
}

// clearThrottle removes a counter: a successful sign-in or password reset ends an
// account's lock-out.
func clearThrottle(tx cooperative.Tx, key throttleKey) error {
	return cooperative.Remove(tx, collectionThrottles, key.id)
}
