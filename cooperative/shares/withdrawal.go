package shares

import (
	"context"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// What membership needs, and how a withdrawal of the last shares ends it.

// membershipMinimum is what a class that confers membership asks of a member: its
// minimum per member, and at least one share.
func membershipMinimum(c membership.ShareClass) int64 { return max(1, c.MinPerMember) }

// sharesLeft is what a member holds of each class, less what their open withdrawal
// requests already ask for: what a new request may still take.
func sharesLeft(tx cooperative.Tx, cooperativeID, memberID string) (map[string]int64, error) {
	left := map[string]int64{}
	holdings, _, err := cooperative.FindAs[Holding](tx, cooperative.Query{Collection: collectionHoldings, Index: "member", Value: memberID, Limit: cooperative.MaxPageSize})
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
		list, next, err := cooperative.FindAs[Withdrawal](tx, cooperative.Query{Collection: collectionWithdrawals, Index: "member", Value: memberID,
			After: after, Limit: cooperative.MaxPageSize})
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
func checkMembershipKept(st membership.Statutes, left map[string]int64, endMembership bool) error {
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
		return cooperative.RuleError("membership_minimum", "the member keeps the shares membership needs; endMembership is for a "+
			"withdrawal of every share left")
	case keeps:
		return nil
	case !endMembership:
		return cooperative.RuleError("membership_minimum", "a member holds at least the minimum of a share class that confers "+
			"membership (statutes version %d); this withdrawal, with the open ones, leaves less: withdraw fewer shares, "+
			"or set endMembership to resign, which takes every share left", st.Version)
	case rest > 0:
		return cooperative.RuleError("no_shares_left", "ending the membership takes every share: %d shares would be left; "+
			"request their withdrawal first, or have them transferred", rest)
	}
	return nil
}

// resignByWithdrawal ends the membership of w's member on the day w is approved, when
// nothing is left: the resignation w asked for. A member who is no longer active (died
// since, shares passing to the heirs) keeps that status.
func resignByWithdrawal(tx cooperative.Tx, actor cooperative.Actor, w Withdrawal, today cooperative.Date, now time.Time) error {
	m, err := membership.GetMember(tx, w.CooperativeID, w.MemberID)
	if err != nil {
		return err
	}
	if m.Status != membership.MemberActive {
		return nil
	}
	held, err := memberShares(tx, w.CooperativeID, m.ID)
	if err != nil {
		return err
	}
	if held > 0 {
		return cooperative.RuleError("no_shares_left", "the withdrawal ends the membership, but the member still holds %d shares: "+
			"approve their other withdrawals first, or have them transferred", held)
	}
	before := m
	m.Status, m.CeasedOn, m.Reason = membership.MemberResigned, today, "resigned by withdrawing every share (withdrawal "+w.ID+")"
	if m, err = membership.SaveMember(tx, m, string(membership.MemberResigned), actor, now); err != nil {
		return err
	}
	return cooperative.AppendAudit(tx, actor, w.CooperativeID, "member."+string(membership.MemberResigned), "member", m.ID, before, m, now)
}

// withdrawalClaim is one record per member that every withdrawal request of theirs
// rewrites: the point where concurrent requests of one member collide (ECONFLICT, and
// the registry retries), so "held minus open requests" is never counted twice.
type withdrawalClaim struct {
	Requests int64 `json:"requests"`
}

const collectionWithdrawalClaims = "withdrawal_claims"

func claimWithdrawal(tx cooperative.Tx, memberID string) error {
	c, rec, err := cooperative.GetAs[withdrawalClaim](tx, collectionWithdrawalClaims, memberID)
	if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		return err
	}
	c.Requests++
	_, err = cooperative.Put(tx, cooperative.Record{Collection: collectionWithdrawalClaims, ID: memberID, Version: rec.Version, Data: cooperative.Encode(c)})
	return err
}

// mailBoardOfWithdrawal tells every board member of the cooperative of a new
// withdrawal request, in their own language: the board decides it, and the statutes'
// notice period runs from today.
func mailBoardOfWithdrawal(tx cooperative.Tx, m membership.Member, class membership.ShareClass, w Withdrawal, now time.Time) error {
	c, err := cooperative.GetCooperativeTx(tx, w.CooperativeID)
	if err != nil {
		return err
	}
	return identity.EachBoardMember(tx, w.CooperativeID, func(u identity.User, lang string) error {
		data := map[string]string{"cooperative": c.Name, "member": m.Name, "member_number": strconv.FormatInt(m.Number, 10),
			"class": class.Name, "shares": strconv.FormatInt(w.Shares, 10), "amount": cooperative.FormatEuro(w.AmountCents, lang),
			"earliest": string(w.EarliestOn)}
		if w.EndsMembership {
			data["ends_membership"] = "yes"
		}
		return notify.Enqueue(tx, notify.Notification{DedupeKey: "withdrawal_requested:" + w.ID + ":" + u.ID,
			Event: notify.EventWithdrawalRequested, CooperativeID: c.ID, To: u.Email, Language: lang, Data: data,
			CreatedAt: now})
	})
}

// ListWithdrawals returns a page of a cooperative's withdrawal requests in the order
// they were made, for the board and the accountant: status "" lists all, memberID ""
// every member's. A page may be short and still have a next cursor: a filter reads a
// bounded number of records per page (see findWhere).
func (r *Registry) ListWithdrawals(ctx context.Context, cooperativeID string, status WithdrawalStatus, memberID, after string, limit int) ([]Withdrawal, string, error) {
	if err := cooperative.CheckCursor(after); err != nil {
		return nil, "", err
	}
	switch status {
	case "", WithdrawalRequested, WithdrawalApproved, WithdrawalRejected:
	default:
		return nil, "", cooperative.Errorf(cooperative.EINVALID, "status must be requested, approved or rejected")
	}
	q := cooperative.Query{Collection: collectionWithdrawals, Index: "cooperative", Value: cooperativeID, After: after}
	if memberID != "" {
		if !cooperative.ValidID(memberID) {
			return nil, "", cooperative.Errorf(cooperative.EINVALID, "%q is not a member id", memberID)
		}
		q.Index, q.Value = "member", memberID
	}
	var (
		list []Withdrawal
		next string
	)
	err := r.view(ctx, func(tx cooperative.Tx) (err error) {
		list, next, err = cooperative.FindWhere(tx, q, limit, func(w Withdrawal) bool {
			return w.CooperativeID == cooperativeID && (status == "" || w.Status == status)
		})
		return err
	})
	return list, next, err
}
