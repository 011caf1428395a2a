package shares

import (
	"cmp"
	"slices"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// allocationClaim is one paid subscription that can be allocated, as closing sees it.
type allocationClaim struct {
	// want is what it can be given: its shares, bounded by what the statutes' maximum
	// per member leaves its member (after the member's earlier claims in the round).
	want int64
	// floor is what of want the member still lacks of the class minimum: a pro-rata
	// round serves it first, so that scaling down never leaves a subscriber who asked
	// for enough below the minimum the statutes require of a holder.
	floor int64
}

// allocate divides capShares (≥ 0) among claims, which are in allocation order
// (subscription order: sortBySubscription). It never gives a claim more than its want
// and never more than capShares in all, and gives exactly min(capShares, Σ want).
//
//   - Everything fits: each claim gets its want.
//   - First come: in order, each takes what it wants of what is left.
//   - Pro rata: each claim first gets its floor (in order, while the cap lasts), then
//     what is left is split in proportion to want − floor, in whole shares, by largest
//     remainder (SplitLargestRemainder): each gets the floor of its quota, and the
//     shares left over go one each to the largest fractional parts, ties to the earlier
//     subscription.
func allocate(method membership.AllocationMethod, capShares int64, claims []allocationClaim) ([]int64, error) {
	alloc := make([]int64, len(claims))
	var demand int64
	for _, c := range claims {
		var err error
		if demand, err = cooperative.AddMoney(demand, c.want); err != nil {
			return nil, err
		}
	}
	if demand <= capShares {
		for i, c := range claims {
			alloc[i] = c.want
		}
		return alloc, nil
	}
	left := capShares
	if method == membership.AllocationFirstCome {
		for i, c := range claims {
			alloc[i] = min(c.want, left)
			left -= alloc[i]
		}
		return alloc, nil
	}
	rest := make([]int64, len(claims))
	for i, c := range claims {
		alloc[i] = min(c.floor, left)
		left -= alloc[i]
		rest[i] = c.want - alloc[i]
	}
	if left == 0 {
		return alloc, nil
	}
	// left < Σ rest (demand > capShares), so no share of the split exceeds its weight.
	split, err := cooperative.SplitLargestRemainder(left, rest)
	if err != nil {
		return nil, err
	}
	for i := range alloc {
		alloc[i] += split[i]
	}
	return alloc, nil
}

// sortBySubscription puts an offering's subscriptions in the order they came in: by
// Order (the offering's count when each subscribed, unique per offering), then by time
// and id, so the order is total even for records written before Order existed.
func sortBySubscription(subs []Subscription) {
	slices.SortStableFunc(subs, func(a, b Subscription) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), a.SubscribedAt.Compare(b.SubscribedAt), cmp.Compare(a.ID, b.ID))
	})
}
