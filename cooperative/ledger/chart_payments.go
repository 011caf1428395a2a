package ledger

// The accounts payments brings to the chart of accounts (chart.go lists the parts).

// The accounts payments posts to. Refunds payable is its own: money it cannot hand to
// what was paid for (late money, an unmatched transfer) waits there until refunded, and
// the register moves a withdrawn subscription's money there for payments to pay back.
const (
	AccountBank                 AccountCode = "bank"
	AccountStripeClearing       AccountCode = "stripe_clearing"
	AccountBankTransferSuspense AccountCode = "bank_transfer_suspense"
	AccountRefundsPayable       AccountCode = "refunds_payable"
	AccountPaymentFees          AccountCode = "payment_fees_expense"
	// AccountDisputesHeld is money the payment provider withdrew for a dispute, held
	// until the dispute's outcome is recorded (issue 6).
	AccountDisputesHeld AccountCode = "disputes_held"
	// AccountDisputeLosses is disputed money the payer won back: written off from
	// disputes_held when Stripe closes the dispute as lost.
	AccountDisputeLosses AccountCode = "dispute_losses_expense"
)

var paymentsChart = ChartPart{Owner: "payments", Accounts: []Account{
	{Code: AccountBank, Name: "Bank", Type: AccountAsset},
	{Code: AccountStripeClearing, Name: "Payment provider clearing", Type: AccountAsset},
	{Code: AccountDisputesHeld, Name: "Disputed payments held by the payment provider", Type: AccountAsset},
	{Code: AccountBankTransferSuspense, Name: "Bank transfers to be matched", Type: AccountLiability},
	{Code: AccountRefundsPayable, Name: "Refunds payable to members", Type: AccountLiability},
	{Code: AccountPaymentFees, Name: "Payment fees", Type: AccountExpense},
	{Code: AccountDisputeLosses, Name: "Disputed payments lost", Type: AccountExpense},
}}
