package cooperative_test

import (
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// applicant applies and is not (yet) admitted.
func (f *fixture) applicant(name string) membership.Member {
	f.t.Helper()
	m, err := f.members.Apply(f.ctx, f.application(name))
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// closeAndCheck closes o and checks what every allocation must satisfy: never more than
// the cap, no subscription more than it asked for, allocated + refunded = paid for every
// paid one, and the ledger and register invariants. It returns the allocation by
// subscription id.
func (f *fixture) closeAndCheck(o shares.Offering) (shares.AllocationResult, map[string]int64) {
	f.t.Helper()
	res, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	got := map[string]int64{}
	var issued int64
	for _, s := range res.Subscriptions {
		got[s.ID] = s.Allocated
		issued += s.Allocated
		if s.Allocated < 0 || s.Allocated > s.Shares {
			f.t.Fatalf("subscription %s for %d shares allocated %d", s.ID, s.Shares, s.Allocated)
		}
		switch s.Status {
		case shares.SubscriptionAllocated, shares.SubscriptionRefunded:
			if s.Allocated*o.PriceCents+s.RefundCents != s.AmountCents {
				f.t.Fatalf("subscription %s: %d shares at %d + refund %d ≠ paid %d", s.ID, s.Allocated, o.PriceCents,
					s.RefundCents, s.AmountCents)
			}
		case shares.SubscriptionLapsed:
			if s.Allocated != 0 || s.RefundCents != 0 {
				f.t.Fatalf("lapsed subscription %+v", s)
			}
		}
	}
	if issued != res.Offering.IssuedShares || issued > o.CapShares {
		f.t.Fatalf("issued %d (counter %d) for a cap of %d", issued, res.Offering.IssuedShares, o.CapShares)
	}
	f.checkInvariants()
	return res, got
}

// TestProRataSplitsTheCapAmongAllocatable is issue 10's first case: cap 10, three
// members and an applicant never admitted each paid for 7 shares. The applicant can get
// nothing, so the cap is split among the three members alone (largest remainder, the
// tie to the earlier subscription): 4, 3, 3, and the applicant's money is refunded in
// full. Before the fix the applicant's weight took part of the cap and only 7 or 8
// shares were issued.
func TestProRataSplitsTheCapAmongAllocatable(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	dirk := f.applicant("Dirk")
	anna, bert, carla := f.member("Anna"), f.member("Bert"), f.member("Carla")
	o := f.offering("A", 5000, 10)
	sd, sa, sb, sc := f.buy(o, dirk, 7), f.buy(o, anna, 7), f.buy(o, bert, 7), f.buy(o, carla, 7)
	f.clock.Advance(time.Hour)
	res, got := f.closeAndCheck(o)
	if got[sd.ID] != 0 || got[sa.ID] != 4 || got[sb.ID] != 3 || got[sc.ID] != 3 || res.Offering.IssuedShares != 10 {
		t.Fatalf("allocation applicant %d, members %d %d %d; issued %d", got[sd.ID], got[sa.ID], got[sb.ID], got[sc.ID],
			res.Offering.IssuedShares)
	}
	if s := f.subscription(sd.ID); s.Status != shares.SubscriptionRefunded || s.RefundCents != sd.AmountCents {
		t.Fatalf("the applicant's subscription %+v", s)
	}
	// Refunds payable holds the applicant's 7 shares and the members' 11 not allocated.
	if bal := f.balances(); bal["refunds_payable"] != -(7+11)*5000 || bal["subscriptions_received_in_advance"] != 0 {
		t.Fatalf("balances %v", bal)
	}
}

// TestApplicantAdmittedBeforeClosingIsAllocated: an applicant the board admits before
// closing is a member when the round is allocated, and takes part. Four members who
// hold nothing yet: each first gets the membership minimum (1), the other 6 go pro rata
// over what they asked beyond it (6 each), ties to the earlier subscriptions.
func TestApplicantAdmittedBeforeClosingIsAllocated(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	dirk := f.applicant("Dirk")
	anna, bert, carla := f.member("Anna"), f.member("Bert"), f.member("Carla")
	o := f.offering("A", 5000, 10)
	sd, sa, sb, sc := f.buy(o, dirk, 7), f.buy(o, anna, 7), f.buy(o, bert, 7), f.buy(o, carla, 7)
	if _, err := f.members.Approve(f.ctx, board, f.coop.ID, dirk.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	_, got := f.closeAndCheck(o)
	if got[sd.ID] != 3 || got[sa.ID] != 3 || got[sb.ID] != 2 || got[sc.ID] != 2 {
		t.Fatalf("allocation %d %d %d %d", got[sd.ID], got[sa.ID], got[sb.ID], got[sc.ID])
	}
}

// TestFirstComeWaitingList is issue 10's second case: an applicant subscribed first and
// filled most of the cap. The members after them are not refused but wait in order,
// told how many shares are ahead; at closing the applicant, never admitted, gets
// nothing and the cap goes down the list: 7 to Anna, the last 3 to Bert, none to Carla.
// Before the fix the three members were refused, and closing issued nothing.
func TestFirstComeWaitingList(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	dirk := f.applicant("Dirk")
	anna, bert, carla := f.member("Anna"), f.member("Bert"), f.member("Carla")
	o := f.offering("A", 5000, 10)
	sd := f.buy(o, dirk, 7)
	if sd.WaitingList != nil {
		t.Fatalf("within the cap, yet on the waiting list: %+v", sd.WaitingList)
	}
	sa, sb, sc := f.buy(o, anna, 7), f.buy(o, bert, 7), f.buy(o, carla, 7)
	for _, w := range []struct {
		s     shares.Subscription
		ahead int64
	}{{sa, 7}, {sb, 14}, {sc, 21}} {
		if w.s.WaitingList == nil || w.s.WaitingList.SharesAhead != w.ahead || w.s.WaitingList.CapShares != 10 {
			t.Fatalf("subscription %d: waiting list %+v, want %d shares ahead", w.s.Order, w.s.WaitingList, w.ahead)
		}
	}
	f.clock.Advance(time.Hour)
	res, got := f.closeAndCheck(o)
	if got[sd.ID] != 0 || got[sa.ID] != 7 || got[sb.ID] != 3 || got[sc.ID] != 0 || res.Offering.IssuedShares != 10 {
		t.Fatalf("allocation %d %d %d %d, issued %d", got[sd.ID], got[sa.ID], got[sb.ID], got[sc.ID], res.Offering.IssuedShares)
	}
	if s := f.subscription(sc.ID); s.Status != shares.SubscriptionRefunded || s.RefundCents != sc.AmountCents {
		t.Fatalf("the last on the list %+v", s)
	}
}

// TestAllocationKeepsTheClassMaximum: the statutes' maximum per member holds at
// allocation, not only when subscribing. Anna holds 5 shares and subscribes 10 in each
// of two rounds at once (each round alone allows it); when the first is allocated she
// holds 15, so the second counts her for at most 5 of her 10 (20 is the class maximum):
// 12 split over 5 and Bert's 10 (his membership share first) is 4 and 8. Before the fix
// she got 6 and held 21.
func TestAllocationKeepsTheClassMaximum(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	anna, bert := f.member("Anna"), f.member("Bert")
	first := f.offering("A", 5000, 100)
	f.buy(first, anna, 5)
	f.clock.Advance(time.Hour)
	f.closeAndCheck(first)
	x, y := f.offering("A", 5000, 100), f.offering("A", 5000, 12)
	f.buy(x, anna, 10)
	sy, sb := f.buy(y, anna, 10), f.buy(y, bert, 10)
	f.clock.Advance(time.Hour)
	f.closeAndCheck(x)
	res, got := f.closeAndCheck(y)
	if got[sy.ID] != 4 || got[sb.ID] != 8 || res.Offering.IssuedShares != 12 {
		t.Fatalf("allocation Anna %d, Bert %d, issued %d", got[sy.ID], got[sb.ID], res.Offering.IssuedShares)
	}
	hs, err := f.reg.CurrentHoldings(f.ctx, f.coop.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if h.Shares > 20 {
			t.Fatalf("holding above the class maximum: %+v", h)
		}
	}
}

// TestAllocationProperties closes many random offerings of both methods, with members,
// applicants who are admitted, rejected or left waiting, subscriptions paid or not,
// and members who already hold shares, on the real store. Whenever the paid demand
// that can be allocated (active members', within the class maximum) is at least the
// cap, exactly the cap is issued; otherwise all of it is. closeAndCheck checks the
// rest. The seed is logged; KRACHT_SEED replays one.
func TestAllocationProperties(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("KRACHT_SEED"); s != "" {
		var err error
		if seed, err = parseUint(s); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (KRACHT_SEED=%d to replay)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 10))
	cases := 40
	if testing.Short() {
		cases = 8
	}
	for c := range cases {
		method := membership.AllocationProRata
		if c%2 == 1 {
			method = membership.AllocationFirstCome
		}
		f := newFixture(t, method)
		var people []membership.Member
		for range 3 + rng.IntN(6) {
			if rng.IntN(3) == 0 {
				people = append(people, f.applicant("P"))
			} else {
				people = append(people, f.member("M"))
			}
		}
		// Some members already hold shares, so the class maximum (20) can bind.
		held := map[string]int64{}
		if rng.IntN(2) == 0 {
			pre := f.offering("A", 5000, 1000)
			for _, m := range people {
				if m.Status == membership.MemberActive && rng.IntN(2) == 0 {
					n := int64(1 + rng.IntN(10))
					f.buy(pre, m, n)
					held[m.ID] += n
				}
			}
			f.clock.Advance(time.Minute)
			f.closeAndCheck(pre)
		}
		o := f.offering("A", 5000+int64(rng.IntN(2))*250, int64(1+rng.IntN(40)))
		paid := map[string]int64{} // by member
		for range 2 + rng.IntN(12) {
			m := people[rng.IntN(len(people))]
			s, err := f.reg.Subscribe(f.ctx, shares.SubscriptionRequest{CooperativeID: f.coop.ID, OfferingID: o.ID,
				MemberID: m.ID, Shares: int64(1 + rng.IntN(10))})
			if cooperative.ErrorCode(err) == cooperative.ERULE {
				continue // above a maximum
			} else if err != nil {
				t.Fatal(err)
			}
			if rng.IntN(5) > 0 {
				if _, err := f.reg.MarkPaid(f.ctx, board, f.coop.ID, s.ID, "B"+s.ID[:8], f.clock.Today()); err != nil {
					t.Fatal(err)
				}
				paid[m.ID] += s.Shares
			}
		}
		for i, m := range people {
			if m.Status != membership.MemberApplied {
				continue
			}
			var err error
			switch rng.IntN(3) {
			case 0:
				people[i], err = f.members.Approve(f.ctx, board, f.coop.ID, m.ID)
			case 1:
				people[i], err = f.members.Reject(f.ctx, board, f.coop.ID, m.ID, "no")
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		var demand int64
		for _, m := range people {
			if m.Status == membership.MemberActive {
				demand += min(paid[m.ID], 20-held[m.ID])
			}
		}
		f.clock.Advance(time.Hour)
		res, _ := f.closeAndCheck(o)
		if want := min(demand, o.CapShares); res.Offering.IssuedShares != want {
			t.Fatalf("case %d (%s): allocatable paid demand %d, cap %d: issued %d, want %d (KRACHT_SEED=%d)", c, method,
				demand, o.CapShares, res.Offering.IssuedShares, want, seed)
		}
	}
}

// TestNotAllocatedIsRefundedThroughTheExistingPaths: what a closing does not allocate
// is refunded in full the way the money came. Dirk, an applicant never admitted, paid
// through Stripe and gets nothing: all of it is for Stripe to refund. Bert, last on the
// waiting list, paid through Stripe and gets 3 of 7: the other 4 are. Anna, paid by bank
// and allocated in full, has nothing to refund.
func TestNotAllocatedIsRefundedThroughTheExistingPaths(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	dirk := f.applicant("Dirk")
	anna, bert := f.member("Anna"), f.member("Bert")
	o := f.offering("A", 5000, 10)
	sd := f.mustSubscribe(o, dirk, 7)
	f.payThroughStripe(sd, "RF18539007547034")
	sa := f.buy(o, anna, 7)
	sb := f.mustSubscribe(o, bert, 7)
	f.payThroughStripe(sb, "RF97539007547035")
	f.clock.Advance(time.Hour)
	_, got := f.closeAndCheck(o)
	if got[sd.ID] != 0 || got[sa.ID] != 7 || got[sb.ID] != 3 {
		t.Fatalf("allocation %d %d %d", got[sd.ID], got[sa.ID], got[sb.ID])
	}
	for _, w := range []struct {
		s   shares.Subscription
		due int64
	}{{sd, 7 * 5000}, {sb, 4 * 5000}} {
		if _, due, err := f.reg.PrepareRefund(f.ctx, board, f.coop.ID, w.s.ID); err != nil || due != w.due {
			t.Fatalf("refund of subscription %d: %d %v, want %d", w.s.Order, due, err, w.due)
		}
	}
	_, _, err := f.reg.PrepareRefund(f.ctx, board, f.coop.ID, sa.ID)
	wantRule(t, err, cooperative.ERULE, "")
	if bal := f.balances(); bal["refunds_payable"] != -11*5000 || bal["subscriptions_received_in_advance"] != 0 {
		t.Fatalf("balances %v", bal)
	}
	f.checkInvariants()
}
