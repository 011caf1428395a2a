package embedded

import (
	"maps"
	"sync"

	"github.com/kracht-coop/kracht/cooperative"
)

// recordCache keeps records read by Store.Get so that a hot record (a cooperative's
// public profile, read on every page) is answered without a SQLite read transaction,
// which is most of the cost of such a request.
//
// It is exact, not eventually right: an entry is served only while no commit has begun
// anywhere since it was read, in this process or another one on the same file (the
// shared commitCounter says so). Any commit empties the cache; a read made while a commit
// was in flight is not kept. Writes are rare next to reads here, so the simple rule costs
// little and needs no bookkeeping of which records a commit touched.
type recordCache struct {
	commits *commitCounter
	limit   int // bytes

	mu    sync.Mutex
	seen  uint64 // the commit the entries are exact for
	items map[cacheKey]cooperative.Record
	size  int
}

type cacheKey struct{ collection, id string }

func newRecordCache(commits *commitCounter, limit int) *recordCache {
	n, _ := commits.settled()
	return &recordCache{commits: commits, limit: limit, seen: n, items: map[cacheKey]cooperative.Record{}}
}

// sync empties the cache if a commit happened since it was filled and reports whether
// it may be used now (no commit in flight). The caller holds mu.
func (c *recordCache) sync() bool {
	n, settled := c.commits.settled()
	if n != c.seen {
		clear(c.items)
		c.size = 0
		c.seen = n
	}
	return settled
}

// get returns a copy of the cached record, if it is there and still exact.
func (c *recordCache) get(collection, id string) (cooperative.Record, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync() {
		return cooperative.Record{}, false
	}
	rec, ok := c.items[cacheKey{collection, id}]
	if !ok {
		return rec, false
	}
	return copyRecord(rec), true
}

// token is taken before reading a record from the database; put keeps the record only
// if no commit began since, so what it keeps is the latest committed version.
func (c *recordCache) token() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen, c.sync()
}

func (c *recordCache) put(token uint64, rec cooperative.Record) {
	cost := recordCost(rec)
	if cost > c.limit/8 {
		return // one large record must not push out everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync() || c.seen != token {
		return
	}
	k := cacheKey{rec.Collection, rec.ID}
	if old, ok := c.items[k]; ok {
		delete(c.items, k)
		c.size -= recordCost(old)
	}
	for key, old := range c.items { // map order: an arbitrary victim is good enough
		if c.size+cost <= c.limit {
			break
		}
		delete(c.items, key)
		c.size -= recordCost(old)
	}
	c.items[k] = copyRecord(rec)
	c.size += cost
}

// recordCost approximates the bytes an entry holds.
func recordCost(rec cooperative.Record) int {
	n := 128 + len(rec.Collection) + len(rec.ID) + len(rec.Data)
	for _, keys := range []map[string]string{rec.Unique, rec.Index} {
		for k, v := range keys {
			n += 32 + len(k) + len(v)
		}
	}
	return n
}

// copyRecord copies the parts a caller could change, so no caller can alter the cache.
func copyRecord(rec cooperative.Record) cooperative.Record {
	rec.Data = append([]byte(nil), rec.Data...)
	rec.Unique = maps.Clone(rec.Unique)
	rec.Index = maps.Clone(rec.Index)
	return rec
}
