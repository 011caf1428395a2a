package embedded

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"modernc.org/sqlite"
)

// Transaction control, prepared like every other query.
const (
	qBegin          = `BEGIN`
	qBeginImmediate = `BEGIN IMMEDIATE`
	qCommit         = `COMMIT`
	qRollback       = `ROLLBACK`
	qSavepoint      = `SAVEPOINT request`
	qRollbackTo     = `ROLLBACK TO request`
	qRelease        = `RELEASE request`
)

// conn is one SQLite connection held for the life of the store, used by one goroutine
// at a time, with every query prepared on it once. It talks to the driver directly:
// parsing SQL per call and database/sql's pool and transaction bookkeeping were most of
// the cost of a read (a View with one Get takes half the time this way).
type conn struct {
	c     driver.Conn
	stmts map[string]driver.Stmt
}

func openConn(dsn string) (*conn, error) {
	c, err := (&sqlite.Driver{}).Open(dsn)
	if err != nil {
		return nil, err
	}
	cn := &conn{c: c, stmts: map[string]driver.Stmt{}}
	control := []string{qBegin, qBeginImmediate, qCommit, qRollback, qSavepoint, qRollbackTo, qRelease}
	for _, q := range append(control, queries...) {
		st, err := c.Prepare(q)
		if err != nil {
			cn.close()
			return nil, fmt.Errorf("prepare %s: %w", q, err)
		}
		cn.stmts[q] = st
	}
	return cn, nil
}

func (c *conn) stmt(query string) driver.Stmt {
	st, ok := c.stmts[query]
	if !ok {
		panic("query not prepared: " + query) // a query missing from queries.go: every test shows it at once
	}
	return st
}

// namedValues turns arguments into the driver's form; ints become int64.
func namedValues(args []any) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		if n, ok := a.(int); ok {
			a = int64(n)
		}
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return nv
}

func (c *conn) exec(ctx context.Context, query string, args ...any) (driver.Result, error) {
	return c.stmt(query).(driver.StmtExecContext).ExecContext(ctx, namedValues(args))
}

func (c *conn) query(ctx context.Context, query string, args ...any) (*rows, error) {
	st := c.stmt(query)
	r, err := st.(driver.StmtQueryContext).QueryContext(ctx, namedValues(args))
	if err != nil {
		return nil, err
	}
	return &rows{r: r, dest: make([]driver.Value, len(r.Columns()))}, nil
}

// queryRow runs a query for its first row; Scan reports sql.ErrNoRows when there is none.
func (c *conn) queryRow(ctx context.Context, query string, args ...any) *row {
	r, err := c.query(ctx, query, args...)
	return &row{rows: r, err: err}
}

func (c *conn) close() error {
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, c.c.Close())...)
}

// rows is the small part of sql.Rows the adapter uses.
type rows struct {
	r    driver.Rows
	dest []driver.Value
	err  error
}

func (r *rows) Next() bool {
	if r.err != nil {
		return false
	}
	if err := r.r.Next(r.dest); err != nil {
		if err != io.EOF {
			r.err = err
		}
		return false
	}
	return true
}

// Scan copies the current row into pointers to int64, string or []byte.
func (r *rows) Scan(into ...any) error {
	if len(into) != len(r.dest) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(into), len(r.dest))
	}
	for i, v := range r.dest {
		switch d := into[i].(type) {
		case *int64:
			n, ok := v.(int64)
			if !ok {
				return fmt.Errorf("scan column %d: %T is not an integer", i, v)
			}
			*d = n
		case *string:
			switch s := v.(type) {
			case string:
				*d = s
			case []byte:
				*d = string(s)
			default:
				return fmt.Errorf("scan column %d: %T is not text", i, v)
			}
		case *[]byte:
			switch b := v.(type) {
			case []byte:
				*d = b // the driver copies blobs out of SQLite's memory
			case string:
				*d = []byte(b)
			case nil:
				*d = []byte{}
			default:
				return fmt.Errorf("scan column %d: %T is not a blob", i, v)
			}
		default:
			return fmt.Errorf("scan column %d: unsupported destination %T", i, into[i])
		}
	}
	return nil
}

func (r *rows) Err() error { return r.err }

func (r *rows) Close() error {
	err := r.r.Close()
	if r.err != nil {
		return r.err
	}
	return err
}

// row is the small part of sql.Row the adapter uses.
type row struct {
	rows *rows
	err  error
}

func (r *row) Scan(into ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	return r.rows.Scan(into...)
}
