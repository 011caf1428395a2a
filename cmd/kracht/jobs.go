package main

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/jobs"
)

// A pollingJob is background work a capability offers: step runs through jobs.Poll every
// interval, its errors go to onError. Each capability offers its jobs from its own file
// (jobs_<capability>.go); serve starts them all.
type pollingJob struct {
	name     string // the label job of its metrics
	interval time.Duration
	step     func(context.Context) (more bool, err error)
	onError  func(error)
}

// backgroundJobs is every capability's polling work, one line per capability. The mail
// and Stripe workers are started apart (mail.go, stripe.go): they have their own loops and
// configuration, and the handlers need the Stripe syncer.
func backgroundJobs(store cooperative.Store, log *slog.Logger) []pollingJob {
	return slices.Concat(
		sharesJobs(store, log),
		identityJobs(store, log),
	)
}

// startJobs starts each job, obs hearing of its steps; stop (idempotent) stops them in order, each waiting for a
// step under way.
func startJobs(ctx context.Context, list []pollingJob, obs jobs.Observer) (stop func()) {
	stops := make([]func(), len(list))
	for i, j := range list {
		stops[i] = startPolling(jobs.WithObserver(ctx, j.name, obs), j.interval, j.step, j.onError)
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}

// startPolling runs step through jobs.Poll in the background until stop (idempotent),
// which cancels it and waits for a step under way. The job outlives ctx's cancellation, so
// serve stops it in its own order, before the store closes.
func startPolling(ctx context.Context, interval time.Duration, step func(context.Context) (bool, error),
	onError func(error)) (stop func()) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		jobs.Poll(runCtx, interval, nil, step, onError)
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}
