package notify

// The notification outbox. Domain code announces a change by calling Enqueue inside the
// same transaction as the change: a rolled-back change leaves no message, a committed one
// always has its message. A worker (package notifications) claims due messages with a
// lease, sends them and records the outcome through the functions below, so the rules of
// the outbox (dedupe, leases, attempts, preferences, throttling) live here, next to the
// type, and its records are read and written only in this file (with the codec of
// records.go, like every other record).

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"
)

// NotificationEvent names one kind of mail of the catalogue. Each capability declares
// its kinds in its CataloguePart (parts_*.go), with templates in both languages in
// notifications/templates (a test in package notifications checks that every kind has
// them).
type NotificationEvent string

// AllNotifications is the unsubscribe scope that covers every event that is not
// mandatory. It is not an event itself, and no capability may name a kind so.
const AllNotifications NotificationEvent = "all"

// NotificationSpec describes an event of the catalogue.
type NotificationSpec struct {
	Event NotificationEvent
	// Mandatory mails are legal or money-moving notices, or answers to something the
	// recipient asked for (a verification link, a password reset). They cannot be
	// unsubscribed from; all others can.
	Mandatory bool
	// Fields are the template data every message of this event must carry (non-empty);
	// Optional are the ones it may carry. Anything else is refused at Enqueue, so a typo
	// fails in the caller's transaction and not hours later in the worker.
	Fields   []string
	Optional []string
}

// Mandatory reports whether e is a mail that cannot be unsubscribed from. Unknown events
// count as mandatory, so a mistake never silently suppresses a mail.
func (e NotificationEvent) Mandatory() bool {
	s, ok := e.Spec()
	return !ok || s.Mandatory
}

// The languages mails are written in.
const (
	LanguageDutch   = "nl"
	LanguageEnglish = "en"
)

// NotificationLanguages returns the languages every template exists in.
func NotificationLanguages() []string { return []string{LanguageDutch, LanguageEnglish} }

// NotificationLanguage maps a language tag ("nl", "nl-BE", "en-GB", "de") to the language
// the mail is written in. There is no default for an empty tag: guessing Dutch would write
// to an English speaker in a language they may not read, so the caller must know the
// recipient's language. A language we have no templates for gets English, the one most
// people who do not read Dutch can read.
func NotificationLanguage(tag string) (string, error) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" {
		return "", cooperative.Errorf(cooperative.EINVALID, "a notification needs the recipient's language")
	}
	base, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	if slices.Contains(NotificationLanguages(), base) {
		return base, nil
	}
	return LanguageEnglish, nil
}

// NotificationStatus is where a message is in its life.
type NotificationStatus string

const (
	NotificationPending    NotificationStatus = "pending"    // waiting for its next attempt
	NotificationSending    NotificationStatus = "sending"    // claimed by a worker, under lease
	NotificationSent       NotificationStatus = "sent"       // accepted by the mail server
	NotificationDead       NotificationStatus = "dead"       // given up; a platform admin may retry it
	NotificationSuppressed NotificationStatus = "suppressed" // not sent: the recipient unsubscribed
)

// Notification is one message of the outbox.
type Notification struct {
	ID string `json:"id"`
	// DedupeKey makes Enqueue idempotent: a second message with the same key is not
	// stored, before or after the first was sent. Callers build it from what the mail
	// announces, for example "application_approved:<member id>". It is global, so it
	// should name the object (whose id is unique), not just the event.
	DedupeKey     string            `json:"dedupeKey"`
	Event         NotificationEvent `json:"event"`
	CooperativeID string            `json:"cooperativeId,omitempty"`
	To            string            `json:"to"` // a bare address: a@example.org
	ToName        string            `json:"toName,omitempty"`
	Language      string            `json:"language"` // nl or en, see NotificationLanguage
	// Data is the template data. It may hold secrets (a password-reset link), so it is
	// dropped once the message is sent and never shown in the dead-letter list.
	Data        map[string]string `json:"data,omitempty"`
	Attachments []MailAttachment  `json:"attachments,omitempty"`

	Status        NotificationStatus `json:"status"`
	Attempts      int                `json:"attempts"`
	NextAttemptAt time.Time          `json:"nextAttemptAt"`
	LeaseOwner    string             `json:"leaseOwner,omitempty"`
	LeaseUntil    time.Time          `json:"leaseUntil,omitzero"`
	LastError     string             `json:"lastError,omitempty"`
	CreatedAt     time.Time          `json:"createdAt"`
	UpdatedAt     time.Time          `json:"updatedAt"`
	SentAt        time.Time          `json:"sentAt,omitzero"`
	// Version is the store version the worker holds; its transitions are conditional on
	// it, which is what makes a claim exclusive.
	Version int64 `json:"-"`
}

