package handlers

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// holders admits one member per name with the shares given, issued by one offering
// closed at once (paid by bank transfer, recorded by the accountant).
func (sc *scenario) holders(t *testing.T, shares map[string]int64) map[string]memberSession {
	t.Helper()
	o := sc.open(t, 5000, 1000, 20, 14*24*time.Hour)
	out := map[string]memberSession{}
	today := string(cooperative.DateOf(sc.as.clock.Now()))
	for name, n := range shares {
		s, m := sc.member(t, name+"@example.org", name)
		r := sc.as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/subscriptions", s.tokens.AccessToken,
			map[string]any{"memberId": m.ID, "shares": n})
		wantStatus(t, r, 201)
		sub := decodeBody[cooperative.Subscription](t, r)
		wantStatus(t, sc.as.call(t, "POST", sc.coop+"/subscriptions/"+sub.ID+"/payment", sc.accountant(),
			map[string]string{"bankReference": "BANK-" + name, "paidOn": today}), 200)
		out[name] = memberSession{session: s, member: m, subscription: sub.ID}
	}
	wantStatus(t, sc.as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/close", sc.board(), nil), 200)
	return out
}

type memberSession struct {
	*session
	member       cooperative.Member
	subscription string
}

func (m memberSession) token() string { return m.tokens.AccessToken }

// TestWithdrawingTheLastShareEndsMembership: a withdrawal that leaves an active member
// below the statutes' membership minimum (class A: at least 1) is refused naming the
// rule, unless the member resigns with it (endMembership); approving that one ends the
// membership on the day of approval, visible in the member's record and history.
func TestWithdrawingTheLastShareEndsMembership(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	ann := sc.holders(t, map[string]int64{"ann": 3})["ann"]
	path := sc.coop + "/members/" + ann.member.ID + "/withdrawals"

	// All three shares without saying so: refused, the rule named.
	wantRule(t, as.call(t, "POST", path, ann.token(), map[string]any{"class": "A", "shares": 3}), "membership_minimum")
	// Resigning while keeping shares is refused too.
	wantRule(t, as.call(t, "POST", path, ann.token(), map[string]any{"class": "A", "shares": 1, "endMembership": true}),
		"membership_minimum")
	// Two of three keeps the membership.
	r := as.call(t, "POST", path, ann.token(), map[string]any{"class": "A", "shares": 2})
	wantStatus(t, r, 201)
	first := decodeBody[cooperative.Withdrawal](t, r)
	// The last one, with two asked for already: only as a resignation.
	wantRule(t, as.call(t, "POST", path, ann.token(), map[string]any{"class": "A", "shares": 1}), "membership_minimum")
	r = as.call(t, "POST", path, ann.token(), map[string]any{"class": "A", "shares": 1, "endMembership": true})
	wantStatus(t, r, 201)
	last := decodeBody[cooperative.Withdrawal](t, r)
	if !last.EndsMembership {
		t.Fatalf("the resignation does not say so: %+v", last)
	}

	as.clock.advance(31 * 24 * time.Hour)
	board := as.signInMFA(t, sc.chair).tokens.AccessToken
	// Approving the resignation while the other request still holds shares is refused.
	wantRule(t, as.call(t, "POST", sc.coop+"/withdrawals/"+last.ID+"/decision", board, map[string]any{"approve": true}),
		"no_shares_left")
	wantStatus(t, as.call(t, "POST", sc.coop+"/withdrawals/"+first.ID+"/decision", board, map[string]any{"approve": true}), 200)
	m := decodeBody[cooperative.Member](t, as.call(t, "GET", sc.coop+"/members/"+ann.member.ID, board, nil))
	if m.Status != cooperative.MemberActive {
		t.Fatalf("a member with one share left is %s", m.Status)
	}
	wantStatus(t, as.call(t, "POST", sc.coop+"/withdrawals/"+last.ID+"/decision", board, map[string]any{"approve": true}), 200)

	today := cooperative.DateOf(as.clock.Now())
	annToken := as.signIn(t, "ann@example.org").tokens.AccessToken
	m = decodeBody[cooperative.Member](t, as.call(t, "GET", sc.coop+"/members/"+ann.member.ID, annToken, nil))
	if m.Status != cooperative.MemberResigned || m.CeasedOn != today {
		t.Fatalf("after withdrawing every share the member is %s (ceased on %q), want resigned on %s", m.Status, m.CeasedOn, today)
	}
	hist := decodeBody[struct {
		Items []cooperative.MemberChange `json:"items"`
	}](t, as.call(t, "GET", sc.coop+"/members/"+ann.member.ID+"/history", board, nil))
	if n := len(hist.Items); n == 0 || hist.Items[n-1].Change != "resigned" {
		t.Fatalf("history %+v", hist.Items)
	}
	held := decodeBody[holdingList](t, as.call(t, "GET", sc.coop+"/members/"+ann.member.ID+"/holdings", board, nil))
	for _, h := range held.Items {
		if h.Shares != 0 {
			t.Fatalf("a former member holds %+v", h)
		}
	}
	// A former member withdraws nothing more.
	wantRule(t, as.call(t, "POST", path, annToken, map[string]any{"class": "A", "shares": 1}), "member_active")
}
