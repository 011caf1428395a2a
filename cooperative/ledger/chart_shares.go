package ledger

// The accounts shares brings to the chart of accounts (chart.go lists the parts).

// The accounts of the register: money for a subscription waits in advance until its
// shares are allocated, then becomes member capital (and premium above par).
const (
	AccountSubscriptionsInAdvance AccountCode = "subscriptions_received_in_advance"
	AccountMemberCapital          AccountCode = "member_capital"
	AccountSharePremium           AccountCode = "share_premium"
)

var sharesChart = ChartPart{Owner: "shares", Accounts: []Account{
	{Code: AccountSubscriptionsInAdvance, Name: "Subscriptions received in advance", Type: AccountLiability},
	{Code: AccountMemberCapital, Name: "Member capital", Type: AccountEquity, PerMember: true},
	{Code: AccountSharePremium, Name: "Share premium", Type: AccountEquity},
}}
