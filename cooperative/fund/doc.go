// Package fund is the community fund: an account of the ledger (community_fund) that the
// yearly distribution, donated dividends, amounts under the payout threshold and direct
// donations fill; funding rounds in which members propose local projects and vote on
// them, one member one ballot; grants paid in tranches through payouts; and the public
// page where anyone sees every euro in and out.
package fund

// # Rounds, proposals and the vote
//
// The free balance (FreeBalance) is the credit balance of community_fund less what
// rounds not closed still reserve (BudgetCents − GrantedCents). A round's budget is at
// most the free balance when it opens (rule budget_free); every opening writes one
// counter per cooperative, so two rounds opened at once cannot take the same money. A
// grant raises its round's GrantedCents in the same transaction as the entry that takes
// it out of community_fund, so the free balance does not move; closing a round frees
// what it did not grant.
//
// Members propose projects in the proposal window; the board admits or rejects each
// (a rejection with a public reason) until voting opens, then the ballot is fixed. Every
// member active on the record date (admitted on or before it, not ceased by it) has one
// ballot: approval of admitted projects whose budgets together fit the round's budget,
// changed at will until the voting window closes. From two minutes after the close
// (ballots in flight commit), anyone may ask for the count: approvals per project, the
// number of ballots, and Result over them, stored once and never changed.
//
// # Secrecy of the ballot, and its limits
//
// A stored ballot holds its round and the projects approved: no member, no time. Its
// record id is HMAC-SHA256(ballot key, cooperative, round, member), so the member's own
// ballot is found again (to replace it, or to answer "have I voted?") and a member has
// exactly one, while the records alone tie no ballot to anyone: without the key, the
// member ids of a data export do not lead to their ballots. The ballot key is derived
// from KRACHT_SECRETS_KEY (cooperative.SecretBox.DeriveKey); a round records a check of
// it, and a changed key stops the round's ballots instead of letting members vote twice.
// Casting a ballot writes nothing else: no audit entry, no ledger entry, no mail. Only
// the member's own account reads their ballot over the API; the board gets 403.
//
// What this does not protect against: whoever holds both the secrets key and the
// database (the operator, not the board) can compute every member's ballot id. Request
// logs and the database's own history (the embedded store's file order, MongoDB's oplog)
// record when a ballot record was written, and whoever holds them and the access logs
// can link a write to the account that made it. A member's ballot is as secret as the
// server's secrets and logs are kept.
