package cooperative_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// Withdrawing subscriptions before allocation (Registry.WithdrawSubscription).

// owner admits a member whose record belongs to an account, and returns the member and
// the actor that account is when it acts on its own records.
func (f *fixture) owner(name string) (membership.Member, cooperative.Actor) {
	f.t.Helper()
	a := f.application(name)
	a.UserID = cooperative.NewID()
	m, err := f.members.Apply(f.ctx, a)
	if err != nil {
		f.t.Fatal(err)
	}
	if m, err = f.members.Approve(f.ctx, board, f.coop.ID, m.ID); err != nil {
		f.t.Fatal(err)
	}
	return m, cooperative.Actor{UserID: a.UserID, Role: string(identity.RoleMember)}
}

func (f *fixture) subscribe(o shares.Offering, m membership.Member, n int64) (shares.Subscription, error) {
	return f.reg.Subscribe(f.ctx, shares.SubscriptionRequest{CooperativeID: f.coop.ID, OfferingID: o.ID, MemberID: m.ID, Shares: n})
}

func (f *fixture) mustSubscribe(o shares.Offering, m membership.Member, n int64) shares.Subscription {
	f.t.Helper()
	s, err := f.subscribe(o, m, n)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) withdraw(actor cooperative.Actor, sub shares.Subscription, reason string) (shares.Subscription, error) {
	return f.reg.WithdrawSubscription(f.ctx, actor, f.coop.ID, sub.ID, reason)
}

