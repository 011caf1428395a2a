package cooperative

import (
	"context"
	"time"
)

// RegistryOptions configure the Registry.
type RegistryOptions struct {
	// Now is the clock (tests pin it); time.Now when nil.
	Now func() time.Time
	// Sends bound membership applications; DefaultSendLimits() when zero.
	Sends SendLimits
}

// Registry keeps a cooperative's statutes, members, offerings, share register and the
// ledger entries they cause. Every method is one transaction: the business change, its
// register events, its ledger entry, its audit entry and its mails commit together or
// not at all.
type Registry struct {
	run  *Runner
	opts RegistryOptions
}

// NewRegistry returns the registry service on store.
func NewRegistry(store Store, opts RegistryOptions) *Registry {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Sends = opts.Sends.orDefault()
	return &Registry{run: NewRunner(store, opts.Now), opts: opts}
}

func (r *Registry) view(ctx context.Context, fn func(tx Tx) error) error {
	return r.run.View(ctx, fn)
}
