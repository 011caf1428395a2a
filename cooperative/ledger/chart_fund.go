package ledger

import "github.com/kracht-coop/kracht/cooperative"

// The accounts the community fund brings to the chart of accounts (chart.go lists the
// parts). The fund itself (community_fund) is the distribution's, which posts to it
// first; donations credit it directly.

// AccountGrantsPayable is what the fund has awarded to projects and not yet paid: an
// award moves it off community_fund (Dr community_fund / Cr grants payable), and each
// tranche is owed from it through payouts.
const AccountGrantsPayable AccountCode = "grants_payable"

var fundChart = ChartPart{Owner: "fund", Accounts: []Account{
	{Code: AccountGrantsPayable, Name: "Grants payable to projects", Type: AccountLiability},
}}

// EachEntry calls fn for every entry of a cooperative's ledger, in order, inside tx:
// for readers that must see the journal and other records in one snapshot (the fund's
// public page).
func EachEntry(tx cooperative.Tx, cooperativeID string, fn func(Entry) error) error {
	return foldLedgerAfter(tx, cooperativeID, 0, fn)
}
