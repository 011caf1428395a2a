package distribution

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// Options configure the Distributions service.
type Options struct {
	// Now is the clock (tests pin it); time.Now when nil.
	Now func() time.Time
}

// Distributions keeps a cooperative's distribution settings, each year's appropriation
// with the general meeting's decision, and the members' elections; the dry run and the
// execution read them. Every method is one transaction: the change and its audit entry
// commit together or not at all. Members, statutes and the share register are other
// services'; this one reads them.
type Distributions struct {
	run *cooperative.Runner
}

// New returns the distribution service on store.
func New(store cooperative.Store, opts Options) *Distributions {
	return &Distributions{run: cooperative.NewRunner(store, opts.Now)}
}

func (d *Distributions) view(ctx context.Context, fn func(tx cooperative.Tx) error) error {
	return d.run.View(ctx, fn)
}

// Limits of the amounts the board enters: far above any cooperative's, and low enough
// that rate × nominal × days cannot overflow an int64 in the calculation.
const MaxAmountCents = 1_000_000_000_000 // ten billion euros

// regCheckAmount refuses a negative amount or one over MaxAmountCents.
func regCheckAmount(field string, v int64) error {
	if v < 0 || v > MaxAmountCents {
		return cooperative.Errorf(cooperative.EINVALID, "%s must be 0 to %d cents, not %d", field, int64(MaxAmountCents), v)
	}
	return nil
}
