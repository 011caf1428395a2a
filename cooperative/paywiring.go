package cooperative

// Wiring of the payment code to what it pays for. It is the one place that knows both
// sides; at the package split it moves to cmd/kracht, which then hands a *Payments to
// the Stripe worker, the bank import and the handlers. Until then the functions below
// keep the signatures their callers (and tests) use, building the service with
// StandardPayables on each call: nothing is global.

import (
	"context"
	"time"
)

// StandardPayables is what Kracht takes payments for today: share subscriptions
// (through the register), membership fees (to membership fees income), and bonds, which
// have no register yet: their money waits on subscriptions received in advance, as it
// always did, until bonds bring a Payable of their own.
func StandardPayables() Payables {
	return NewPayables(map[string]Payable{
		PurposeShares:        NewSubscriptionPayable(),
		PurposeMembershipFee: LedgerPayable{Credit: AccountMembershipFees},
		PurposeBonds:         LedgerPayable{Credit: AccountSubscriptionsInAdvance},
	})
}

// ProcessStripeEvent is Payments.ProcessStripeEvent with StandardPayables.
func ProcessStripeEvent(ctx context.Context, s Store, id string, lines []StripeBalanceLine, now time.Time) (StoredStripeEvent, error) {
	return NewPayments(s, StandardPayables()).ProcessStripeEvent(ctx, id, lines, now)
}

// ImportBankLines stores and matches a batch of lines of cooperativeID's statement inside
// tx (Payments.ImportBankLines with StandardPayables). Lines already stored are counted
// as duplicates and left alone. by is who imports the statement: what a match marks
// paid is audited with the bank import as the actor (role bank_import), on by's behalf.
func ImportBankLines(tx Tx, by Actor, cooperativeID string, lines []BankLine, now time.Time) (BankImportTally, error) {
	return importBankLines(tx, StandardPayables(), by, cooperativeID, lines, now)
}

// ResolvePaymentReview is Payments.ResolvePaymentReview with StandardPayables.
func ResolvePaymentReview(ctx context.Context, s Store, cooperativeID, reviewID string, res ReviewResolution, now time.Time) (PaymentReview, error) {
	return NewPayments(s, StandardPayables()).ResolvePaymentReview(ctx, cooperativeID, reviewID, res, now)
}
