package handlers

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// holders admits one member per name with the shares given, issued by one offering
// closed at once (paid by bank transfer, recorded by the accountant).
func (sc *scenario) holders(t *testing.T, held map[string]int64) map[string]memberSession {
	t.Helper()
	o := sc.open(t, 5000, 1000, 20, 14*24*time.Hour)
	out := map[string]memberSession{}
	today := string(cooperative.DateOf(sc.as.clock.Now()))
	for name, n := range held {
		s, m := sc.member(t, name+"@example.org", name)
		r := sc.as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/subscriptions", s.tokens.AccessToken,
			map[string]any{"memberId": m.ID, "shares": n})
		wantStatus(t, r, 201)
		sub := decodeBody[shares.Subscription](t, r)
		wantStatus(t, sc.as.call(t, "POST", sc.coop+"/subscriptions/"+sub.ID+"/payment", sc.accountant(),
			map[string]string{"bankReference": "BANK-" + name, "paidOn": today}), 200)
		out[name] = memberSession{session: s, member: m, subscription: sub.ID}
	}
	wantStatus(t, sc.as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/close", sc.board(), nil), 200)
	return out
}

type memberSession struct {
	*session
	member       membership.Member
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
	first := decodeBody[shares.Withdrawal](t, r)
	// The last one, with two asked for already: only as a resignation.
	wantRule(t, as.call(t, "POST", path, ann.token(), map[string]any{"class": "A", "shares": 1}), "membership_minimum")
	r = as.call(t, "POST", path, ann.token(), map[string]any{"class": "A", "shares": 1, "endMembership": true})
	wantStatus(t, r, 201)
	last := decodeBody[shares.Withdrawal](t, r)
	if !last.EndsMembership {
		t.Fatalf("the resignation does not say so: %+v", last)
	}

	as.clock.advance(31 * 24 * time.Hour)
	board := as.signInMFA(t, sc.chair).tokens.AccessToken
	// Approving the resignation while the other request still holds shares is refused.
	wantRule(t, as.call(t, "POST", sc.coop+"/withdrawals/"+last.ID+"/decision", board, map[string]any{"approve": true}),
		"no_shares_left")
	wantStatus(t, as.call(t, "POST", sc.coop+"/withdrawals/"+first.ID+"/decision", board, map[string]any{"approve": true}), 200)
	m := decodeBody[membership.Member](t, as.call(t, "GET", sc.coop+"/members/"+ann.member.ID, board, nil))
	if m.Status != membership.MemberActive {
		t.Fatalf("a member with one share left is %s", m.Status)
	}
	wantStatus(t, as.call(t, "POST", sc.coop+"/withdrawals/"+last.ID+"/decision", board, map[string]any{"approve": true}), 200)

	today := cooperative.DateOf(as.clock.Now())
	annToken := as.signIn(t, "ann@example.org").tokens.AccessToken
	m = decodeBody[membership.Member](t, as.call(t, "GET", sc.coop+"/members/"+ann.member.ID, annToken, nil))
	if m.Status != membership.MemberResigned || m.CeasedOn != today {
		t.Fatalf("after withdrawing every share the member is %s (ceased on %q), want resigned on %s", m.Status, m.CeasedOn, today)
	}
	hist := decodeBody[struct {
		Items []membership.MemberChange `json:"items"`
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

// TestWithdrawalRequestsForTheBoard: a request for more than is held less what open
// requests ask for is refused, also when many come at once; the board and the
// accountant list the requests by status, a page at a time; every board member is
// mailed of a new one.
func TestWithdrawalRequestsForTheBoard(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	people := sc.holders(t, map[string]int64{"ann": 4, "bert": 4})
	ann, bert := people["ann"], people["bert"]

	// Ann asks for all four (resigning), then for one more: nothing is left to ask for.
	r := as.call(t, "POST", sc.coop+"/members/"+ann.member.ID+"/withdrawals", ann.token(),
		map[string]any{"class": "A", "shares": 4, "endMembership": true})
	wantStatus(t, r, 201)
	annW := decodeBody[shares.Withdrawal](t, r)
	wantRule(t, as.call(t, "POST", sc.coop+"/members/"+ann.member.ID+"/withdrawals", ann.token(),
		map[string]any{"class": "A", "shares": 1, "endMembership": true}), "shares_held")

	// Bert's eight requests for three of his four at once: one is recorded.
	const n = 8
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := as.call(t, "POST", sc.coop+"/members/"+bert.member.ID+"/withdrawals", bert.token(),
				map[string]any{"class": "A", "shares": 3})
			if r.status != 201 && (r.status != 422 || !strings.HasPrefix(r.problem.Detail, "rule shares_held: ")) {
				t.Errorf("parallel request: %d %s", r.status, r.body)
			}
			statuses <- r.status
		}()
	}
	wg.Wait()
	close(statuses)
	created := 0
	for s := range statuses {
		if s == 201 {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("%d of %d parallel requests for 3 of 4 shares were recorded, want 1", created, n)
	}

	// The list: open requests, oldest first, a page at a time; for the accountant too.
	open := decodeBody[withdrawalList](t, as.call(t, "GET", sc.coop+"/withdrawals?status=requested", sc.accountant(), nil))
	if len(open.Items) != 2 || open.Items[0].ID != annW.ID || open.Items[1].MemberID != bert.member.ID || open.NextCursor != "" {
		t.Fatalf("open requests %+v", open)
	}
	first := decodeBody[withdrawalList](t, as.call(t, "GET", sc.coop+"/withdrawals?limit=1", sc.board(), nil))
	if len(first.Items) != 1 || first.Items[0].ID != annW.ID || first.NextCursor == "" {
		t.Fatalf("first page %+v", first)
	}
	second := decodeBody[withdrawalList](t, as.call(t, "GET", sc.coop+"/withdrawals?limit=1&cursor="+first.NextCursor, sc.board(), nil))
	if len(second.Items) != 1 || second.Items[0].MemberID != bert.member.ID || second.NextCursor != "" {
		t.Fatalf("second page %+v", second)
	}
	mine := decodeBody[withdrawalList](t, as.call(t, "GET", sc.coop+"/withdrawals?memberId="+ann.member.ID, sc.board(), nil))
	if len(mine.Items) != 1 || mine.Items[0].ID != annW.ID {
		t.Fatalf("Ann's requests %+v", mine)
	}
	wantStatus(t, as.call(t, "POST", sc.coop+"/withdrawals/"+second.Items[0].ID+"/decision", sc.board(),
		map[string]any{"approve": false, "reason": "Capital is needed this year."}), 200)
	rejected := decodeBody[withdrawalList](t, as.call(t, "GET", sc.coop+"/withdrawals?status=rejected", sc.board(), nil))
	if len(rejected.Items) != 1 || rejected.Items[0].MemberID != bert.member.ID {
		t.Fatalf("rejected %+v", rejected)
	}
	// Once rejected, Bert's shares can be asked for again.
	wantStatus(t, as.call(t, "POST", sc.coop+"/members/"+bert.member.ID+"/withdrawals", bert.token(),
		map[string]any{"class": "A", "shares": 3}), 201)
	wantProblem(t, as.call(t, "GET", sc.coop+"/withdrawals?status=lost", sc.board(), nil), 422, cooperative.EINVALID)

	// The board was mailed, in its language, with what it needs to decide.
	mail, err := notify.NotificationByDedupeKey(context.Background(), as.store,
		"withdrawal_requested:"+annW.ID+":"+sc.chair.userID)
	if err != nil {
		t.Fatal(err)
	}
	if mail.Event != notify.EventWithdrawalRequested || mail.To != sc.chair.email || mail.Data["member"] != "ann" ||
		mail.Data["shares"] != "4" || mail.Data["ends_membership"] != "yes" || mail.Data["earliest"] != string(annW.EarliestOn) {
		t.Fatalf("board mail %+v", mail)
	}
}
