package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// checkpointInterval is how often the register looks for cooperatives due a checkpoint.
const checkpointInterval = 10 * time.Minute

// sharesJobs is the share register's background work.
func sharesJobs(store cooperative.Store, log *slog.Logger) []pollingJob {
	return []pollingJob{checkpointJob(store, checkpointInterval, log)}
}

// checkpointJob writes register checkpoints every interval, for each cooperative with
// cooperative.CheckpointEvery events since its last one, so that "who held what on date
// D" stays fast as registers grow. Safe with many replicas: a checkpoint is written once
// whoever gets there first.
func checkpointJob(store cooperative.Store, interval time.Duration, log *slog.Logger) pollingJob {
	registry := shares.NewRegistry(store, shares.RegistryOptions{})
	return pollingJob{name: jobCheckpoints, interval: interval, step: func(ctx context.Context) (bool, error) {
		n, err := registry.CheckpointAllDue(ctx, shares.CheckpointEvery)
		if n > 0 {
			log.Info("register checkpoints written", slog.Int("count", n))
		}
		return false, err
	}, onError: func(err error) { log.Error("register checkpoints failed", slog.Any("error", err)) }}
}
