package ledger

// The accounts payouts brings to the chart of accounts (chart.go lists the parts).

// AccountPayoutsInTransit holds money the cooperative has instructed its bank to pay
// (a payout batch marked sent) until the bank statement shows it left the account. It
// is zero when every payout sent has been seen on a statement: what is left on it is
// what the bank has not yet booked.
const AccountPayoutsInTransit AccountCode = "payouts_in_transit"

var payoutsChart = ChartPart{Owner: "payouts", Accounts: []Account{
	{Code: AccountPayoutsInTransit, Name: "Payouts in transit", Type: AccountLiability},
}}
