package bonds

import (
	"context"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

// AllocationResult is a closed issue and its subscriptions after allocation.
type AllocationResult struct {
	Issue         Issue          `json:"issue"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// CloseIssue closes the subscriptions and allocates the issue (the board may close
// before the window ends): pending subscriptions lapse; the paid subscriptions of
// members still active share the size by the issue's method
// (membership.AllocationMethod.Allocate: first come, or pro rata by largest remainder,
// each member's lack of the minimum served first), which, since subscribing never goes
// beyond the size, gives each its units unless the rules changed under it; units are
// numbered from 1 in subscription order and enter the register on the issue date (or
// today, when closing after it). Each paid subscription posts Dr bond subscriptions in
// advance / Cr bonds outstanding for its units (one account for all holders: the
// register says whose they are) and Cr refunds payable for the rest, which is owed back through payouts (a payable, reason refund).
// Closing an allocated issue returns its result unchanged.
func (b *Bonds) CloseIssue(ctx context.Context, actor cooperative.Actor, cooperativeID, issueID string) (AllocationResult, error) {
	var res AllocationResult
	err := b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		i, err := getIssue(tx, cooperativeID, issueID)
		if err != nil {
			return err
		}
		subs, err := issueSubscriptions(tx, i.ID)
		if err != nil {
			return err
		}
		res = AllocationResult{Issue: i, Subscriptions: subs}
		if i.Status != IssueOpen {
			return nil
		}
		before := i
		claimants, claims, err := bondClaims(tx, i, subs)
		if err != nil {
			return err
		}
		alloc, err := i.Allocation.Allocate(i.SizeUnits, claims)
		if err != nil {
			return err
		}
		given := make(map[int]int64, len(claimants))
		for k, idx := range claimants {
			given[idx] = alloc[k]
		}
		date := registerDate(i, cooperative.DateOf(now))
		for idx := range subs {
			s := &subs[idx]
			switch s.Status {
			case SubscriptionPaid:
				if err := allocateSubscription(tx, actor, &i, s, given[idx], date, now); err != nil {
					return err
				}
			case SubscriptionPending:
				s.Status = SubscriptionLapsed
				if err := saveSubscription(tx, s); err != nil {
					return err
				}
			}
		}
		i.Status, i.ClosedAt, i.LastRegisterOn = IssueAllocated, now, date
		if now.Before(i.ClosesAt) {
			i.ClosesAt = now
		}
		if err := saveIssue(tx, &i); err != nil {
			return err
		}
		res = AllocationResult{Issue: i, Subscriptions: subs}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "bond_issue.close", "bond_issue", i.ID, before, i, now)
	})
	return res, err
}

// bondClaims returns the paid subscriptions (by index, in subscription order) that can
// be allocated, with what each can be given: only an active member's, bounded by what
// the maximum per member leaves, with what the member lacks of the minimum as floor.
func bondClaims(tx cooperative.Tx, i Issue, subs []Subscription) ([]int, []membership.AllocationClaim, error) {
	var (
		claimants []int
		claims    []membership.AllocationClaim
	)
	room, lacking := map[string]int64{}, map[string]int64{}
	for idx, s := range subs {
		if s.Status != SubscriptionPaid {
			continue
		}
		if _, seen := room[s.MemberID]; !seen {
			m, err := membership.GetMember(tx, i.CooperativeID, s.MemberID)
			if err != nil {
				return nil, nil, err
			}
			if m.Status != membership.MemberActive {
				room[s.MemberID] = 0
				continue
			}
			room[s.MemberID], lacking[s.MemberID] = i.MaxPerMember, i.MinPerMember
		}
		if room[s.MemberID] == 0 {
			continue
		}
		c := membership.AllocationClaim{Want: min(s.Units, room[s.MemberID])}
		c.Floor = min(c.Want, lacking[s.MemberID])
		room[s.MemberID] -= c.Want
		lacking[s.MemberID] -= c.Floor
		claimants, claims = append(claimants, idx), append(claims, c)
	}
	return claimants, claims, nil
}

// allocateSubscription issues n units (the issue's next numbers) for a paid
// subscription, books its money and owes back what bought no units.
func allocateSubscription(tx cooperative.Tx, actor cooperative.Actor, i *Issue, s *Subscription, n int64, date cooperative.Date, now time.Time) error {
	principal, err := cooperative.MulMoney(n, i.Terms.DenominationCents)
	if err != nil {
		return err
	}
	refund := s.AmountCents - principal
	lines := []ledger.Line{{Account: string(ledger.AccountBondSubscriptionsInAdvance), Amount: s.AmountCents}}
	if principal > 0 {
		lines = append(lines, ledger.Line{Account: string(ledger.AccountBondsOutstanding), Amount: -principal})
	}
	if refund > 0 {
		lines = append(lines, ledger.Line{Account: string(ledger.AccountRefundsPayable), Amount: -refund})
	}
	s.Allocated, s.RefundCents, s.Status = n, refund, SubscriptionAllocated
	if n == 0 {
		s.Status = SubscriptionRefunded
	} else {
		r := numbered.Range{First: i.IssuedUnits + 1, Last: i.IssuedUnits + n}
		i.IssuedUnits += n
		h, err := getHolding(tx, i.CooperativeID, i.ID, s.MemberID)
		if err != nil {
			return err
		}
		if err := setUnits(tx, &h, numbered.Add(h.Ranges, []numbered.Range{r}), date, "allocation:"+s.ID); err != nil {
			return err
		}
		s.UnitNumbers, s.IssuedOn = []numbered.Range{r}, date
	}
	if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: i.CooperativeID, Key: "bond-allocation:" + s.ID,
		BookingDate: date, Description: "Allocation of " + strconv.FormatInt(n, 10) + " of " + strconv.FormatInt(s.Units, 10) +
			" units of bond issue " + issueName(*i) + " for subscription " + s.ID,
		Source: ledger.Source{Type: "bond_subscription", ID: s.ID}, Lines: lines}); err != nil {
		return err
	}
	if refund > 0 {
		p, err := payouts.Owe(tx, actor, payouts.Owed{CooperativeID: i.CooperativeID, MemberID: s.MemberID, Reason: payouts.ReasonRefund,
			Account: string(ledger.AccountRefundsPayable), AmountCents: refund, DueOn: cooperative.DateOf(now),
			Text: "Refund bond subscription " + s.ID[:8], SourceType: "bond_subscription_refund", SourceID: s.ID}, now)
		if err != nil {
			return err
		}
		s.RefundPayableID = p.ID
	}
	return saveSubscription(tx, s)
}
