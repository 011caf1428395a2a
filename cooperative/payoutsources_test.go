package cooperative_test

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// What the register owes members becomes payables: an approved withdrawal at once, a
// refund owed by transfer when the accountant hands it to payouts.

func TestAnApprovedWithdrawalIsOwedAsAPayable(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna := f.member("Anna")
	o := f.offering("A", 5000, 100)
	f.buy(o, anna, 4)
	f.closeAndCheck(o)
	w, err := f.reg.RequestWithdrawal(f.ctx, board, shareWithdrawal(f, anna.ID, 2))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * 24 * time.Hour)
	if _, err := f.reg.DecideWithdrawal(f.ctx, board, f.coop.ID, w.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	// Deciding again owes nothing twice.
	if _, err := f.reg.DecideWithdrawal(f.ctx, board, f.coop.ID, w.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	list, _, err := payouts.NewPayouts(cooperative.NewRunner(f.store, f.clock.Now)).ListPayables(f.ctx, f.coop.ID,
		payouts.PayableFilter{MemberID: anna.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].AmountCents != 10_000 || list[0].Reason != payouts.ReasonShareRedemption ||
		list[0].Account != string(ledger.AccountRefundsPayable) || list[0].DueOn != f.clock.Today() || list[0].SourceID != w.ID {
		t.Fatalf("payables: %+v", list)
	}
	f.checkInvariants()
}

func TestARefundOwedByTransferGoesToPayoutsOnce(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna := f.member("Anna")
	o := f.offering("A", 5000, 100)
	sub := f.withdrawnByTransfer(o, anna, 3)
	before := f.balances()
	p, err := f.reg.OweRefundPayout(f.ctx, treasurer, f.coop.ID, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.AmountCents != 15_000 || p.Reason != payouts.ReasonRefund || p.MemberID != anna.ID {
		t.Fatalf("payable: %+v", p)
	}
	if after := f.balances(); after[string(ledger.AccountRefundsPayable)] != before[string(ledger.AccountRefundsPayable)] {
		t.Fatalf("handing a refund to payouts posts nothing: %v → %v", before, after)
	}
	// Handed over: neither a second payable nor a refund recorded by hand for the same money.
	_, err = f.reg.OweRefundPayout(f.ctx, treasurer, f.coop.ID, sub.ID)
	wantRule(t, err, cooperative.ERULE, "refundable")
	_, err = f.refund(sub, f.refundOf(100, "by hand"))
	wantRule(t, err, cooperative.ERULE, "refundable")
	if got := f.subscription(sub.ID); got.PayoutRefundCents != 15_000 {
		t.Fatalf("subscription: %+v", got)
	}
}

func shareWithdrawal(f *fixture, memberID string, n int64) shares.WithdrawalRequest {
	return shares.WithdrawalRequest{CooperativeID: f.coop.ID, MemberID: memberID, Class: "A", Shares: n}
}
