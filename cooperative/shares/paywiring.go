package shares

import (
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

// Wiring of the payment code to what it pays for. It is the one place that knows both
// sides; at the package split it moves to cmd/kracht, which builds one *Payments with it
// and hands that to the Stripe worker, the bank import and the handlers.

// StandardPayables is what Kracht takes payments for today: share subscriptions
// (through the register), membership fees (to membership fees income), and bonds, which
// have no register yet: their money waits on subscriptions received in advance, as it
// always did, until bonds bring a Payable of their own.
func StandardPayables() payments.Payables {
	return payments.NewPayables(map[string]payments.Payable{
		payments.PurposeShares:        NewSubscriptionPayable(),
		payments.PurposeMembershipFee: payments.LedgerPayable{Credit: ledger.AccountMembershipFees},
		payments.PurposeBonds:         payments.LedgerPayable{Credit: ledger.AccountSubscriptionsInAdvance},
	})
}
