package shares

import (
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

// Wiring of the payment code to what it pays for: cmd/kracht builds one *Payments with
// it and hands that to the Stripe worker, the bank import and the handlers. It sits here,
// beside the payable it names first, because the tests of those packages build the same
// set.

// StandardPayables is what Kracht takes payments for today: share subscriptions
// (through the register), membership fees (to membership fees income), and bond
// subscriptions (through the bonds' register: their money waits on bond subscriptions in
// advance until allocation), and donations to the community fund (straight to
// community_fund: the fund's donation record only says who gave and whether to name
// them, so the payment code needs nothing of the fund). Statement lines about the
// cooperative's own payouts go to payouts.
func StandardPayables() payments.Payables { return StandardPayablesLinking("") }

// StandardPayablesLinking is StandardPayables whose share receipts link to the member's
// page under linkBaseURL, the web app's public URL ("": no link).
func StandardPayablesLinking(linkBaseURL string) payments.Payables {
	return payments.NewPayables(map[string]payments.Payable{
		payments.PurposeShares:        NewSubscriptionPayableLinking(linkBaseURL),
		payments.PurposeMembershipFee: payments.LedgerPayable{Credit: ledger.AccountMembershipFees},
		payments.PurposeBonds:         bonds.NewSubscriptionPayable(),
		payments.PurposeDonation:      payments.LedgerPayable{Credit: ledger.AccountCommunityFund},
	}).WithOutgoing(payouts.Statement{})
}
