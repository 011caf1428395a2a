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
	obs, name := observerFrom(ctx)
	for {
		start := time.Now()
		more, err := step(ctx)
		if obs != nil && ctx.Err() == nil {
			obs.StepDone(name, time.Since(start), err)
		}
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

// An Observer hears of every step of a Poll loop (metrics: runs, failures, duration).
// It must be quick and safe for concurrent use.
type Observer interface {
	StepDone(job string, took time.Duration, err error)
}

type observerKey struct{}

type namedObserver struct {
	name string
	obs  Observer
}

// WithObserver names the Poll loop that runs under ctx and has obs hear of its steps. It
// travels in the context so the loops of other packages (the mail worker, the Stripe
// worker) report without a change to their options; a loop without one reports nothing.
func WithObserver(ctx context.Context, job string, obs Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, namedObserver{name: job, obs: obs})
}

func observerFrom(ctx context.Context) (Observer, string) {
	o, _ := ctx.Value(observerKey{}).(namedObserver)
	return o.obs, o.name
}
