package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestSharedViewsDoNotWaitForEachOther: more shared views at once than the store has
// read connections, each reading inside with View and with Get of records not in the
// cache. Were those inner reads to take a connection of their own, every connection
// would be held by a shared view waiting for one: they use the shared transaction.
func TestSharedViewsDoNotWaitForEachOther(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "k.db"))
	ctx := context.Background()
	const n = 64
	if err := s.Update(ctx, func(tx cooperative.Tx) error {
		for i := range n {
			if _, err := tx.Insert(cooperative.Record{Collection: "things", ID: fmt.Sprint(i), Data: []byte(`{}`)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs <- cooperative.ShareView(ctx, s, func(ctx context.Context) error {
				time.Sleep(10 * time.Millisecond) // all of them hold their view at once
				if _, err := s.Get(ctx, "things", fmt.Sprint(i)); err != nil {
					return err
				}
				return s.View(ctx, func(tx cooperative.Tx) error {
					_, err := tx.Get("things", fmt.Sprint((i+1)%n))
					return err
				})
			})
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
