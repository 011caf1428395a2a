package membership

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
)

// MembersOptions configure the Members service. HeldShares is required.
type MembersOptions struct {
	// Now is the clock (tests pin it); time.Now when nil.
	Now func() time.Time
	// Sends bound membership applications; DefaultSendLimits() when zero.
	Sends identity.SendLimits
	// HeldShares is the number of shares a member holds now, read in tx (HeldShares of
	// the share register): a membership that ends by resignation or exclusion must hold
	// none. Given, not called directly, so that membership does not depend on shares.
	HeldShares func(tx cooperative.Tx, cooperativeID, memberID string) (int64, error)
	// Accounts checks a member's second factor and makes the mailed links of a change of
	// payout account (payoutaccount.go); without it such a change is refused.
	Accounts *identity.Accounts
}

// Members keeps a cooperative's statutes and its members: applications, approval,
// corrections and the end of a membership. Every method is one transaction: the change,
// the member's history, the audit entry and the mails commit together or not at all.
type Members struct {
	run  *cooperative.Runner
	opts MembersOptions
}

// NewMembers returns the membership service on store. It panics without
// opts.HeldShares: that is a wiring mistake, found at start-up.
func NewMembers(store cooperative.Store, opts MembersOptions) *Members {
	if opts.HeldShares == nil {
		panic("cooperative: NewMembers needs HeldShares")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Sends = opts.Sends.OrDefault()
	return &Members{run: cooperative.NewRunner(store, opts.Now), opts: opts}
}

func (ms *Members) view(ctx context.Context, fn func(tx cooperative.Tx) error) error {
	return ms.run.View(ctx, fn)
}
