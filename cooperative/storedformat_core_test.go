package cooperative

import (
	"path/filepath"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the core collections and journals (see package storedtest).
// Refresh the golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/ -update

func TestStoredFormatCore(t *testing.T) {
	storedtest.Run(t, storedGoldenDir, coreStoredCases())
}

func TestStoredFormatCoreCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedGoldenDir, OwnGolden: true,
		MinCollections: 1, MinJournals: 1}, coreStoredCases())
}

// coreStoredCases returns a case per collection and journal, each written as the domain writes it.
func coreStoredCases() []storedtest.Case {
	return withStoredRecords(coreStoredRecord, []storedtest.Case{
		{Name: CollectionCooperatives, Value: Cooperative{ID: storedtest.Coop, Name: "Zonnepark Zon", Kind: KindEnergy,
			Country: "NL", Currency: "EUR", RegistrationNumber: "87654321", IBAN: "NL91ABNA0417164300",
			BIC: "ABNANL2A", CreatedAt: storedtest.Time}, Decode: viaDecode[Cooperative]},
		{Name: CollectionAbout, Value: About{CooperativeID: storedtest.Coop, TextNL: "Wij wekken zonnestroom op.",
			TextEN: "We make solar power.", Street: "Dijkweg 1", Postcode: "1234 AB", City: "Zonnedorp",
			Email: "bestuur@example.org", Website: "https://example.org", UpdatedAt: storedtest.Time},
			Decode: viaDecode[About]},
		// Seq is stored as 0: ReadAudit sets it from the journal.
		{Name: "journal_audit", JournalFunc: "auditJournal", Value: AuditEntry{At: storedtest.Time, ActorID: storedtest.User,
			ActorEmail: "board@example.org", ActorRole: "board", CooperativeID: storedtest.Coop, Action: "member.approve",
			ObjectType: "member", ObjectID: storedtest.Member, Before: rawJSON(map[string]string{"status": "applied"}),
			After: rawJSON(map[string]string{"status": "active"}), RequestID: "req-1"},
			Unset: []string{"Seq"}, Decode: storedtest.ViaJSON[AuditEntry]},
		{Name: "journal_audit_platform", JournalFunc: "auditJournal", Value: AuditEntry{At: storedtest.Time,
			ActorID: storedtest.User, ActorEmail: "ops@example.org", ActorRole: "admin", Action: "cooperative.create",
			ObjectType: "cooperative", ObjectID: storedtest.Coop2, After: rawJSON(map[string]string{"name": "Zorg"}),
			RequestID: "req-2"}, Unset: []string{"Seq", "CooperativeID", "Before"},
			Decode: storedtest.ViaJSON[AuditEntry]},
	})
}

// coreStoredRecord is how the record methods write the values that have one; the rest
// are written with encode, and only their data is pinned.
func coreStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	switch c.Name {
	case "journal_audit":
		return journalRecord(auditJournal(storedtest.Coop), c.Value), true
	case "journal_audit_platform":
		return journalRecord(auditJournal(""), c.Value), true
	}
	return storedtest.Record{}, false
}

// storedGoldenDir holds the core's golden files.
var storedGoldenDir = filepath.Join("testdata", "stored")

// withStoredRecords sets each case's Record: as record writes it when record knows the
// value, else as encode writes the value (a journal's entry, or a record written inline).
func withStoredRecords(record func(storedtest.Case) (storedtest.Record, bool), cases []storedtest.Case) []storedtest.Case {
	for i, c := range cases {
		r, ok := record(c)
		if !ok {
			r = storedtest.Record{Collection: c.Name, Data: Encode(c.Value)}
		}
		cases[i].Record = r
	}
	return cases
}

// journalRecord is what every journal writer appends: the journal's name and the
// entry's data.
func journalRecord(journal string, v any) storedtest.Record {
	return storedtest.Record{Journal: journal, Data: Encode(v)}
}

// viaDecode reads data as decode (the domain's record reader) does.
func viaDecode[T any](data []byte) (any, error) {
	var v T
	err := Decode(Record{Collection: "golden", ID: "golden", Data: data}, &v)
	return v, err
}
