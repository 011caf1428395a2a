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

// Refunds paid by bank transfer (Registry.RecordTransferRefund).

var treasurer = cooperative.Actor{UserID: "accountant-user", Role: string(identity.RoleAccountant)}

const payeeIBAN = "NL91ABNA0417164300"

func (f *fixture) refund(sub shares.Subscription, r shares.TransferRefund) (shares.TransferRefundResult, error) {
	return f.reg.RecordTransferRefund(f.ctx, treasurer, f.coop.ID, sub.ID, r)
}

// refundOf is a refund of amount paid today to payeeIBAN with reference ref.
func (f *fixture) refundOf(amount int64, ref string) shares.TransferRefund {
	return shares.TransferRefund{AmountCents: amount, PaidOn: f.clock.Today(), IBAN: payeeIBAN, Reference: ref}
}

func (f *fixture) mustRefund(sub shares.Subscription, r shares.TransferRefund) shares.TransferRefundResult {
	f.t.Helper()
	res, err := f.refund(sub, r)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// withdrawnByTransfer is a subscription of n shares, marked paid by the accountant (a
// bank transfer), which the board withdrew: all of it is owed back by transfer.
func (f *fixture) withdrawnByTransfer(o shares.Offering, m membership.Member, n int64) shares.Subscription {
	f.t.Helper()
	sub, err := f.withdraw(board, f.buy(o, m, n), "Moved away.")
	if err != nil {
		f.t.Fatal(err)
	}
	return sub
}

func (f *fixture) subscription(id string) shares.Subscription {
	f.t.Helper()
	s, err := f.reg.GetSubscription(f.ctx, f.coop.ID, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// wantUnchanged fails when a refused refund wrote to a journal or to the subscription.
func (f *fixture) wantUnchanged(name string, journals [3]int, sub shares.Subscription) {
	f.t.Helper()
	if after := f.journals(); after != journals {
		f.t.Fatalf("%s: journals %v → %v: something was written", name, journals, after)
	}
	if now := f.subscription(sub.ID); now.TransferRefundedCents != sub.TransferRefundedCents || now.Status != sub.Status {
		f.t.Fatalf("%s: subscription %+v → %+v", name, sub, now)
	}
}

// TestTransferRefundOfAWithdrawnSubscription: a subscription paid by bank transfer (marked
// paid by the accountant) is withdrawn; recording its refund by transfer posts Dr refunds
// payable / Cr bank on the day it was paid, clears refunds payable, keeps the books
// balanced and leaves an audit entry. Nothing more can be recorded after that.
func TestTransferRefundOfAWithdrawnSubscription(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, bert := f.member("Anna"), f.member("Bert")
	o := f.offering("A", 5000, 100)
	f.buy(o, bert, 2)
	sub := f.withdrawnByTransfer(o, anna, 4)
	f.clock.Advance(48 * time.Hour)
	before := f.journals()

	paidOn := cooperative.DateOf(f.clock.Now().Add(-24 * time.Hour))
	res := f.mustRefund(sub, shares.TransferRefund{AmountCents: 20000, PaidOn: paidOn, IBAN: "nl91 abna 0417 1643 00",
		Reference: "  OUT-2025-001 "})
	r := res.Refund
	if res.OwedCents != 0 || res.RefundedCents != 20000 || res.Replayed || r.AmountCents != 20000 || r.PaidOn != paidOn ||
		r.IBAN != payeeIBAN || r.Reference != "OUT-2025-001" || r.SubscriptionID != sub.ID || r.MemberID != anna.ID ||
		r.RecordedBy != treasurer.UserID || !cooperative.ValidID(r.ID) {
		t.Fatalf("recorded %+v", res)
	}
	if e := f.oneNewEntry(before); e.Seq != r.EntrySeq || e.BookingDate != paidOn || e.Source.ID != r.ID || len(e.Lines) != 2 ||
		e.Lines[0] != (ledger.Line{Account: "refunds_payable", Amount: 20000}) ||
		e.Lines[1] != (ledger.Line{Account: "bank", Amount: -20000}) || !strings.Contains(e.Description, "OUT-2025-001") {
		t.Fatalf("entry %+v", e)
	}
	if bal := f.balances(); bal["refunds_payable"] != 0 || bal["bank"] != 10000 || bal["subscriptions_received_in_advance"] != -10000 {
		t.Fatalf("balances %v", bal)
	}
	if got := f.subscription(sub.ID); got.TransferRefundedCents != 20000 || got.Status != shares.SubscriptionWithdrawn ||
		got.RefundCents != 20000 {
		t.Fatalf("subscription %+v", got)
	}
	audit, _, err := cooperative.ReadAudit(f.ctx, f.store, f.coop.ID, int64(before[2]), 10)
	if err != nil || len(audit) != 1 || audit[0].Action != "subscription.transfer_refund" || audit[0].ObjectID != sub.ID ||
		audit[0].ActorRole != "accountant" || !strings.Contains(string(audit[0].After), payeeIBAN) {
		t.Fatalf("audit %+v %v", audit, err)
	}
	f.checkInvariants()

	// Paid back in full: another refund is refused and writes nothing.
	sub = f.subscription(sub.ID)
	journals := f.journals()
	_, err = f.refund(sub, f.refundOf(1, "OUT-2025-002"))
	wantRule(t, err, cooperative.ERULE, "refundable")
	f.wantUnchanged("after the full refund", journals, sub)
	// Stripe is not asked either: PrepareRefund says nothing is owed.
	_, _, err = f.reg.PrepareRefund(f.ctx, board, f.coop.ID, sub.ID)
	if wantRule(t, err, cooperative.ERULE, "paid_through_stripe"); !strings.Contains(cooperative.ErrorMessage(err), "owes nothing back") {
		t.Fatalf("PrepareRefund says %q", cooperative.ErrorMessage(err))
	}
}

// TestTransferRefundInParts: the unallocated part of an oversubscribed subscription is
// paid back in two transfers; more than what is still owed is refused and writes
// nothing, so refunds payable never goes below zero.
func TestTransferRefundInParts(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	anna, bert := f.member("Anna"), f.member("Bert")
	// Pro rata, 5 shares for 10 asked: Anna gets 3 of her 6, Bert 2 of his 4.
	o := f.offering("A", 5000, 5)
	f.buy(o, anna, 6)
	second := f.buy(o, bert, 4)
	f.clock.Advance(time.Hour)
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID); err != nil {
		t.Fatal(err)
	}
	second = f.subscription(second.ID)
	if second.Status != shares.SubscriptionAllocated || second.Allocated != 2 || second.RefundCents != 10000 {
		t.Fatalf("allocated %+v", second)
	}

	res := f.mustRefund(second, f.refundOf(2500, "PART-1"))
	if res.OwedCents != 7500 || res.RefundedCents != 2500 {
		t.Fatalf("after the first part %+v", res)
	}
	// Anna's €150 not allocated stays owed besides.
	if bal := f.balances(); bal["refunds_payable"] != -15000-7500 {
		t.Fatalf("balances %v", bal)
	}

	second = f.subscription(second.ID)
	journals := f.journals()
	_, err := f.refund(second, f.refundOf(7501, "PART-2"))
	wantRule(t, err, cooperative.ERULE, "refund_owed")
	if msg := cooperative.ErrorMessage(err); !strings.Contains(msg, "€75.00") {
		t.Fatalf("the refusal does not say what is owed: %q", msg)
	}
	f.wantUnchanged("more than owed", journals, second)

	res = f.mustRefund(second, f.refundOf(7500, "PART-2"))
	if res.OwedCents != 0 || res.RefundedCents != 10000 {
		t.Fatalf("after the rest %+v", res)
	}
	if bal := f.balances(); bal["refunds_payable"] != -15000 {
		t.Fatalf("balances %v", bal)
	}
	f.checkInvariants()
}

// TestTransferRefundIsIdempotent: a retry with the same key (the client's, or the one
// made of the refund's facts) returns the first refund and posts nothing; a client key
// reused for another refund is a conflict.
func TestTransferRefundIsIdempotent(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna := f.member("Anna")
	sub := f.withdrawnByTransfer(f.offering("A", 5000, 100), anna, 4)

	keyed := f.refundOf(5000, "")
	keyed.IdempotencyKey = "refund-7f3a"
	first := f.mustRefund(sub, keyed)
	journals := f.journals()
	again := f.mustRefund(sub, keyed)
	if !again.Replayed || again.Refund.ID != first.Refund.ID || again.OwedCents != 15000 || again.RefundedCents != 5000 {
		t.Fatalf("retry %+v, first %+v", again, first)
	}
	if after := f.journals(); after != journals {
		t.Fatalf("a retry wrote: journals %v → %v", journals, after)
	}
	other := keyed
	other.AmountCents = 6000
	_, err := f.refund(sub, other)
	wantRule(t, err, cooperative.ECONFLICT, "")
	f.wantUnchanged("key reused", journals, f.subscription(sub.ID))

	// Without a key, the same facts are the same refund; another reference is another.
	plain := f.refundOf(5000, "OUT-9")
	one := f.mustRefund(sub, plain)
	two := f.mustRefund(sub, plain)
	if one.Replayed || !two.Replayed || two.Refund.ID != one.Refund.ID || two.OwedCents != 10000 {
		t.Fatalf("without a key: %+v then %+v", one, two)
	}
	three := f.mustRefund(sub, f.refundOf(5000, "OUT-10"))
	if three.Replayed || three.OwedCents != 5000 {
		t.Fatalf("another reference %+v", three)
	}
	if bal := f.balances(); bal["refunds_payable"] != -5000 {
		t.Fatalf("balances %v", bal)
	}
	f.checkInvariants()
}

// TestTransferRefundBadInput: malformed requests are EINVALID, and another
// cooperative's subscription is not found; none writes anything.
func TestTransferRefundBadInput(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna := f.member("Anna")
	sub := f.withdrawnByTransfer(f.offering("A", 5000, 100), anna, 2)
	var other cooperative.Cooperative
	if err := f.store.Update(f.ctx, func(tx cooperative.Tx) (err error) {
		other, err = cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Zorg Zuid", Kind: cooperative.KindCare,
			Country: "NL", RegistrationNumber: "87654321", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, f.clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	today := f.clock.Today()
	tomorrow := cooperative.DateOf(f.clock.Now().Add(24 * time.Hour))
	yesterday := cooperative.DateOf(f.clock.Now().Add(-24 * time.Hour))
	ok := f.refundOf(1000, "")
	with := func(change func(*shares.TransferRefund)) shares.TransferRefund {
		r := ok
		change(&r)
		return r
	}
	for name, tc := range map[string]struct {
		coop, sub string
		r         shares.TransferRefund
		code      string
	}{
		"zero amount":         {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.AmountCents = 0 }), cooperative.EINVALID},
		"negative amount":     {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.AmountCents = -1000 }), cooperative.EINVALID},
		"bad IBAN":            {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.IBAN = "NL91ABNA0417164301" }), cooperative.EINVALID},
		"no IBAN":             {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.IBAN = "" }), cooperative.EINVALID},
		"future date":         {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.PaidOn = tomorrow }), cooperative.EINVALID},
		"no date":             {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.PaidOn = "" }), cooperative.EINVALID},
		"malformed date":      {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.PaidOn = "3/3/2025" }), cooperative.EINVALID},
		"before it was paid":  {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.PaidOn = yesterday }), cooperative.EINVALID},
		"control characters":  {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.Reference = "OUT\x00" }), cooperative.EINVALID},
		"reference too long":  {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.Reference = strings.Repeat("x", 141) }), cooperative.EINVALID},
		"key with spaces":     {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.IdempotencyKey = "a b" }), cooperative.EINVALID},
		"key too long":        {f.coop.ID, sub.ID, with(func(r *shares.TransferRefund) { r.IdempotencyKey = strings.Repeat("k", 101) }), cooperative.EINVALID},
		"malformed id":        {f.coop.ID, "' OR 1=1", ok, cooperative.EINVALID},
		"unknown":             {f.coop.ID, cooperative.NewID(), ok, cooperative.ENOTFOUND},
		"another cooperative": {other.ID, sub.ID, ok, cooperative.ENOTFOUND},
	} {
		t.Run(name, func(t *testing.T) {
			journals := f.journals()
			_, err := f.reg.RecordTransferRefund(f.ctx, treasurer, tc.coop, tc.sub, tc.r)
			wantRule(t, err, tc.code, "")
			f.wantUnchanged(name, journals, sub)
		})
	}
	if res := f.mustRefund(sub, with(func(r *shares.TransferRefund) { r.PaidOn = today })); res.OwedCents != 9000 {
		t.Fatalf("the good refund %+v", res)
	}
}

