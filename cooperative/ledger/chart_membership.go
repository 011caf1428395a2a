package ledger

// The accounts membership brings to the chart of accounts (chart.go lists the parts).

// AccountMembershipFees is the income of membership fees (a payment with purpose
// PurposeMembershipFee is received to it).
const AccountMembershipFees AccountCode = "membership_fees_income"

var membershipChart = ChartPart{Owner: "membership", Accounts: []Account{
	{Code: AccountMembershipFees, Name: "Membership fees", Type: AccountIncome},
}}
