package shares

import (
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

// Wiring of the payment code to what it pays for: cmd/kracht builds one *Payments with
// it and hands that to the Stripe worker, the bank import and the handlers. It sits here,
// beside the payable it names first, because the tests of those packages build the same
// set; bonds, when they bring a Payable of their own, replace their line below.

// StandardPayables is what Kracht takes payments for today: share subscriptions
// (through the register), membership fees (to membership fees income), and bonds, which
// have no register yet: their money waits on subscriptions received in advance, as it
// always did, until bonds bring a Payable of their own. Statement lines about the
// cooperative's own payouts go to payouts.
func StandardPayables() payments.Payables {
	return payments.NewPayables(map[string]payments.Payable{
		payments.PurposeShares:        NewSubscriptionPayable(),
		payments.PurposeMembershipFee: payments.LedgerPayable{Credit: ledger.AccountMembershipFees},
		payments.PurposeBonds:         payments.LedgerPayable{Credit: ledger.AccountSubscriptionsInAdvance},
	}).WithOutgoing(payouts.Statement{})
}