// TestTransferRefundRefusesStripeMoney: a subscription paid through Stripe and withdrawn
// is refunded through Stripe; recording a transfer for it is refused and writes nothing.
func TestTransferRefundRefusesStripeMoney(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna := f.member("Anna")
	sub := f.mustSubscribe(f.offering("A", 5000, 100), anna, 2)
	f.payThroughStripe(sub, "RF18539007547034")
	var err error
	if sub, err = f.withdraw(board, sub, "Changed their mind."); err != nil || sub.RefundCents != 10000 {
		t.Fatalf("withdrawn %+v %v", sub, err)
	}
	journals := f.journals()
	_, err = f.refund(sub, f.refundOf(10000, ""))
	wantRule(t, err, cooperative.ERULE, "refund_by_transfer")
	if !strings.Contains(cooperative.ErrorMessage(err), "through Stripe") {
		t.Fatalf("the refusal does not say to refund through Stripe: %q", cooperative.ErrorMessage(err))
	}
	f.wantUnchanged("paid through Stripe", journals, sub)
	if bal := f.balances(); bal["stripe_clearing"] != 10000 || bal["refunds_payable"] != -10000 {
		t.Fatalf("balances %v", bal)
	}
}

// TestTransferRefundOfMoneyThatCameLate: a pending subscription is withdrawn, and its
// member's transfer arrives anyway (matched from a statement, posted to refunds payable):
// that money is paid back by transfer, not before the day it was booked.
func TestTransferRefundOfMoneyThatCameLate(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, annaActor := f.owner("Anna")
	sub := f.mustSubscribe(f.offering("A", 5000, 100), anna, 3)
	p, err := f.reg.SubscriptionPayment(f.ctx, f.coop.ID, sub.ID, "RF18539007547034")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.withdraw(annaActor, sub, ""); err != nil {
		t.Fatal(err)
	}
	// A pending subscription withdrawn owes nothing back yet.
	sub = f.subscription(sub.ID)
	journals := f.journals()
	_, err = f.refund(sub, f.refundOf(15000, ""))
	wantRule(t, err, cooperative.ERULE, "refundable")
	f.wantUnchanged("nothing received", journals, sub)

	f.clock.Advance(72 * time.Hour)
	booked := f.clock.Now().Add(-24 * time.Hour)
	if _, err := f.payments().ImportBankLines(f.ctx, cooperative.Actor{Role: "accountant"}, f.coop.ID, []payments.BankLine{{Key: "NL91ABNA0417164300/7", Credit: true,
		Booked: true, Amount: 15000, Currency: "EUR", Reference: p.Reference, BookedOn: booked}}); err != nil {
		t.Fatal(err)
	}
	if p, _ = f.payments().GetPayment(f.ctx, f.coop.ID, p.ID); p.Channel != "transfer" || p.ReceivedTo != "refunds_payable" {
		t.Fatalf("payment %+v", p)
	}
	// Refunded before the money was booked: not possible.
	journals = f.journals()
	early := f.refundOf(15000, "")
	early.PaidOn = cooperative.DateOf(booked.Add(-24 * time.Hour))
	_, err = f.refund(sub, early)
	wantRule(t, err, cooperative.EINVALID, "")
	f.wantUnchanged("before it was booked", journals, sub)

	res := f.mustRefund(sub, f.refundOf(15000, "OUT-LATE"))
	if res.OwedCents != 0 || res.RefundedCents != 15000 {
		t.Fatalf("refund %+v", res)
	}
	if bal := f.balances(); bal["refunds_payable"] != 0 || bal["bank"] != 0 {
		t.Fatalf("balances %v", bal)
	}
	f.checkInvariants()
}

