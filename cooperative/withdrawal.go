package cooperative

import (
	"context"
	"strconv"
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
	if m, err = saveMember(tx, m, string(MemberResigned), actor, now); err != nil {
		return err
	}
	return appendAudit(tx, actor, w.CooperativeID, "member."+string(MemberResigned), "member", m.ID, before, m, now)
}

// withdrawalClaim is one record per member that every withdrawal request of theirs
// rewrites: the point where concurrent requests of one member collide (ECONFLICT, and
// the registry retries), so "held minus open requests" is never counted twice.
type withdrawalClaim struct {
	Requests int64 `json:"requests"`
}

const collectionWithdrawalClaims = "withdrawal_claims"

func claimWithdrawal(tx Tx, memberID string) error {
	c, rec, err := getAs[withdrawalClaim](tx, collectionWithdrawalClaims, memberID)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return err
	}
	c.Requests++
	_, err = put(tx, Record{Collection: collectionWithdrawalClaims, ID: memberID, Version: rec.Version, Data: encode(c)})
	return err
}

// mailBoardOfWithdrawal tells every board member of the cooperative of a new
// withdrawal request, in their own language: the board decides it, and the statutes'
// notice period runs from today.
func mailBoardOfWithdrawal(tx Tx, m Member, class ShareClass, w Withdrawal, now time.Time) error {
	c, err := getCooperativeTx(tx, w.CooperativeID)
	if err != nil {
		return err
	}
	ids, err := boardMemberIDs(tx, w.CooperativeID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		u, err := getUser(tx, id)
		if err != nil {
			return err
		}
		lang, err := NotificationLanguage(u.Language)
		if err != nil {
			lang = LanguageEnglish
		}
		data := map[string]string{"cooperative": c.Name, "member": m.Name, "member_number": strconv.FormatInt(m.Number, 10),
			"class": class.Name, "shares": strconv.FormatInt(w.Shares, 10), "amount": FormatEuro(w.AmountCents, lang),
			"earliest": string(w.EarliestOn)}
		if w.EndsMembership {
			data["ends_membership"] = "yes"
		}
		if err := Enqueue(tx, Notification{DedupeKey: "withdrawal_requested:" + w.ID + ":" + u.ID,
			Event: EventWithdrawalRequested, CooperativeID: c.ID, To: u.Email, Language: lang, Data: data,
			CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// ListWithdrawals returns a page of a cooperative's withdrawal requests in the order
// they were made, for the board and the accountant: status "" lists all, memberID ""
// every member's. A page may be short and still have a next cursor: a filter reads a
// bounded number of records per page (see findWhere).
func (r *Registry) ListWithdrawals(ctx context.Context, cooperativeID string, status WithdrawalStatus, memberID, after string, limit int) ([]Withdrawal, string, error) {
	if err := checkCursor(after); err != nil {
		return nil, "", err
	}
	switch status {
	case "", WithdrawalRequested, WithdrawalApproved, WithdrawalRejected:
	default:
		return nil, "", Errorf(EINVALID, "status must be requested, approved or rejected")
	}
	q := Query{Collection: collectionWithdrawals, Index: "cooperative", Value: cooperativeID, After: after}
	if memberID != "" {
		if !ValidID(memberID) {
			return nil, "", Errorf(EINVALID, "%q is not a member id", memberID)
		}
		q.Index, q.Value = "member", memberID
	}
	var (
		list []Withdrawal
		next string
	)
	err := r.view(ctx, func(tx Tx) (err error) {
		list, next, err = findWhere(tx, q, limit, func(w Withdrawal) bool {
			return w.CooperativeID == cooperativeID && (status == "" || w.Status == status)
		})
		return err
	})
	return list, next, err
}
