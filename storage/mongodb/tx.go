package mongodb

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// tx is one transaction; ctx is the mongo.SessionContext that binds every call to it.
type tx struct {
	ctx      context.Context
	db       *mongo.Database
	readOnly bool
}

// document is a record as stored in the documents collection.
type document struct {
	ID      string            `bson:"i"`
	Version int64             `bson:"v"`
	Data    string            `bson:"d"`
	Unique  map[string]string `bson:"u"`
	Index   []string          `bson:"x"`
}

// entry is a journal entry as stored in journal_entries.
type entry struct {
	Seq  int64     `bson:"s"`
	Key  string    `bson:"k"`
	Data string    `bson:"d"`
	At   time.Time `bson:"at"`
}

// fail translates a driver error for the caller of a Tx method, except a transient one,
// which fn must hand back to WithTransaction as it is so the transaction is run again.
// Once ctx is done a retry cannot succeed, so then the labelled error is not kept at all
// (WithTransaction would find the label through any wrapper).
func (t *tx) fail(err error) error {
	if !transient(err) {
		return translate(err)
	}
	if ctxErr := t.ctx.Err(); ctxErr != nil {
		return translate(ctxErr)
	}
	return err
}

func (t *tx) Get(collection, id string) (cooperative.Record, error) {
	var doc document
	err := t.db.Collection("documents").FindOne(t.ctx, bson.M{"c": collection, "i": id}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return cooperative.Record{Collection: collection, ID: id},
			cooperative.Errorf(cooperative.ENOTFOUND, "%s %s not found", collection, id)
	}
	if err != nil {
		return cooperative.Record{Collection: collection, ID: id}, t.fail(err)
	}
	return doc.record(collection), nil
}

func (d document) record(collection string) cooperative.Record {
	rec := cooperative.Record{Collection: collection, ID: d.ID, Version: d.Version, Data: []byte(d.Data)}
	if len(d.Unique) > 0 {
		rec.Unique = d.Unique
	}
	if len(d.Index) > 0 {
		rec.Index = make(map[string]string, len(d.Index))
		for _, x := range d.Index {
			name, value, _ := strings.Cut(x, "=") // names never contain "=" (CheckRecord)
			rec.Index[name] = value
		}
	}
	return rec
}

// indexEntries returns rec.Index as "name=value" strings, which one multikey index covers.
func indexEntries(rec cooperative.Record) []string {
	var x []string
	for name, value := range rec.Index {
		x = append(x, name+"="+value)
	}
	return x
}

func (t *tx) Insert(rec cooperative.Record) (cooperative.Record, error) {
	if t.readOnly {
		return rec, cooperative.ErrReadOnly
	}
	if err := cooperative.CheckRecord(rec); err != nil {
		return rec, err
	}
	rec.Version = 1
	// An upsert that matches tells an existing id without a failing write (which would
	// abort the transaction).
	res, err := t.db.Collection("documents").UpdateOne(t.ctx,
		bson.M{"c": rec.Collection, "i": rec.ID},
		bson.M{"$setOnInsert": bson.M{"v": rec.Version, "d": string(rec.Data), "u": rec.Unique, "x": indexEntries(rec)}},
		options.Update().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) || (err == nil && res.MatchedCount > 0) {
		return rec, cooperative.Errorf(cooperative.ECONFLICT, "%s %s already exists", rec.Collection, rec.ID)
	}
	if err != nil {
		return rec, t.fail(err)
	}
	return rec, t.writeKeys(rec)
}

// writeKeys claims rec's unique keys. The record's own keys must be gone already.
func (t *tx) writeKeys(rec cooperative.Record) error {
	for name, value := range rec.Unique {
		res, err := t.db.Collection("unique_keys").UpdateOne(t.ctx,
			bson.M{"c": rec.Collection, "n": name, "v": value},
			bson.M{"$setOnInsert": bson.M{"i": rec.ID}},
			options.Update().SetUpsert(true))
		if mongo.IsDuplicateKeyError(err) || (err == nil && res.MatchedCount > 0) {
			return cooperative.Errorf(cooperative.ECONFLICT, "another %s has the same %s", rec.Collection, name)
		}
		if err != nil {
			return t.fail(err)
		}
	}
	return nil
}

