package cooperative

import (
	"context"
	"fmt"

	json "github.com/goccy/go-json"
)

// The domain stores its types as JSON documents through the port. These helpers are the
// one place where that encoding happens. They use goccy/go-json, a drop-in for
// encoding/json that decodes about twice as fast (a stored record is read on every
// request); the documents are Kracht's own, written by these same helpers.

// encode marshals a domain value; the domain's types always marshal, so a failure is a bug.
func Encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	return b
}

// decode unmarshals a stored record into v.
func Decode(rec Record, v any) error {
	if err := json.Unmarshal(rec.Data, v); err != nil {
		return WrapError(EINTERNAL, fmt.Errorf("decode %s/%s: %w", rec.Collection, rec.ID, err), "corrupt record")
	}
	return nil
}

// getAs reads the record collection/id into a new T and returns both.
func GetAs[T any](tx Tx, collection, id string) (T, Record, error) {
	var v T
	rec, err := tx.Get(collection, id)
	if err != nil {
		return v, rec, err
	}
	return v, rec, Decode(rec, &v)
}

// findAs reads one page of a query into Ts.
func FindAs[T any](tx Tx, q Query) ([]T, string, error) {
	page, err := tx.Find(q)
	if err != nil {
		return nil, "", err
	}
	out := make([]T, len(page.Records))
	for i, rec := range page.Records {
		if err := Decode(rec, &out[i]); err != nil {
			return nil, "", err
		}
	}
	return out, page.Next, nil
}

// checkCursor refuses a page cursor that is not an id (ids are the cursors of every list).
func CheckCursor(after string) error {
	if after != "" && !ValidID(after) {
		return Errorf(EINVALID, "%q is not a valid cursor", after)
	}
	return nil
}

// listPage reads one page of q, whose After is a cursor from a client, in a read-only
// transaction.
func ListPage[T any](ctx context.Context, s Store, q Query) ([]T, string, error) {
	if err := CheckCursor(q.After); err != nil {
		return nil, "", err
	}
	var (
		list []T
		next string
	)
	err := s.View(ctx, func(tx Tx) (err error) {
		list, next, err = FindAs[T](tx, q)
		return err
	})
	return list, next, err
}

// remove deletes the record collection/id if there is one: for data that is by nature
// temporary, whose absence is what the caller wants.
func Remove(tx Tx, collection, id string) error {
	rec, err := tx.Get(collection, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.Delete(rec)
}

// put writes rec as a new record when its Version is 0, and over the version it names
// otherwise, and returns it as stored (with its new version). It is the one place that
// makes that choice: a caller passes the version it read, 0 for a record it did not find.
func Put(tx Tx, rec Record) (Record, error) {
	if rec.Version == 0 {
		return tx.Insert(rec)
	}
	return tx.Replace(rec)
}

// findScanBudget bounds the records one filtered page reads.
const findScanBudget = 10 * MaxPageSize

// findWhere reads q's records in id order and keeps those keep accepts, until limit are
// kept or findScanBudget were read. next is the cursor to go on from, "" at the end; a
// page cut short by the budget is short and has a next cursor. It serves lists
// filtered on fields that have no index of their own, and so work on records written
// before the filter existed.
func FindWhere[T any](tx Tx, q Query, limit int, keep func(T) bool) ([]T, string, error) {
	limit = ClampLimit(limit)
	out := []T{}
	for read := 0; ; {
		q.Limit = MaxPageSize
		page, err := tx.Find(q)
		if err != nil {
			return nil, "", err
		}
		for i, rec := range page.Records {
			var v T
			if err := Decode(rec, &v); err != nil {
				return nil, "", err
			}
			if keep(v) {
				out = append(out, v)
				if len(out) == limit {
					if i == len(page.Records)-1 && page.Next == "" {
						return out, "", nil
					}
					return out, rec.ID, nil
				}
			}
		}
		read += len(page.Records)
		if page.Next == "" || read >= findScanBudget {
			return out, page.Next, nil
		}
		q.After = page.Next
	}
}
