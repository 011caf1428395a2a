// Package storetest is the contract of cooperative.Store: one suite that every adapter
// must pass, run against the embedded store always and against MongoDB when it is there.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// Open returns a new, empty store for one test; the suite closes it.
type Open func(t *testing.T) cooperative.Store

// Run runs the whole contract against stores made by open.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(*testing.T, cooperative.Store)
	}{
		{"GetMissingIsNotFound", testNotFound},
		{"InsertThenGet", testInsertGet},
		{"InsertDuplicateID", testDuplicateID},
		{"ReplaceBumpsVersion", testReplace},
		{"ConcurrentWritersOneWins", testVersionConflict},
		{"UniqueKeyViolation", testUniqueKey},
		{"UniqueKeyFreedByReplace", testUniqueKeyFreed},
		{"ReplaceKeepingKeys", testReplaceKeepingKeys},
		{"GetOutsideTransaction", testStoreGet},
		{"GetSeesEachCommitAtOnce", testStoreGetConcurrent},
		{"FailedTransactionLeavesNothing", testRollback},
		{"FindByIndex", testFindByIndex},
		{"PaginationStableWhileInserting", testPaginationStable},
		{"JournalOrder", testJournalOrder},
		{"JournalIdempotentAppend", testJournalIdempotent},
		{"JournalConcurrentAppendsGapFree", testJournalConcurrent},
		{"DeleteWithVersion", testDelete},
		{"ViewIsReadOnly", testViewReadOnly},
		{"BadKeyNamesRefused", testBadKeyNames},
		{"FindByRange", testFindByRange},
		{"RangePaginationStable", testRangePaginationStable},
		{"JournalEntryByKey", testJournalEntryByKey},
		{"LedgerBalancesKept", testLedgerBalancesKept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := cooperative.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func insert(t *testing.T, s cooperative.Store, rec cooperative.Record) cooperative.Record {
	t.Helper()
	var out cooperative.Record
	if err := s.Update(context.Background(), func(tx cooperative.Tx) (err error) {
		out, err = tx.Insert(rec)
		return err
	}); err != nil {
		t.Fatalf("insert %s: %v", rec.ID, err)
	}
	return out
}

func get(s cooperative.Store, collection, id string) (cooperative.Record, error) {
	var rec cooperative.Record
	err := s.View(context.Background(), func(tx cooperative.Tx) (err error) {
		rec, err = tx.Get(collection, id)
		return err
	})
	return rec, err
}

func testNotFound(t *testing.T, s cooperative.Store) {
	_, err := get(s, "things", cooperative.NewID())
	wantCode(t, err, cooperative.ENOTFOUND)
}

func testInsertGet(t *testing.T, s cooperative.Store) {
	id := cooperative.NewID()
	in := cooperative.Record{Collection: "things", ID: id, Data: []byte(`{"n":1}`),
		Unique: map[string]string{"code": "A"}, Index: map[string]string{"owner": "x"}}
	out := insert(t, s, in)
	if out.Version != 1 {
		t.Fatalf("version after insert = %d, want 1", out.Version)
	}
	got, err := get(s, "things", id)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Data) != `{"n":1}` || got.Version != 1 || got.Unique["code"] != "A" || got.Index["owner"] != "x" {
		t.Fatalf("got %+v", got)
	}
	// The same id in another collection is another record.
	if _, err := get(s, "others", id); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("other collection: %v", err)
	}
}

