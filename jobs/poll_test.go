package jobs

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestPollRunsAgainAtOnceWhileThereIsMore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	start := time.Now()
	Poll(ctx, time.Hour, nil, func(context.Context) (bool, error) {
		if calls.Add(1) == 5 {
			cancel()
		}
		return true, nil
	}, func(error) { t.Error("no error expected") })
	if calls.Load() != 5 || time.Since(start) > time.Second {
		t.Fatalf("%d calls in %v; want 5 without waiting", calls.Load(), time.Since(start))
	}
}

func TestPollWaitsWhenIdleAndWakes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := make(chan struct{})
	calls := make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Poll(ctx, time.Hour, wake, func(context.Context) (bool, error) { calls <- struct{}{}; return false, nil }, func(error) {})
	}()
	<-calls
	select {
	case <-calls:
		t.Fatal("idle poll ran again without waiting")
	case <-time.After(100 * time.Millisecond):
	}
	wake <- struct{}{}
	select {
	case <-calls:
	case <-time.After(time.Second):
		t.Fatal("wake did not cut the wait short")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Poll did not return when ctx ended")
	}
}

func TestPollBacksOffAfterErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	var calls, reported atomic.Int32
	Poll(ctx, 20*time.Millisecond, nil, func(context.Context) (bool, error) {
		calls.Add(1)
		return true, errors.New("store away")
	}, func(error) { reported.Add(1) })
	// Waits of about 40, 80, 160, 320 ms (jittered to half of that at least): far fewer
	// calls than the 30 that a fixed 20 ms interval would allow.
	if n := calls.Load(); n < 2 || n > 12 || reported.Load() != n {
		t.Fatalf("%d calls, %d reported", n, reported.Load())
	}
}

type recordingObserver struct {
	steps, failures atomic.Int32
	job             atomic.Value
}

func (r *recordingObserver) StepDone(job string, _ time.Duration, err error) {
	r.job.Store(job)
	r.steps.Add(1)
	if err != nil {
		r.failures.Add(1)
	}
}

func TestPollReportsEachStepToTheObserverInItsContext(t *testing.T) {
	obs := &recordingObserver{}
	ctx, cancel := context.WithCancel(WithObserver(context.Background(), "mail", obs))
	var calls atomic.Int32
	Poll(ctx, time.Millisecond, nil, func(context.Context) (bool, error) {
		switch calls.Add(1) {
		case 2:
			return false, errors.New("store down")
		case 4:
			cancel() // a step cut short by the end of the loop is not reported
		}
		return true, nil
	}, func(error) {})
	if obs.steps.Load() != 3 || obs.failures.Load() != 1 || obs.job.Load() != "mail" {
		t.Fatalf("observer heard %d steps, %d failures, job %v; want 3, 1, mail", obs.steps.Load(), obs.failures.Load(), obs.job.Load())
	}
}
