package bonds

import (
	"context"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// Options configure the Bonds service.
type Options struct {
	// Now is the clock (tests pin it); time.Now when nil.
	Now func() time.Time
}

// Bonds keeps a cooperative's bond issues, their subscriptions, the bond register
// (who held which units from when to when), transfers and early redemptions, with the
// ledger entries they cause. Every method is one transaction: the change, its register
// periods, its ledger entry, its payables and its audit entry commit together or not at
// all. Members and statutes are the Members service's.
type Bonds struct {
	run *cooperative.Runner
}

// New returns the bonds service on store.
func New(store cooperative.Store, opts Options) *Bonds {
	return &Bonds{run: cooperative.NewRunner(store, opts.Now)}
}

func (b *Bonds) view(ctx context.Context, fn func(tx cooperative.Tx) error) error {
	return b.run.View(ctx, fn)
}

// bondsReadAll reads every record of q, page by page, in id order.
func bondsReadAll[T any](tx cooperative.Tx, q cooperative.Query, fn func(T, cooperative.Record) error) error {
	q.Limit = cooperative.MaxPageSize
	for {
		page, err := tx.Find(q)
		if err != nil {
			return err
		}
		for _, rec := range page.Records {
			var v T
			if err := cooperative.Decode(rec, &v); err != nil {
				return err
			}
			if err := fn(v, rec); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}

// bondsOptionalText is membership.CheckText for a field that may be left out.
func bondsOptionalText(field, s string, max int) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	return membership.CheckText(field, s, max)
}
