package identity

import (
	"context"
	"maps"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// Signing in leaves temporary records behind: sessions with their refresh tokens, links
// mailed to verify an address or reset a password, invitations, and throttle counters.
// SweepExpired removes the ones nobody can use any more, so they do not pile up for ever.
// It knows only these collections: the register, the ledger and the audit log are never
// swept.
//
// Finding them cheaply, with a port that looks up by equality only: each of these records
// carries a sweep index, the UTC date on which it may go (its sweepAt). A sweep walks the
// days from the last one it finished up to today, one indexed Find a day, and removes what
// is due. Refresh tokens are indexed by their session instead and go with it. Records
// written before the sweep index existed are found once by a full scan, which removes
// those that are due and gives the others their index.
//
// Every removal is at the version the sweep read, in transactions of at most a batch, so
// the sweep runs beside live traffic and on several replicas at once: a record changed
// meanwhile is skipped and left for the next sweep, one removed meanwhile is not counted.

// Retentions: how long each kind is kept after it stopped working. A change applies to
// records as they are written; the sweep moves older ones to their new day when it meets
// them on their old one.
const (
	// sessionRetention is how long a session and its refresh tokens are kept after the
	// session ended (revoked or expired). Reuse detection needs the spent refresh tokens of
	// a session for as long as the session can be refreshed, because a spent token shown
	// while the session is live is what ends it (session.go). So tokens are never swept on
	// their own, only with their session, and only once it has ended. From then on keeping
	// them protects nothing: the ended session refuses every token of the family, and a
	// swept token is refused as unknown (tokens are looked up by the hash of the secret,
	// which nobody can put back), so any retention keeps reuse detection correct. The week
	// is for people: a device that wakes up after a weekend hears that its session has
	// ended rather than that its token is not valid, and support can still see why a
	// session ended ("refresh token reused" is the trace of a stolen token). Longer would
	// only keep who signed in when.
	sessionRetention = 7 * 24 * time.Hour
	// linkTokenRetention: an expired link gets the same answer as an unknown one
	// (errInvalidLink, on purpose), so keeping it serves nobody; the day is a margin for
	// replicas whose clocks disagree. A used link is deleted when it is used.
	linkTokenRetention = 24 * time.Hour
	// invitationRetention: for a month after an invitation was accepted or expired, the
	// board or support can still tell which when someone says the link did not work. The
	// audit log keeps the lasting record (invitation.create, roles.grant), and the
	// invitation holds the address of someone who may never have joined, so not longer.
	invitationRetention = 30 * 24 * time.Hour
	// throttleRetention: a counter whose window has passed reads exactly like no counter
	// (readCounter starts a new window), so it may go at once.
	throttleRetention time.Duration = 0
	// legacyThrottleWindow judges counters written before they kept their ResetsAt.
	// kracht serve has always counted in DefaultSignInLimits' 15-minute window; a day is
	// well past it.
	legacyThrottleWindow = 24 * time.Hour
)

const (
	// sweepIndex names the index of the day a record may be swept.
	sweepIndex = "sweep_day"
	// collectionSweepState keeps, per swept collection, how far the sweep has come.
	collectionSweepState = "sweep_state"
)

// sweepable is a temporary record that knows when it may be removed.
type sweepable interface{ sweepAt() time.Time }

// sweepIndexOf is the index entry every writer of a sweepable record sets.
func sweepIndexOf(v sweepable) map[string]string {
	return map[string]string{sweepIndex: sweepDay(v.sweepAt())}
}

func sweepDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// SweepOptions tune a sweep.
type SweepOptions struct {
	// BatchSize bounds the records read per page and written per transaction (default and
	// maximum MaxPageSize).
	BatchSize int
}

// SweepTally counts what one sweep did.
type SweepTally struct {
	// Removed, per kind.
	Sessions, RefreshTokens, LinkTokens, Invitations, Throttles int
	// Reindexed counts records kept and given their sweep index: ones written before the
	// index existed, or under a retention since changed.
	Reindexed int
	// Skipped counts records changed by someone else between the sweep's read and its
	// write (a counter written again, a session revoked). They are left for the next sweep.
	Skipped int
}

// SweepExpired removes the temporary sign-in records that can no longer be used as of now,
// and says how many of each kind. On an error the tally says what was done before it.
func SweepExpired(ctx context.Context, s cooperative.Store, now time.Time, opts SweepOptions) (SweepTally, error) {
	batch := opts.BatchSize
	if batch < 1 || batch > cooperative.MaxPageSize {
		batch = cooperative.MaxPageSize
	}
	now = now.UTC()
	today := now.Truncate(24 * time.Hour)
	sw := &sweeper{ctx: ctx, store: s, run: cooperative.RunAt(s, now), now: now, today: today, closable: today.AddDate(0, 0, -2), batch: batch}
	for _, k := range sweepKinds() {
		if err := sw.sweep(k); err != nil {
			return sw.tally, err
		}
	}
	return sw.tally, nil
}

// sweepKind is one collection of temporary records.
type sweepKind struct {
	collection string
	// removed points at the kind's count.
	removed func(*SweepTally) *int
	// sweepAt decodes a record and says when it may go; nil for a kind that is not swept
	// by day but with another (refresh tokens, with their session).
	sweepAt func(cooperative.Record) (time.Time, error)
	// family queues what goes with a record, ahead of it (a session's refresh tokens).
	family func(*sweeper, cooperative.Record) error
	// take handles one record read (sweeper.take when nil).
	take func(*sweeper, sweepKind, cooperative.Record) error
}

// sweepKinds lists refresh tokens first, so that the sessions swept next find all of
// theirs by index.
func sweepKinds() []sweepKind {
	return []sweepKind{
		{collection: collectionRefreshTokens, removed: func(t *SweepTally) *int { return &t.RefreshTokens },
			take: (*sweeper).takeLegacyRefreshToken},
		{collection: collectionSessions, removed: func(t *SweepTally) *int { return &t.Sessions },
			sweepAt: sweepAtOf[session], family: (*sweeper).queueRefreshTokens},
		{collection: collectionLinkTokens, removed: func(t *SweepTally) *int { return &t.LinkTokens },
			sweepAt: sweepAtOf[linkToken]},
		{collection: collectionInvitations, removed: func(t *SweepTally) *int { return &t.Invitations },
			sweepAt: sweepAtOf[invitation]},
		{collection: collectionThrottles, removed: func(t *SweepTally) *int { return &t.Throttles },
			sweepAt: sweepAtOf[throttleCounter]},
	}
}

func sweepAtOf[T sweepable](rec cooperative.Record) (time.Time, error) {
	var v T
	err := cooperative.Decode(rec, &v)
	return v.sweepAt(), err
}

// sweepState is how far the sweep of one collection has come. That it exists says the
// full scan for records from before the sweep index is done.
type sweepState struct {
	// Through is the last day whose due records are all gone.
	Through string `json:"through"`
	version int64
}

type sweeper struct {
	ctx   context.Context
	store cooperative.Store
	run   *cooperative.Runner // at now
	now   time.Time
	// today is the start of now's UTC day. closable is the last day a sweep may mark done:
	// a record is indexed by its writer's clock, and a replica whose clock is behind could
	// still add one to yesterday, so yesterday is read again by the next sweep (one empty
	// query).
	today, closable time.Time
	batch           int
	pending         []sweepWrite
	tally           SweepTally
}

// sweep removes what is due in one collection: by a full scan the first time, then day by
// day from where the last sweep finished.
func (sw *sweeper) sweep(k sweepKind) error {
	st, err := sw.readState(k.collection)
	switch {
	case err != nil:
		return err
	case st.version == 0:
		return sw.sweepLegacy(k, st)
	case k.sweepAt == nil:
		return nil
	}
	through, err := time.Parse(time.DateOnly, st.Through)
	if err != nil {
		return cooperative.WrapError(cooperative.EINTERNAL, err, "corrupt sweep state of "+k.collection)
	}
	clean, was := true, st.Through
	for day := through.AddDate(0, 0, 1); !day.After(sw.today); day = day.AddDate(0, 0, 1) {
		skipped := sw.tally.Skipped
		q := cooperative.Query{Collection: k.collection, Index: sweepIndex, Value: sweepDay(day)}
		if err := sw.scan(k, q); err != nil {
			return err
		}
		// A day with a skipped record stays open: the record may still be due there.
		clean = clean && sw.tally.Skipped == skipped
		if clean && !day.After(sw.closable) {
			st.Through = sweepDay(day)
		}
	}
	if st.Through == was {
		return nil
	}
	return sw.writeState(k.collection, st)
}

// sweepLegacy scans a whole collection, once: it removes what is due and indexes the rest,
// then records that the scan is done. Not when it skipped a record, though: that one may
// have been rewritten meanwhile under a day the walk will not read again, so the next
// sweep scans again.
func (sw *sweeper) sweepLegacy(k sweepKind, st sweepState) error {
	skipped := sw.tally.Skipped
	if err := sw.scan(k, cooperative.Query{Collection: k.collection}); err != nil {
		return err
	}
	if sw.tally.Skipped != skipped {
		return nil
	}
	st.Through = sweepDay(sw.closable)
	return sw.writeState(k.collection, st)
}

// take queues a record that is due for removal, with what goes with it. A record that
// stays gets its sweep index when it lacks it (written before the index existed) or has
// another day (written before a retention changed), so the walk meets it on its day.
func (sw *sweeper) take(k sweepKind, rec cooperative.Record) error {
	at, err := k.sweepAt(rec)
	if err != nil {
		return err
	}
	if !at.After(sw.now) {
		if k.family != nil {
			if err := k.family(sw, rec); err != nil {
				return err
			}
		}
		return sw.queue(sweepWrite{rec: rec, count: k.removed(&sw.tally)})
	}
	day := sweepDay(at)
	if rec.Index[sweepIndex] == day {
		return nil
	}
	rec.Index = maps.Clone(rec.Index)
	if rec.Index == nil {
		rec.Index = map[string]string{}
	}
	rec.Index[sweepIndex] = day
	return sw.queue(sweepWrite{rec: rec, reindex: true, count: &sw.tally.Reindexed})
}

// queueRefreshTokens queues the refresh tokens of a session being swept. The session has
// ended for good (it is due), so its tokens may go first: one left alone for a moment is
// refused all the same.
func (sw *sweeper) queueRefreshTokens(session cooperative.Record) error {
	q := cooperative.Query{Collection: collectionRefreshTokens, Index: "session", Value: session.ID}
	return sw.pages(q, func(rec cooperative.Record) error {
		return sw.queue(sweepWrite{rec: rec, count: &sw.tally.RefreshTokens})
	})
}

// takeLegacyRefreshToken indexes a token from before the session index by its session, or
// removes it when its session is gone.
func (sw *sweeper) takeLegacyRefreshToken(k sweepKind, rec cooperative.Record) error {
	if rec.Index["session"] != "" {
		return nil
	}
	var t refreshToken
	if err := cooperative.Decode(rec, &t); err != nil {
		return err
	}
	_, err := sw.store.Get(sw.ctx, collectionSessions, t.SessionID)
	switch cooperative.ErrorCode(err) {
	case cooperative.ENOTFOUND:
		return sw.queue(sweepWrite{rec: rec, count: k.removed(&sw.tally)})
	case "":
		return sw.queue(sweepWrite{rec: t.record(rec.ID, rec.Version), reindex: true, count: &sw.tally.Reindexed})
	}
	return err
}

// scan hands every record of q to the kind's take, then writes what it queued.
func (sw *sweeper) scan(k sweepKind, q cooperative.Query) error {
	take := k.take
	if take == nil {
		take = (*sweeper).take
	}
	if err := sw.pages(q, func(rec cooperative.Record) error { return take(sw, k, rec) }); err != nil {
		return err
	}
	return sw.flush()
}

// pages reads q a page at a time, each in its own read transaction, and hands the records
// to take outside it (take may write). Pages follow the id cursor, so records removed
// behind it do not shift it.
func (sw *sweeper) pages(q cooperative.Query, take func(cooperative.Record) error) error {
	q.Limit = sw.batch
	for {
		var page cooperative.Page
		if err := sw.store.View(sw.ctx, func(tx cooperative.Tx) (err error) {
			page, err = tx.Find(q)
			return err
		}); err != nil {
			return err
		}
		for _, rec := range page.Records {
			if err := take(rec); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}

// sweepWrite is one queued change: a removal, or a record given its index.
type sweepWrite struct {
	rec     cooperative.Record
	reindex bool
	count   *int // counted once written
}

func (w sweepWrite) apply(tx cooperative.Tx) error {
	if w.reindex {
		_, err := tx.Replace(w.rec)
		return err
	}
	return tx.Delete(w.rec)
}

// queue adds a change, and writes the batch when it is full.
func (sw *sweeper) queue(w sweepWrite) error {
	sw.pending = append(sw.pending, w)
	if len(sw.pending) < sw.batch {
		return nil
	}
	return sw.flush()
}

// flush writes the queued changes in one transaction, each at the version it was read at.
// A record changed meanwhile (ECONFLICT) is skipped and counted; one removed meanwhile
// (ENOTFOUND: used, or swept by another replica) is simply gone.
func (sw *sweeper) flush() error {
	if len(sw.pending) == 0 {
		return nil
	}
	var written []*int
	skipped := 0
	err := sw.run.Update(sw.ctx, func(tx cooperative.Tx, _ time.Time) error {
		written, skipped = written[:0], 0 // the adapter or the runner may run this function again
		for _, w := range sw.pending {
			switch err := w.apply(tx); cooperative.ErrorCode(err) {
			case "":
				written = append(written, w.count)
			case cooperative.ECONFLICT:
				skipped++
			case cooperative.ENOTFOUND:
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, count := range written {
		*count++
	}
	sw.tally.Skipped += skipped
	sw.pending = sw.pending[:0]
	return nil
}

func (sw *sweeper) readState(collection string) (sweepState, error) {
	var st sweepState
	rec, err := sw.store.Get(sw.ctx, collectionSweepState, collection)
	switch cooperative.ErrorCode(err) {
	case cooperative.ENOTFOUND:
		return st, nil
	case "":
		st.version = rec.Version
		return st, cooperative.Decode(rec, &st)
	}
	return st, err
}

// writeState records how far a sweep came. When another replica wrote it first
// (ECONFLICT), its word stands: both read the same records, and the next sweep reads
// again from where it says. The stale write is settled inside the transaction, so the
// runner does not run it again to the same end; a conflict at commit (MongoDB) that
// outlasts the runner's retries is the other replica's word too.
func (sw *sweeper) writeState(collection string, st sweepState) error {
	rec := cooperative.Record{Collection: collectionSweepState, ID: collection, Version: st.version, Data: cooperative.Encode(st)}
	err := sw.run.Update(sw.ctx, func(tx cooperative.Tx, _ time.Time) error {
		if _, err := cooperative.Put(tx, rec); cooperative.ErrorCode(err) != cooperative.ECONFLICT {
			return err
		}
		return nil
	})
	if cooperative.ErrorCode(err) == cooperative.ECONFLICT {
		return nil
	}
	return err
}
