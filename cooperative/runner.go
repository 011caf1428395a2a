package cooperative

import (
	"context"
	"time"
)

// Runner runs the domain's transactions. It is the one way to write: every service holds
// one, and every read-write transaction goes through Update, so a version conflict is
// retried by one policy and every transaction reads the time from one injected clock.
type Runner struct {
	store Store
	now   func() time.Time
}

// NewRunner returns the runner on store with the clock now; time.Now when nil.
func NewRunner(store Store, now func() time.Time) *Runner {
	if now == nil {
		now = time.Now
	}
	return &Runner{store: store, now: now}
}

// runAt is the runner of a function whose caller fixed the time (a function that takes a
// Store and a now): every attempt sees that time.
func RunAt(store Store, now time.Time) *Runner {
	return &Runner{store: store, now: func() time.Time { return now }}
}

// maxConflictRetries bounds how often a transaction that lost an optimistic-version race
// (two subscribers updating one offering counter at once) is run. The embedded store
// serialises writers, so it never gets here; MongoDB may. A conflict of the business (an
// idempotency key reused for other data) is run again too and fails the same way: it
// reads the same records.
const maxConflictRetries = 8

// Update runs fn in a read-write transaction with the time of the clock, again (with the
// clock read again) while it fails with ECONFLICT, at most maxConflictRetries times; then
// it returns the last error. fn may run more than once: it must set what it hands out of
// the transaction afresh on each run.
func (r *Runner) Update(ctx context.Context, fn func(tx Tx, now time.Time) error) error {
	var err error
	for range maxConflictRetries {
		now := r.Now()
		err = r.store.Update(ctx, func(tx Tx) error { return fn(tx, now) })
		if ErrorCode(err) != ECONFLICT {
			return err
		}
	}
	return err
}

// View runs fn in a read-only transaction.
func (r *Runner) View(ctx context.Context, fn func(tx Tx) error) error {
	return r.store.View(ctx, fn)
}

// Now is the clock's time in UTC.
func (r *Runner) Now() time.Time { return r.now().UTC() }

// Store is the store the runner writes to, for single reads and lists.
func (r *Runner) Store() Store { return r.store }
