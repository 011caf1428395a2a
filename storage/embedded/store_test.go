package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
	"github.com/kracht-coop/kracht/storage/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cooperative.Store {
		s, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "kracht.db"), embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kracht.db")
	ctx := context.Background()
	s, err := embedded.Open(ctx, path, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := cooperative.NewID()
	if err := s.Update(ctx, func(tx cooperative.Tx) error {
		_, err := tx.Insert(cooperative.Record{Collection: "things", ID: id, Data: []byte(`{"kept":true}`)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = embedded.Open(ctx, path, embedded.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if err := s.View(ctx, func(tx cooperative.Tx) error {
		rec, err := tx.Get("things", id)
		if err == nil && string(rec.Data) != `{"kept":true}` {
			t.Fatalf("data = %s", rec.Data)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestOptionsRejectsUnknownSynchronous(t *testing.T) {
	_, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), embedded.Options{Synchronous: "off"})
	if err == nil {
		t.Fatal("synchronous=off accepted")
	}
}

// BenchmarkSingleDocumentWrite measures transactional single-record writes through the
// port from 32×GOMAXPROCS concurrent writers, as a busy server has them.
func BenchmarkSingleDocumentWrite(b *testing.B) {
	for _, sync := range []string{"full", "normal"} {
		b.Run("synchronous="+sync, func(b *testing.B) {
			s, err := embedded.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), embedded.Options{Synchronous: sync})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			data := []byte(`{"name":"Zonnepark De Kracht","kind":"energy","country":"NL","currency":"EUR"}`)
			b.ResetTimer()
			b.SetParallelism(32) // 64 writers on 2 cores: like a server under load
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.Update(context.Background(), func(tx cooperative.Tx) error {
						_, err := tx.Insert(cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: data,
							Index: map[string]string{"kind": "energy"}})
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

// BenchmarkSingleDocumentWriteSerial is the same write from one goroutine at a time: no
// group commit can help, so this is the floor (one fsync per write).
func BenchmarkSingleDocumentWriteSerial(b *testing.B) {
	s, err := embedded.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := []byte(`{"name":"Zonnepark De Kracht"}`)
	for b.Loop() {
		if err := s.Update(context.Background(), func(tx cooperative.Tx) error {
			_, err := tx.Insert(cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: data})
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

// TestGroupCommitIsolatesFailures runs many concurrent Updates, every third of which
// fails after writing: the failures leave nothing, the others are all stored.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 300
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i] = s.Update(context.Background(), func(tx cooperative.Tx) error {
				if _, err := tx.Insert(cooperative.Record{Collection: "things", ID: fmt.Sprintf("r%03d", i), Data: []byte(`{}`),
					Index: map[string]string{"all": "yes"}}); err != nil {
					return err
				}
				if i%3 == 0 {
					return errors.New("refused")
				}
				if i%50 == 1 {
					panic("a bug in one request")
				}
				return nil
			})
		})
	}
	wg.Wait()
	want := 0
	for i, err := range results {
		switch {
		case i%3 == 0 && err == nil, i%3 != 0 && i%50 == 1 && cooperative.ErrorCode(err) != cooperative.EINTERNAL:
			t.Fatalf("update %d: %v", i, err)
		case i%3 != 0 && i%50 != 1 && err != nil:
			t.Fatalf("update %d failed: %v", i, err)
		case err == nil:
			want++
		}
	}
	got := 0
	q := cooperative.Query{Collection: "things", Index: "all", Value: "yes", Limit: 1000}
	if err := s.View(context.Background(), func(tx cooperative.Tx) error {
		p, err := tx.Find(q)
		for _, r := range p.Records {
			var i int
			fmt.Sscanf(r.ID, "r%03d", &i)
			if i%3 == 0 || i%50 == 1 {
				t.Errorf("record of a failed update %s was stored", r.ID)
			}
		}
		got = len(p.Records)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("%d records stored, want %d", got, want)
	}
}

func TestUpdateAfterCloseIsUnavailable(t *testing.T) {
	s, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	err = s.Update(context.Background(), func(tx cooperative.Tx) error { return nil })
	if cooperative.ErrorCode(err) != cooperative.EUNAVAILABLE {
		t.Fatalf("update after close: %v", err)
	}
}

// BenchmarkReplaceInLargeCollection replaces one record of a collection that holds many
// records with keys: the cost must not grow with the collection.
func BenchmarkReplaceInLargeCollection(b *testing.B) {
	ctx := context.Background()
	s, err := embedded.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), embedded.Options{Synchronous: "normal"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var rec cooperative.Record
	for batch := range 50 {
		if err := s.Update(ctx, func(tx cooperative.Tx) error {
			for i := range 1000 {
				r, err := tx.Insert(cooperative.Record{Collection: "things", ID: fmt.Sprintf("r%02d-%04d", batch, i), Data: []byte(`{}`),
					Unique: map[string]string{"code": fmt.Sprintf("c%d-%d", batch, i)}, Index: map[string]string{"kind": "k"}})
				if err != nil {
					return err
				}
				rec = r
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if err := s.Update(ctx, func(tx cooperative.Tx) (err error) {
			rec, err = tx.Replace(rec)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkViewGet is the read path of a typical GET: one record in a read transaction.
func BenchmarkViewGet(b *testing.B) {
	ctx := context.Background()
	s, err := embedded.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	id := cooperative.NewID()
	if err := s.Update(ctx, func(tx cooperative.Tx) error {
		_, err := tx.Insert(cooperative.Record{Collection: "things", ID: id, Data: []byte(`{"name":"Zonnepark De Kracht"}`)})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.View(ctx, func(tx cooperative.Tx) error {
				_, err := tx.Get("things", id)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
