package fund

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// Options configure the Fund service.
type Options struct {
	// Now is the clock (tests pin it); time.Now when nil.
	Now func() time.Time
}

// Fund keeps a cooperative's community fund: its rounds, proposals and ballots, its
// grants and donations, and what the public page shows. Every method is one transaction.
type Fund struct {
	run *cooperative.Runner
}

// New returns the fund service on store.
func New(store cooperative.Store, opts Options) *Fund {
	return &Fund{run: cooperative.NewRunner(store, opts.Now)}
}

func (f *Fund) view(ctx context.Context, fn func(tx cooperative.Tx) error) error {
	return f.run.View(ctx, fn)
}
