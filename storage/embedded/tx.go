package embedded

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"time"

	json "github.com/goccy/go-json"
	"github.com/kracht-coop/kracht/cooperative"
)

type tx struct {
	ctx         context.Context
	c           *conn
	readOnly    bool
	store       *Store // of a read transaction, which cooperative.ShareView may share
	wroteRecord bool   // Insert, Replace or Delete ran (journals are not cached)
}

func (t *tx) exec(query string, args ...any) (driver.Result, error) {
	return t.c.exec(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (*rows, error) {
	return t.c.query(t.ctx, query, args...)
}

func (t *tx) queryRow(query string, args ...any) *row {
	return t.c.queryRow(t.ctx, query, args...)
}

func (t *tx) Get(collection, id string) (cooperative.Record, error) {
	rec := cooperative.Record{Collection: collection, ID: id}
	var keys []byte
	err := t.queryRow(
		qGet, collection, id,
	).Scan(&rec.Version, &rec.Data, &keys)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, cooperative.Errorf(cooperative.ENOTFOUND, "%s %s not found", collection, id)
	}
	if err != nil {
		return rec, translate(err)
	}
	return rec, decodeKeys(&rec, keys)
}

func (t *tx) Insert(rec cooperative.Record) (cooperative.Record, error) {
	if t.readOnly {
		return rec, cooperative.ErrReadOnly
	}
	if err := cooperative.CheckRecord(rec); err != nil {
		return rec, err
	}
	rec.Version = 1
	t.wroteRecord = true
	_, err := t.exec(
		qInsert,
		rec.Collection, rec.ID, rec.Data, encodeKeys(rec))
	if isConstraint(err) {
		return rec, cooperative.Errorf(cooperative.ECONFLICT, "%s %s already exists", rec.Collection, rec.ID)
	}
	if err != nil {
		return rec, translate(err)
	}
	return rec, t.writeKeys(rec)
}

func (t *tx) writeKeys(rec cooperative.Record) error {
	for name, value := range rec.Unique {
		_, err := t.exec(
			qInsertUnique,
			rec.Collection, name, value, rec.ID)
		if isConstraint(err) {
			return cooperative.Errorf(cooperative.ECONFLICT, "another %s has the same %s", rec.Collection, name)
		}
		if err != nil {
			return translate(err)
		}
	}
	for name, value := range rec.Index {
		if _, err := t.exec(
			qInsertIndex,
			rec.Collection, name, value, rec.ID); err != nil {
			return translate(err)
		}
	}
	return nil
}

func (t *tx) deleteKeys(rec cooperative.Record) error {
	for _, query := range []string{qDeleteUniques, qDeleteIndexes} {
		if _, err := t.exec(query, rec.Collection, rec.ID); err != nil {
			return translate(err)
		}
	}
	return nil
}

func (t *tx) Replace(rec cooperative.Record) (cooperative.Record, error) {
	if t.readOnly {
		return rec, cooperative.ErrReadOnly
	}
	if err := cooperative.CheckRecord(rec); err != nil {
		return rec, err
	}
	t.wroteRecord = true
	keys := encodeKeys(rec)
	// Most replacements keep the record's keys (a payment changes status, not its
	// reference): then only the data changes, and the key tables are left alone.
	res, err := t.exec(qReplaceData, rec.Data, rec.Collection, rec.ID, rec.Version, keys)
	if err != nil {
		return rec, translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return rec, translate(err)
	} else if n == 1 {
		rec.Version++
		return rec, nil
	}
	res, err = t.exec(
		qReplace,
		rec.Data, keys, rec.Collection, rec.ID, rec.Version)
	if err := t.checkVersionedWrite(rec, res, err); err != nil {
		return rec, err
	}
	rec.Version++
	if err := t.deleteKeys(rec); err != nil {
		return rec, err
	}
	return rec, t.writeKeys(rec)
}

func (t *tx) Delete(rec cooperative.Record) error {
	if t.readOnly {
		return cooperative.ErrReadOnly
	}
	t.wroteRecord = true
	res, err := t.exec(
		qDelete,
		rec.Collection, rec.ID, rec.Version)
	if err := t.checkVersionedWrite(rec, res, err); err != nil {
		return err
	}
	return t.deleteKeys(rec)
}

// checkVersionedWrite tells a stale version (ECONFLICT) from a missing record (ENOTFOUND)
// when a write matched no row.
func (t *tx) checkVersionedWrite(rec cooperative.Record, res driver.Result, err error) error {
	if err != nil {
		return translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n == 1 {
		return nil
	}
	if _, err := t.Get(rec.Collection, rec.ID); err != nil {
		return err
	}
	return cooperative.Errorf(cooperative.ECONFLICT, "%s %s was changed by someone else (version %d is stale)",
		rec.Collection, rec.ID, rec.Version)
}

func (t *tx) Find(q cooperative.Query) (cooperative.Page, error) {
	if err := cooperative.CheckQuery(q); err != nil {
		return cooperative.Page{}, err
	}
	if q.Range != nil {
		return t.findRange(q)
	}
	limit := cooperative.ClampLimit(q.Limit)
	var (
		rows *rows
		err  error
	)
	// One row more than the page tells whether there is a next page.
	if q.Index == "" {
		rows, err = t.query(
			qFindAll,
			q.Collection, q.After, limit+1)
	} else {
		rows, err = t.query(
			qFindByIndex,
			q.Collection, q.Index, q.Value, q.After, limit+1)
	}
	if err != nil {
		return cooperative.Page{}, translate(err)
	}
	var page cooperative.Page
	for rows.Next() {
		rec := cooperative.Record{Collection: q.Collection}
		var keys []byte
		if err := rows.Scan(&rec.ID, &rec.Version, &rec.Data, &keys); err != nil {
			rows.Close()
			return cooperative.Page{}, translate(err)
		}
		if err := decodeKeys(&rec, keys); err != nil {
			rows.Close()
			return cooperative.Page{}, err
		}
		page.Records = append(page.Records, rec)
	}
	if err := rows.Close(); err != nil {
		return cooperative.Page{}, translate(err)
	}
	if len(page.Records) > limit {
		page.Records = page.Records[:limit]
		page.Next = page.Records[limit-1].ID
	}
	return page, nil
}

// findRange is Find with a Range: records in order of (index value, id), each page
// ending at a cursor made of both.
func (t *tx) findRange(q cooperative.Query) (cooperative.Page, error) {
	limit := cooperative.ClampLimit(q.Limit)
	r := *q.Range
	var afterValue, afterID string
	if q.After != "" {
		var err error
		if afterValue, afterID, err = cooperative.ParseRangeCursor(q.After); err != nil {
			return cooperative.Page{}, err
		}
	}
	var (
		query string
		args  = []any{q.Collection, q.Index}
	)
	switch {
	case !r.Descending:
		if q.After == "" {
			afterValue = r.From
		}
		args = append(args, afterValue, afterID)
		if query = qFindRangeAscOpen; r.To != "" {
			query = qFindRangeAsc
			args = append(args, r.To)
		}
	case q.After != "":
		query, args = qFindRangeDescAfter, append(args, r.From, afterValue, afterID)
	case r.To != "":
		query, args = qFindRangeDesc, append(args, r.From, r.To)
	default:
		query, args = qFindRangeDescOpen, append(args, r.From)
	}
	rows, err := t.query(query, append(args, limit+1)...)
	if err != nil {
		return cooperative.Page{}, translate(err)
	}
	var (
		page   cooperative.Page
		values []string
	)
	for rows.Next() {
		rec := cooperative.Record{Collection: q.Collection}
		var keys []byte
		var value string
		if err := rows.Scan(&rec.ID, &rec.Version, &rec.Data, &keys, &value); err != nil {
			rows.Close()
			return cooperative.Page{}, translate(err)
		}
		if err := decodeKeys(&rec, keys); err != nil {
			rows.Close()
			return cooperative.Page{}, err
		}
		page.Records = append(page.Records, rec)
		values = append(values, value)
	}
	if err := rows.Close(); err != nil {
		return cooperative.Page{}, translate(err)
	}
	if len(page.Records) > limit {
		page.Records = page.Records[:limit]
		page.Next = cooperative.RangeCursor(values[limit-1], page.Records[limit-1].ID)
	}
	return page, nil
}

func (t *tx) JournalEntryByKey(journal, key string) (cooperative.JournalEntry, error) {
	e := cooperative.JournalEntry{Journal: journal, Key: key}
	var at string
	err := t.queryRow(qJournalByKey, journal, key).Scan(&e.Seq, &e.Data, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return e, cooperative.Errorf(cooperative.ENOTFOUND, "no entry %q in %s", key, journal)
	}
	if err != nil {
		return e, translate(err)
	}
	e.RecordedAt, _ = time.Parse(time.RFC3339Nano, at)
	return e, nil
}

func (t *tx) Append(e cooperative.JournalEntry) (cooperative.JournalEntry, bool, error) {
	if t.readOnly {
		return e, false, cooperative.ErrReadOnly
	}
	if err := cooperative.CheckJournalEntry(e); err != nil {
		return e, false, err
	}
	var (
		stored   = cooperative.JournalEntry{Journal: e.Journal, Key: e.Key}
		storedAt string
	)
	err := t.queryRow(
		qJournalByKey, e.Journal, e.Key,
	).Scan(&stored.Seq, &stored.Data, &storedAt)
	switch {
	case err == nil:
		if !bytes.Equal(stored.Data, e.Data) {
			return stored, false, cooperative.Errorf(cooperative.ECONFLICT,
				"idempotency key %q was already used in %s for different data", e.Key, e.Journal)
		}
		stored.RecordedAt, _ = time.Parse(time.RFC3339Nano, storedAt)
		return stored, false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return e, false, translate(err)
	}
	if err := t.queryRow(
		qJournalNextSeq, e.Journal,
	).Scan(&e.Seq); err != nil {
		return e, false, translate(err)
	}
	e.RecordedAt = time.Now().UTC()
	if _, err := t.exec(
		qJournalInsert,
		e.Journal, e.Seq, e.Key, e.Data, e.RecordedAt.Format(time.RFC3339Nano)); err != nil {
		return e, false, translate(err)
	}
	return e, true, nil
}

func (t *tx) ReadJournal(journal string, after int64, limit int) ([]cooperative.JournalEntry, error) {
	rows, err := t.query(
		qJournalRead,
		journal, after, cooperative.ClampLimit(limit))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []cooperative.JournalEntry
	for rows.Next() {
		e := cooperative.JournalEntry{Journal: journal}
		var at string
		if err := rows.Scan(&e.Seq, &e.Key, &e.Data, &at); err != nil {
			return nil, translate(err)
		}
		e.RecordedAt, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// storedKeys is how a record's keys sit beside its data, so a read needs one query.
// They are decoded with goccy/go-json, as the domain decodes its records: on every read.
type storedKeys struct {
	Unique map[string]string `json:"u,omitempty"`
	Index  map[string]string `json:"i,omitempty"`
}

func encodeKeys(rec cooperative.Record) []byte {
	b, _ := json.Marshal(storedKeys{Unique: rec.Unique, Index: rec.Index}) // maps of strings always encode
	return b
}

func decodeKeys(rec *cooperative.Record, b []byte) error {
	var k storedKeys
	if err := json.Unmarshal(b, &k); err != nil {
		return cooperative.WrapError(cooperative.EINTERNAL, err, "corrupt record keys")
	}
	rec.Unique, rec.Index = k.Unique, k.Index
	return nil
}
