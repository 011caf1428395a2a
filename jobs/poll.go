// Package jobs holds what Kracht's background work has in common: the loop that polls
// the store for due work (mail to send, Stripe events to apply, register checkpoints to
// write). The work itself claims what it does through the store, so any number of
// replicas may run the same loop.
package jobs

import (
	"context"
	mathrand "math/rand/v2"
	"time"
)

// maxBackoff bounds the wait after repeated errors.
const maxBackoff = time.Minute

// Poll calls step until ctx ends, then returns. step says whether more work is waiting
// now (then it runs again at once) and reports an error to onError. When idle, Poll waits
// about interval; after errors in a row it waits twice as long each time, up to a
// minute, so an unreachable store is not hammered. Waits are jittered (half to all of
// the wait) so replicas do not poll in lockstep. A signal on wake (may be nil) cuts a
// wait short, for work that arrives in this process.
func Poll(ctx context.Context, interval time.Duration, wake <-chan struct{},
	step func(context.Context) (more bool, err error), onError func(error)) {
	failures := 0
	for {
		more, err := step(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := time.Duration(0)
		switch {
		case err != nil:
			failures++
			wait = min(interval<<min(failures, 6), maxBackoff)
			onError(err)
		case !more:
			failures, wait = 0, interval
		default:
			failures = 0
		}
		if wait <= 0 {
			continue
		}
		t := time.NewTimer(wait/2 + mathrand.N(wait/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}
