package cooperative

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Store is the storage port: everything Kracht persists goes through it. It is kept small
// and generic so that every domain query is written once, above it, and each adapter
// (storage/embedded, storage/mongodb) stays thin. The contract every adapter must honour is
// pinned by storage/storetest.
type Store interface {
	// Update runs fn in one atomic read-write transaction. If fn returns an error, nothing
	// it wrote is kept. An adapter may run fn more than once when the database asks for a
	// retry (a transient conflict), so fn must not have effects outside tx.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Get reads one record outside any transaction: its latest committed version, or an
	// ENOTFOUND error. It is View with a single Get, which an adapter may answer from a
	// cache it keeps exact (the embedded store does, for records read often and changed
	// rarely, such as a cooperative's profile).
	Get(ctx context.Context, collection, id string) (Record, error)
	// Ping reports whether the store can serve requests (for readiness).
	Ping(ctx context.Context) error
	// Close releases the store. Calls after Close fail.
	Close() error
}

// Tx is one transaction. Its methods use the context the transaction was started with.
type Tx interface {
	// Get returns the record, or an ENOTFOUND error.
	Get(collection, id string) (Record, error)
	// Insert stores a new record with Version 1 and returns it. An existing id or a taken
	// unique key is an ECONFLICT error.
	Insert(rec Record) (Record, error)
	// Replace overwrites a record if rec.Version is still its current version and returns
	// it with the next version. A stale version is ECONFLICT; a missing record ENOTFOUND.
	// Unique keys and index entries are replaced by those of rec.
	Replace(rec Record) (Record, error)
	// Delete removes a record at rec.Version (same rules as Replace). It exists for data
	// that is by nature temporary (sessions, throttles, leases); the register and the
	// ledger never delete.
	Delete(rec Record) error
	// Find lists records of a collection in id order, optionally only those with
	// Index[q.Index] == q.Value, starting after the cursor q.After. With q.Range it lists
	// those whose Index[q.Index] lies in the range, in order of (value, id).
	Find(q Query) (Page, error)
	// Append adds an entry to the end of an append-only journal, giving it the next
	// sequence number. The idempotency key is unique per journal: appending a key that is
	// already there returns the stored entry and appended=false, or ECONFLICT if its data
	// differs.
	Append(e JournalEntry) (entry JournalEntry, appended bool, err error)
	// ReadJournal returns up to limit entries with a sequence number above after, in order.
	ReadJournal(journal string, after int64, limit int) ([]JournalEntry, error)
	// JournalEntryByKey returns the entry of a journal with an idempotency key, or an
	// ENOTFOUND error. Both adapters answer it from the index that keeps keys unique.
	JournalEntryByKey(journal, key string) (JournalEntry, error)
}

// Record is one stored document. Data is the domain's own encoding (JSON), opaque to the
// store; Unique and Index are the fields the store must enforce or look up by.
type Record struct {
	Collection string
	ID         string
	Version    int64
	Data       []byte
	// Unique maps a key name to a value that no other record of the collection may hold
	// under the same name (for example "email").
	Unique map[string]string
	// Index maps a field name to a value that Find can look records up by.
	Index map[string]string
}

// Query selects a page of records of one collection.
type Query struct {
	Collection string
	// Index and Value restrict the result to records whose Index[Index] == Value. An empty
	// Index lists the whole collection.
	Index, Value string
	// Range, with an Index, restricts the result to records whose Index[Index] lies in
	// it instead (Value is then ignored), ordered by that value and then by id.
	Range *Range
	// After is the cursor: the id of the last record of the previous page ("" to start),
	// or with a Range the Next of the previous page (see RangeCursor).
	After string
	// Limit is the page size; values below 1 or above MaxPageSize are clamped.
	Limit int
}

// Range bounds an index value for Find. Values are ordered byte-wise, as Go compares
// strings (SQLite's BINARY collation and MongoDB's default comparison both do), so a value
// meant for range reads must sort as its meaning does: a Date (YYYY-MM-DD) does, a number
// only at a fixed width with leading zeros, a compound value such as "<account>/<date>"
// when its leading parts cannot contain the separator.
type Range struct {
	// From and To are inclusive bounds; "" is no bound on that side.
	From, To string
	// Descending lists the highest value first (for "the last one on or before To").
	Descending bool
}

// RangeCursor is the cursor of a range Find after the record with this index value and
// id: Page.Next of a range Find, opaque to the caller. The value's length comes first, so
// a value and an id join without a separator either could contain.
func RangeCursor(value, id string) string { return strconv.Itoa(len(value)) + ":" + value + id }

// ParseRangeCursor splits a RangeCursor into its value and id.
func ParseRangeCursor(cursor string) (value, id string, err error) {
	n, rest, ok := strings.Cut(cursor, ":")
	size, convErr := strconv.Atoi(n)
	if !ok || convErr != nil || size < 0 || size > len(rest) || size == len(rest) {
		return "", "", Errorf(EINVALID, "not a cursor of a range query: %q", cursor)
	}
	return rest[:size], rest[size:], nil
}

// MaxPageSize bounds a page so a query can never load a whole collection at once.
const MaxPageSize = 1000

// Page is one page of a Find. Next is the cursor of the following page, "" when there is
// none. Because records are ordered by id and ids are time-ordered (NewID), pages stay
// stable while records are inserted: a new record never shifts a page already read.
type Page struct {
	Records []Record
	Next    string
}

// JournalEntry is one entry of an append-only journal (the ledger, the audit log, the
// register's events).
type JournalEntry struct {
	Journal    string
	Seq        int64 // assigned by the store: 1, 2, 3, … per journal, without gaps
	Key        string
	Data       []byte
	RecordedAt time.Time // assigned by the store, UTC
}

// ClampLimit returns the page size a Query asks for, bounded to 1..MaxPageSize
// (default 50).
func ClampLimit(limit int) int {
	switch {
	case limit < 1:
		return 50
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

// CheckRecord is what every adapter verifies before writing a record, so both refuse the
// same things.
func CheckRecord(rec Record) error {
	if rec.Collection == "" || rec.ID == "" {
		return Errorf(EINVALID, "a record needs a collection and an id")
	}
	if rec.Data == nil {
		return Errorf(EINVALID, "record %s/%s has no data", rec.Collection, rec.ID)
	}
	for _, keys := range []map[string]string{rec.Unique, rec.Index} {
		for name := range keys {
			if !keyNamePattern.MatchString(name) {
				return Errorf(EINVALID, "record %s/%s has a key named %q (want [a-z0-9_]+)", rec.Collection, rec.ID, name)
			}
		}
	}
	return nil
}

// CheckQuery is what every adapter verifies before a Find: a Range needs an Index.
func CheckQuery(q Query) error {
	if q.Range != nil && q.Index == "" {
		return Errorf(EINVALID, "a range query on %s needs an index", q.Collection)
	}
	return nil
}

// CheckJournalEntry is what every adapter verifies before appending.
func CheckJournalEntry(e JournalEntry) error {
	if e.Journal == "" || e.Key == "" {
		return Errorf(EINVALID, "a journal entry needs a journal and an idempotency key")
	}
	if e.Data == nil {
		return Errorf(EINVALID, "journal entry %s/%s has no data", e.Journal, e.Key)
	}
	return nil
}

// ErrReadOnly is returned by writes inside View.
var ErrReadOnly = Errorf(EINTERNAL, "write in a read-only transaction")

// keyNamePattern keeps key names plain, so an adapter may join a name and a value with "="
// or use the name as a field name (MongoDB gives dots in field names a meaning).
var keyNamePattern = regexp.MustCompile(`^[a-z0-9_]+$`)
