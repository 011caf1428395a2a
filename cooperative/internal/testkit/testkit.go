// Package testkit is what the capability packages' tests share: a clock the test moves
// by hand, the real embedded store in a temporary directory, and a cooperative in it.
package testkit

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// Clock is a test clock: Now is what the test last set.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// OpenStore opens the real embedded store in a temporary directory, closed when tb ends.
// synchronous=normal: the tests are about the domain, not about fsync.
func OpenStore(tb testing.TB) cooperative.Store {
	tb.Helper()
	s, err := embedded.Open(context.Background(), filepath.Join(tb.TempDir(), "k.db"), embedded.Options{Synchronous: "normal"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// NewCooperative creates a Dutch energy cooperative named name with registration number
// regno, through run.
func NewCooperative(tb testing.TB, run *cooperative.Runner, name, regno string) cooperative.Cooperative {
	tb.Helper()
	var c cooperative.Cooperative
	if err := run.Update(context.Background(), func(tx cooperative.Tx, now time.Time) (err error) {
		c, err = cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: name, Kind: cooperative.KindEnergy, Country: "NL",
			RegistrationNumber: regno, IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, now)
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	return c
}