func (t *tx) deleteKeys(rec cooperative.Record) error {
	_, err := t.db.Collection("unique_keys").DeleteMany(t.ctx, bson.M{"c": rec.Collection, "i": rec.ID})
	if err != nil {
		return t.fail(err)
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
	res, err := t.db.Collection("documents").UpdateOne(t.ctx,
		bson.M{"c": rec.Collection, "i": rec.ID, "v": rec.Version},
		bson.M{
			"$set": bson.M{"d": string(rec.Data), "u": rec.Unique, "x": indexEntries(rec)},
			"$inc": bson.M{"v": int64(1)},
		})
	if err != nil {
		return rec, t.fail(err)
	}
	if err := t.checkVersionedWrite(rec, res.MatchedCount); err != nil {
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
	res, err := t.db.Collection("documents").DeleteOne(t.ctx,
		bson.M{"c": rec.Collection, "i": rec.ID, "v": rec.Version})
	if err != nil {
		return t.fail(err)
	}
	if err := t.checkVersionedWrite(rec, res.DeletedCount); err != nil {
		return err
	}
	return t.deleteKeys(rec)
}

// checkVersionedWrite tells a stale version (ECONFLICT) from a missing record (ENOTFOUND)
// when a write matched no document.
func (t *tx) checkVersionedWrite(rec cooperative.Record, matched int64) error {
	if matched > 0 {
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
	filter := bson.M{"c": q.Collection, "i": bson.M{"$gt": q.After}}
	if q.Index != "" {
		if strings.Contains(q.Index, "=") {
			return cooperative.Page{}, nil // no stored name has one; "a=b"+"c" must not match "a"+"b=c"
		}
		filter["x"] = q.Index + "=" + q.Value
	}
	// One document more than the page tells whether there is a next page.
	cur, err := t.db.Collection("documents").Find(t.ctx, filter,
		options.Find().SetSort(bson.D{{Key: "i", Value: 1}}).SetLimit(int64(limit+1)))
	if err != nil {
		return cooperative.Page{}, t.fail(err)
	}
	page, more, err := t.readPage(cur, q.Collection, limit)
	if more {
		page.Next = page.Records[limit-1].ID
	}
	return page, err
}

// readPage reads the records of cur, asked for one more than limit: more says whether
// that one came, and so whether there is a next page.
func (t *tx) readPage(cur *mongo.Cursor, collection string, limit int) (page cooperative.Page, more bool, err error) {
	var docs []document
	if err := cur.All(t.ctx, &docs); err != nil {
		return cooperative.Page{}, false, t.fail(err)
	}
	for _, d := range docs {
		page.Records = append(page.Records, d.record(collection))
	}
	if len(page.Records) > limit {
		page.Records = page.Records[:limit]
		return page, true, nil
	}
	return page, false, nil
}

// findRange is Find with a Range. The multikey index (c, x, i) bounds the scan to the
// range's "name=value" entries; as a sort on an array field takes the array's smallest
// element, not the matching one, each match gets its entry of the index name as a sort
// key first. Matches are thus sorted in memory: a range read costs the records in its
// range, not the page (the ledger's reads are one account's days, a few hundred).
func (t *tx) findRange(q cooperative.Query) (cooperative.Page, error) {
	limit := cooperative.ClampLimit(q.Limit)
	if strings.Contains(q.Index, "=") {
		return cooperative.Page{}, nil // as in Find: no stored name has one
	}
	r := *q.Range
	prefix := q.Index + "="
	// "name>" is just above every "name=…" ('>' follows '='), so an open range stays
	// within the name's entries.
	lo, hi, hiOp := prefix+r.From, q.Index+">", "$lt"
	if r.To != "" {
		hi, hiOp = prefix+r.To, "$lte"
	}
	dir := 1
	if r.Descending {
		dir = -1
	}
	var cursor bson.M
	if q.After != "" {
		value, id, err := cooperative.ParseRangeCursor(q.After)
		if err != nil {
			return cooperative.Page{}, err
		}
		op := "$gt"
		if r.Descending {
			op = "$lt"
		}
		key := prefix + value
		cursor = bson.M{"$or": bson.A{bson.M{"rk": bson.M{op: key}}, bson.M{"rk": key, "i": bson.M{op: id}}}}
		// The cursor narrows the index scan too.
		if r.Descending && key < hi {
			hi, hiOp = key, "$lte"
		} else if !r.Descending && key > lo {
			lo = key
		}
	}
	pipeline := mongo.Pipeline{
		{{Key: "$match", Value: bson.M{"c": q.Collection, "x": bson.M{"$elemMatch": bson.M{"$gte": lo, hiOp: hi}}}}},
		// Entries within [lo, hi] all start with prefix (names have no "="), and a record
		// has one entry per name: the filter keeps exactly that one.
		{{Key: "$addFields", Value: bson.M{"rk": bson.M{"$arrayElemAt": bson.A{
			bson.M{"$filter": bson.M{"input": "$x", "cond": bson.M{"$and": bson.A{
				bson.M{"$gte": bson.A{"$$this", lo}}, bson.M{hiOp: bson.A{"$$this", hi}},
			}}}}, 0}}}}},
	}
	if cursor != nil {
		pipeline = append(pipeline, bson.D{{Key: "$match", Value: cursor}})
	}
	pipeline = append(pipeline,
		bson.D{{Key: "$sort", Value: bson.D{{Key: "rk", Value: dir}, {Key: "i", Value: dir}}}},
		bson.D{{Key: "$limit", Value: int64(limit + 1)}}) // one more tells whether there is a next page
	cur, err := t.db.Collection("documents").Aggregate(t.ctx, pipeline)
	if err != nil {
		return cooperative.Page{}, t.fail(err)
	}
	page, more, err := t.readPage(cur, q.Collection, limit)
	if more {
		last := page.Records[limit-1]
		page.Next = cooperative.RangeCursor(last.Index[q.Index], last.ID)
	}
	return page, err
}

func (t *tx) JournalEntryByKey(journal, key string) (cooperative.JournalEntry, error) {
	var stored entry
	err := t.db.Collection("journal_entries").FindOne(t.ctx, bson.M{"j": journal, "k": key}).Decode(&stored)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return cooperative.JournalEntry{Journal: journal, Key: key},
			cooperative.Errorf(cooperative.ENOTFOUND, "no entry %q in %s", key, journal)
	}
	if err != nil {
		return cooperative.JournalEntry{Journal: journal, Key: key}, t.fail(err)
	}
	return cooperative.JournalEntry{Journal: journal, Seq: stored.Seq, Key: key,
		Data: []byte(stored.Data), RecordedAt: stored.At.UTC()}, nil
}

func (t *tx) Append(e cooperative.JournalEntry) (cooperative.JournalEntry, bool, error) {
	if t.readOnly {
		return e, false, cooperative.ErrReadOnly
	}
	if err := cooperative.CheckJournalEntry(e); err != nil {
		return e, false, err
	}
	var stored entry
	err := t.db.Collection("journal_entries").FindOne(t.ctx, bson.M{"j": e.Journal, "k": e.Key}).Decode(&stored)
	switch {
	case err == nil:
		found := cooperative.JournalEntry{Journal: e.Journal, Seq: stored.Seq, Key: e.Key,
			Data: []byte(stored.Data), RecordedAt: stored.At.UTC()}
		if !bytes.Equal(found.Data, e.Data) {
			return found, false, cooperative.Errorf(cooperative.ECONFLICT,
				"idempotency key %q was already used in %s for different data", e.Key, e.Journal)
		}
		return found, false, nil
	case !errors.Is(err, mongo.ErrNoDocuments):
		return e, false, t.fail(err)
	}
	// Two appends to one journal both write its head, so MongoDB lets only one commit and
	// runs the other again: the sequence has no gaps.
	var head struct {
		Seq int64 `bson:"s"`
	}
	if err := t.db.Collection("journal_heads").FindOneAndUpdate(t.ctx,
		bson.M{"_id": e.Journal}, bson.M{"$inc": bson.M{"s": int64(1)}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&head); err != nil {
		return e, false, t.fail(err)
	}
	e.Seq = head.Seq
	e.RecordedAt = time.Now().UTC().Truncate(time.Millisecond) // what a BSON date keeps
	if _, err := t.db.Collection("journal_entries").InsertOne(t.ctx, bson.M{
		"j": e.Journal, "s": e.Seq, "k": e.Key, "d": string(e.Data), "at": e.RecordedAt,
	}); err != nil {
		return e, false, t.fail(err)
	}
	return e, true, nil
}

func (t *tx) ReadJournal(journal string, after int64, limit int) ([]cooperative.JournalEntry, error) {
	cur, err := t.db.Collection("journal_entries").Find(t.ctx,
		bson.M{"j": journal, "s": bson.M{"$gt": after}},
		options.Find().SetSort(bson.D{{Key: "s", Value: 1}}).SetLimit(int64(cooperative.ClampLimit(limit))))
	if err != nil {
		return nil, t.fail(err)
	}
	var rows []entry
	if err := cur.All(t.ctx, &rows); err != nil {
		return nil, t.fail(err)
	}
	var out []cooperative.JournalEntry
	for _, r := range rows {
		out = append(out, cooperative.JournalEntry{Journal: journal, Seq: r.Seq, Key: r.Key,
			Data: []byte(r.Data), RecordedAt: r.At.UTC()})
	}
	return out, nil
}