// MailAttachment is a file sent with a message (a PDF certificate or statement).
type MailAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int    `json:"size"`
	// Content is stored apart from the message, so scanning the outbox for due
	// messages never reads the files.
	Content []byte `json:"content,omitempty"`
}

// Limits on what one message may carry.
const (
	MaxMailAttachments     = 10
	MaxMailAttachmentBytes = 10 << 20 // all attachments of one message together
	maxNotificationValue   = 4096     // bytes of one template value (long links fit)
	maxDedupeKey           = 200
	maxLastError           = 1000
)

const (
	collectionNotifications           = "notifications"
	collectionNotificationAttachments = "notification_attachments"
	collectionNotificationPreferences = "notification_preferences"
	collectionNotificationThrottles   = "notification_throttles"
)

// Enqueue writes n to the outbox inside the caller's transaction. It sets the id, status
// and attempt bookkeeping. CreatedAt is required: the time of the change it announces,
// from the caller's clock (the domain reads no clock of its own); a NextAttemptAt in the
// future schedules the mail.
//
// A message whose DedupeKey is already in the outbox is not stored again and Enqueue
// returns nil: retrying a business operation must not fail on its own mail, and the
// first message (sent or not) already announces the change. The lookup comes before the
// insert, not after a failed one, because a failed write inside a transaction is not
// recoverable on every store (MongoDB aborts it); the unique key still guards two
// concurrent transactions, one of which then conflicts and is retried by the adapter.
//
// Preferences are not checked here but when the message is claimed, so an unsubscribe
// that arrives after the change and before the send is still honoured.
func Enqueue(tx cooperative.Tx, n Notification) error {
	n, err := n.validate()
	if err != nil {
		return err
	}
	page, err := tx.Find(cooperative.Query{Collection: collectionNotifications, Index: "dedupe", Value: n.DedupeKey, Limit: 1})
	if err != nil {
		return err
	}
	if len(page.Records) > 0 {
		return nil
	}
	n.CreatedAt = n.CreatedAt.UTC()
	n.ID = cooperative.NewID()
	n.Status = NotificationPending
	n.Attempts, n.LeaseOwner, n.LeaseUntil, n.LastError, n.SentAt = 0, "", time.Time{}, "", time.Time{}
	n.NextAttemptAt = n.NextAttemptAt.UTC()
	if n.NextAttemptAt.Before(n.CreatedAt) {
		n.NextAttemptAt = n.CreatedAt
	}
	n.UpdatedAt = n.CreatedAt
	if len(n.Attachments) > 0 {
		if _, err := tx.Insert(cooperative.Record{Collection: collectionNotificationAttachments, ID: n.ID,
			Data: cooperative.Encode(n.Attachments)}); err != nil {
			return err
		}
	}
	_, err = tx.Insert(notificationRecord(n))
	return err
}

