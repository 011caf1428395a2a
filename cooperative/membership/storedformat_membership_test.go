package membership

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/internal/storedcases"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the membership collections and journals (see package storedtest).
// Refresh the golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/membership/ -update

func TestStoredFormatMembership(t *testing.T) {
	storedtest.Run(t, storedcases.GoldenDir, membershipStoredCases())
}

func TestStoredFormatMembershipCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedcases.GoldenDir, OwnGolden: true,
		MinCollections: 3, MinJournals: 1}, membershipStoredCases())
}

// membershipStoredCases returns a case per collection and journal, each written as the domain writes it.
func membershipStoredCases() []storedtest.Case {
	day := 24 * time.Hour
	member := Member{ID: storedtest.Member, CooperativeID: storedtest.Coop, Number: 42, Kind: MemberPerson, Name: "Anna de Vries",
		Address:     Address{Street: "Dorpsstraat 1", PostalCode: "1234 AB", City: "Zon", Country: "NL"},
		DateOfBirth: "1980-05-17", RegistrationNumber: "12345678", Email: "anna@example.org",
		IBAN: "NL91ABNA0417164300", Language: "nl", Consent: Consent{StatutesVersion: 2, At: storedtest.Time},
		UserID: storedtest.User, Status: MemberActive, AppliedAt: storedtest.Time, AdmittedOn: "2025-03-15",
		CeasedOn: "2026-01-01", Reason: "moved away", UpdatedAt: storedtest.At(day)}
	// The same member with a payout account of their own: another holder's name, a hold
	// on it, and a change waiting for its link.
	withPayout := member
	withPayout.AccountHolder, withPayout.IBANSuspect = "A. de Vries-Jansen", "a payout was returned: AC04 account closed"
	withPayout.PayoutAccountChange = &PayoutAccountChange{ID: storedtest.Object, IBAN: "BE68539007547034",
		AccountHolder: "A. de Vries", RequestedAt: storedtest.At(day), ExpiresAt: storedtest.At(2 * day)}
	statutes := Statutes{CooperativeID: storedtest.Coop, Version: 2, EffectiveFrom: "2025-01-01",
		ShareClasses: []ShareClass{{Code: "A", Name: "Gewone aandelen", NominalCents: 10000, MinPerMember: 1,
			MaxPerMember: 100, ConfersMembership: true}},
		MembershipFeeCents: 2500, DividendCapBP: 600, NoticePeriodDays: 30, Allocation: AllocationFirstCome,
		AdoptedAt: storedtest.Time}
	return storedcases.WithRecords(membershipStoredRecord, []storedtest.Case{
		// A member whose payout account never changed is stored as before payout accounts
		// existed (the fields are omitted when empty); the history case has them set.
		{Name: collectionMembers, Value: member, Decode: storedcases.ViaDecode[Member],
			Unset: []string{"AccountHolder", "IBANSuspect", "PayoutAccountChange"}},
		{Name: collectionMemberCounter, Value: memberCounter{Next: 43}, Decode: storedcases.ViaDecode[memberCounter]},
		{Name: collectionStatutes, Value: statutesHistory{CooperativeID: storedtest.Coop, Versions: []Statutes{statutes}},
			Decode: storedcases.ViaDecode[statutesHistory]},
		{Name: "journal_member_history", JournalFunc: "memberHistoryJournal", Value: MemberChange{Change: "approve",
			At: storedtest.Time, ActorID: storedtest.User, ActorRole: "board", Member: withPayout}, Decode: storedcases.ViaDecode[MemberChange]},
	})
}

// membershipStoredRecord is how the record methods write the values that have one; the rest
// are written with encode, and only their data is pinned.
func membershipStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	if c.Name == "journal_member_history" {
		return storedcases.JournalRecord(memberHistoryJournal(storedtest.Member), c.Value), true
	}
	if v, ok := c.Value.(Member); ok {
		return storedcases.FromRecord(v.record()), true
	}
	return storedtest.Record{}, false
}
