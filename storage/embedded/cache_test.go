package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.cache == nil {
		t.Skip("no record cache on this system")
	}
	return s
}

func mustGet(t *testing.T, s *Store, id string) cooperative.Record {
	t.Helper()
	rec, err := s.Get(context.Background(), "things", id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func cached(s *Store, id string) bool {
	_, ok := s.cache.get("things", id)
	return ok
}

// TestCacheSeesOtherProcesses: two stores on one file stand for two processes (a server
// and `kracht stripe resync`, say). What one commits, the other's cache drops at once.
func TestCacheSeesOtherProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kracht.db")
	server, tool := openAt(t, path), openAt(t, path)
	ctx := context.Background()
	rec := cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{"n":1}`)}
	if err := tool.Update(ctx, func(tx cooperative.Tx) (err error) { rec, err = tx.Insert(rec); return err }); err != nil {
		t.Fatal(err)
	}
	mustGet(t, server, rec.ID)
	if !cached(server, rec.ID) {
		t.Fatal("a record read once is not cached")
	}
	rec.Data = []byte(`{"n":2}`)
	if err := tool.Update(ctx, func(tx cooperative.Tx) (err error) { rec, err = tx.Replace(rec); return err }); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, server, rec.ID); got.Version != 2 || string(got.Data) != `{"n":2}` {
		t.Fatalf("the server read %+v after the other process changed it", got)
	}
}

// TestCacheAfterDeadCommitter: a process that died between announcing a commit and
// ending it leaves the cache unused (nothing can be trusted), until the next commit.
func TestCacheAfterDeadCommitter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kracht.db")
	s := openAt(t, path)
	ctx := context.Background()
	rec := cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`)}
	if err := s.Update(ctx, func(tx cooperative.Tx) (err error) { rec, err = tx.Insert(rec); return err }); err != nil {
		t.Fatal(err)
	}
	dead, err := openCommitCounter(path + "-commits")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.release()
	dead.begin() // and never end
	mustGet(t, s, rec.ID)
	if cached(s, rec.ID) {
		t.Fatal("cached while a commit looked in flight")
	}
	other := cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`)}
	if err := s.Update(ctx, func(tx cooperative.Tx) error { _, err := tx.Insert(other); return err }); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, rec.ID)
	if !cached(s, rec.ID) {
		t.Fatal("the next commit did not clear the dead one")
	}
}

// TestCacheBounded: the cache never holds more than its limit.
func TestCacheBounded(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "kracht.db"))
	s.cache = newRecordCache(s.commits, 64<<10)
	ctx := context.Background()
	ids := make([]string, 200)
	if err := s.Update(ctx, func(tx cooperative.Tx) error {
		for i := range ids {
			ids[i] = cooperative.NewID()
			data := fmt.Appendf(nil, `{"pad":"%0900d"}`, i)
			if _, err := tx.Insert(cooperative.Record{Collection: "things", ID: ids[i], Data: data}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if got := mustGet(t, s, id); got.ID != id {
			t.Fatalf("got %s for %s", got.ID, id)
		}
	}
	s.cache.mu.Lock()
	size, n := s.cache.size, len(s.cache.items)
	s.cache.mu.Unlock()
	if size > 64<<10 || n == 0 || n == len(ids) {
		t.Fatalf("cache holds %d records, %d bytes (limit %d)", n, size, 64<<10)
	}
}

// BenchmarkGet compares Store.Get served from the cache with a View holding one Get.
func BenchmarkGet(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "kracht.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	rec := cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{"name":"Zonnepark De Kracht","kvk":"12345678"}`)}
	if err := s.Update(ctx, func(tx cooperative.Tx) error { _, err := tx.Insert(rec); return err }); err != nil {
		b.Fatal(err)
	}
	b.Run("Store.Get", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Get(ctx, "things", rec.ID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("View", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.View(ctx, func(tx cooperative.Tx) error { _, err := tx.Get("things", rec.ID); return err }); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
