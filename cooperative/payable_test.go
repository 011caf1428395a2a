package cooperative_test

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// thingPayable is a second kind of payable, known only to this test: a "thing" is paid
// in full or not at all; a closed thing takes no money. It keeps what it was told, so
// the test can see the payment code reached it through the interface alone.
type thingPayable struct {
	exists, closed map[string]bool
	received       map[string]int64 // thing → ledger entry of its receipt
	unwound        map[string]bool
}

// payments is the payment service with the standard payables on the fixture's store,
// its clock the fixture's.
func (f *fixture) payments() *payments.Payments {
	return payments.NewPayments(cooperative.NewRunner(f.store, f.clock.Now), shares.StandardPayables())
}

func newThingPayable(exists ...string) *thingPayable {
	t := &thingPayable{exists: map[string]bool{}, closed: map[string]bool{}, received: map[string]int64{},
		unwound: map[string]bool{}}
	for _, id := range exists {
		t.exists[id] = true
	}
	return t
}

func (t *thingPayable) Receivable(_ cooperative.Tx, p payments.Payment) (payments.ReviewReason, string, error) {
	if !t.exists[p.SubscriptionID] {
		return payments.ReviewUnknownSubscription, "no such thing", nil
	}
	return "", "", nil
}

func (t *thingPayable) Receive(tx cooperative.Tx, _ cooperative.Actor, p payments.Payment, debit ledger.AccountCode,
	date cooperative.Date, _ time.Time) (payments.Receipt, error) {
	if t.closed[p.SubscriptionID] {
		return payments.Receipt{}, cooperative.Errorf(cooperative.ERULE, "the thing is closed")
	}
	e, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: p.CooperativeID, Key: "thing-paid:" + p.SubscriptionID,
		BookingDate: date, Description: "Thing " + p.SubscriptionID, Source: ledger.Source{Type: "thing", ID: p.SubscriptionID},
		Lines: []ledger.Line{{Account: string(debit), Amount: p.Amount},
			{Account: string(ledger.AccountMembershipFees), Amount: -p.Amount}}})
	t.received[p.SubscriptionID] = e.Seq
	return payments.Receipt{Seq: e.Seq, To: ledger.AccountMembershipFees}, err
}

func (t *thingPayable) Unwind(_ cooperative.Tx, p payments.Payment, _ cooperative.Date, _ time.Time) (payments.Unwound, error) {
	t.unwound[p.SubscriptionID] = true
	return payments.Unwound{}, nil
}

