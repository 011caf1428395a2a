//go:build unix

package embedded_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// TestDataFilesArePrivate: the database holds members' personal data and password
// hashes, so the file, SQLite's -wal and -shm beside it and the -commits counter are
// readable by the service's user only, and a data directory the store creates is too.
// The umask is cleared so the modes asked for are the modes got.
func TestDataFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "kracht.db")
	s := openAndWrite(t, path)
	wantMode(t, dir, 0o700|os.ModeDir)
	for _, name := range []string{"kracht.db", "kracht.db-wal", "kracht.db-shm", "kracht.db-commits"} {
		wantMode(t, filepath.Join(dir, name), 0o600)
	}
	s.Close()

	// A database an older release left readable by all is made private when opened.
	for _, name := range []string{"kracht.db", "kracht.db-commits"} {
		if err := os.Chmod(filepath.Join(dir, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s = openAndWrite(t, path)
	defer s.Close()
	for _, name := range []string{"kracht.db", "kracht.db-wal", "kracht.db-shm", "kracht.db-commits"} {
		wantMode(t, filepath.Join(dir, name), 0o600)
	}
}

func openAndWrite(t *testing.T, path string) *embedded.Store {
	t.Helper()
	ctx := context.Background()
	s, err := embedded.Open(ctx, path, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx cooperative.Tx) error {
		_, err := tx.Insert(cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(`{}`)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (os.ModeDir | os.ModePerm); got != want {
		t.Errorf("%s: mode %v, want %v", filepath.Base(path), got, want)
	}
}
