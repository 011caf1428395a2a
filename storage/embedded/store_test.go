package embedded_test

import (
	"context"
	"path/filepath"
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
// port, from as many goroutines as GOMAXPROCS (run with -cpu to vary).
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
