package embedded

import "sync/atomic"

// commitCounter tells every process that has the database open that a commit is under
// way or has happened, so that each can keep a cache of records exact (see cache.go).
// A committer raises begun while it holds SQLite's write lock, just before COMMIT, and
// raises ended to the same number once COMMIT has returned. So a commit may be in flight
// exactly while begun > ended. The counters only grow; ended is raised to a number, never
// added to, so a process that died between the two is forgotten at the next commit.
type commitCounter struct {
	begun, ended *atomic.Uint64
	release      func() error
}

// begin marks a commit about to happen and returns its number.
func (c *commitCounter) begin() uint64 { return c.begun.Add(1) }

// end marks commit n (from begin) as finished, whether it succeeded or not.
func (c *commitCounter) end(n uint64) {
	for {
		e := c.ended.Load()
		if e >= n || c.ended.CompareAndSwap(e, n) {
			return
		}
	}
}

// settled returns the number of the last commit and whether none is in flight.
func (c *commitCounter) settled() (uint64, bool) {
	// ended first. begun never trails ended, so when begun, read after, is still equal,
	// no commit began in between and none was in flight when ended was read. In the
	// other order a commit beginning between the loads could go unseen.
	e := c.ended.Load()
	b := c.begun.Load()
	return b, b == e
}
