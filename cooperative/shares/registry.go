package shares

import (
	"context"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// RegistryOptions configure the Registry.
type RegistryOptions struct {
	// Now is the clock (tests pin it); time.Now when nil.
	Now func() time.Time
	// LinkBaseURL is the public URL of the web app (https://kracht.example.org): mails
	// link to the member's page under it. Without it, mails carry no link.
	LinkBaseURL string
}

// Registry keeps a cooperative's offerings, share register and the ledger entries they
// cause; statutes and members are the Members service's. Every method is one
// transaction: the business change, its register events, its ledger entry, its audit
// entry and its mails commit together or not at all.
type Registry struct {
	run      *cooperative.Runner
	linkBase string
}

// NewRegistry returns the registry service on store.
func NewRegistry(store cooperative.Store, opts RegistryOptions) *Registry {
	return &Registry{run: cooperative.NewRunner(store, opts.Now), linkBase: strings.TrimRight(opts.LinkBaseURL, "/")}
}

func (r *Registry) view(ctx context.Context, fn func(tx cooperative.Tx) error) error {
	return r.run.View(ctx, fn)
}