// TestTransferRefundOfARejectedApplicant: an applicant paid by transfer and was
// rejected; recording the refund takes the subscription out of its offering (refunded),
// as PrepareRefund does, and pays it back. A member's paid subscription still in the
// running is refused.
func TestTransferRefundOfARejectedApplicant(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	o := f.offering("A", 5000, 100)
	applicant, err := f.members.Apply(f.ctx, f.application("Carla"))
	if err != nil {
		t.Fatal(err)
	}
	sub := f.buy(o, applicant, 2)
	bert := f.member("Bert")
	running := f.buy(o, bert, 1)
	if _, err := f.members.Reject(f.ctx, board, f.coop.ID, applicant.ID, "Not in the area."); err != nil {
		t.Fatal(err)
	}

	journals := f.journals()
	_, err = f.refund(running, f.refundOf(5000, ""))
	wantRule(t, err, cooperative.ERULE, "refundable")
	f.wantUnchanged("still in the running", journals, running)

	res := f.mustRefund(sub, f.refundOf(10000, "OUT-REJ"))
	if res.OwedCents != 0 {
		t.Fatalf("refund %+v", res)
	}
	if got := f.subscription(sub.ID); got.Status != shares.SubscriptionRefunded || got.RefundCents != 10000 {
		t.Fatalf("subscription %+v", got)
	}
	if o := f.getOffering(o.ID); o.PaidShares != 1 || o.SubscribedShare != 1 {
		t.Fatalf("offering counters %+v", o)
	}
	if bal := f.balances(); bal["refunds_payable"] != 0 || bal["bank"] != 5000 {
		t.Fatalf("balances %v", bal)
	}
	f.checkInvariants()
}
