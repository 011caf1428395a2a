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
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		jobs.Poll(runCtx, interval, nil, func(ctx context.Context) (bool, error) {
			n, err := registry.CheckpointAllDue(ctx, cooperative.CheckpointEvery)
			if n > 0 {
				log.Info("register checkpoints written", slog.Int("count", n))
			}
			return false, err
		}, func(err error) { log.Error("register checkpoints failed", slog.Any("error", err)) })
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}
