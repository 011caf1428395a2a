// Package cooperative is the core of Kracht's domain: the one error type and its codes,
// the storage port (store.go) and the one transaction runner every write goes through
// (runner.go), dates and money in integer cents, ids, the actor, the cooperative itself,
// the audit log, the secret box, and the record encoding the capabilities store with.
//
// Each capability is a package beneath it, and dependencies run one way:
//
//	cooperative ← ledger, notify ← identity ← membership ← payments ← shares
//
// ledger keeps the journal and the chart of accounts, notify the outbox and the mail
// catalogue, identity sign-in and roles, membership statutes and members, payments the
// money that comes in, shares the register. A capability reaches another only through
// its exported names; payments reach what they take money for through the Payable
// interface it defines, which the capabilities above implement.
package cooperative
