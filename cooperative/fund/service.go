package fund

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// Options configure the Fund service.
type Options struct {
	// Now is the clock (tests pin it); time.Now when nil.
	Now func() time.Time
	// BallotKey (at least 32 bytes, secret, the same on every replica and for the life
	// of a vote) keys the ballots' record ids (ballots.go); without it ballots are refused.
	BallotKey []byte
}

// Fund keeps a cooperative's community fund: its rounds, proposals and ballots, its
// grants and donations, and what the public page shows. Every method is one transaction.
type Fund struct {
	run       *cooperative.Runner
	ballotKey []byte
	// writes counts this service's committed writes; pages caches the public page (public.go).
	writes atomic.Int64
	pages  publicCache
}

// New returns the fund service on store.
func New(store cooperative.Store, opts Options) *Fund {
	f := &Fund{run: cooperative.NewRunner(store, opts.Now)}
	if len(opts.BallotKey) >= voteMinKeyBytes {
		f.ballotKey = slices.Clone(opts.BallotKey)
	}
	return f
}

func (f *Fund) view(ctx context.Context, fn func(tx cooperative.Tx) error) error {
	return f.run.View(ctx, fn)
}

// update is the runner's Update, counting the writes that committed so the cached public
// page is computed again after them.
func (f *Fund) update(ctx context.Context, fn func(tx cooperative.Tx, now time.Time) error) error {
	// The literal (not fn itself) is how TestNoTransactionBesideTheRunner sees that the
	// transaction goes through the runner.
	err := f.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error { return fn(tx, now) })
	if err == nil {
		f.writes.Add(1)
	}
	return err
}