// validate checks a new notification and returns it normalised.
func (n Notification) validate() (Notification, error) {
	spec, ok := n.Event.Spec()
	if !ok {
		return n, cooperative.Errorf(cooperative.EINVALID, "unknown notification event %q", n.Event)
	}
	if n.CreatedAt.IsZero() {
		return n, cooperative.Errorf(cooperative.EINVALID, "a notification needs the time of the change it announces")
	}
	n.DedupeKey = strings.TrimSpace(n.DedupeKey)
	if n.DedupeKey == "" || len(n.DedupeKey) > maxDedupeKey || HasControl(n.DedupeKey, false) {
		return n, cooperative.Errorf(cooperative.EINVALID, "a notification needs a dedupe key of 1 to %d printable characters", maxDedupeKey)
	}
	to, err := mail.ParseAddress(strings.TrimSpace(n.To))
	if err != nil || to.Name != "" || to.Address != strings.TrimSpace(n.To) || len(to.Address) > 254 {
		return n, cooperative.Errorf(cooperative.EINVALID, "%q is not a bare e-mail address", n.To)
	}
	n.To = to.Address
	n.ToName = strings.TrimSpace(n.ToName)
	if utf8.RuneCountInString(n.ToName) > 200 || HasControl(n.ToName, false) || !utf8.ValidString(n.ToName) {
		return n, cooperative.Errorf(cooperative.EINVALID, "the recipient's name must be at most 200 printable characters")
	}
	if n.Language, err = NotificationLanguage(n.Language); err != nil {
		return n, err
	}
	if n.CooperativeID != "" && !cooperative.ValidID(n.CooperativeID) {
		return n, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", n.CooperativeID)
	}
	for _, f := range spec.Fields {
		if strings.TrimSpace(n.Data[f]) == "" {
			return n, cooperative.Errorf(cooperative.EINVALID, "a %s notification needs %q", n.Event, f)
		}
	}
	for k, v := range n.Data {
		if !slices.Contains(spec.Fields, k) && !slices.Contains(spec.Optional, k) {
			return n, cooperative.Errorf(cooperative.EINVALID, "a %s notification has no field %q", n.Event, k)
		}
		if len(v) > maxNotificationValue || !utf8.ValidString(v) || HasControl(v, true) {
			return n, cooperative.Errorf(cooperative.EINVALID, "field %q must be valid text of at most %d bytes", k, maxNotificationValue)
		}
	}
	if len(n.Attachments) > MaxMailAttachments {
		return n, cooperative.Errorf(cooperative.EINVALID, "a notification carries at most %d attachments", MaxMailAttachments)
	}
	total := 0
	atts := make([]MailAttachment, len(n.Attachments))
	for i, a := range n.Attachments {
		if a.Filename == "" || len(a.Filename) > 255 || strings.ContainsAny(a.Filename, `/\`) ||
			HasControl(a.Filename, false) || !utf8.ValidString(a.Filename) {
			return n, cooperative.Errorf(cooperative.EINVALID, "attachment %d needs a plain file name", i+1)
		}
		if mt, _, err := mime.ParseMediaType(a.ContentType); err != nil || strings.Count(mt, "/") != 1 {
			return n, cooperative.Errorf(cooperative.EINVALID, "attachment %q has no valid content type", a.Filename)
		}
		if len(a.Content) == 0 {
			return n, cooperative.Errorf(cooperative.EINVALID, "attachment %q is empty", a.Filename)
		}
		total += len(a.Content)
		a.Size = len(a.Content)
		atts[i] = a
	}
	if total > MaxMailAttachmentBytes {
		return n, cooperative.Errorf(cooperative.EINVALID, "attachments of one notification must be at most %d bytes together", MaxMailAttachmentBytes)
	}
	n.Attachments = atts
	return n, nil
}

// hasControl reports control characters; newlines and tabs pass when multiline.
func HasControl(s string, multiline bool) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r'))
	})
}

// notificationRecord encodes n for the store. Index "outbox" holds the worker's work list
// ("open": pending or sending) and the admins' list ("dead"); sent and suppressed
// messages leave both, so neither list grows with history. Ids are UUIDv7, so both lists
// come in creation order.
func notificationRecord(n Notification) cooperative.Record {
	stored := n
	stored.Attachments = nil
	for _, a := range n.Attachments {
		a.Content = nil
		stored.Attachments = append(stored.Attachments, a)
	}
	index := map[string]string{"dedupe": n.DedupeKey}
	switch n.Status {
	case NotificationPending, NotificationSending:
		index["outbox"] = "open"
	case NotificationDead:
		index["outbox"] = "dead"
	}
	return cooperative.Record{Collection: collectionNotifications, ID: n.ID, Version: n.Version, Data: cooperative.Encode(stored),
		Unique: map[string]string{"dedupe": n.DedupeKey}, Index: index}
}

func notificationFromRecord(rec cooperative.Record) (Notification, error) {
	var n Notification
	if err := cooperative.Decode(rec, &n); err != nil {
		return n, err
	}
	n.Version = rec.Version
	return n, nil
}

// NotificationThrottle bounds how many mails one recipient gets per window, so a burst of
// events cannot flood anyone's inbox. A message over the limit is deferred until the
// window has room, never dropped: it may be a legal or money-moving notice. Zero limits
// mean no limit.
type NotificationThrottle struct {
	Window time.Duration
	// Limit counts every mail, mandatory ones too: a password reset requested a hundred
	// times is a flood as well. Set it well above what a normal day brings.
	Limit int
	// OptionalLimit counts only mails that are not mandatory, and is the tighter one.
	OptionalLimit int
}

// ClaimRequest asks for due messages.
type ClaimRequest struct {
	Owner string        // the claiming instance, recorded as lease owner
	Now   time.Time     // the claimer's clock; leases are judged by it
	Lease time.Duration // how long the claim holds if the claimer goes quiet
	Limit int           // how many to claim at most
	// After is the cursor returned by the previous claim. Scanning resumes there, so a
	// long run of messages waiting out their backoff cannot starve the ones behind it.
	After string
	// MaxAttempts bounds claims: a message whose lease expired (its worker died while
	// sending it) this many times is dead, so one message that crashes every instance
	// cannot keep the outbox busy forever.
	MaxAttempts int
	Throttle    NotificationThrottle
}

// ClaimResult is what a claim found.
type ClaimResult struct {
	Claimed []Notification // now in status sending, leased to the owner, with attachments
	Next    string         // cursor for the next claim; "" when the scan reached the end
	// Deferred (throttled), Suppressed (unsubscribed) and Dead (out of attempts) count
	// the messages the claim settled without handing them out.
	Deferred, Suppressed, Dead int
}

// claimScanLimit bounds how much of the open list one claim reads.
const claimScanLimit = cooperative.MaxPageSize

// ClaimNotifications leases up to req.Limit due messages to req.Owner. A message is due
// when it is pending and its next attempt has come, or when it is being sent but its
// lease has expired (the instance sending it died). The claim is a conditional write on
// the record's version, so of several instances claiming at once exactly one gets each
// message; the others see it leased (or, on a store with optimistic transactions, have
// their transaction retried and then see it leased).
//
// Each claim counts as an attempt. Preferences and the throttle are applied here, at the
// last moment before sending.
func ClaimNotifications(ctx context.Context, s cooperative.Store, req ClaimRequest) (ClaimResult, error) {
	if req.Owner == "" || req.Lease <= 0 || req.Now.IsZero() || req.MaxAttempts < 1 {
		return ClaimResult{}, cooperative.Errorf(cooperative.EINVALID, "a claim needs an owner, a lease, a clock and a maximum of attempts")
	}
	req.Now = req.Now.UTC()
	req.Limit = cooperative.ClampLimit(req.Limit)
	// A read-only look first: an idle outbox (the common case) then costs no write
	// transaction, which on the embedded store would queue behind real writes.
	var due bool
	var next string
	if err := s.View(ctx, func(tx cooperative.Tx) (err error) {
		due, next, err = scanDue(tx, req, func(Notification) (bool, error) { return false, nil })
		return err
	}); err != nil {
		return ClaimResult{}, err
	}
	if !due {
		return ClaimResult{Next: next}, nil
	}
	var res ClaimResult
	err := cooperative.RunAt(s, req.Now).Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		res = ClaimResult{} // the adapter may run this function again
		c := &claimer{tx: tx, req: req, prefs: map[string]NotificationPreferences{},
			throttles: map[string]*throttleState{}}
		_, next, err := scanDue(tx, req, c.take)
		if err != nil {
			return err
		}
		if err := c.saveThrottles(); err != nil {
			return err
		}
		res = c.res
		res.Next = next
		return nil
	})
	return res, err
}

// scanDue walks the open list from req.After and calls take for each due message until
// take says stop or the scan limit is reached. It reports whether any message was due and
// the cursor to resume at.
func scanDue(tx cooperative.Tx, req ClaimRequest, take func(Notification) (bool, error)) (bool, string, error) {
	after, scanned, found := req.After, 0, false
	for scanned < claimScanLimit {
		page, err := tx.Find(cooperative.Query{Collection: collectionNotifications, Index: "outbox", Value: "open",
			After: after, Limit: min(250, claimScanLimit-scanned)})
		if err != nil {
			return found, "", err
		}
		for _, rec := range page.Records {
			scanned++
			n, err := notificationFromRecord(rec)
			if err != nil {
				return found, "", err
			}
			if !n.dueAt(req.Now) {
				continue
			}
			found = true
			more, err := take(n)
			if err != nil {
				return found, "", err
			}
			if !more {
				return found, n.ID, nil
			}
		}
		if page.Next == "" {
			return found, "", nil
		}
		after = page.Next
	}
	return found, after, nil
}

func (n Notification) dueAt(now time.Time) bool {
	switch n.Status {
	case NotificationPending:
		return !n.NextAttemptAt.After(now)
	case NotificationSending:
		return !n.LeaseUntil.After(now)
	}
	return false
}

// claimer holds what one claim transaction has read, so several messages to the same
// recipient share one preference read and one throttle window.
type claimer struct {
	tx        cooperative.Tx
	req       ClaimRequest
	res       ClaimResult
	prefs     map[string]NotificationPreferences
	throttles map[string]*throttleState
	// lastVersion is the version of the message replace wrote last.
	lastVersion int64
}

func (c *claimer) take(n Notification) (bool, error) {
	now := c.req.Now
	n.UpdatedAt = now
	if n.Status == NotificationSending && n.Attempts >= c.req.MaxAttempts {
		n.Status, n.LeaseOwner, n.LeaseUntil = NotificationDead, "", time.Time{}
		n.LastError = fmt.Sprintf("the lease of the last of %d attempts expired: the instance sending it stopped without a result", n.Attempts)
		c.res.Dead++
		return true, c.replace(n)
	}
	mandatory := n.Event.Mandatory()
	key := cooperative.NameID("mailto:" + recipient(n.To))
	if !mandatory {
		prefs, ok := c.prefs[key]
		if !ok {
			var err error
			if prefs, err = readPreferences(c.tx, n.To); err != nil {
				return false, err
			}
			c.prefs[key] = prefs
		}
		if !prefs.Wants(n.Event) {
			n.Status, n.LeaseOwner, n.LeaseUntil, n.Data = NotificationSuppressed, "", time.Time{}, nil
			c.res.Suppressed++
			if err := deleteAttachments(c.tx, n); err != nil {
				return false, err
			}
			return true, c.replace(n)
		}
	}
	if c.req.Throttle.Window > 0 {
		th, err := c.throttle(key)
		if err != nil {
			return false, err
		}
		if until, ok := c.req.Throttle.admit(th.sends, !mandatory, now); !ok {
			// Deferred, not attempted: attempts count failures of the mail path.
			n.Status, n.LeaseOwner, n.LeaseUntil, n.NextAttemptAt = NotificationPending, "", time.Time{}, until
			c.res.Deferred++
			return true, c.replace(n)
		}
		th.sends = append(th.sends, throttleSend{At: now, Optional: !mandatory})
		th.changed = true
	}
	n.Status, n.LeaseOwner, n.LeaseUntil = NotificationSending, c.req.Owner, now.Add(c.req.Lease)
	n.Attempts++
	if err := c.replace(n); err != nil {
		return false, err
	}
	n.Version = c.lastVersion
	if len(n.Attachments) > 0 {
		rec, err := c.tx.Get(collectionNotificationAttachments, n.ID)
		if err != nil {
			return false, err
		}
		if err := cooperative.Decode(rec, &n.Attachments); err != nil {
			return false, err
		}
	}
	c.res.Claimed = append(c.res.Claimed, n)
	return len(c.res.Claimed) < c.req.Limit, nil
}

func (c *claimer) replace(n Notification) error {
	rec, err := c.tx.Replace(notificationRecord(n))
	c.lastVersion = rec.Version
	return err
}

// throttleState is one recipient's recent sends, as read in this transaction.
type throttleState struct {
	version int64 // 0: no record yet
	sends   []throttleSend
	changed bool
}

type throttleSend struct {
	At       time.Time `json:"at"`
	Optional bool      `json:"optional,omitempty"`
}

func (c *claimer) throttle(key string) (*throttleState, error) {
	if th, ok := c.throttles[key]; ok {
		return th, nil
	}
	th := &throttleState{}
	rec, err := c.tx.Get(collectionNotificationThrottles, key)
	switch cooperative.ErrorCode(err) {
	case "":
		th.version = rec.Version
		if err := cooperative.Decode(rec, &th.sends); err != nil {
			return nil, err
		}
	case cooperative.ENOTFOUND:
	default:
		return nil, err
	}
	c.throttles[key] = th
	return th, nil
}

// saveThrottles writes the windows this claim added to, keeping only what the window
// still needs.
func (c *claimer) saveThrottles() error {
	for key, th := range c.throttles {
		if !th.changed {
			continue
		}
		cutoff := c.req.Now.Add(-c.req.Throttle.Window)
		th.sends = slices.DeleteFunc(th.sends, func(s throttleSend) bool { return !s.At.After(cutoff) })
		rec := cooperative.Record{Collection: collectionNotificationThrottles, ID: key, Version: th.version, Data: cooperative.Encode(th.sends)}
		if _, err := cooperative.Put(c.tx, rec); err != nil {
			return err
		}
	}
	return nil
}

// admit reports whether one more mail fits the window, and if not, when it will.
func (t NotificationThrottle) admit(sends []throttleSend, optional bool, now time.Time) (time.Time, bool) {
	if t.Window <= 0 {
		return time.Time{}, true
	}
	var all, opt []time.Time
	for _, s := range sends {
		if s.At.After(now.Add(-t.Window)) {
			all = append(all, s.At)
			if s.Optional {
				opt = append(opt, s.At)
			}
		}
	}
	var until time.Time
	// With n sends in the window and a limit of l, room opens when the (n-l+1)th oldest
	// leaves it.
	check := func(times []time.Time, limit int) {
		if limit > 0 && len(times) >= limit {
			slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
			if at := times[len(times)-limit].Add(t.Window); at.After(until) {
				until = at
			}
		}
	}
	check(all, t.Limit)
	if optional {
		check(opt, t.OptionalLimit)
	}
	return until, until.IsZero()
}

// MarkNotificationSent records that the mail server accepted n. It is conditional on the
// version the claim returned: if the lease expired and another instance claimed the
// message meanwhile, it fails with ECONFLICT. The template data and the attachments are
// dropped: the mail is out, and a reset link should not outlive its use in the store.
func MarkNotificationSent(ctx context.Context, s cooperative.Store, n Notification, now time.Time) (Notification, error) {
	return transition(ctx, s, n, now, func(tx cooperative.Tx, m *Notification) error {
		m.Status, m.SentAt, m.LastError, m.Data = NotificationSent, now.UTC(), "", nil
		return deleteAttachments(tx, *m)
	})
}

// RecordNotificationFailure records a failed attempt. A zero retryAt means give up: the
// message is dead and waits for a platform admin; otherwise it is pending until retryAt.
func RecordNotificationFailure(ctx context.Context, s cooperative.Store, n Notification, now time.Time, cause string, retryAt time.Time) (Notification, error) {
	return transition(ctx, s, n, now, func(tx cooperative.Tx, m *Notification) error {
		m.LastError = TruncateText(cause, maxLastError)
		if retryAt.IsZero() {
			m.Status = NotificationDead
			return nil
		}
		m.Status, m.NextAttemptAt = NotificationPending, retryAt.UTC()
		return nil
	})
}

// ReleaseNotification gives a claimed message back unsent (the worker is stopping, or
// the lease is too short to send safely), so another instance can take it at once rather
// than after the lease. The claim does not count as an attempt.
func ReleaseNotification(ctx context.Context, s cooperative.Store, n Notification, now time.Time) (Notification, error) {
	return transition(ctx, s, n, now, func(tx cooperative.Tx, m *Notification) error {
		m.Status, m.Attempts = NotificationPending, max(0, m.Attempts-1)
		return nil
	})
}

// transition changes a claimed message; the lease ends with it.
func transition(ctx context.Context, s cooperative.Store, n Notification, now time.Time, change func(cooperative.Tx, *Notification) error) (Notification, error) {
	if n.Status != NotificationSending || n.Version == 0 {
		return n, cooperative.Errorf(cooperative.EINVALID, "notification %s is not claimed", n.ID)
	}
	var out Notification
	err := cooperative.RunAt(s, now).Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		m := n
		m.UpdatedAt = now.UTC()
		if err := change(tx, &m); err != nil {
			return err
		}
		m.LeaseOwner, m.LeaseUntil = "", time.Time{}
		rec, err := tx.Replace(notificationRecord(m))
		if err != nil {
			return err
		}
		m.Version, m.Attachments = rec.Version, withoutContent(m.Attachments)
		out = m
		return nil
	})
	return out, err
}

func deleteAttachments(tx cooperative.Tx, n Notification) error {
	if len(n.Attachments) == 0 {
		return nil
	}
	return cooperative.Remove(tx, collectionNotificationAttachments, n.ID)
}

func withoutContent(atts []MailAttachment) []MailAttachment {
	out := slices.Clone(atts)
	for i := range out {
		out[i].Content = nil
	}
	return out
}

func TruncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// GetNotification returns one message without attachment contents. Its Data may hold a
// secret link: for the worker, tests and diagnostics, not for an API response.
func GetNotification(ctx context.Context, s cooperative.Store, id string) (Notification, error) {
	var n Notification
	err := s.View(ctx, func(tx cooperative.Tx) error {
		rec, err := tx.Get(collectionNotifications, id)
		if err != nil {
			return err
		}
		n, err = notificationFromRecord(rec)
		return err
	})
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return n, cooperative.Errorf(cooperative.ENOTFOUND, "notification %s not found", id)
	}
	return n, err
}

// NotificationByDedupeKey returns the message enqueued under key (as GetNotification),
// so a caller can tell whether and when its mail went out.
func NotificationByDedupeKey(ctx context.Context, s cooperative.Store, key string) (Notification, error) {
	var n Notification
	err := s.View(ctx, func(tx cooperative.Tx) error {
		page, err := tx.Find(cooperative.Query{Collection: collectionNotifications, Index: "dedupe", Value: key, Limit: 1})
		if err != nil {
			return err
		}
		if len(page.Records) == 0 {
			return cooperative.Errorf(cooperative.ENOTFOUND, "no notification with dedupe key %q", key)
		}
		n, err = notificationFromRecord(page.Records[0])
		return err
	})
	return n, err
}

// OpenQueue reads the outbox's work list (index outbox=open, in creation order) the way
// the worker does: how many messages are open, counting at most limit, and when the
// oldest of them was created (zero when none is open). It is for the queue metrics.
func OpenQueue(ctx context.Context, s cooperative.Store, limit int) (count int, oldest time.Time, err error) {
	err = s.View(ctx, func(tx cooperative.Tx) error {
		page, err := tx.Find(cooperative.Query{Collection: collectionNotifications, Index: "outbox", Value: "open", Limit: limit})
		if err != nil || len(page.Records) == 0 {
			return err
		}
		var first struct {
			CreatedAt time.Time `json:"createdAt"`
		}
		if err := cooperative.Decode(page.Records[0], &first); err != nil {
			return err
		}
		count, oldest = len(page.Records), first.CreatedAt
		return nil
	})
	return count, oldest, err
}

// ListDead returns one page of dead messages, oldest first, and the cursor of the next
// page ("" when this is the last). It is for platform admins: the envelope and the last
// error, never the template data (which may hold a reset link).
func ListDead(ctx context.Context, s cooperative.Store, after string, limit int) ([]Notification, string, error) {
	if err := cooperative.CheckCursor(after); err != nil {
		return nil, "", err
	}
	var (
		list []Notification
		next string
	)
	err := s.View(ctx, func(tx cooperative.Tx) error {
		page, err := tx.Find(cooperative.Query{Collection: collectionNotifications, Index: "outbox", Value: "dead",
			After: after, Limit: limit})
		if err != nil {
			return err
		}
		list, next = make([]Notification, 0, len(page.Records)), page.Next
		for _, rec := range page.Records {
			n, err := notificationFromRecord(rec)
			if err != nil {
				return err
			}
			n.Data = nil
			list = append(list, n)
		}
		return nil
	})
	return list, next, err
}

// RetryDead puts a dead message back in the queue with a fresh set of attempts, due at
// now, for a platform admin who fixed the cause (a mail server's configuration, a template).
func RetryDead(ctx context.Context, s cooperative.Store, id string, now time.Time) error {
	if !cooperative.ValidID(id) {
		return cooperative.Errorf(cooperative.EINVALID, "%q is not a notification id", id)
	}
	return cooperative.RunAt(s, now).Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		rec, err := tx.Get(collectionNotifications, id)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return cooperative.Errorf(cooperative.ENOTFOUND, "notification %s not found", id)
		}
		if err != nil {
			return err
		}
		n, err := notificationFromRecord(rec)
		if err != nil {
			return err
		}
		if n.Status != NotificationDead {
			return cooperative.Errorf(cooperative.ERULE, "notification %s is %s, only a dead one can be retried", id, n.Status)
		}
		n.Status, n.Attempts, n.NextAttemptAt, n.UpdatedAt = NotificationPending, 0, now.UTC(), now.UTC()
		_, err = tx.Replace(notificationRecord(n))
		return err
	})
}

// NotificationPreferences are what one address has unsubscribed from. They are kept per
// address rather than per member, because mail goes to an address and an applicant who
// is not yet a member must be able to unsubscribe too.
type NotificationPreferences struct {
	Address         string              `json:"address"`
	UnsubscribedAll bool                `json:"unsubscribedAll,omitempty"`
	Unsubscribed    []NotificationEvent `json:"unsubscribed,omitempty"`
	UpdatedAt       time.Time           `json:"updatedAt"`
	version         int64
}

// Wants reports whether a mail of event e may be sent. Mandatory mails always may.
func (p NotificationPreferences) Wants(e NotificationEvent) bool {
	if e.Mandatory() {
		return true
	}
	return !p.UnsubscribedAll && !slices.Contains(p.Unsubscribed, e)
}

// recipient is an address as preferences and throttles know it: lower case, because that
// is how people and mail providers treat addresses in practice. Their record id is
// nameID("mailto:" + recipient(address)), so both are read with Get and need no index.
func recipient(address string) string {
	return strings.ToLower(strings.TrimSpace(address))
}

func readPreferences(tx cooperative.Tx, address string) (NotificationPreferences, error) {
	p := NotificationPreferences{Address: recipient(address)}
	rec, err := tx.Get(collectionNotificationPreferences, cooperative.NameID("mailto:"+p.Address))
	switch cooperative.ErrorCode(err) {
	case cooperative.ENOTFOUND:
		return p, nil
	case "":
	default:
		return p, err
	}
	if err := cooperative.Decode(rec, &p); err != nil {
		return p, err
	}
	p.version = rec.Version
	return p, nil
}

// GetNotificationPreferences returns the preferences of an address (none set: all mails).
func GetNotificationPreferences(ctx context.Context, s cooperative.Store, address string) (NotificationPreferences, error) {
	var p NotificationPreferences
	err := s.View(ctx, func(tx cooperative.Tx) (err error) {
		p, err = readPreferences(tx, address)
		return err
	})
	return p, err
}

// SetNotificationPreference subscribes or unsubscribes an address from one event, or
// with AllNotifications from every event that is not mandatory. Mandatory events cannot
// be unsubscribed from (ERULE). Resubscribing to AllNotifications clears every opt-out.
func SetNotificationPreference(tx cooperative.Tx, address string, scope NotificationEvent, subscribed bool, now time.Time) error {
	a, err := mail.ParseAddress(address)
	if err != nil {
		return cooperative.Errorf(cooperative.EINVALID, "%q is not an e-mail address", address)
	}
	address = a.Address
	if scope != AllNotifications {
		spec, ok := scope.Spec()
		if !ok {
			return cooperative.Errorf(cooperative.EINVALID, "unknown notification event %q", scope)
		}
		if spec.Mandatory {
			return cooperative.Errorf(cooperative.ERULE, "%s mails are mandatory and cannot be turned off", scope)
		}
	}
	p, err := readPreferences(tx, address)
	if err != nil {
		return err
	}
	switch {
	case scope == AllNotifications:
		p.UnsubscribedAll = !subscribed
		if subscribed {
			p.Unsubscribed = nil
		}
	case subscribed:
		p.Unsubscribed = slices.DeleteFunc(p.Unsubscribed, func(e NotificationEvent) bool { return e == scope })
	case !slices.Contains(p.Unsubscribed, scope):
		p.Unsubscribed = append(p.Unsubscribed, scope)
	}
	p.UpdatedAt = now.UTC()
	rec := cooperative.Record{Collection: collectionNotificationPreferences, ID: cooperative.NameID("mailto:" + recipient(address)), Version: p.version,
		Data: cooperative.Encode(p)}
	_, err = cooperative.Put(tx, rec)
	return err
}

// MinUnsubscribeSecret is the shortest secret accepted for unsubscribe tokens (256 bits).
const MinUnsubscribeSecret = 32

// UnsubscribeToken returns the token of an unsubscribe link: the address and the scope,
// signed with HMAC-SHA-256 under secret. It needs no login and no stored state, and it
// does not expire: a link in an old mail must keep working, and all it can do is stop
// mails that are not mandatory.
func UnsubscribeToken(secret []byte, address string, scope NotificationEvent) (string, error) {
	if len(secret) < MinUnsubscribeSecret {
		return "", cooperative.Errorf(cooperative.EINTERNAL, "the unsubscribe secret must be at least %d bytes", MinUnsubscribeSecret)
	}
	payload := string(scope) + "\n" + recipient(address)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(unsubscribeMAC(secret, payload)), nil
}

// unsubscribeMAC is domain-separated, so the secret cannot be made to sign anything else
// that some other token format would accept.
func unsubscribeMAC(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("kracht unsubscribe v1\n"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// VerifyUnsubscribeToken checks a token in constant time and returns what it names.
func VerifyUnsubscribeToken(secret []byte, token string) (string, NotificationEvent, error) {
	invalid := cooperative.Errorf(cooperative.EINVALID, "The unsubscribe link is not valid.")
	if len(secret) < MinUnsubscribeSecret {
		return "", "", cooperative.Errorf(cooperative.EINTERNAL, "the unsubscribe secret must be at least %d bytes", MinUnsubscribeSecret)
	}
	if len(token) > 2048 {
		return "", "", invalid
	}
	p, m, ok := strings.Cut(token, ".")
	if !ok {
		return "", "", invalid
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, unsubscribeMAC(secret, string(payload))) {
		return "", "", invalid
	}
	scope, address, ok := strings.Cut(string(payload), "\n")
	if !ok {
		return "", "", invalid
	}
	return address, NotificationEvent(scope), nil
}

// Unsubscribe carries out an unsubscribe link: it verifies the token and records the
// opt-out. Doing it twice is harmless. It returns the address and scope, for the page
// that confirms it. now is when the opt-out is recorded.
func Unsubscribe(ctx context.Context, s cooperative.Store, secret []byte, token string, now time.Time) (string, NotificationEvent, error) {
	address, scope, err := VerifyUnsubscribeToken(secret, token)
	if err != nil {
		return "", "", err
	}
	err = cooperative.RunAt(s, now).Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		return SetNotificationPreference(tx, address, scope, false, now)
	})
	return address, scope, err
}
