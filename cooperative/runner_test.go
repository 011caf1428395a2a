package cooperative_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// conflictingStore fails its first conflicts Updates with ECONFLICT, as a MongoDB store
// does when another writer won the race; it counts the Updates.
type conflictingStore struct {
	cooperative.Store
	conflicts, updates int
}

func (s *conflictingStore) Update(ctx context.Context, fn func(cooperative.Tx) error) error {
	s.updates++
	if s.updates <= s.conflicts {
		return cooperative.Errorf(cooperative.ECONFLICT, "stale version")
	}
	return fn(nil)
}

func TestRunnerRetriesAConflictWithTheClock(t *testing.T) {
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	tick := func() time.Time { clock = clock.Add(time.Second); return clock }
	s := &conflictingStore{conflicts: 2}
	var seen []time.Time
	err := cooperative.NewRunner(s, tick).Update(context.Background(), func(_ cooperative.Tx, now time.Time) error {
		seen = append(seen, now)
		return nil
	})
	if err != nil || s.updates != 3 {
		t.Fatalf("err %v after %d updates, want success on the third", err, s.updates)
	}
	// fn ran once (the conflicts came before it); it saw the clock read for its attempt, in UTC.
	if want := clock.UTC(); len(seen) != 1 || !seen[0].Equal(want) || seen[0].Location() != time.UTC {
		t.Errorf("fn saw %v, want [%v] in UTC", seen, want)
	}
}

func TestRunnerGivesUpOnConflicts(t *testing.T) {
	s := &conflictingStore{conflicts: 1 << 30}
	ran := false
	err := cooperative.NewRunner(s, time.Now).Update(context.Background(), func(cooperative.Tx, time.Time) error {
		ran = true
		return nil
	})
	if cooperative.ErrorCode(err) != cooperative.ECONFLICT || ran {
		t.Fatalf("err %v, fn ran %v: want the conflict back and fn never run", err, ran)
	}
	if s.updates < 2 || s.updates > 16 {
		t.Errorf("%d attempts: want a few retries, bounded", s.updates)
	}
	other := &conflictingStore{}
	err = cooperative.NewRunner(other, time.Now).Update(context.Background(), func(cooperative.Tx, time.Time) error {
		return cooperative.Errorf(cooperative.ERULE, "refused")
	})
	if cooperative.ErrorCode(err) != cooperative.ERULE || other.updates != 1 {
		t.Errorf("err %v after %d updates: another error is not retried", err, other.updates)
	}
}

// TestNoTransactionBesideTheRunner keeps the runner the one way to write: a call of a
// Store's Update (its fn takes only the Tx) outside runner.go skips the retry policy and
// the clock. A Store that wraps another (a method Update of the Store's shape) may call
// the one it wraps: the runner calls it.
func TestNoTransactionBesideTheRunner(t *testing.T) {
	var files []string
	dirs := []string{".", "../handlers", "../cmd/kracht", "../payments/bankimport", "../payments/stripesync"}
	entries, err := os.ReadDir(".") // and every capability package beneath the core
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" && e.Name() != "internal" {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) < 11 {
		t.Fatalf("found only %v: the capability packages moved?", dirs)
	}
	for _, dir := range dirs {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	checked := 0
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || filepath.Base(name) == "runner.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && fd.Name.Name == "Update" && storeShaped(fd.Type) {
				continue
			}
			ast.Inspect(d, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Update" || len(call.Args) != 2 {
					return true
				}
				if fn, ok := call.Args[1].(*ast.FuncLit); ok && fn.Type.Params.NumFields() == 2 {
					return true // the runner's fn(tx, now)
				}
				t.Errorf("%s: a transaction beside the runner (Store.Update); use a Runner", fset.Position(call.Pos()))
				return true
			})
		}
	}
	if checked < 50 {
		t.Fatalf("checked %d files: the globs went wrong", checked)
	}
}

// storeShaped tells Store.Update's signature: (ctx, fn func(Tx) error) error.
func storeShaped(ft *ast.FuncType) bool {
	if ft.Params.NumFields() != 2 {
		return false
	}
	fn, ok := ft.Params.List[len(ft.Params.List)-1].Type.(*ast.FuncType)
	return ok && fn.Params.NumFields() == 1
}

// countingStore counts the read transactions of its store.
type countingStore struct {
	cooperative.Store
	views int
}

func (s *countingStore) View(ctx context.Context, fn func(cooperative.Tx) error) error {
	s.views++
	return s.Store.View(ctx, fn)
}

// TestShareView: under ShareView every read of a runner on that store is one read
// transaction and one snapshot; a write still commits on its own, and a runner on
// another store is not taken in.
func TestShareView(t *testing.T) {
	ctx := context.Background()
	base := openOutboxStore(t)
	s := &countingStore{Store: base}
	run := cooperative.NewRunner(s, nil)
	put := func(id, data string) {
		t.Helper()
		if err := run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
			rec := cooperative.Record{Collection: "things", ID: id, Data: []byte(`"` + data + `"`)}
			if old, err := tx.Get("things", id); err == nil {
				rec.Version = old.Version
			}
			_, err := cooperative.Put(tx, rec)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(ctx context.Context, id string) string {
		t.Helper()
		var got string
		if err := run.View(ctx, func(tx cooperative.Tx) error {
			rec, err := tx.Get("things", id)
			got = string(rec.Data)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	put("a", "one")
	s.views = 0
	err := cooperative.ShareView(ctx, s, func(ctx context.Context) error {
		for range 5 {
			if got := read(ctx, "a"); got != `"one"` {
				t.Fatalf("read %s", got)
			}
		}
		put("a", "two") // its own transaction: committed, but not in this snapshot
		if got := read(ctx, "a"); got != `"one"` {
			t.Fatalf("the shared view saw a later write: %s", got)
		}
		other := cooperative.NewRunner(base, nil)
		return other.View(ctx, func(cooperative.Tx) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.views != 1 {
		t.Fatalf("%d read transactions, want 1", s.views)
	}
	if got := read(ctx, "a"); got != `"two"` {
		t.Fatalf("after the shared view: %s", got)
	}
}
