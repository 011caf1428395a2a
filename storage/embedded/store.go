// Package embedded is the default storage adapter: one SQLite file (through the pure-Go
// modernc.org/sqlite), so Kracht runs with no setup.
//
// Writes go through a pool of exactly one connection, so write transactions queue in Go
// instead of failing with SQLITE_BUSY; reads use a separate pool of read-only connections,
// which WAL lets run beside the writer.
package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Options tune the embedded store.
type Options struct {
	// Synchronous is SQLite's synchronous setting in WAL mode: "full" (every commit is
	// on disk before it returns) or "normal" (a power cut may lose the last commits, never
	// corrupt the file). Default "full": this is the ledger of people's money.
	Synchronous string
}

// Store is the embedded adapter of cooperative.Store.
type Store struct {
	writer *sql.DB
	reader *sql.DB
}

var _ cooperative.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and applies migrations.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	sync := strings.ToLower(opts.Synchronous)
	if sync == "" {
		sync = "full"
	}
	if sync != "full" && sync != "normal" {
		return nil, fmt.Errorf("synchronous must be full or normal, not %q", opts.Synchronous)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous("+sync+")")
		q.Add("_pragma", "foreign_keys(1)")
		for i := 0; i+1 < len(extra); i += 2 {
			q.Add(extra[i], extra[i+1])
		}
		return "file:" + path + "?" + q.Encode()
	}
	writer, err := sql.Open("sqlite", dsn("_txlock", "immediate"))
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	reader, err := sql.Open("sqlite", dsn("_pragma", "query_only(1)"))
	if err != nil {
		writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(max(4, runtime.NumCPU()))
	s := &Store{writer: writer, reader: reader}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	var applied int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return err
	}
	if applied > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d)", applied, len(migrations))
	}
	for v := applied + 1; v <= len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			v, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Update implements cooperative.Store.
func (s *Store) Update(ctx context.Context, fn func(cooperative.Tx) error) error {
	return s.run(ctx, s.writer, false, fn)
}

// View implements cooperative.Store.
func (s *Store) View(ctx context.Context, fn func(cooperative.Tx) error) error {
	return s.run(ctx, s.reader, true, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, readOnly bool, fn func(cooperative.Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return translate(err)
	}
	defer sqlTx.Rollback()
	if err := fn(&tx{ctx: ctx, tx: sqlTx, readOnly: readOnly}); err != nil {
		return err
	}
	return translate(sqlTx.Commit())
}

// Ping implements cooperative.Store.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The store is not reachable.")
	}
	return nil
}

// Close implements cooperative.Store. It checkpoints the WAL so the file is complete on
// its own afterwards.
func (s *Store) Close() error {
	_, _ = s.writer.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// translate turns driver errors into domain errors; nil stays nil.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ce *cooperative.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The request was cancelled or timed out.")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The store is busy; try again.")
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The store cannot write.")
		}
	}
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone) {
		return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The store is closed.")
	}
	return cooperative.WrapError(cooperative.EINTERNAL, err, "store failure")
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}
