package identity

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"

	"github.com/kracht-coop/kracht/cooperative/internal/storedcases"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the identity collections and journals (see package storedtest).
// Refresh the golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/identity/ -update

func TestStoredFormatIdentity(t *testing.T) {
	storedtest.Run(t, storedcases.GoldenDir, identityStoredCases())
}

func TestStoredFormatIdentityCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedcases.GoldenDir, OwnGolden: true,
		MinCollections: 9, MinJournals: 0}, identityStoredCases())
}

// identityStoredCases returns a case per collection and journal, each written as the domain writes it.
func identityStoredCases() []storedtest.Case {
	day := 24 * time.Hour
	return storedcases.WithRecords(identityStoredRecord, []storedtest.Case{
		{Name: collectionSweepState, Value: sweepState{Through: "2025-03-13"}, Decode: storedcases.ViaDecode[sweepState]},
		{Name: collectionInvitations, Value: invitation{ID: storedtest.Object, CooperativeID: storedtest.Coop,
			Email: "board@example.org", Role: RoleBoard, Language: "en", InvitedBy: storedtest.User, CreatedAt: storedtest.Time,
			ExpiresAt: storedtest.At(7 * day), AcceptedAt: storedtest.At(day), AcceptedBy: storedtest.User2},
			Decode: storedcases.ViaDecode[invitation]},
		{Name: collectionRecoveryCodes, Value: recoveryCodeSet{UserID: storedtest.User, SetID: storedtest.Object, Key: "sealed:key",
			Codes: []recoveryCode{{Hash: storedtest.Hash, UsedAt: storedtest.Time}}, CreatedAt: storedtest.Time},
			Decode: storedcases.ViaDecode[recoveryCodeSet]},
		{Name: collectionRoleGrants, Value: RoleGrant{CooperativeID: storedtest.Coop, UserID: storedtest.User,
			Email: "board@example.org", Roles: []Role{RoleBoard, RoleAccountant}, CreatedAt: storedtest.Time,
			UpdatedAt: storedtest.At(day)}, Decode: storedcases.ViaDecode[RoleGrant]},
		// A link of another package's purpose, the one kind with a subject; identity's own
		// links leave it out (omitempty), as they were stored before it existed.
		{Name: collectionLinkTokens, Value: linkToken{Purpose: LinkPayoutAccount, UserID: storedtest.User,
			Subject: storedtest.Coop + ":" + storedtest.Member + ":" + storedtest.Object, CreatedAt: storedtest.Time,
			ExpiresAt: storedtest.At(day)}, Decode: storedcases.ViaDecode[linkToken]},
		{Name: collectionSessions, Value: session{ID: storedtest.Object, UserID: storedtest.User, MFA: true, CreatedAt: storedtest.Time,
			ExpiresAt: storedtest.At(30 * day), RefreshedAt: storedtest.At(time.Hour), RevokedAt: storedtest.At(2 * day),
			RevokedReason: "signed out"}, Decode: storedcases.ViaDecode[session]},
		{Name: collectionRefreshTokens, Value: refreshToken{SessionID: storedtest.Object, Spent: true, CreatedAt: storedtest.Time},
			Decode: storedcases.ViaDecode[refreshToken]},
		{Name: collectionThrottles, Value: throttleCounter{Count: 3, WindowStart: storedtest.Time,
			ResetsAt: storedtest.At(15 * time.Minute)}, Decode: storedcases.ViaDecode[throttleCounter]},
		{Name: collectionUsers, Value: storedUser{ID: storedtest.User, Email: "anna@example.org", EmailVerified: true,
			Language: "nl", PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", PlatformAdmin: true,
			TOTP: totpState{Secret: "sealed:secret", Pending: "sealed:pending", PendingUntil: storedtest.At(10 * time.Minute),
				Enabled: true, LastStep: 58073696},
			CreatedAt: storedtest.Time, PasswordChangedAt: storedtest.At(day)}, Decode: storedcases.ViaDecode[storedUser]},
	})
}

// identityStoredRecord is how the record methods write the values that have one; the rest
// are written with encode, and only their data is pinned.
func identityStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	switch v := c.Value.(type) {
	case invitation:
		return storedcases.FromRecord(v.record(storedtest.Hash)), true
	case recoveryCodeSet:
		return storedcases.FromRecord(v.record()), true
	case RoleGrant:
		return storedcases.FromRecord(v.record()), true
	case refreshToken:
		return storedcases.FromRecord(v.record(storedtest.Hash, 0)), true
	case session:
		return storedcases.FromRecord(v.record()), true
	case storedUser:
		return storedcases.FromRecord(v.record()), true
	case throttleCounter:
		return storedtest.Record{Collection: c.Name, Index: sweepIndexOf(v), Data: cooperative.Encode(v)}, true
	}
	return storedtest.Record{}, false
}
