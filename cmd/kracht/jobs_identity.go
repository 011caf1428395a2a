package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"

	"github.com/kracht-coop/kracht/cooperative"
)

// sweepInterval is how often expired sign-in data is swept. Nothing accepts it while it
// waits, so the interval only bounds how much piles up; a sweep with little to do costs a
// few indexed queries.
const sweepInterval = time.Hour

// identityJobs is sign-in's background work.
func identityJobs(store cooperative.Store, log *slog.Logger) []pollingJob {
	return []pollingJob{sweepJob(store, sweepInterval, log)}
}

// sweepJob removes sessions, refresh tokens, mailed links, invitations and throttle
// counters nobody can use any more (cooperative.SweepExpired), at start and then every
// interval, with one log line of counts per sweep. Safe with many replicas: each removal
// is at the version read, so two sweeps at once remove a record once.
func sweepJob(store cooperative.Store, interval time.Duration, log *slog.Logger) pollingJob {
	return pollingJob{name: jobSweep, interval: interval, step: func(ctx context.Context) (bool, error) {
		t, err := identity.SweepExpired(ctx, store, time.Now(), identity.SweepOptions{})
		if err == nil {
			log.Info("expired sign-in data swept", slog.Int("sessions", t.Sessions),
				slog.Int("refresh_tokens", t.RefreshTokens), slog.Int("link_tokens", t.LinkTokens),
				slog.Int("invitations", t.Invitations), slog.Int("throttles", t.Throttles),
				slog.Int("reindexed", t.Reindexed), slog.Int("skipped", t.Skipped))
		}
		return false, err
	}, onError: func(err error) { log.Error("sweeping expired sign-in data failed", slog.Any("error", err)) }}
}
