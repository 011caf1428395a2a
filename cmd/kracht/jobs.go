package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/jobs"
)

// startCheckpoints writes register checkpoints in the background, every interval, for
// each cooperative with cooperative.CheckpointEvery events since its last one, so that
// "who held what on date D" stays fast as registers grow. Safe with many replicas: a
// checkpoint is written once whoever gets there first. stop (idempotent) waits for a
// round under way.
func startCheckpoints(ctx context.Context, store cooperative.Store, interval time.Duration, log *slog.Logger) (stop func()) {
	registry := cooperative.NewRegistry(store, cooperative.RegistryOptions{})
	return startPolling(ctx, interval, func(ctx context.Context) (bool, error) {
		n, err := registry.CheckpointAllDue(ctx, cooperative.CheckpointEvery)
		if n > 0 {
			log.Info("register checkpoints written", slog.Int("count", n))
		}
		return false, err
	}, func(err error) { log.Error("register checkpoints failed", slog.Any("error", err)) })
}

// sweepInterval is how often expired sign-in data is swept. Nothing accepts it while it
// waits, so the interval only bounds how much piles up; a sweep with little to do costs a
// few indexed queries.
const sweepInterval = time.Hour

// startSweeper removes sessions, refresh tokens, mailed links, invitations and throttle
// counters nobody can use any more (cooperative.SweepExpired), at start and then every
// interval, with one log line of counts per sweep. Safe with many replicas: each removal
// is at the version read, so two sweeps at once remove a record once. stop (idempotent)
// waits for a sweep under way.
func startSweeper(ctx context.Context, store cooperative.Store, interval time.Duration, log *slog.Logger) (stop func()) {
	return startPolling(ctx, interval, func(ctx context.Context) (bool, error) {
		t, err := cooperative.SweepExpired(ctx, store, time.Now(), cooperative.SweepOptions{})
		if err == nil {
			log.Info("expired sign-in data swept", slog.Int("sessions", t.Sessions),
				slog.Int("refresh_tokens", t.RefreshTokens), slog.Int("link_tokens", t.LinkTokens),
				slog.Int("invitations", t.Invitations), slog.Int("throttles", t.Throttles),
				slog.Int("reindexed", t.Reindexed), slog.Int("skipped", t.Skipped))
		}
		return false, err
	}, func(err error) { log.Error("sweeping expired sign-in data failed", slog.Any("error", err)) })
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