func (f *fixture) getOffering(id string) shares.Offering {
	f.t.Helper()
	o, err := f.reg.GetOffering(f.ctx, f.coop.ID, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *fixture) balances() map[string]int64 {
	f.t.Helper()
	b, err := f.payments().PaymentBalances(f.ctx, f.coop.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// journals counts the ledger, the register and the audit log: what a refused request
// must leave as it was.
func (f *fixture) journals() [3]int {
	return [3]int{f.journalLen(ledger.LedgerJournal(f.coop.ID)), f.journalLen(shares.RegisterJournal(f.coop.ID)),
		f.journalLen("audit/" + f.coop.ID)}
}

// oneNewEntry checks that one ledger entry, no register event and one audit entry were
// written since the journals counted before, and returns the entry.
func (f *fixture) oneNewEntry(before [3]int) ledger.Entry {
	f.t.Helper()
	if after := f.journals(); after != [3]int{before[0] + 1, before[1], before[2] + 1} {
		f.t.Fatalf("journals %v → %v: want one ledger entry, no register event, one audit entry", before, after)
	}
	es, _, err := ledger.ReadLedger(f.ctx, f.store, f.coop.ID, int64(before[0]), 10)
	if err != nil || len(es) != 1 {
		f.t.Fatalf("entries %+v %v", es, err)
	}
	return es[0]
}

// TestWithdrawPendingReleasesTheOffering: a member withdraws a pending subscription; its
// shares leave the offering's counters, so the cap and the member's maximum serve
// others; its payment can no longer be paid, and money that comes anyway is not applied
// to it but posted to refunds payable with an item for review. Nothing else is posted.
func TestWithdrawPendingReleasesTheOffering(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, annaActor := f.owner("Anna")
	bert := f.member("Bert")
	o := f.offering("A", 5000, 20) // 1..10 per subscription, 15 per member
	big, small := f.mustSubscribe(o, anna, 10), f.mustSubscribe(o, anna, 5)
	var pay payments.Payment
	var err error
	if pay, err = f.reg.SubscriptionPayment(f.ctx, f.coop.ID, big.ID, "RF18539007547034"); err != nil {
		t.Fatal(err)
	}
	// The round is full: Bert waits behind Anna's 15.
	if waiting := f.mustSubscribe(o, bert, 10); waiting.WaitingList == nil || waiting.WaitingList.SharesAhead != 15 {
		t.Fatalf("Bert's place %+v", waiting.WaitingList)
	}
	before := f.journals()

	got, err := f.withdraw(annaActor, big, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != shares.SubscriptionWithdrawn || !got.WithdrawnAt.Equal(f.clock.Now()) || got.RefundCents != 0 {
		t.Fatalf("withdrawn %+v", got)
	}
	if o := f.getOffering(o.ID); o.SubscribedShare != 15 || o.PaidShares != 0 || o.Subscriptions != 3 {
		t.Fatalf("offering counters %+v", o)
	}
	after := f.journals()
	if after[0] != before[0] || after[1] != before[1] || after[2] != before[2]+1 {
		t.Fatalf("journals %v → %v: a pending withdrawal writes its audit entry only", before, after)
	}
	// Bert's waiting subscription is within the cap now, and Anna's own maximum (15) has
	// room again: her next subscription fills the cap without waiting.
	if s := f.mustSubscribe(o, anna, 5); s.WaitingList != nil {
		t.Fatalf("waiting with room: %+v", s.WaitingList)
	}
	if o := f.getOffering(o.ID); o.SubscribedShare != 20 {
		t.Fatalf("subscribed %d, want the cap of 20", o.SubscribedShare)
	}

	// Its payment asks for nothing any more.
	p, err := f.payments().GetPayment(f.ctx, f.coop.ID, pay.ID)
	if err != nil || p.Status != payments.PaymentWithdrawn {
		t.Fatalf("payment %+v %v", p, err)
	}
	_, err = f.checkout(payments.CheckoutDeps{}).NoteCheckoutAttempt(f.ctx, f.coop.ID, pay.ID)
	wantRule(t, err, cooperative.ERULE, "")
	_, err = f.reg.SubscriptionPayment(f.ctx, f.coop.ID, big.ID, "RF97539007547035")
	wantRule(t, err, cooperative.ERULE, "subscription_pending")

	// A transfer that was already on its way: posted to refunds payable, never to the
	// subscription, and the accountant hears of it.
	if _, err := f.payments().ImportBankLines(f.ctx, cooperative.Actor{Role: "accountant"}, f.coop.ID, []payments.BankLine{{Key: "NL91ABNA0417164300/1", Credit: true,
		Booked: true, Amount: big.AmountCents, Currency: "EUR", Reference: pay.Reference, BookedOn: f.clock.Now()}}); err != nil {
		t.Fatal(err)
	}
	if bal := f.balances(); bal["bank"] != big.AmountCents || bal["refunds_payable"] != -big.AmountCents ||
		bal["subscriptions_received_in_advance"] != 0 {
		t.Fatalf("balances after the late transfer %v", bal)
	}
	items, _, err := f.payments().ListPaymentReviews(f.ctx, f.coop.ID, payments.ReviewOpen, "", 10)
	if err != nil || len(items) != 1 || items[0].PaymentID != pay.ID || !strings.Contains(items[0].Detail, "withdrawn") {
		t.Fatalf("review items %+v %v", items, err)
	}
	if s, _ := f.reg.GetSubscription(f.ctx, f.coop.ID, big.ID); s.Status != shares.SubscriptionWithdrawn {
		t.Fatalf("the late money changed the subscription: %+v", s)
	}
	// Closing the round leaves a withdrawn subscription as it is.
	f.clock.Advance(time.Hour)
	res, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Subscriptions {
		if s.ID == big.ID && s.Status != shares.SubscriptionWithdrawn {
			t.Fatalf("after closing %+v", s)
		}
	}
	_ = small
	f.checkInvariants()
}

// TestWithdrawPaidMovesTheMoneyToRefundsPayable: the board withdraws a paid subscription
// (a bank transfer): one balanced entry, Dr subscriptions received in advance / Cr
// refunds payable; the offering's paid shares drop; the register does not move; the
// refund is the board's to pay by transfer, and PrepareRefund says so.
func TestWithdrawPaidMovesTheMoneyToRefundsPayable(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	anna, bert := f.member("Anna"), f.member("Bert")
	o := f.offering("A", 5500, 10)
	keep := f.buy(o, bert, 3)
	sub := f.buy(o, anna, 4)
	holdings, err := f.reg.CurrentHoldings(f.ctx, f.coop.ID)
	if err != nil {
		t.Fatal(err)
	}
	before := f.journals()

	got, err := f.withdraw(board, sub, "  Subscribed for the wrong member.  ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != shares.SubscriptionWithdrawn || got.RefundCents != 4*5500 || got.WithdrawReason != "Subscribed for the wrong member." {
		t.Fatalf("withdrawn %+v", got)
	}
	if o := f.getOffering(o.ID); o.PaidShares != 3 || o.SubscribedShare != 3 {
		t.Fatalf("offering counters %+v", o)
	}
	e := f.oneNewEntry(before)
	if e.Key != "refund-due:"+sub.ID || len(e.Lines) != 2 || e.Source.ID != sub.ID ||
		e.Lines[0] != (ledger.Line{Account: "subscriptions_received_in_advance", Amount: 22000}) ||
		e.Lines[1] != (ledger.Line{Account: "refunds_payable", Amount: -22000}) {
		t.Fatalf("entry %+v", e)
	}
	if bal := f.balances(); bal["bank"] != 7*5500 || bal["subscriptions_received_in_advance"] != -3*5500 ||
		bal["refunds_payable"] != -4*5500 {
		t.Fatalf("balances %v", bal)
	}
	audit, _, err := cooperative.ReadAudit(f.ctx, f.store, f.coop.ID, int64(before[2]), 10)
	if err != nil || len(audit) != 1 || audit[0].Action != "subscription.withdraw" || audit[0].ObjectID != sub.ID ||
		audit[0].ActorRole != "board" {
		t.Fatalf("audit %+v %v", audit, err)
	}
	if now, err := f.reg.CurrentHoldings(f.ctx, f.coop.ID); err != nil || !sameHoldings(now, holdings) {
		t.Fatalf("holdings %+v → %+v (%v)", holdings, now, err)
	}
	f.checkInvariants()

	// Paid by transfer: not Stripe's to refund; the error says where the money is.
	_, _, err = f.reg.PrepareRefund(f.ctx, board, f.coop.ID, sub.ID)
	wantRule(t, err, cooperative.ERULE, "paid_through_stripe")
	if msg := cooperative.ErrorMessage(err); !strings.Contains(msg, "refunds payable") || !strings.Contains(msg, "bank transfer") ||
		!strings.Contains(msg, "€220.00") {
		t.Fatalf("PrepareRefund says %q", msg)
	}

	// Allocation: only Bert's subscription counts; the withdrawn one stays withdrawn.
	f.clock.Advance(time.Hour)
	res, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Offering.IssuedShares != 3 {
		t.Fatalf("issued %d", res.Offering.IssuedShares)
	}
	for _, s := range res.Subscriptions {
		if (s.ID == sub.ID && s.Status != shares.SubscriptionWithdrawn) || (s.ID == keep.ID && s.Allocated != 3) {
			t.Fatalf("after allocation %+v", s)
		}
	}
	if bal := f.balances(); bal["refunds_payable"] != -4*5500 || bal["subscriptions_received_in_advance"] != 0 {
		t.Fatalf("balances after allocation %v", bal)
	}
	f.checkInvariants()
}

// TestWithdrawRules: what may not be withdrawn, by whom, and when; each refusal writes
// nothing.
func TestWithdrawRules(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, annaActor := f.owner("Anna")
	_, bertActor := f.owner("Bert")
	closed := f.offering("A", 5000, 100)
	allocated := f.buy(closed, anna, 2)
	lapsed := f.mustSubscribe(closed, anna, 1)
	f.clock.Advance(time.Hour)
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, closed.ID); err != nil {
		t.Fatal(err)
	}
	open := f.offering("A", 5000, 100)
	pending := f.mustSubscribe(open, anna, 1)
	paid := f.buy(open, anna, 1)
	twice := f.mustSubscribe(open, anna, 1)
	if _, err := f.withdraw(annaActor, twice, ""); err != nil {
		t.Fatal(err)
	}
	accountant := cooperative.Actor{UserID: "acct-user", Role: string(identity.RoleAccountant)}

	for name, tc := range map[string]struct {
		actor      cooperative.Actor
		sub        shares.Subscription
		reason     string
		code, rule string
	}{
		"twice":                       {annaActor, twice, "", cooperative.ERULE, "withdrawable"},
		"twice by the board":          {board, twice, "Again.", cooperative.ERULE, "withdrawable"},
		"allocated, by the member":    {annaActor, allocated, "", cooperative.ERULE, "withdrawable"},
		"allocated, by the board":     {board, allocated, "Too late.", cooperative.ERULE, "withdrawable"},
		"lapsed":                      {board, lapsed, "Lapsed.", cooperative.ERULE, "withdrawable"},
		"board without a reason":      {board, pending, "", cooperative.EINVALID, ""},
		"board with a blank reason":   {board, paid, " \t ", cooperative.EINVALID, ""},
		"reason with control chars":   {annaActor, pending, "why\x00", cooperative.EINVALID, ""},
		"another member's":            {bertActor, pending, "", cooperative.ENOTFOUND, ""},
		"the accountant":              {accountant, paid, "Books.", cooperative.EFORBIDDEN, ""},
		"unknown subscription":        {board, shares.Subscription{ID: cooperative.NewID()}, "x", cooperative.ENOTFOUND, ""},
		"malformed subscription id":   {board, shares.Subscription{ID: "' OR 1=1"}, "x", cooperative.EINVALID, ""},
		"member, reason too long":     {annaActor, paid, strings.Repeat("x", 1001), cooperative.EINVALID, ""},
		"no role at all (for safety)": {cooperative.Actor{UserID: "someone"}, paid, "x", cooperative.EFORBIDDEN, ""},
	} {
		t.Run(name, func(t *testing.T) {
			before := f.journals()
			_, err := f.withdraw(tc.actor, tc.sub, tc.reason)
			wantRule(t, err, tc.code, tc.rule)
			if after := f.journals(); after != before {
				t.Fatalf("journals %v → %v: something was written", before, after)
			}
		})
	}

	// After the closing time, before the board closes the round: the member may no
	// longer withdraw; the board still may.
	f.clock.Advance(31 * 24 * time.Hour)
	before := f.journals()
	_, err := f.withdraw(annaActor, paid, "")
	wantRule(t, err, cooperative.ERULE, "offering_open")
	if after := f.journals(); after != before {
		t.Fatalf("journals %v → %v: something was written", before, after)
	}
	if got, err := f.withdraw(board, paid, "Paid, but the member moved away."); err != nil || got.RefundCents != 5000 {
		t.Fatalf("board after the closing time: %+v %v", got, err)
	}
	if o := f.getOffering(open.ID); o.PaidShares != 0 || o.SubscribedShare != 1 {
		t.Fatalf("offering counters %+v", o)
	}
	f.checkInvariants()
}
