package ledger

import (
	"testing"

	"github.com/kracht-coop/kracht/cooperative/internal/storedcases"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the ledger collections and journals (see package storedtest).
// Refresh the golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/ledger/ -update

func TestStoredFormatLedger(t *testing.T) {
	storedtest.Run(t, storedcases.GoldenDir, ledgerStoredCases())
}

func TestStoredFormatLedgerCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedcases.GoldenDir, OwnGolden: true,
		MinCollections: 3, MinJournals: 1}, ledgerStoredCases())
}

// ledgerStoredCases returns a case per collection and journal, each written as the domain writes it.
func ledgerStoredCases() []storedtest.Case {
	return storedcases.WithRecords(ledgerStoredRecord, []storedtest.Case{
		{Name: collectionLedgerAccounts, Value: ledgerAccount{Account: "1100", Balance: -150000, Last: "2025-03-14"},
			Decode: storedcases.ViaDecode[ledgerAccount]},
		{Name: collectionLedgerDays, Value: ledgerDay{Movement: 2500, Balance: -150000}, Decode: storedcases.ViaDecode[ledgerDay]},
		{Name: collectionLedgerKept, Value: ledgerKept{Seq: 42}, Decode: storedcases.ViaDecode[ledgerKept]},

		// Journals: the name (it is how entries are found) and the entry's data. Seq and
		// time are the journal's own, not in the data.
		{Name: "journal_ledger", JournalFunc: "LedgerJournal", Value: entryData{BookingDate: "2025-03-16",
			Description: "Payment RF18539007547034", Source: Source{Type: "payment", ID: storedtest.Payment},
			Lines: []Line{{Account: string(AccountBank), Amount: 150000},
				{Account: MemberAccount(AccountMemberCapital, storedtest.Member), Amount: -150000}},
			Reverses: 16}, Decode: storedtest.ViaJSON[entryData]},
	})
}

// ledgerStoredRecord is how the record methods write the values that have one; the rest
// are written with encode, and only their data is pinned.
func ledgerStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	if c.Name == "journal_ledger" {
		return storedcases.JournalRecord(LedgerJournal(storedtest.Coop), c.Value), true
	}
	return storedtest.Record{}, false
}
