package shares

import (
	"cmp"
	"slices"

	"github.com/kracht-coop/kracht/cooperative/membership"
)

// allocationClaim is one paid subscription that can be allocated, as closing sees it
// (the arithmetic is membership's, which bonds share).
type allocationClaim = membership.AllocationClaim

// allocate divides capShares among claims, in subscription order (sortBySubscription),
// by the offering's method (membership.AllocationMethod.Allocate).
func allocate(method membership.AllocationMethod, capShares int64, claims []allocationClaim) ([]int64, error) {
	return method.Allocate(capShares, claims)
}

// sortBySubscription puts an offering's subscriptions in the order they came in: by
// Order (the offering's count when each subscribed, unique per offering), then by time
// and id, so the order is total even for records written before Order existed.
func sortBySubscription(subs []Subscription) {
	slices.SortStableFunc(subs, func(a, b Subscription) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), a.SubscribedAt.Compare(b.SubscribedAt), cmp.Compare(a.ID, b.ID))
	})
}
