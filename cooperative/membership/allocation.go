package membership

import "github.com/kracht-coop/kracht/cooperative"

// The arithmetic of an allocation method: how a round (of shares, of bond units) that is
// oversubscribed divides what it can issue among the paid claims. It sits beside the
// method, so every capability that allocates divides the same way.

// AllocationClaim is one paid subscription that can be allocated, as closing sees it.
type AllocationClaim struct {
	// Want is what it can be given: its units, bounded by what a maximum per member
	// leaves its member (after the member's earlier claims in the round).
	Want int64
	// Floor is what of Want the member still lacks of a minimum per member: a pro-rata
	// round serves it first, so that scaling down never leaves a subscriber who asked
	// for enough below the minimum required of a holder.
	Floor int64
}

// Allocate divides capacity (≥ 0) among claims, which are in allocation order (the
// order the subscriptions came in). It never gives a claim more than its Want and never
// more than capacity in all, and gives exactly min(capacity, Σ Want).
//
//   - Everything fits: each claim gets its Want.
//   - First come: in order, each takes what it wants of what is left.
//   - Pro rata: each claim first gets its Floor (in order, while capacity lasts), then
//     what is left is split in proportion to Want − Floor, in whole units, by largest
//     remainder (cooperative.SplitLargestRemainder): each gets the floor of its quota,
//     and the units left over go one each to the largest fractional parts, ties to the
//     earlier subscription.
func (m AllocationMethod) Allocate(capacity int64, claims []AllocationClaim) ([]int64, error) {
	alloc := make([]int64, len(claims))
	var demand int64
	for _, c := range claims {
		var err error
		if demand, err = cooperative.AddMoney(demand, c.Want); err != nil {
			return nil, err
		}
	}
	if demand <= capacity {
		for i, c := range claims {
			alloc[i] = c.Want
		}
		return alloc, nil
	}
	left := capacity
	if m == AllocationFirstCome {
		for i, c := range claims {
			alloc[i] = min(c.Want, left)
			left -= alloc[i]
		}
		return alloc, nil
	}
	rest := make([]int64, len(claims))
	for i, c := range claims {
		alloc[i] = min(c.Floor, left)
		left -= alloc[i]
		rest[i] = c.Want - alloc[i]
	}
	if left == 0 {
		return alloc, nil
	}
	// left < Σ rest (demand > capacity), so no share of the split exceeds its weight.
	split, err := cooperative.SplitLargestRemainder(left, rest)
	if err != nil {
		return nil, err
	}
	for i := range alloc {
		alloc[i] += split[i]
	}
	return alloc, nil
}
