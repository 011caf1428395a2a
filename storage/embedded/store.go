// Package embedded is the default storage adapter: one SQLite file (through the pure-Go
// modernc.org/sqlite), so Kracht runs with no setup.
//
// Writes go through one connection owned by one goroutine, so write transactions queue in
// Go instead of failing with SQLITE_BUSY; reads use a separate pool of read-only
// connections, which WAL lets run beside the writer.
//
// Group commit: the writer takes every Update waiting at that moment (up to maxBatch) into
// one SQLite transaction, each inside its own savepoint. An Update whose function fails is
// rolled back to its savepoint and the others go on; one fsync then commits them all. So
// every commit is on disk before Update returns (synchronous=full) and concurrent writers
// still reach several thousand commits a second.
//
// Store.Get answers from a cache of records kept exact across processes: every commit
// that changes records is announced in a small shared file beside the database
// (<file>-commits), and a cache that sees a commit empties itself (cache.go). Change the
// database only through Kracht, as with any SQLite file another program holds open.
package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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
	admin       *sql.DB
	writer      *conn      // owned by writeLoop
	readers     chan *conn // idle read connections
	openReaders int
	writes      chan *writeRequest
	closing     chan struct{}
	stopped     chan struct{}
	closed      sync.Once
	// commits and cache are nil where processes cannot share memory (then Get reads
	// through a View every time).
	commits *commitCounter
	cache   *recordCache
}

// cacheBytes bounds the record cache.
const cacheBytes = 32 << 20

// writeRequest is one Update waiting for the writer goroutine.
type writeRequest struct {
	ctx  context.Context
	fn   func(cooperative.Tx) error
	done chan error
}

// maxBatch bounds how many Updates share one commit, so one batch never holds the
// writer for long.
const maxBatch = 256

var _ cooperative.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and applies migrations.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	synchronous := strings.ToLower(opts.Synchronous)
	if synchronous == "" {
		synchronous = "full"
	}
	if synchronous != "full" && synchronous != "normal" {
		return nil, fmt.Errorf("synchronous must be full or normal, not %q", opts.Synchronous)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := makePrivate(path); err != nil {
		return nil, err
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous("+synchronous+")")
		q.Add("_pragma", "foreign_keys(1)")
		// Pages are read through a memory map (up to 256 MiB) rather than a read call
		// each: a large import or register touches far more pages than SQLite's default
		// 2 MiB cache holds, and re-reading them was a third of an import's time.
		q.Add("_pragma", "mmap_size(268435456)")
		for i := 0; i+1 < len(extra); i += 2 {
			q.Add(extra[i], extra[i+1])
		}
		return "file:" + path + "?" + q.Encode()
	}
	// admin runs the migrations and the final checkpoint; requests use held conns.
	admin, err := sql.Open("sqlite", dsn())
	if err != nil {
		return nil, err
	}
	admin.SetMaxOpenConns(1)
	readers := max(4, runtime.NumCPU())
	s := &Store{admin: admin, readers: make(chan *conn, readers),
		writes: make(chan *writeRequest), closing: make(chan struct{}), stopped: make(chan struct{})}
	// The writer keeps up to 64 MiB of pages (it changes the most), each reader 8 MiB.
	writerDSN := dsn("_pragma", "cache_size(-65536)")
	readerDSN := dsn("_pragma", "query_only(1)", "_pragma", "cache_size(-8192)")
	if err := s.start(ctx, writerDSN, readerDSN, readers); err != nil {
		close(s.stopped)
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The counter lives beside the database, as SQLite's -wal and -shm files do.
	if s.commits, err = openCommitCounter(path + "-commits"); err == nil {
		s.cache = newRecordCache(s.commits, cacheBytes)
	}
	go s.writeLoop()
	return s, nil
}

// makePrivate creates the database file readable by the service's user only, and takes
// away what others may do with the files of an existing one (older releases left them
// 0644). It holds members' personal data and password hashes. SQLite gives the -wal and
// -shm files it creates the mode of the database file, so they follow.
func makePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-commits"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && fi.Mode().Perm()&0o077 != 0 {
			err = os.Chmod(p, fi.Mode().Perm()&0o700)
		}
		if err != nil {
			return fmt.Errorf("make %s private to the service's user: %w", p, err)
		}
	}
	return nil
}

