// Package mongodb is the MongoDB adapter of cooperative.Store, for deployments that
// already run MongoDB. Every Update and View is one multi-document transaction (snapshot
// reads, majority writes), so the server must be a replica set or a sharded cluster; Open
// refuses a standalone mongod instead of failing later.
//
// All data lives in four fixed collections, so their indexes are made once at start-up:
//
//	documents        {c: collection, i: id, v: version, d: data (the JSON, as a string),
//	                  u: {name: value} unique keys, x: ["name=value", …] lookup entries}
//	                 unique (c, i); (c, x, i) for Find by index, and by a range of
//	                 "name=value" entries (sorted in memory: see findRange).
//	unique_keys      {c, n: name, v: value, i: record id}
//	                 unique (c, n, v) enforces Record.Unique; (c, i) to drop a record's keys.
//	journal_entries  {j: journal, s: seq, k: idempotency key, d: data, at: recorded at}
//	                 unique (j, s) and (j, k) (JournalEntryByKey reads by the latter).
//	journal_heads    {_id: journal, s: last seq}, bumped inside the appending transaction,
//	                 so sequence numbers have no gaps.
//
// A failed write aborts a whole MongoDB transaction, while the port (and the embedded
// store) only fail the one call. So conflicts are detected with upserts that match
// instead of inserts that fail, and the transaction stays usable after an ECONFLICT.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/readconcern"
	"go.mongodb.org/mongo-driver/mongo/readpref"
	"go.mongodb.org/mongo-driver/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/x/mongo/driver/connstring"
	"go.mongodb.org/mongo-driver/x/mongo/driver/topology"
)

// Options configure the MongoDB store.
type Options struct {
	// URI is the connection string (MONGODB_URI). Without serverSelectionTimeoutMS in it,
	// start-up and every request give up after defaultSelectionTimeout.
	URI string
	// Database is the database to use; default the one named in URI, else "kracht".
	Database string
}

// Store is the MongoDB adapter of cooperative.Store.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	txOpts *options.TransactionOptions
	closed atomic.Bool
}

var _ cooperative.Store = (*Store)(nil)

const (
	defaultSelectionTimeout = 10 * time.Second
	// transientLabel is the label WithTransaction looks for to run the function again.
	transientLabel = "TransientTransactionError"
	// codeNamespaceExists is the server's answer to creating a collection that exists.
	codeNamespaceExists = 48
)

var errClosed = cooperative.Errorf(cooperative.EUNAVAILABLE, "The store is closed.")

// Open connects, checks that the server can run transactions and creates the indexes.
// Every failure names the problem in one error, without the URI's password.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.URI == "" {
		return nil, errors.New("MONGODB_URI is malformed: it is empty")
	}
	cs, err := connstring.ParseAndValidate(opts.URI)
	if err != nil {
		var dnsErr *net.DNSError // mongodb+srv:// looks its hosts up while parsing
		if errors.As(err, &dnsErr) {
			return nil, fmt.Errorf("MONGODB_URI: cannot reach %s: %s", dnsErr.Name, redact(err, opts.URI))
		}
		return nil, fmt.Errorf("MONGODB_URI is malformed: %s", redact(err, opts.URI))
	}
	for _, h := range cs.Hosts {
		// The driver takes "[bad" for a host and fails only when it dials it.
		if _, _, err := net.SplitHostPort(h); err != nil && !strings.HasSuffix(h, ".sock") {
			if _, _, err := net.SplitHostPort(h + ":27017"); err != nil { // the port is optional
				return nil, fmt.Errorf("MONGODB_URI is malformed: host %s: %s", h, redact(err, opts.URI))
			}
		}
	}
	hosts := strings.Join(cs.Hosts, ",")
	copts := options.Client().ApplyURI(opts.URI)
	if !cs.ServerSelectionTimeoutSet {
		copts.SetServerSelectionTimeout(defaultSelectionTimeout)
	}
	client, err := mongo.Connect(ctx, copts)
	if err != nil {
		return nil, fmt.Errorf("MONGODB_URI: cannot reach %s: %s", hosts, redact(err, opts.URI))
	}
	fail := func(format string, args ...any) (*Store, error) {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf(format, args...)
	}
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		return fail("MONGODB_URI: cannot reach %s: %s", hosts, redact(err, opts.URI))
	}
	var hello struct {
		SetName string `bson:"setName"`
		Msg     string `bson:"msg"`
	}
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return fail("MONGODB_URI: %s did not answer hello: %s", hosts, redact(err, opts.URI))
	}
	if hello.SetName == "" && hello.Msg != "isdbgrid" { // isdbgrid: a mongos, which has transactions too
		return fail("MONGODB_URI: %s is not a replica set (Kracht needs multi-document transactions; "+
			"start mongod with --replSet and run rs.initiate())", hosts)
	}
	name := opts.Database
	if name == "" {
		name = cs.Database
	}
	if name == "" {
		name = "kracht"
	}
	s := &Store{
		client: client,
		db:     client.Database(name),
		txOpts: options.Transaction().
			SetWriteConcern(writeconcern.Majority()).
			SetReadConcern(readconcern.Snapshot()).
			SetReadPreference(readpref.Primary()),
	}
	if err := s.createIndexes(ctx); err != nil {
		return fail("MONGODB_URI: cannot create the collections of database %q on %s: %s", name, hosts, redact(err, opts.URI))
	}
	return s, nil
}