func testDuplicateID(t *testing.T, s cooperative.Store) {
	rec := cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`)}
	insert(t, s, rec)
	err := s.Update(context.Background(), func(tx cooperative.Tx) error {
		_, err := tx.Insert(rec)
		return err
	})
	wantCode(t, err, cooperative.ECONFLICT)
}

func testReplace(t *testing.T, s cooperative.Store) {
	rec := insert(t, s, cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{"n":1}`)})
	rec.Data = []byte(`{"n":2}`)
	var out cooperative.Record
	if err := s.Update(context.Background(), func(tx cooperative.Tx) (err error) {
		out, err = tx.Replace(rec)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if out.Version != 2 {
		t.Fatalf("version = %d, want 2", out.Version)
	}
	got, _ := get(s, "things", rec.ID)
	if string(got.Data) != `{"n":2}` || got.Version != 2 {
		t.Fatalf("got %+v", got)
	}
	// Replacing a record that does not exist is not found, not a conflict.
	missing := cooperative.Record{Collection: "things", ID: cooperative.NewID(), Version: 1, Data: []byte(`{}`)}
	err := s.Update(context.Background(), func(tx cooperative.Tx) error { _, err := tx.Replace(missing); return err })
	wantCode(t, err, cooperative.ENOTFOUND)
}

// testVersionConflict has two writers read the same version and then both write it,
// really at the same time: exactly one wins and the other gets ECONFLICT.
func testVersionConflict(t *testing.T, s cooperative.Store) {
	rec := insert(t, s, cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{"n":0}`)})
	var (
		start = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make([]error, 2)
	)
	for i := range errs {
		wg.Go(func() {
			<-start
			mine := rec
			mine.Data = fmt.Appendf(nil, `{"n":%d}`, i+1)
			errs[i] = s.Update(context.Background(), func(tx cooperative.Tx) error {
				_, err := tx.Replace(mine)
				return err
			})
		})
	}
	close(start)
	wg.Wait()
	var won, conflicted int
	for _, err := range errs {
		switch cooperative.ErrorCode(err) {
		case "":
			won++
		case cooperative.ECONFLICT:
			conflicted++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if won != 1 || conflicted != 1 {
		t.Fatalf("won=%d conflicted=%d, want 1 and 1", won, conflicted)
	}
	got, _ := get(s, "things", rec.ID)
	if got.Version != 2 {
		t.Fatalf("version = %d, want 2", got.Version)
	}
}

func testUniqueKey(t *testing.T, s cooperative.Store) {
	insert(t, s, cooperative.Record{Collection: "users", ID: cooperative.NewID(), Data: []byte(`{}`),
		Unique: map[string]string{"email": "a@example.org"}})
	second := cooperative.Record{Collection: "users", ID: cooperative.NewID(), Data: []byte(`{}`),
		Unique: map[string]string{"email": "a@example.org"}}
	err := s.Update(context.Background(), func(tx cooperative.Tx) error { _, err := tx.Insert(second); return err })
	wantCode(t, err, cooperative.ECONFLICT)
	if _, err := get(s, "users", second.ID); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("the refused record was stored: %v", err)
	}
	// The same value under the same name in another collection does not collide.
	insert(t, s, cooperative.Record{Collection: "applicants", ID: cooperative.NewID(), Data: []byte(`{}`),
		Unique: map[string]string{"email": "a@example.org"}})
}

func testUniqueKeyFreed(t *testing.T, s cooperative.Store) {
	first := insert(t, s, cooperative.Record{Collection: "users", ID: cooperative.NewID(), Data: []byte(`{}`),
		Unique: map[string]string{"email": "old@example.org"}})
	first.Unique = map[string]string{"email": "new@example.org"}
	if err := s.Update(context.Background(), func(tx cooperative.Tx) error { _, err := tx.Replace(first); return err }); err != nil {
		t.Fatal(err)
	}
	// The old value is free again, the new one is taken.
	insert(t, s, cooperative.Record{Collection: "users", ID: cooperative.NewID(), Data: []byte(`{}`),
		Unique: map[string]string{"email": "old@example.org"}})
	err := s.Update(context.Background(), func(tx cooperative.Tx) error {
		_, err := tx.Insert(cooperative.Record{Collection: "users", ID: cooperative.NewID(), Data: []byte(`{}`),
			Unique: map[string]string{"email": "new@example.org"}})
		return err
	})
	wantCode(t, err, cooperative.ECONFLICT)
}

// testReplaceKeepingKeys replaces a record's data but not its keys, which an adapter may
// do without touching them: they still hold, a stale version is still refused, and a
// later change of keys still moves them.
func testReplaceKeepingKeys(t *testing.T, s cooperative.Store) {
	keys := func(code, owner string) (map[string]string, map[string]string) {
		return map[string]string{"code": code}, map[string]string{"owner": owner}
	}
	rec := cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{"n":1}`)}
	rec.Unique, rec.Index = keys("A", "o1")
	rec = insert(t, s, rec)
	replace := func(r cooperative.Record) (cooperative.Record, error) {
		var out cooperative.Record
		err := s.Update(context.Background(), func(tx cooperative.Tx) (err error) {
			out, err = tx.Replace(r)
			return err
		})
		return out, err
	}
	stale := rec
	rec.Data = []byte(`{"n":2}`)
	rec.Unique, rec.Index = keys("A", "o1") // equal maps, not the same ones
	rec, err := replace(rec)
	if err != nil || rec.Version != 2 {
		t.Fatalf("replace: version %d, %v", rec.Version, err)
	}
	stale.Data = []byte(`{"n":99}`)
	_, err = replace(stale)
	wantCode(t, err, cooperative.ECONFLICT)
	if got, _ := get(s, "things", rec.ID); string(got.Data) != `{"n":2}` || got.Version != 2 || got.Index["owner"] != "o1" {
		t.Fatalf("got %+v", got)
	}
	if ids := findAll(t, s, cooperative.Query{Collection: "things", Index: "owner", Value: "o1"}); len(ids) != 1 {
		t.Fatalf("found by its kept index: %v", ids)
	}
	taken := cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`)}
	taken.Unique, _ = keys("A", "")
	err = s.Update(context.Background(), func(tx cooperative.Tx) error { _, err := tx.Insert(taken); return err })
	wantCode(t, err, cooperative.ECONFLICT)

	rec.Unique, rec.Index = keys("B", "o2")
	if _, err := replace(rec); err != nil {
		t.Fatal(err)
	}
	if ids := findAll(t, s, cooperative.Query{Collection: "things", Index: "owner", Value: "o1"}); len(ids) != 0 {
		t.Fatalf("still found by the old index: %v", ids)
	}
	if ids := findAll(t, s, cooperative.Query{Collection: "things", Index: "owner", Value: "o2"}); len(ids) != 1 {
		t.Fatalf("not found by the new index: %v", ids)
	}
	insert(t, s, taken) // "A" is free again
}

// testStoreGet: Store.Get answers what a View would, at once after each change, and a
// caller changing what it got changes nothing stored.
func testStoreGet(t *testing.T, s cooperative.Store) {
	ctx := context.Background()
	id := cooperative.NewID()
	if _, err := s.Get(ctx, "things", id); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("missing record: %v", err)
	}
	rec := insert(t, s, cooperative.Record{Collection: "things", ID: id, Data: []byte(`{"n":1}`),
		Index: map[string]string{"owner": "o"}})
	for range 3 { // an adapter with a cache has it from the second read on
		got, err := s.Get(ctx, "things", id)
		if err != nil || got.Version != 1 || string(got.Data) != `{"n":1}` || got.Index["owner"] != "o" {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		got.Data[0], got.Index["owner"] = 'X', "changed by the caller"
	}
	rec.Data = []byte(`{"n":2}`)
	if err := s.Update(ctx, func(tx cooperative.Tx) (err error) { rec, err = tx.Replace(rec); return err }); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "things", id); err != nil || got.Version != 2 || string(got.Data) != `{"n":2}` || got.Index["owner"] != "o" {
		t.Fatalf("Get after Replace = %+v, %v", got, err)
	}
	if err := s.Update(ctx, func(tx cooperative.Tx) error { return tx.Delete(rec) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "things", id); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("Get after Delete: %v", err)
	}
}

// testStoreGetConcurrent: while readers call Get as fast as they can, a writer replaces
// a record again and again. Each Update is seen by the next Get, and no reader ever sees
// a version go back.
func testStoreGetConcurrent(t *testing.T, s cooperative.Store) {
	ctx := context.Background()
	rec := insert(t, s, cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{"n":1}`)})
	id := rec.ID
	const writes = 200
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			var last int64
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := s.Get(ctx, "things", id)
				if err == nil && got.Version < last {
					err = fmt.Errorf("version went back from %d to %d", last, got.Version)
				}
				if err != nil {
					errs <- err
					return
				}
				last = got.Version
			}
		})
	}
	for i := range writes {
		rec.Data = fmt.Appendf(nil, `{"n":%d}`, i+2)
		if err := s.Update(ctx, func(tx cooperative.Tx) (err error) { rec, err = tx.Replace(rec); return err }); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, "things", rec.ID); err != nil || got.Version != rec.Version || !bytes.Equal(got.Data, rec.Data) {
			t.Fatalf("Get right after Update %d = %+v, %v; want version %d", i, got, err, rec.Version)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func testRollback(t *testing.T, s cooperative.Store) {
	existing := insert(t, s, cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{"n":1}`)})
	newID := cooperative.NewID()
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx cooperative.Tx) error {
		if _, err := tx.Insert(cooperative.Record{Collection: "things", ID: newID, Data: []byte(`{}`),
			Unique: map[string]string{"code": "X"}, Index: map[string]string{"owner": "o"}}); err != nil {
			return err
		}
		changed := existing
		changed.Data = []byte(`{"n":99}`)
		if _, err := tx.Replace(changed); err != nil {
			return err
		}
		if _, _, err := tx.Append(cooperative.JournalEntry{Journal: "j", Key: "k1", Data: []byte(`{}`)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	if _, err := get(s, "things", newID); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("inserted record survived the rollback: %v", err)
	}
	if got, _ := get(s, "things", existing.ID); string(got.Data) != `{"n":1}` || got.Version != 1 {
		t.Fatalf("replaced record survived the rollback: %+v", got)
	}
	_ = s.View(context.Background(), func(tx cooperative.Tx) error {
		if p, err := tx.Find(cooperative.Query{Collection: "things", Index: "owner", Value: "o"}); err != nil || len(p.Records) != 0 {
			t.Fatalf("index entry survived: %v %v", p.Records, err)
		}
		if es, err := tx.ReadJournal("j", 0, 10); err != nil || len(es) != 0 {
			t.Fatalf("journal entry survived: %v %v", es, err)
		}
		return nil
	})
	// The unique key is free.
	insert(t, s, cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`),
		Unique: map[string]string{"code": "X"}})
}

