package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// conn is one SQLite connection held for the life of the store, with every query
// prepared on it once. Parsing SQL on each call, and database/sql's transaction machinery,
// were most of the cost of a read; a held connection with its own statements needs
// neither.
type conn struct {
	c     *sql.Conn
	stmts map[string]*sql.Stmt
}

func openConn(ctx context.Context, db *sql.DB) (*conn, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	cn := &conn{c: c, stmts: map[string]*sql.Stmt{}}
	control := []string{qBegin, qBeginImmediate, qCommit, qRollback, qSavepoint, qRollbackTo, qRelease}
	for _, q := range append(control, queries...) {
		st, err := c.PrepareContext(ctx, q)
		if err != nil {
			cn.close()
			return nil, fmt.Errorf("prepare %s: %w", q, err)
		}
		cn.stmts[q] = st
	}
	return cn, nil
}

func (c *conn) stmt(query string) *sql.Stmt {
	st, ok := c.stmts[query]
	if !ok {
		panic("query not prepared: " + query) // a query missing from queries.go: every test shows it at once
	}
	return st
}

func (c *conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.stmt(query).ExecContext(ctx, args...)
}

func (c *conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.stmt(query).QueryContext(ctx, args...)
}

func (c *conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return c.stmt(query).QueryRowContext(ctx, args...)
}

func (c *conn) close() error {
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, c.c.Close())...)
}
