package payments

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/ledger"

	"github.com/kracht-coop/kracht/cooperative/internal/storedcases"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the payments collections and journals (see package storedtest).
// Refresh the golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/payments/ -update

func TestStoredFormatPayments(t *testing.T) {
	storedtest.Run(t, storedcases.GoldenDir, paymentsStoredCases())
}

func TestStoredFormatPaymentsCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedcases.GoldenDir, OwnGolden: true,
		MinCollections: 6, MinJournals: 0}, paymentsStoredCases())
}

// paymentsStoredCases returns a case per collection and journal, each written as the domain writes it.
func paymentsStoredCases() []storedtest.Case {
	day := 24 * time.Hour
	stripeEvent := StripeEvent{ID: "evt_1", Type: "charge.refunded", Created: storedtest.Time, Livemode: true,
		Account: "acct_1", Object: "charge", ObjectID: "ch_1", CooperativeID: storedtest.Coop, PaymentID: storedtest.Payment,
		PaymentIntentID: "pi_1", ChargeID: "ch_1", PayoutID: "po_1", BalanceTransactionID: "txn_1",
		PaymentStatus: "paid", Amount: 10000, AmountRefunded: 2500, Currency: "EUR", FailureReason: "insufficient_funds",
		DisputeStatus: "lost", Raw: []byte(`{"id":"ch_1","object":"charge"}`)}
	return storedcases.WithRecords(paymentsStoredRecord, []storedtest.Case{
		{Name: collectionBankLines, Value: BankLine{Key: "NL91ABNA0417164300/REF1", Account: "NL91ABNA0417164300",
			StatementID: "STMT-1", Credit: true, Booked: true, Reversal: true, Amount: 150000, Currency: "EUR",
			Reference: "RF18539007547034", EndToEndID: "KP0190d6a27d1f7c3e9a3b5f2e8c1d4b60", ReturnReason: "AC04",
			Payer: "A. de Vries", PayerIBAN: "NL02RABO0123456789", Text: "shares <A> & more",
			BookedOn: storedtest.Time, Outcome: "matched", PaymentID: storedtest.Payment, At: storedtest.At(time.Hour)},
			Decode: storedcases.ViaDecode[BankLine]},
		{Name: collectionPayments, Value: Payment{ID: storedtest.Payment, CooperativeID: storedtest.Coop,
			SubscriptionID: storedtest.Sub,
			Purpose:        PurposeShares, Amount: 150000, Currency: "EUR", Reference: "RF18539007547034", Status: PaymentDisputed,
			PayerEmail: "anna@example.org", PayerLanguage: "nl", CheckoutSessionID: "cs_1", CheckoutAttempts: 2,
			PaymentIntentID: "pi_1", ChargeID: "ch_1", SucceededAt: storedtest.Time, FailedAt: storedtest.At(day),
			FailReason: "insufficient_funds", Refunded: 2500, DisputeID: "dp_1", Disputed: 5000,
			DisputeOutcome: DisputeLost, Channel: "stripe", PostedReceived: 150000, PostedRefunded: 2500,
			PostedDisputed: 5000, DisputeClosed: true, Reversed: true, ReceivedSeq: 17,
			ReceivedTo: string(ledger.AccountSubscriptionsInAdvance), Suspense: 300, RefundDue: 2500,
			CreatedAt: storedtest.Time, UpdatedAt: storedtest.At(2 * day)}, Decode: storedcases.ViaDecode[Payment]},
		{Name: collectionStripeEvents, Value: StoredStripeEvent{ID: storedtest.Object, CooperativeID: storedtest.Coop,
			Event: stripeEvent, Status: StripeEventPending, Attempts: 3, NextAttemptAt: storedtest.At(time.Hour),
			Outcome: "parked: payment not found", ReceivedAt: storedtest.Time, ProcessedAt: storedtest.At(2 * time.Hour)},
			Decode: storedcases.ViaDecode[StoredStripeEvent]},
		{Name: collectionStripePayouts, Value: stripePayout{ID: "po_1", PaidAt: storedtest.Time, FailedAt: storedtest.At(day),
			Posted: true, Reversed: true}, Decode: storedcases.ViaDecode[stripePayout]},
		{Name: collectionPaymentReviews, Value: PaymentReview{ID: storedtest.Object, CooperativeID: storedtest.Coop, Source: "stripe",
			SourceID: "evt_1", Reason: ReviewUnknownReference, Detail: "no payment has this reference", Amount: 150000,
			Currency: "EUR", Reference: "RF18539007547034", PaymentID: storedtest.Payment, Payer: "A. de Vries",
			BookedOn: storedtest.Time, Status: ReviewResolved, Resolution: "assign", Note: "the reference had a typo",
			ResolvedBy: storedtest.User, ResolvedAt: storedtest.At(day), CreatedAt: storedtest.Time}, Decode: storedcases.ViaDecode[PaymentReview]},
		{Name: collectionStripeAccounts, Value: stripeAccount{CooperativeID: storedtest.Coop,
			Status: StripeAccountStatus{Connected: true, AccountID: "acct_1", KeyLast4: "4242", Livemode: true,
				ConnectedAt: storedtest.Time, ConnectedBy: storedtest.User},
			SealedKey: []byte("sealed secret key"), SealedWebhook: []byte("sealed webhook secret"),
			LastEventAt: storedtest.At(day)}, Decode: storedcases.ViaDecode[stripeAccount]},
	})
}

// paymentsStoredRecord is how the record methods write the values that have one; the rest
// are written with encode, and only their data is pinned.
func paymentsStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	switch v := c.Value.(type) {
	case Payment:
		return storedcases.FromRecord(paymentRecord(v)), true
	case StoredStripeEvent:
		return storedcases.FromRecord(stripeEventRecord(v)), true
	case PaymentReview:
		return storedcases.FromRecord(reviewRecord(v)), true
	}
	return storedtest.Record{}, false
}
