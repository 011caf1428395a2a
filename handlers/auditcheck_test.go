package handlers

import (
	"context"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// auditChecked wraps the test servers' store: a transaction that posts to a ledger
// without writing an audit entry fails the test. Every money event is a ledger entry, so
// every test that moves money checks that the move is audited, in its transaction.
func auditChecked(t testing.TB, s cooperative.Store) cooperative.Store {
	return auditCheckStore{Store: s, t: t}
}

type auditCheckStore struct {
	cooperative.Store
	t testing.TB
}

func (s auditCheckStore) Update(ctx context.Context, fn func(cooperative.Tx) error) error {
	return s.Store.Update(ctx, func(tx cooperative.Tx) error {
		w := &journalWatch{Tx: tx}
		if err := fn(w); err != nil {
			return err
		}
		if len(w.posted) > 0 && !w.audited {
			s.t.Errorf("a transaction posted %v to the ledger without an audit entry", w.posted)
		}
		return nil
	})
}

type journalWatch struct {
	cooperative.Tx
	posted  []string
	audited bool
}

func (w *journalWatch) Append(e cooperative.JournalEntry) (cooperative.JournalEntry, bool, error) {
	je, appended, err := w.Tx.Append(e)
	if err == nil && appended {
		switch {
		case strings.HasPrefix(e.Journal, "ledger/"):
			w.posted = append(w.posted, e.Key)
		case strings.HasPrefix(e.Journal, "audit/"):
			w.audited = true
		}
	}
	return je, appended, err
}