func testFindByIndex(t *testing.T, s cooperative.Store) {
	var mine []string
	for i := range 7 {
		owner := "alice"
		if i%2 == 1 {
			owner = "bob"
		}
		rec := insert(t, s, cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`),
			Index: map[string]string{"owner": owner}})
		if owner == "alice" {
			mine = append(mine, rec.ID)
		}
	}
	got := findAll(t, s, cooperative.Query{Collection: "things", Index: "owner", Value: "alice", Limit: 3})
	if fmt.Sprint(got) != fmt.Sprint(mine) {
		t.Fatalf("found %v, want %v", got, mine)
	}
	if all := findAll(t, s, cooperative.Query{Collection: "things", Limit: 2}); len(all) != 7 {
		t.Fatalf("whole collection: %d records, want 7", len(all))
	}
}

// findAll follows the cursor to the end.
func findAll(t *testing.T, s cooperative.Store, q cooperative.Query) []string {
	t.Helper()
	var ids []string
	for {
		var page cooperative.Page
		if err := s.View(context.Background(), func(tx cooperative.Tx) (err error) {
			page, err = tx.Find(q)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Records {
			ids = append(ids, r.ID)
		}
		if page.Next == "" {
			return ids
		}
		q.After = page.Next
	}
}

// testPaginationStable reads a collection page by page while other records are inserted
// between the pages: every record that existed at the start is seen exactly once.
func testPaginationStable(t *testing.T, s cooperative.Store) {
	before := map[string]bool{}
	for range 25 {
		rec := insert(t, s, cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`),
			Index: map[string]string{"kind": "k"}})
		before[rec.ID] = true
	}
	seen := map[string]int{}
	q := cooperative.Query{Collection: "things", Index: "kind", Value: "k", Limit: 4}
	for {
		var page cooperative.Page
		if err := s.View(context.Background(), func(tx cooperative.Tx) (err error) {
			page, err = tx.Find(q)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Records {
			seen[r.ID]++
		}
		// Someone inserts between two pages.
		insert(t, s, cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`),
			Index: map[string]string{"kind": "k"}})
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	for id := range before {
		if seen[id] != 1 {
			t.Fatalf("record %s seen %d times", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("record %s seen %d times", id, n)
		}
	}
}

func appendEntry(s cooperative.Store, journal, key, data string) (cooperative.JournalEntry, bool, error) {
	var (
		e        cooperative.JournalEntry
		appended bool
	)
	err := s.Update(context.Background(), func(tx cooperative.Tx) (err error) {
		e, appended, err = tx.Append(cooperative.JournalEntry{Journal: journal, Key: key, Data: []byte(data)})
		return err
	})
	return e, appended, err
}

func readJournal(t *testing.T, s cooperative.Store, journal string, after int64, limit int) []cooperative.JournalEntry {
	t.Helper()
	var es []cooperative.JournalEntry
	if err := s.View(context.Background(), func(tx cooperative.Tx) (err error) {
		es, err = tx.ReadJournal(journal, after, limit)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return es
}

func testJournalOrder(t *testing.T, s cooperative.Store) {
	for i := range 10 {
		if _, _, err := appendEntry(s, "ledger/a", fmt.Sprintf("k%d", i), fmt.Sprintf(`{"i":%d}`, i)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := appendEntry(s, "ledger/b", fmt.Sprintf("k%d", i), `{}`); err != nil {
			t.Fatal(err)
		}
	}
	es := readJournal(t, s, "ledger/a", 0, 100)
	if len(es) != 10 {
		t.Fatalf("%d entries, want 10", len(es))
	}
	for i, e := range es {
		if e.Seq != int64(i+1) || string(e.Data) != fmt.Sprintf(`{"i":%d}`, i) || e.RecordedAt.IsZero() {
			t.Fatalf("entry %d = %+v", i, e)
		}
	}
	if rest := readJournal(t, s, "ledger/a", 7, 100); len(rest) != 3 || rest[0].Seq != 8 {
		t.Fatalf("after 7: %+v", rest)
	}
	if page := readJournal(t, s, "ledger/a", 0, 4); len(page) != 4 || page[3].Seq != 4 {
		t.Fatalf("limit 4: %+v", page)
	}
}

func testJournalIdempotent(t *testing.T, s cooperative.Store) {
	first, appended, err := appendEntry(s, "ledger/a", "payment-1", `{"amount":100}`)
	if err != nil || !appended {
		t.Fatalf("first append: %v %v", appended, err)
	}
	again, appended, err := appendEntry(s, "ledger/a", "payment-1", `{"amount":100}`)
	if err != nil || appended || again.Seq != first.Seq {
		t.Fatalf("second append: %+v appended=%v err=%v", again, appended, err)
	}
	_, _, err = appendEntry(s, "ledger/a", "payment-1", `{"amount":999}`)
	wantCode(t, err, cooperative.ECONFLICT)
	if es := readJournal(t, s, "ledger/a", 0, 10); len(es) != 1 {
		t.Fatalf("%d entries, want 1", len(es))
	}
}

// testJournalConcurrentAppendsGapFree appends from many goroutines, some with the same
// key: every key lands once and the sequence has no gaps.
func testJournalConcurrent(t *testing.T, s cooperative.Store) {
	const writers, keys = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*keys)
	for w := range writers {
		wg.Go(func() {
			for k := range keys {
				if k%writers != w && k%3 != 0 { // keys divisible by 3 are appended by every writer
					continue
				}
				if _, _, err := appendEntry(s, "ledger/c", fmt.Sprintf("k%d", k), `{}`); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	es := readJournal(t, s, "ledger/c", 0, 1000)
	if len(es) != keys {
		t.Fatalf("%d entries, want %d", len(es), keys)
	}
	for i, e := range es {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
	}
}

func testDelete(t *testing.T, s cooperative.Store) {
	rec := insert(t, s, cooperative.Record{Collection: "sessions", ID: cooperative.NewID(), Data: []byte(`{}`),
		Unique: map[string]string{"token": "t"}})
	stale := rec
	stale.Version = 7
	err := s.Update(context.Background(), func(tx cooperative.Tx) error { return tx.Delete(stale) })
	wantCode(t, err, cooperative.ECONFLICT)
	if err := s.Update(context.Background(), func(tx cooperative.Tx) error { return tx.Delete(rec) }); err != nil {
		t.Fatal(err)
	}
	if _, err := get(s, "sessions", rec.ID); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("deleted record still there: %v", err)
	}
	insert(t, s, cooperative.Record{Collection: "sessions", ID: cooperative.NewID(), Data: []byte(`{}`),
		Unique: map[string]string{"token": "t"}})
}

func testViewReadOnly(t *testing.T, s cooperative.Store) {
	err := s.View(context.Background(), func(tx cooperative.Tx) error {
		_, err := tx.Insert(cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`)})
		return err
	})
	if err == nil {
		t.Fatal("insert inside View succeeded")
	}
}

func testBadKeyNames(t *testing.T, s cooperative.Store) {
	for _, name := range []string{"", "a.b", "a=b", "Email"} {
		err := s.Update(context.Background(), func(tx cooperative.Tx) error {
			_, err := tx.Insert(cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`),
				Unique: map[string]string{name: "v"}})
			return err
		})
		wantCode(t, err, cooperative.EINVALID)
	}
}
