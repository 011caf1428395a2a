package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// testFindByRange: a range Find lists the records whose index value lies within inclusive
// bounds, ordered byte-wise by value then id, in either direction, page by page; names
// that share a prefix with the index, records without it and other collections stay out.
func testFindByRange(t *testing.T, s cooperative.Store) {
	type rec struct{ id, due string }
	var all []rec
	add := func(due string, extra map[string]string) {
		index := map[string]string{"due": due, "owner": "alice"}
		for k, v := range extra {
			index[k] = v
		}
		r := insert(t, s, cooperative.Record{Collection: "bonds", ID: cooperative.NewID(), Data: []byte(`{}`), Index: index})
		all = append(all, rec{r.ID, due})
	}
	// Dates out of order, ties, a value that extends another, and neighbouring names
	// ("du", "due_at") whose values would fall inside the range if names leaked.
	for _, due := range []string{"2025-03-01", "2024-12-31", "2025-01-15", "2025-01-15", "2025-01-15x", "2024-01-01", "2026-06-30", "2025-01-16"} {
		add(due, map[string]string{"du": "2025-02-01", "due_at": "2025-02-01"})
	}
	insert(t, s, cooperative.Record{Collection: "bonds", ID: cooperative.NewID(), Data: []byte(`{}`),
		Index: map[string]string{"du": "2025-01-20", "due_at": "2025-01-20"}})
	insert(t, s, cooperative.Record{Collection: "others", ID: cooperative.NewID(), Data: []byte(`{}`),
		Index: map[string]string{"due": "2025-01-20"}})
	slices.SortFunc(all, func(a, b rec) int {
		if c := strings.Compare(a.due, b.due); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	want := func(from, to string, desc bool) []string {
		var ids []string
		for _, r := range all {
			if r.due >= from && (to == "" || r.due <= to) {
				ids = append(ids, r.id)
			}
		}
		if desc {
			slices.Reverse(ids)
		}
		return ids
	}
	for _, c := range []struct {
		from, to string
		desc     bool
	}{
		{"2025-01-01", "2025-01-31", false},
		{"2025-01-01", "2025-01-31", true},
		{"2025-01-15", "2025-01-15", false}, // both bounds inclusive; "2025-01-15x" is above
		{"", "2025-01-15", true},            // "on or before": the last first
		{"2025-01-16", "", false},
		{"", "", true},
		{"2027-01-01", "", false}, // nothing
	} {
		for _, limit := range []int{1, 2, 1000} {
			q := cooperative.Query{Collection: "bonds", Index: "due", Limit: limit,
				Range: &cooperative.Range{From: c.from, To: c.to, Descending: c.desc}}
			got, w := findAll(t, s, q), want(c.from, c.to, c.desc)
			if fmt.Sprint(got) != fmt.Sprint(w) {
				t.Fatalf("range [%q, %q] desc=%v limit %d: got %v, want %v", c.from, c.to, c.desc, limit, got, w)
			}
		}
	}
	// The last record due on or before a date is one read.
	page := findPage(t, s, cooperative.Query{Collection: "bonds", Index: "due", Limit: 1,
		Range: &cooperative.Range{To: "2025-01-31", Descending: true}})
	if len(page.Records) != 1 || page.Records[0].Index["due"] != "2025-01-16" || page.Next == "" {
		t.Fatalf("last due on or before 2025-01-31: %+v", page)
	}

	// A changed value moves the record; a deleted record leaves the range.
	var first cooperative.Record
	if err := s.Update(context.Background(), func(tx cooperative.Tx) error {
		rec, err := tx.Get("bonds", all[0].id)
		if err != nil {
			return err
		}
		rec.Index = map[string]string{"due": "2030-01-01"}
		first, err = tx.Replace(rec)
		if err != nil {
			return err
		}
		last, err := tx.Get("bonds", all[len(all)-1].id)
		if err != nil {
			return err
		}
		return tx.Delete(last)
	}); err != nil {
		t.Fatal(err)
	}
	got := findAll(t, s, cooperative.Query{Collection: "bonds", Index: "due", Limit: 3,
		Range: &cooperative.Range{From: "2026-01-01"}})
	if fmt.Sprint(got) != fmt.Sprint([]string{first.ID}) {
		t.Fatalf("after replace and delete: %v, want [%s]", got, first.ID)
	}

	// Byte-wise order: upper case before lower case before any non-ASCII letter.
	for _, w := range []string{"é", "a", "Z", "b"} {
		insert(t, s, cooperative.Record{Collection: "words", ID: cooperative.NewID(), Data: []byte(`{}`),
			Index: map[string]string{"w": w}})
	}
	var order []string
	for _, r := range findPage(t, s, cooperative.Query{Collection: "words", Index: "w",
		Range: &cooperative.Range{}}).Records {
		order = append(order, r.Index["w"])
	}
	if fmt.Sprint(order) != "[Z a b é]" {
		t.Fatalf("byte-wise order: %v", order)
	}

	_, err := find(s, cooperative.Query{Collection: "bonds", Range: &cooperative.Range{}})
	wantCode(t, err, cooperative.EINVALID)
	_, err = find(s, cooperative.Query{Collection: "bonds", Index: "due", Range: &cooperative.Range{}, After: "garbage"})
	wantCode(t, err, cooperative.EINVALID)
}

// testRangePaginationStable: records inserted between pages before the cursor are not
// seen, those after it are, and nothing is seen twice.
func testRangePaginationStable(t *testing.T, s cooperative.Store) {
	for i := range 10 {
		insert(t, s, cooperative.Record{Collection: "bonds", ID: cooperative.NewID(), Data: []byte(`{}`),
			Index: map[string]string{"due": fmt.Sprintf("2025-01-%02d", 10+i)}})
	}
	q := cooperative.Query{Collection: "bonds", Index: "due", Limit: 3, Range: &cooperative.Range{From: "2025-01-01"}}
	seen := map[string]int{}
	var values []string
	for {
		page := findPage(t, s, q)
		for _, r := range page.Records {
			seen[r.ID]++
			values = append(values, r.Index["due"])
		}
		// One before everything read, one after.
		insert(t, s, cooperative.Record{Collection: "bonds", ID: cooperative.NewID(), Data: []byte(`{}`),
			Index: map[string]string{"due": "2025-01-01"}})
		insert(t, s, cooperative.Record{Collection: "bonds", ID: cooperative.NewID(), Data: []byte(`{}`),
			Index: map[string]string{"due": "2025-02-01"}})
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("record %s seen %d times", id, n)
		}
	}
	if !slices.IsSorted(values) || values[0] != "2025-01-10" || values[9] != "2025-01-19" || len(values) < 12 ||
		values[len(values)-1] != "2025-02-01" {
		t.Fatalf("values read: %v", values)
	}
}

func find(s cooperative.Store, q cooperative.Query) (cooperative.Page, error) {
	var page cooperative.Page
	err := s.View(context.Background(), func(tx cooperative.Tx) (err error) {
		page, err = tx.Find(q)
		return err
	})
	return page, err
}

func findPage(t *testing.T, s cooperative.Store, q cooperative.Query) cooperative.Page {
	t.Helper()
	page, err := find(s, q)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// testJournalEntryByKey: an entry is found by its key in its own journal only, as it was
// appended.
func testJournalEntryByKey(t *testing.T, s cooperative.Store) {
	var appended []cooperative.JournalEntry
	for i := range 5 {
		e, _, err := appendEntry(s, "ledger/a", fmt.Sprintf("k%d", i), fmt.Sprintf(`{"i":%d}`, i))
		if err != nil {
			t.Fatal(err)
		}
		appended = append(appended, e)
	}
	if _, _, err := appendEntry(s, "ledger/b", "k3", `{"other":true}`); err != nil {
		t.Fatal(err)
	}
	byKey := func(journal, key string) (cooperative.JournalEntry, error) {
		var e cooperative.JournalEntry
		err := s.View(context.Background(), func(tx cooperative.Tx) (err error) {
			e, err = tx.JournalEntryByKey(journal, key)
			return err
		})
		return e, err
	}
	got, err := byKey("ledger/a", "k3")
	if err != nil {
		t.Fatal(err)
	}
	w := appended[3]
	if got.Journal != w.Journal || got.Seq != w.Seq || got.Key != "k3" || string(got.Data) != `{"i":3}` ||
		!got.RecordedAt.Equal(w.RecordedAt) {
		t.Fatalf("by key: %+v, want %+v", got, w)
	}
	if got, err := byKey("ledger/b", "k3"); err != nil || got.Seq != 1 || string(got.Data) != `{"other":true}` {
		t.Fatalf("other journal: %+v %v", got, err)
	}
	_, err = byKey("ledger/a", "k9")
	wantCode(t, err, cooperative.ENOTFOUND)
	_, err = byKey("ledger/c", "k1")
	wantCode(t, err, cooperative.ENOTFOUND)
	// Inside the appending transaction, the new entry is found at once.
	if err := s.Update(context.Background(), func(tx cooperative.Tx) error {
		e, _, err := tx.Append(cooperative.JournalEntry{Journal: "ledger/a", Key: "k5", Data: []byte(`{}`)})
		if err != nil {
			return err
		}
		got, err := tx.JournalEntryByKey("ledger/a", "k5")
		if err != nil || got.Seq != e.Seq {
			return fmt.Errorf("in the transaction: %+v %v", got, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
