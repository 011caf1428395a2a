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

// View runs fn in a read-only transaction: the shared one of ctx when ShareView made
// ctx on the runner's store, else one of its own.
func (r *Runner) View(ctx context.Context, fn func(tx Tx) error) error {
	if v, ok := ctx.Value(sharedViewKey{}).(sharedView); ok && v.store == r.store {
		return fn(v.tx)
	}
	return r.store.View(ctx, fn)
}

// SharedTx is the read transaction ShareView shares in ctx, if any: a store's own View
// and single reads use it too (the embedded store does), so that a read made directly on
// the store inside a shared view neither opens another transaction nor waits for a
// second connection from a pool the shared views may have taken.
func SharedTx(ctx context.Context) (Tx, bool) {
	v, ok := ctx.Value(sharedViewKey{}).(sharedView)
	return v.tx, ok
}

type sharedViewKey struct{}

type sharedView struct {
	store Store
	tx    Tx
}

// ShareView runs fn with a context in which every read of the domain's services on
// store (Runner.View) happens in one read-only transaction: a page that asks a dozen
// services for a dozen small things then reads one snapshot, and opens one transaction
// instead of a dozen (on the embedded store each costs a lock on the WAL index, most
// of a small read's time). Writes (Runner.Update) are not affected: they run in their
// own transactions, and reads of the shared view do not see them.
func ShareView(ctx context.Context, store Store, fn func(ctx context.Context) error) error {
	return store.View(ctx, func(tx Tx) error {
		return fn(context.WithValue(ctx, sharedViewKey{}, sharedView{store: store, tx: tx}))
	})
}

// Now is the clock's time in UTC.
func (r *Runner) Now() time.Time { return r.now().UTC() }

// Store is the store the runner writes to, for single reads and lists.
func (r *Runner) Store() Store { return r.store }