// start migrates the schema, then takes the connections the store holds from then on.
func (s *Store) start(ctx context.Context, writerDSN, readerDSN string, readers int) error {
	if err := s.migrate(ctx); err != nil {
		return err
	}
	var err error
	if s.writer, err = openConn(writerDSN); err != nil {
		return err
	}
	for range readers {
		c, err := openConn(readerDSN)
		if err != nil {
			return err
		}
		s.readers <- c
		s.openReaders++
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.admin.BeginTx(ctx, nil)
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

// Update implements cooperative.Store: fn runs in the writer goroutine, in a savepoint of
// the current group commit, and Update returns once that commit is on disk.
func (s *Store) Update(ctx context.Context, fn func(cooperative.Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-ctx.Done():
		return translate(ctx.Err())
	case <-s.closing:
		return errClosed
	}
	return <-req.done
}

var errClosed = cooperative.Errorf(cooperative.EUNAVAILABLE, "The store is closed.")

func (s *Store) writeLoop() {
	defer close(s.stopped)
	for {
		var first *writeRequest
		select {
		case first = <-s.writes:
		case <-s.closing:
			return
		}
		batch := []*writeRequest{first}
	collect:
		for len(batch) < maxBatch {
			select {
			case req := <-s.writes:
				batch = append(batch, req)
			default:
				break collect
			}
		}
		s.commit(batch)
	}
}

// commit runs a batch of Updates in one transaction, each in its own savepoint, and
// answers each of them.
func (s *Store) commit(batch []*writeRequest) {
	results := make([]error, len(batch))
	answer := func(shared error) {
		for i, req := range batch {
			if results[i] == nil {
				results[i] = shared
			}
			req.done <- results[i]
		}
	}
	// The transaction must not be bound to any one caller's context: cancelling a
	// statement interrupts SQLite, which would roll back the whole batch.
	bg := context.Background()
	w := s.writer
	abort := func(err error) {
		_, _ = w.exec(bg, qRollback)
		answer(translate(err))
	}
	if _, err := w.exec(bg, qBeginImmediate); err != nil {
		abort(err)
		return
	}
	changed := false // whether any Update wrote a record, which other readers' caches must learn
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			results[i] = translate(err)
			continue
		}
		if _, err := w.exec(bg, qSavepoint); err != nil {
			abort(err)
			return
		}
		t := &tx{ctx: context.WithoutCancel(req.ctx), c: w}
		results[i] = runGuarded(req.fn, t)
		changed = changed || t.wroteRecord
		if results[i] != nil {
			if _, err := w.exec(bg, qRollbackTo); err != nil {
				abort(err)
				return
			}
		}
		if _, err := w.exec(bg, qRelease); err != nil {
			abort(err)
			return
		}
	}
	// A commit that changed records is announced while SQLite's write lock is held, so
	// commit numbers follow the order of commits, and ended, whatever COMMIT does,
	// before anyone is answered (see cache.go).
	var announced uint64 // 0: not announced; begin counts from 1
	if changed && s.commits != nil {
		announced = s.commits.begin()
	}
	_, err := w.exec(bg, qCommit)
	if announced != 0 {
		s.commits.end(announced)
	}
	if err != nil {
		// Nothing of the batch is stored: the functions that succeeded fail too.
		abort(err)
		return
	}
	answer(nil)
}

// runGuarded runs fn, turning a panic into an error so one bad request cannot stop the
// writer for everyone.
func runGuarded(fn func(cooperative.Tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = cooperative.WrapError(cooperative.EINTERNAL, fmt.Errorf("panic in transaction: %v", p), "store failure")
		}
	}()
	return fn(t)
}

// View implements cooperative.Store.
func (s *Store) View(ctx context.Context, fn func(cooperative.Tx) error) error {
	if t := s.sharedTx(ctx); t != nil {
		return fn(t)
	}
	c, err := s.takeReader(ctx)
	if err != nil {
		return err
	}
	defer func() { s.readers <- c }()
	// BEGIN and ROLLBACK must not be interrupted by the caller's context, or the
	// connection could go back to the pool inside a transaction.
	bg := context.WithoutCancel(ctx)
	if _, err := c.exec(bg, qBegin); err != nil {
		return translate(err)
	}
	defer c.exec(bg, qRollback) // a read-only transaction has nothing to commit
	return fn(&tx{ctx: ctx, c: c, readOnly: true, store: s})
}

// sharedTx is the read transaction of this store that cooperative.ShareView shares in
// ctx, nil when there is none.
func (s *Store) sharedTx(ctx context.Context) *tx {
	shared, ok := cooperative.SharedTx(ctx)
	if !ok {
		return nil
	}
	if t, ok := shared.(*tx); ok && t.store == s && t.readOnly {
		return t
	}
	return nil
}

// Get implements cooperative.Store: from the record cache when it holds the record, else
// in a read transaction of its own, whose answer the cache then keeps.
func (s *Store) Get(ctx context.Context, collection, id string) (cooperative.Record, error) {
	select {
	case <-s.closing:
		return cooperative.Record{}, errClosed
	default:
	}
	read := func() (rec cooperative.Record, err error) {
		err = s.View(ctx, func(tx cooperative.Tx) error {
			rec, err = tx.Get(collection, id)
			return err
		})
		return rec, err
	}
	if s.cache == nil {
		return read()
	}
	if rec, ok := s.cache.get(collection, id); ok {
		return rec, nil
	}
	if s.sharedTx(ctx) != nil {
		// The shared snapshot is older than any token taken now: keep nothing of it.
		return read()
	}
	token, keep := s.cache.token() // before the read's snapshot
	rec, err := read()
	if err == nil && keep {
		s.cache.put(token, rec)
	}
	return rec, err
}

func (s *Store) takeReader(ctx context.Context) (*conn, error) {
	select {
	case <-s.closing:
		return nil, errClosed
	default:
	}
	select {
	case c := <-s.readers:
		return c, nil
	case <-ctx.Done():
		return nil, translate(ctx.Err())
	case <-s.closing:
		return nil, errClosed
	}
}

// Ping implements cooperative.Store.
func (s *Store) Ping(ctx context.Context) error {
	return s.View(ctx, func(cooperative.Tx) error { return nil })
}

// Close implements cooperative.Store. Updates already taken by the writer finish first;
// the WAL is checkpointed so the file is complete on its own afterwards.
func (s *Store) Close() error {
	var err error
	s.closed.Do(func() {
		close(s.closing)
		<-s.stopped
		var errs []error
		if s.writer != nil {
			errs = append(errs, s.writer.close())
		}
		// Readers in use come back when their View ends.
		for range s.openReaders {
			errs = append(errs, (<-s.readers).close())
		}
		_, _ = s.admin.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		if s.commits != nil {
			errs = append(errs, s.commits.release())
		}
		err = errors.Join(append(errs, s.admin.Close())...)
	})
	return err
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
