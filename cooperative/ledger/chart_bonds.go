package ledger

// The accounts bonds brings to the chart of accounts (chart.go lists the parts).

// Money for bond units waits in advance until the units are allocated, then is the
// principal the cooperative owes the holders (bonds outstanding). A payment run moves
// what is due to the holders' payables: interest is an expense, principal comes off
// the bonds outstanding, and what is withheld for the tax authority waits on
// withholding tax payable.
const (
	AccountBondSubscriptionsInAdvance AccountCode = "bond_subscriptions_in_advance"
	AccountBondsOutstanding           AccountCode = "bonds_outstanding"
	AccountBondPaymentsPayable        AccountCode = "bond_payments_payable"
	AccountBondInterestExpense        AccountCode = "bond_interest_expense"
	AccountWithholdingTaxPayable      AccountCode = "withholding_tax_payable"
	// AccountBondRedemptionPenalties is what holders pay to redeem early (months of
	// interest, as the terms of the issue say).
	AccountBondRedemptionPenalties AccountCode = "bond_redemption_penalties_income"
)

var bondsChart = ChartPart{Owner: "bonds", Accounts: []Account{
	{Code: AccountBondSubscriptionsInAdvance, Name: "Bond subscriptions received in advance", Type: AccountLiability},
	{Code: AccountBondsOutstanding, Name: "Member bonds outstanding", Type: AccountLiability},
	{Code: AccountBondPaymentsPayable, Name: "Bond interest and principal payable to holders", Type: AccountLiability},
	{Code: AccountBondInterestExpense, Name: "Interest on member bonds", Type: AccountExpense},
	{Code: AccountWithholdingTaxPayable, Name: "Withholding tax payable", Type: AccountLiability},
	{Code: AccountBondRedemptionPenalties, Name: "Early redemption penalties", Type: AccountIncome},
}}