// TestSecondPayableKind: a payable registered for a purpose of its own is received
// through the interface from a matched bank credit and from Stripe, refused money goes
// to refunds payable, and a late failure unwinds it; the standard payables, which do not
// know the purpose, post nothing for it.
func TestSecondPayableKind(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	things := newThingPayable("thing-bank", "thing-stripe", "thing-closed", "thing-unwired")
	things.closed["thing-closed"] = true
	pay := payments.NewPayments(cooperative.NewRunner(f.store, f.clock.Now), payments.NewPayables(map[string]payments.Payable{"thing": things}))
	newPayment := func(thing, ref string) payments.Payment {
		t.Helper()
		var p payments.Payment
		if err := f.store.Update(f.ctx, func(tx cooperative.Tx) (err error) {
			p, err = payments.CreatePayment(tx, payments.NewPayment{CooperativeID: f.coop.ID, SubscriptionID: thing,
				Purpose: "thing", Amount: 2500, Currency: "EUR", Reference: ref, PayerEmail: "payer@example.org",
				PayerLanguage: "en"}, f.clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	getPayment := func(p payments.Payment) payments.Payment {
		t.Helper()
		got, err := f.payments().GetPayment(f.ctx, f.coop.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	stripe := func(p payments.Payment, typ string) {
		t.Helper()
		ev := payments.StripeEvent{ID: "evt_" + typ + "_" + p.ID, Type: typ, Created: f.clock.Now(),
			Object: "payment_intent", ObjectID: "pi_" + p.ID, CooperativeID: f.coop.ID, PaymentID: p.ID,
			PaymentIntentID: "pi_" + p.ID, ChargeID: "ch_" + p.ID, Amount: p.Amount, Currency: "EUR"}
		if _, err := f.payments().RecordStripeEvent(f.ctx, f.coop.ID, ev); err != nil {
			t.Fatal(err)
		}
		stored, err := f.payments().GetStripeEvent(f.ctx, f.coop.ID, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := pay.ProcessStripeEvent(f.ctx, stored.ID, nil); err != nil || out.Status != payments.StripeEventDone {
			t.Fatalf("%s: %+v, %v", typ, out, err)
		}
	}

	// A bank credit with the payment's reference is received by the thing.
	byBank := newPayment("thing-bank", "RF18539007547034")
	if tally, err := pay.ImportBankLines(f.ctx, cooperative.Actor{Role: "accountant"}, f.coop.ID, []payments.BankLine{{
		Key: "NL91ABNA0417164300/1", Credit: true, Booked: true, Amount: 2500, Currency: "EUR",
		Reference: byBank.Reference, BookedOn: f.clock.Now()}}); err != nil || tally.Matched != 1 {
		t.Fatalf("tally %+v, %v", tally, err)
	}
	if p := getPayment(byBank); things.received["thing-bank"] == 0 || p.Status != payments.PaymentPaid ||
		p.ReceivedSeq != things.received["thing-bank"] || p.ReceivedTo != string(ledger.AccountMembershipFees) {
		t.Fatalf("bank: payment %+v, thing receipts %v", p, things.received)
	}

	// Stripe: received, then a late failure reverses the receipt and unwinds the thing.
	viaStripe := newPayment("thing-stripe", "RF88539007547035")
	stripe(viaStripe, "payment_intent.succeeded")
	if things.received["thing-stripe"] == 0 || getPayment(viaStripe).Status != payments.PaymentPaid {
		t.Fatalf("stripe: not received: %v", things.received)
	}
	f.clock.Advance(72 * time.Hour)
	stripe(viaStripe, "payment_intent.payment_failed")
	if p := getPayment(viaStripe); !things.unwound["thing-stripe"] || p.Status != payments.PaymentReversed {
		t.Fatalf("late failure: payment %+v, unwound %v", p, things.unwound)
	}
	if n, err := notify.NotificationByDedupeKey(f.ctx, f.store, "payment_failed:"+viaStripe.ID); err != nil ||
		n.To != "payer@example.org" || n.Data["shares_cancelled"] != "" {
		t.Fatalf("payer's mail %+v, %v", n, err)
	}
	if things.unwound["thing-bank"] {
		t.Fatal("a late failure unwound another thing")
	}

	// A thing that refuses the money: it goes to refunds payable, with an item.
	closed := newPayment("thing-closed", "RF61539007547036")
	stripe(closed, "payment_intent.succeeded")
	if p := getPayment(closed); things.received["thing-closed"] != 0 || p.ReceivedTo != string(ledger.AccountRefundsPayable) {
		t.Fatalf("refused: payment %+v", p)
	}
	items, _, err := f.payments().ListPaymentReviews(f.ctx, f.coop.ID, payments.ReviewOpen, "", 100)
	if err != nil || len(items) != 1 || items[0].PaymentID != closed.ID || items[0].Reason != payments.ReviewAlreadyPaid {
		t.Fatalf("review items %+v, %v", items, err)
	}

	// Each thing's money is where the thing put it: fees for the bank credit (the Stripe
	// receipt was reversed), refunds payable for the refused one.
	bal, err := f.payments().PaymentBalances(f.ctx, f.coop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bal[string(ledger.AccountMembershipFees)] != -2500 || bal[string(ledger.AccountRefundsPayable)] != -2500 ||
		bal[string(ledger.AccountBank)] != 2500 || bal[string(ledger.AccountStripeClearing)] != 2500 {
		t.Fatalf("balances %v", bal)
	}

	// The standard payables do not know the purpose: a matched credit is not posted but
	// waits for review, and the thing hears nothing.
	unwired := newPayment("thing-unwired", "RF34539007547037")
	if _, err := f.payments().ImportBankLines(f.ctx, cooperative.Actor{Role: "accountant"}, f.coop.ID, []payments.BankLine{{
		Key: "NL91ABNA0417164300/2", Credit: true, Booked: true, Amount: 2500, Currency: "EUR",
		Reference: unwired.Reference, BookedOn: f.clock.Now()}}); err != nil {
		t.Fatal(err)
	}
	if p := getPayment(unwired); things.received["thing-unwired"] != 0 || p.PostedReceived != 0 || p.Status != payments.PaymentPending {
		t.Fatalf("unwired: payment %+v", p)
	}
	items, _, _ = f.payments().ListPaymentReviews(f.ctx, f.coop.ID, payments.ReviewOpen, "", 100)
	if len(items) != 2 || items[1].PaymentID != unwired.ID || items[1].Reason != payments.ReviewUnknownSubscription {
		t.Fatalf("review items %+v", items)
	}
}

// TestPaymentsReadTheirClock: the payment service stamps and schedules by its runner's
// clock, not the wall's: an event received at the fixture's time is stamped with it and
// is due from then on.
func TestPaymentsReadTheirClock(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	pay := f.payments()
	ev := payments.StripeEvent{ID: "evt_clock", Type: "payment_intent.succeeded", Created: f.clock.Now()}
	if stored, err := pay.RecordStripeEvent(f.ctx, f.coop.ID, ev); err != nil || !stored {
		t.Fatalf("stored %v, %v", stored, err)
	}
	got, err := pay.GetStripeEvent(f.ctx, f.coop.ID, ev.ID)
	if err != nil || !got.ReceivedAt.Equal(f.clock.Now()) || !got.NextAttemptAt.Equal(f.clock.Now()) {
		t.Fatalf("event %+v, %v; want received at %v", got, err, f.clock.Now())
	}
	early := &clock{now: f.clock.Now().Add(-time.Second)}
	before := payments.NewPayments(cooperative.NewRunner(f.store, early.Now), shares.StandardPayables())
	if due, _, err := before.DueStripeEvents(f.ctx, "", 10); err != nil || len(due) != 0 {
		t.Fatalf("due a second early: %+v, %v", due, err)
	}
	if due, _, err := pay.DueStripeEvents(f.ctx, "", 10); err != nil || len(due) != 1 || due[0].Event.ID != ev.ID {
		t.Fatalf("due on time: %+v, %v", due, err)
	}
}
