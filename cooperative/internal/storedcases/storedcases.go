// Package storedcases builds the stored-format cases of the capability packages the way
// the domain writes records (cooperative.Encode) and reads them (cooperative.Decode).
// Only tests import it; the core's own test keeps these few lines itself, since the core
// cannot import a package that imports it.
package storedcases

import (
	"path/filepath"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// GoldenDir is where a package's golden files are, from its own test.
var GoldenDir = filepath.Join("testdata", "stored")

// WithRecords sets each case's Record: as record writes it when record knows the value,
// else as Encode writes the value (a journal's entry, or a record written inline).
func WithRecords(record func(storedtest.Case) (storedtest.Record, bool), cases []storedtest.Case) []storedtest.Case {
	for i, c := range cases {
		r, ok := record(c)
		if !ok {
			r = storedtest.Record{Collection: c.Name, Data: cooperative.Encode(c.Value)}
		}
		cases[i].Record = r
	}
	return cases
}

// JournalRecord is what every journal writer appends: the journal's name and the entry's
// data.
func JournalRecord(journal string, v any) storedtest.Record {
	return storedtest.Record{Journal: journal, Data: cooperative.Encode(v)}
}

// FromRecord is the stored form of a record.
func FromRecord(r cooperative.Record) storedtest.Record {
	return storedtest.Record{Collection: r.Collection, ID: r.ID, Unique: r.Unique, Index: r.Index, Data: r.Data}
}

// ViaDecode reads data as Decode (the domain's record reader) does.
func ViaDecode[T any](data []byte) (any, error) {
	var v T
	err := cooperative.Decode(cooperative.Record{Collection: "golden", ID: "golden", Data: data}, &v)
	return v, err
}
