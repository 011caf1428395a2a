package ledger

// The accounts the yearly distribution brings to the chart of accounts (chart.go lists
// the parts).

// The year's result, as the accountant's books give it, is appropriated from result for
// appropriation: to the reserves, to the community fund, and to the members (dividends
// and patronage refunds payable, less what is withheld for the tax authority). What the
// members reinvest becomes member capital; what they donate goes to the fund. What is not
// appropriated stays on result for appropriation (carried forward).
const (
	AccountResultForAppropriation AccountCode = "result_for_appropriation"
	AccountReserves               AccountCode = "reserves"
	AccountCommunityFund          AccountCode = "community_fund"
	AccountDividendsPayable       AccountCode = "dividends_payable"
)

var distributionChart = ChartPart{Owner: "distribution", Accounts: []Account{
	{Code: AccountResultForAppropriation, Name: "Result for appropriation", Type: AccountEquity},
	{Code: AccountReserves, Name: "Reserves", Type: AccountEquity},
	{Code: AccountCommunityFund, Name: "Community fund", Type: AccountLiability},
	{Code: AccountDividendsPayable, Name: "Dividends and patronage refunds payable", Type: AccountLiability},
}}
