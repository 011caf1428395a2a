package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// Issue 10, item 8, through the API: the cap of an oversubscribed offering goes to the
// subscriptions that can be allocated. Three members and an applicant never admitted
// each pay for 7 shares of a cap of 10; the applicant subscribes first.

// allocationRound adopts statutes with method, opens a round with a cap of 10, has an
// applicant (never admitted) and then three members each subscribe for 7 shares, the
// accountant records each payment by bank, and the board closes the round early. It
// returns the subscribe answers, in order, and the allocation.
func allocationRound(t *testing.T, method string) (*scenario, []shares.Subscription, allocationBody) {
	t.Helper()
	sc := newScenario(t)
	as := sc.as
	wantStatus(t, as.call(t, "POST", sc.coop+"/statutes", sc.board(), map[string]any{"effectiveFrom": "2020-01-01",
		"shareClasses": []map[string]any{{"code": "A", "name": "Member share", "nominalCents": 5000, "minPerMember": 1,
			"maxPerMember": 20, "confersMembership": true}},
		"membershipFeeCents": 0, "dividendCapBp": 500, "noticePeriodDays": 30, "allocation": method}), 201)
	o := sc.open(t, 5000, 10, 10, 14*24*time.Hour)
	type subscriber struct {
		token string
		m     membership.Member
	}
	var people []subscriber
	s, m := sc.applicant(t, "dirk@example.org", "Dirk Smit")
	people = append(people, subscriber{s.tokens.AccessToken, m})
	for _, p := range []struct{ email, name string }{{"anna@example.org", "Anna de Vries"},
		{"bert@example.org", "Bert Jansen"}, {"carla@example.org", "Carla Bakker"}} {
		s, m := sc.member(t, p.email, p.name)
		people = append(people, subscriber{s.tokens.AccessToken, m})
	}
	today := string(cooperative.DateOf(as.clock.Now()))
	var subs []shares.Subscription
	for i, p := range people {
		r := as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/subscriptions", p.token, map[string]any{"memberId": p.m.ID, "shares": 7})
		wantStatus(t, r, 201)
		sub := decodeBody[shares.Subscription](t, r)
		subs = append(subs, sub)
		wantStatus(t, as.call(t, "POST", sc.coop+"/subscriptions/"+sub.ID+"/payment", sc.accountant(),
			map[string]string{"bankReference": "IN-" + string(rune('1'+i)), "paidOn": today}), 200)
	}
	r := as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/close", sc.board(), nil)
	wantStatus(t, r, 200)
	return sc, subs, decodeBody[allocationBody](t, r)
}

// checkAllocation checks the allocation against want (by subscription, in order): every
// subscription allocated what it should and refunded the rest in full, exactly the cap
// issued, and the trial balance: the capital issued, the rest on refunds payable.
func checkAllocation(t *testing.T, sc *scenario, subs []shares.Subscription, res allocationBody, want []int64) {
	t.Helper()
	if res.Offering.Counters.IssuedShares != 10 || len(res.Subscriptions) != len(want) {
		t.Fatalf("issued %d of a cap of 10; %d subscriptions", res.Offering.Counters.IssuedShares, len(res.Subscriptions))
	}
	for i, s := range res.Subscriptions {
		if s.ID != subs[i].ID || s.Allocated != want[i] || s.RefundCents != (7-want[i])*5000 {
			t.Fatalf("subscription %d: allocated %d, refund %d; want %d", i+1, s.Allocated, s.RefundCents, want[i])
		}
		status := shares.SubscriptionAllocated
		if want[i] == 0 {
			status = shares.SubscriptionRefunded
		}
		if s.Status != status {
			t.Fatalf("subscription %d is %s, want %s", i+1, s.Status, status)
		}
	}
	tb := decodeBody[ledger.TrialBalance](t, sc.as.call(t, "GET",
		sc.coop+"/ledger/trial-balance?date="+string(cooperative.DateOf(sc.as.clock.Now())), sc.accountant(), nil))
	bal := map[string]int64{}
	var capital int64
	for _, row := range tb.Rows {
		bal[row.Account] = row.Balance
		if strings.HasPrefix(row.Account, "member_capital:") {
			capital += row.Balance
		}
	}
	if tb.TotalDebit != tb.TotalCredit || bal["bank"] != 4*7*5000 || capital != -10*5000 ||
		bal["refunds_payable"] != -(4*7-10)*5000 || bal["subscriptions_received_in_advance"] != 0 {
		t.Fatalf("trial balance %+v", tb)
	}
}

// TestProRataAllocationThroughTheAPI: the applicant, never admitted, gets nothing, and
// the cap is split among the three members alone: 4, 3, 3 (the tie to the earlier).
// Before the fix only 7 shares were issued.
func TestProRataAllocationThroughTheAPI(t *testing.T) {
	sc, subs, res := allocationRound(t, "pro_rata")
	checkAllocation(t, sc, subs, res, []int64{0, 4, 3, 3})
	// The applicant's money is on refunds payable, and goes back by the existing path
	// for a bank payment: the accountant records the transfer.
	r := sc.as.call(t, "POST", sc.coop+"/subscriptions/"+subs[0].ID+"/transfer-refunds", sc.accountant(),
		map[string]any{"amountCents": 35000, "paidOn": string(cooperative.DateOf(sc.as.clock.Now())),
			"iban": "NL91 ABNA 0417 1643 00", "reference": "OUT-1"})
	wantStatus(t, r, 201)
}

// TestFirstComeWaitingListThroughTheAPI: the applicant took 7 of the 10 first; the
// members after are not refused but put on the waiting list, told how many shares are
// ahead; at closing the applicant gets nothing and the cap goes down the list: 7 to
// Anna, 3 to Bert, none to Carla. Before the fix the three members were refused (422),
// and closing issued nothing.
func TestFirstComeWaitingListThroughTheAPI(t *testing.T) {
	sc, subs, res := allocationRound(t, "first_come")
	if subs[0].WaitingList != nil {
		t.Fatalf("the first subscription waits: %+v", subs[0].WaitingList)
	}
	for i, ahead := range []int64{7, 14, 21} {
		if w := subs[i+1].WaitingList; w == nil || w.SharesAhead != ahead || w.CapShares != 10 {
			t.Fatalf("subscription %d: waiting list %+v, want %d shares ahead", i+2, w, ahead)
		}
	}
	checkAllocation(t, sc, subs, res, []int64{0, 7, 3, 0})
}