func (s *Store) createIndexes(ctx context.Context) error {
	unique := options.Index().SetUnique(true)
	keys := func(names ...string) bson.D {
		d := make(bson.D, len(names))
		for i, n := range names {
			d[i] = bson.E{Key: n, Value: 1}
		}
		return d
	}
	for coll, models := range map[string][]mongo.IndexModel{
		"documents":       {{Keys: keys("c", "i"), Options: unique}, {Keys: keys("c", "x", "i")}},
		"unique_keys":     {{Keys: keys("c", "n", "v"), Options: unique}, {Keys: keys("c", "i")}},
		"journal_entries": {{Keys: keys("j", "s"), Options: unique}, {Keys: keys("j", "k"), Options: unique}},
	} {
		if _, err := s.db.Collection(coll).Indexes().CreateMany(ctx, models); err != nil {
			return err
		}
	}
	// Upserting into a collection that does not exist yet would create it inside a
	// transaction, which older servers refuse.
	err := s.db.CreateCollection(ctx, "journal_heads")
	var ce mongo.CommandError
	if errors.As(err, &ce) && ce.HasErrorCode(codeNamespaceExists) {
		return nil
	}
	return err
}

// Update implements cooperative.Store. WithTransaction runs fn again when MongoDB reports
// a transient conflict (two transactions writing one document), so a stale version
// surfaces as ECONFLICT on the second run, as with the embedded store.
func (s *Store) Update(ctx context.Context, fn func(cooperative.Tx) error) error {
	return s.run(ctx, fn, false)
}

// View implements cooperative.Store: a transaction too, for its snapshot.
func (s *Store) View(ctx context.Context, fn func(cooperative.Tx) error) error {
	return s.run(ctx, fn, true)
}

// Get implements cooperative.Store, in a transaction of its own (no cache: other
// processes write to the same database).
func (s *Store) Get(ctx context.Context, collection, id string) (cooperative.Record, error) {
	var rec cooperative.Record
	err := s.View(ctx, func(tx cooperative.Tx) (err error) {
		rec, err = tx.Get(collection, id)
		return err
	})
	return rec, err
}

func (s *Store) run(ctx context.Context, fn func(cooperative.Tx) error, readOnly bool) error {
	if s.closed.Load() {
		return errClosed
	}
	sess, err := s.client.StartSession()
	if err != nil {
		return translate(err)
	}
	// Ends a transaction left open by a panic in fn, whatever happened to ctx.
	defer sess.EndSession(context.WithoutCancel(ctx))
	var fnFailed bool
	_, err = sess.WithTransaction(ctx, func(sc mongo.SessionContext) (any, error) {
		t := &tx{ctx: sc, db: s.db, readOnly: readOnly}
		var err error
		if readOnly {
			err = fn(t)
		} else {
			err = runGuarded(fn, t)
		}
		fnFailed = err != nil
		// A transient error must reach WithTransaction as the driver made it, labels
		// and all, or it would not run fn again.
		return nil, err
	}, s.txOpts)
	if err != nil && fnFailed && !transient(err) {
		return err // fn's own error, unchanged, as the embedded store returns it
	}
	return translate(err)
}

// runGuarded turns a panic in fn into an error, as the embedded store does for Update.
func runGuarded(fn func(cooperative.Tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = cooperative.WrapError(cooperative.EINTERNAL, fmt.Errorf("panic in transaction: %v", p), "store failure")
		}
	}()
	return fn(t)
}

// Ping implements cooperative.Store.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The store is not reachable.")
	}
	return nil
}

// Close implements cooperative.Store.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), defaultSelectionTimeout)
	defer cancel()
	return s.client.Disconnect(ctx)
}

// translate turns driver errors into domain errors; nil stays nil. It is the only place
// that knows the driver's errors.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var (
		ce  *cooperative.Error
		sse topology.ServerSelectionError
	)
	switch {
	case errors.As(err, &ce):
		return err
	case errors.Is(err, mongo.ErrNoDocuments):
		return cooperative.WrapError(cooperative.ENOTFOUND, err, "The record was not found.")
	case mongo.IsDuplicateKeyError(err):
		return cooperative.WrapError(cooperative.ECONFLICT, err, "The record conflicts with another one.")
	case errors.Is(err, mongo.ErrClientDisconnected):
		return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The store is closed.")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The request was cancelled or timed out.")
	case mongo.IsTimeout(err), mongo.IsNetworkError(err), errors.As(err, &sse):
		return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The store is not reachable.")
	case transient(err): // still conflicting when WithTransaction gave up retrying
		return cooperative.WrapError(cooperative.EUNAVAILABLE, err, "The store is busy; try again.")
	}
	return cooperative.WrapError(cooperative.EINTERNAL, err, "store failure")
}

// transient reports whether err carries the TransientTransactionError label, walking the
// chain as WithTransaction does.
func transient(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if le, ok := err.(mongo.LabeledError); ok && le.HasErrorLabel(transientLabel) {
			return true
		}
	}
	return false
}

// redact returns err's text without the password of uri, in case the driver quotes it.
func redact(err error, uri string) string {
	msg := err.Error()
	_, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return msg
	}
	// As the driver parses it: the user info ends at the first "@".
	userInfo, _, ok := strings.Cut(rest, "@")
	if !ok {
		return msg
	}
	_, password, ok := strings.Cut(userInfo, ":")
	if !ok || password == "" {
		return msg
	}
	if strings.Contains(msg, "password") {
		// The driver's "invalid password: invalid URL escape" quotes part of it.
		return "the password in the user info is not correctly percent-encoded"
	}
	// A password of a few letters would match inside ordinary words and hide nothing.
	for _, pw := range []string{password, unescape(password)} {
		if len(pw) >= 4 {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

func unescape(s string) string {
	plain, err := url.PathUnescape(s)
	if err != nil {
		return ""
	}
	return plain
}
