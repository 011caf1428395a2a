package cooperative_test

import (
	"maps"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// The mail a member gets when a subscription of theirs is withdrawn (tellWithdrawn).

// outboxSize counts the messages waiting in the outbox.
func (f *fixture) outboxSize() int {
	f.t.Helper()
	n := 0
	if err := f.store.View(f.ctx, func(tx cooperative.Tx) error {
		page, err := tx.Find(cooperative.Query{Collection: "notifications", Index: "outbox", Value: "open",
			Limit: cooperative.MaxPageSize})
		n = len(page.Records)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// withdrawnMail returns the mail enqueued for the withdrawal of sub, checking what every
// such mail has: one per subscription, to the member, mandatory, dated when it was withdrawn.
func (f *fixture) withdrawnMail(sub shares.Subscription, to, lang string) notify.Notification {
	f.t.Helper()
	n, err := notify.NotificationByDedupeKey(f.ctx, f.store, "subscription_withdrawn:"+sub.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	if n.Event != notify.EventSubscriptionWithdrawn || n.To != to || n.Language != lang ||
		n.CooperativeID != f.coop.ID || n.Status != notify.NotificationPending || !n.Event.Mandatory() ||
		!n.CreatedAt.Equal(f.clock.Now()) { // dated by the caller's clock, which the test holds still
		f.t.Fatalf("mail %+v", n)
	}
	return n
}

// payThroughStripe has Stripe report that sub's payment succeeded, as its webhook would.
func (f *fixture) payThroughStripe(sub shares.Subscription, reference string) payments.Payment {
	f.t.Helper()
	p, err := f.reg.SubscriptionPayment(f.ctx, f.coop.ID, sub.ID, reference)
	if err != nil {
		f.t.Fatal(err)
	}
	ev := payments.StripeEvent{ID: "evt_paid_" + p.ID, Type: "payment_intent.succeeded", Created: f.clock.Now(),
		Object: "payment_intent", ObjectID: "pi_" + p.ID, CooperativeID: f.coop.ID, PaymentID: p.ID,
		PaymentIntentID: "pi_" + p.ID, ChargeID: "ch_" + p.ID, Amount: p.Amount, Currency: "EUR"}
	if _, err := f.payments().RecordStripeEvent(f.ctx, f.coop.ID, ev); err != nil {
		f.t.Fatal(err)
	}
	stored, err := f.payments().GetStripeEvent(f.ctx, f.coop.ID, ev.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.payments().ProcessStripeEvent(f.ctx, stored.ID, nil); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// TestWithdrawalTellsTheMember: each withdrawal enqueues one mandatory mail to the
// member, in their language, saying which shares, who withdrew them (the board's reason,
// never the member's own) and how the money comes back; a refused withdrawal enqueues
// nothing.
func TestWithdrawalTellsTheMember(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, annaActor := f.owner("Anna")
	o := f.offering("A", 5000, 100)
	pending, byBank := f.mustSubscribe(o, anna, 3), f.buy(o, anna, 2)
	queued := f.outboxSize()

	// The member withdraws one she has not paid: nothing to refund.
	if _, err := f.withdraw(annaActor, pending, "Changed my mind."); err != nil {
		t.Fatal(err)
	}
	n := f.withdrawnMail(pending, "member@example.org", "nl")
	want := map[string]string{"cooperative": "Energie Noord", "offering": "Member share", "shares": "3",
		"amount": "€ 150,00", "withdrawn_by": "member"}
	if n.ToName != "Anna" || !maps.Equal(n.Data, want) {
		t.Fatalf("mail %+v, want data %v", n, want)
	}
	if got := f.outboxSize(); got != queued+1 {
		t.Fatalf("%d messages queued, want %d", got, queued+1)
	}

	// Twice, by her or by the board: refused, and no new mail.
	for _, actor := range []cooperative.Actor{annaActor, board} {
		if _, err := f.withdraw(actor, pending, "Again."); cooperative.ErrorCode(err) != cooperative.ERULE {
			t.Fatalf("withdrawing twice: %v", err)
		}
	}
	if got := f.outboxSize(); got != queued+1 {
		t.Fatalf("a refused withdrawal queued mail: %d messages, want %d", got, queued+1)
	}

	// The board withdraws one paid by bank transfer: its reason, and a refund by transfer.
	if _, err := f.withdraw(board, byBank, "  Not a resident of the municipality. "); err != nil {
		t.Fatal(err)
	}
	n = f.withdrawnMail(byBank, "member@example.org", "nl")
	want = map[string]string{"cooperative": "Energie Noord", "offering": "Member share", "shares": "2",
		"amount": "€ 100,00", "withdrawn_by": "board", "reason": "Not a resident of the municipality.",
		"refund_transfer": "€ 100,00"}
	if !maps.Equal(n.Data, want) {
		t.Fatalf("data %v, want %v", n.Data, want)
	}
	if got := f.outboxSize(); got != queued+2 {
		t.Fatalf("%d messages queued, want %d", got, queued+2)
	}
}

// TestWithdrawalMailOfStripeMoney: a subscription paid through Stripe is refunded
// through the payment provider, and the mail, in English for an English speaker, says
// so with the amount written the English way.
func TestWithdrawalMailOfStripeMoney(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	a := f.application("Bob")
	a.Email, a.Language, a.UserID = "bob@example.org", "en-GB", cooperative.NewID()
	bob, err := f.members.Apply(f.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if bob, err = f.members.Approve(f.ctx, board, f.coop.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	sub := f.mustSubscribe(f.offering("A", 5000, 100), bob, 5)
	f.payThroughStripe(sub, "RF18539007547034")

	bobActor := cooperative.Actor{UserID: a.UserID, Role: string(identity.RoleMember)}
	if sub, err = f.withdraw(bobActor, sub, ""); err != nil || sub.RefundCents != 25000 {
		t.Fatalf("withdrawn %+v %v", sub, err)
	}
	n := f.withdrawnMail(sub, "bob@example.org", "en")
	want := map[string]string{"cooperative": "Energie Noord", "offering": "Member share", "shares": "5",
		"amount": "€250.00", "withdrawn_by": "member", "refund_online": "€250.00"}
	if !maps.Equal(n.Data, want) {
		t.Fatalf("data %v, want %v", n.Data, want)
	}
}
