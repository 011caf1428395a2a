package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver the embedded store uses
)

// runBackup is `kracht backup --to FILE|DIR/ [--keep N]`: an online, consistent copy of
// the embedded store while the server keeps running and writing.
//
// It uses SQLite's VACUUM INTO rather than a file copy (which
// can catch the database between two writes, without what the write-ahead log still
// holds) or the page-by-page backup API (which starts over whenever another process
// writes between two steps, so a busy server can keep it from ever finishing). VACUUM
// INTO reads everything in one read transaction: in WAL mode that sees one commit and
// never blocks the server's writes. The connection only reads the store, but it cannot be
// opened read-only (mode=ro, query_only): VACUUM INTO writes its target with the source
// connection's flags and would refuse. It needs no cooperation from the server (no
// kracht.db-commits notice: nothing in the store changes). The copy is written beside the target, checked with
// PRAGMA integrity_check, synced and then renamed into place, so a FILE that exists is
// always a whole, checked backup.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "the backup file, or a directory (ending in /) to write kracht-<UTC time>.db into")
	keep := fs.Int("keep", 0, "with a directory: keep only the newest N kracht-*.db backups there (0 keeps all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: kracht backup --to FILE|DIR/ [--keep N]")
		return errors.New("backup needs --to")
	}
	if *keep < 0 {
		return errors.New("--keep must be 0 or more")
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if cfg.MongoURI != "" {
		return errors.New("kracht backup copies the embedded store; with MONGODB_URI use mongodump or your provider's backups")
	}
	src := filepath.Join(cfg.DataDir, "kracht.db")
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("embedded store (KRACHT_DATA_DIR=%s): %w", cfg.DataDir, err)
	}
	dir, target := "", *to
	if fi, err := os.Stat(target); (err == nil && fi.IsDir()) || strings.HasSuffix(target, string(os.PathSeparator)) {
		dir = target
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		target = filepath.Join(dir, "kracht-"+time.Now().UTC().Format("20060102T150405Z")+".db")
	}
	start := time.Now()
	if err := backupSQLite(ctx, src, target); err != nil {
		return err
	}
	fi, err := os.Stat(target)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes, %s)\n", src, target, fi.Size(), time.Since(start).Round(time.Millisecond))
	if dir != "" && *keep > 0 {
		return pruneBackups(dir, *keep, stdout)
	}
	return nil
}

// backupSQLite writes a consistent copy of the database at src to target.
func backupSQLite(ctx context.Context, src, target string) error {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+src+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	partial := target + ".partial"
	_ = os.Remove(partial) // what an interrupted backup left
	defer os.Remove(partial)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", partial); err != nil {
		return fmt.Errorf("backup of %s: %w", src, err)
	}
	if err := checkSQLite(ctx, partial); err != nil {
		return err
	}
	f, err := os.Open(partial)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return err
	}
	if err := os.Chmod(partial, 0o600); err != nil {
		return err
	}
	return os.Rename(partial, target)
}

// checkSQLite opens a copy and runs PRAGMA integrity_check on it.
func checkSQLite(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil {
		return fmt.Errorf("checking the backup: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("the backup failed its integrity check: %s", result)
	}
	return nil
}

// pruneBackups removes all but the newest keep kracht-*.db files in dir (their names sort
// by time).
func pruneBackups(dir string, keep int, stdout io.Writer) error {
	names, err := filepath.Glob(filepath.Join(dir, "kracht-*.db"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	for len(names) > keep {
		if err := os.Remove(names[0]); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "removed", names[0])
		names = names[1:]
	}
	return nil
}
