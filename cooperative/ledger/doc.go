// Package ledger is the double-entry journal of each cooperative: balanced entries in
// integer cents, idempotent by key, with balances kept per account and booking date in
// the posting's transaction, and the trial balance on any date. The chart of accounts
// is closed: each capability's accounts are in chart_<capability>.go, and a posting to
// an account outside it is refused.
package ledger
