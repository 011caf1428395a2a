package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// kracht backup copies a store that another process keeps writing, and the copy opens
// as a store holding a whole prefix of the commits: each transaction writes a record and
// the counter naming it, so a torn copy would show a counter without its record.
func TestBackupOfALiveStore(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	store, err := embedded.Open(ctx, filepath.Join(dataDir, "kracht.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var written atomic.Int64
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		for n := int64(1); ; n++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			err := store.Update(ctx, func(tx cooperative.Tx) error {
				if _, err := tx.Insert(cooperative.Record{Collection: "things", ID: fmt.Sprintf("t%07d", n),
					Data: bytes.Repeat([]byte("x"), 2000)}); err != nil {
					return err
				}
				c, err := tx.Get("counters", "c")
				if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
					_, err = tx.Insert(cooperative.Record{Collection: "counters", ID: "c", Data: []byte("1")})
					return err
				} else if err != nil {
					return err
				}
				c.Data = []byte(strconv.FormatInt(n, 10))
				_, err = tx.Replace(c)
				return err
			})
			if err != nil {
				writerDone <- err
				return
			}
			written.Store(n)
		}
	}()
	for written.Load() < 200 {
		time.Sleep(10 * time.Millisecond)
	}
	backups := filepath.Join(t.TempDir(), "backups") + string(os.PathSeparator)
	var out bytes.Buffer
	vars := env(map[string]string{"KRACHT_DATA_DIR": dataDir})
	for i := 0; i < 3; i++ {
		if err := run(ctx, []string{"backup", "--to", backups, "--keep", "2"}, vars, nil, &out, io.Discard); err != nil {
			t.Fatalf("backup while writing: %v", err)
		}
		time.Sleep(1100 * time.Millisecond) // names have a second's resolution
	}
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatalf("the writer failed during the backup: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(backups, "kracht-*.db"))
	if len(files) != 2 {
		t.Fatalf("--keep 2 left %v\n%s", files, out.String())
	}
	if fi, err := os.Stat(files[1]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode %v (%v), want 0600", fi.Mode(), err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(backups, "*.partial")); len(leftovers) > 0 {
		t.Fatalf("partial files left: %v", leftovers)
	}
	copyStore, err := embedded.Open(ctx, files[1], embedded.Options{})
	if err != nil {
		t.Fatalf("the copy does not open as a store: %v", err)
	}
	defer copyStore.Close()
	c, err := copyStore.Get(ctx, "counters", "c")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.ParseInt(string(c.Data), 10, 64)
	if n < 200 || n > written.Load() {
		t.Fatalf("copy's counter %d, want from 200 to %d", n, written.Load())
	}
	if _, err := copyStore.Get(ctx, "things", fmt.Sprintf("t%07d", n)); err != nil {
		t.Fatalf("the copy's counter says %d but that record is missing: %v", n, err)
	}
	if _, err := copyStore.Get(ctx, "things", fmt.Sprintf("t%07d", n+1)); err == nil {
		t.Fatalf("the copy holds record %d past its counter %d: not one commit", n+1, n)
	}
	// A single file works too, and MongoDB is refused with a pointer to its own tools.
	one := filepath.Join(t.TempDir(), "one.db")
	if err := run(ctx, []string{"backup", "--to", one}, vars, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := checkSQLite(ctx, one); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"backup", "--to", one}, env(map[string]string{"MONGODB_URI": "mongodb://db/?replicaSet=rs0"}), nil, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("backup with MONGODB_URI accepted")
	}
	if err := run(ctx, []string{"backup"}, vars, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("backup without --to accepted")
	}
}
