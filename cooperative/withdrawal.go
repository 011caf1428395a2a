package cooperative

import (
	"time"
)

// What membership needs, and how a withdrawal of the last shares ends it.

// membershipMinimum is what a class that confers membership asks of a member: its
// minimum per member, and at least one share.
func membershipMinimum(c ShareClass) int64 { return max(1, c.MinPerMember) }

// sharesLeft is what a member holds of each class, less what their open withdrawal
// requests already ask for: what a new request may still take.
func sharesLeft(tx Tx, cooperativeID, memberID string) (map[string]int64, error) {
	left := map[string]int64{}
	holdings, _, err := findAs[Holding](tx, Query{Collection: collectionHoldings, Index: "member", Value: memberID, Limit: MaxPageSize})
	if err != nil {
		return nil, err
	}
	for _, h := range holdings {
		if h.CooperativeID == cooperativeID {
			left[h.Class] += h.Shares
		}
	}
	after := ""
	for {
		list, next, err := findAs[Withdrawal](tx, Query{Collection: collectionWithdrawals, Index: "member", Value: memberID,
			After: after, Limit: MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, w := range list {
			if w.CooperativeID == cooperativeID && w.Status == WithdrawalRequested {
				left[w.Class] -= w.Shares
			}
		}
		if next == "" {
			return left, nil
		}
		after = next
	}
}

// checkMembershipKept decides a withdrawal by what it leaves (left, per class, open
// requests and this one taken off). An active member keeps the membership minimum of a
// class that confers membership, or leaves: ending the membership is said in so many
// words (endMembership), and then nothing may be left, since a former member holds no
// shares (End). endMembership while the membership stays is refused too: it would end
// a membership the statutes still grant.
func checkMembershipKept(st Statutes, left map[string]int64, endMembership bool) error {
	keeps := false
	var rest int64
	for _, c := range st.ShareClasses {
		if c.ConfersMembership && left[c.Code] >= membershipMinimum(c) {
			keeps = true
		}
	}
	for _, n := range left {
		rest += n
	}
	switch {
	case keeps && endMembership:
		return ruleError("membership_minimum", "the member keeps the shares membership needs; endMembership is for a "+
			"withdrawal of every share left")
	case keeps:
		return nil
	case !endMembership:
		return ruleError("membership_minimum", "a member holds at least the minimum of a share class that confers "+
			"membership (statutes version %d); this withdrawal, with the open ones, leaves less: withdraw fewer shares, "+
			"or set endMembership to resign, which takes every share left", st.Version)
	case rest > 0:
		return ruleError("no_shares_left", "ending the membership takes every share: %d shares would be left; "+
			"request their withdrawal first, or have them transferred", rest)
	}
	return nil
}

// resignByWithdrawal ends the membership of w's member on the day w is approved, when
// nothing is left: the resignation w asked for. A member who is no longer active (died
// since, shares passing to the heirs) keeps that status.
func resignByWithdrawal(tx Tx, actor Actor, w Withdrawal, today Date, now time.Time) error {
	m, err := getMember(tx, w.CooperativeID, w.MemberID)
	if err != nil {
		return err
	}
	if m.Status != MemberActive {
		return nil
	}
	held, err := memberShares(tx, w.CooperativeID, m.ID)
	if err != nil {
		return err
	}
	if held > 0 {
		return ruleError("no_shares_left", "the withdrawal ends the membership, but the member still holds %d shares: "+
			"approve their other withdrawals first, or have them transferred", held)
	}
	before := m
	m.Status, m.CeasedOn, m.Reason = MemberResigned, today, "resigned by withdrawing every share (withdrawal "+w.ID+")"
	if m, err = saveMember(tx, m, string(MemberResigned), actor, now, false); err != nil {
		return err
	}
	return appendAudit(tx, actor, w.CooperativeID, "member."+string(MemberResigned), "member", m.ID, before, m, now)
}
