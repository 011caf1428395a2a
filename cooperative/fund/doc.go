// Package fund is the community fund: an account of the ledger (community_fund) that the
// yearly distribution, donated dividends, amounts under the payout threshold and direct
// donations fill; funding rounds in which members propose local projects and vote on
// them, one member one ballot; grants paid in tranches through payouts; and the public
// page where anyone sees every euro in and out.
package fund
