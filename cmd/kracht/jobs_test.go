package main

import (
	"context"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/storage/embedded"
)

const sweptLine = `"msg":"expired sign-in data swept"`

// waitForLines waits until out holds at least n lines containing s.
func waitForLines(t *testing.T, out *syncBuffer, s string, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); strings.Count(out.String(), s) < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d lines with %s:\n%s", n, s, out.String())
		}
	}
}

func TestSweeperSweepsAtStartAndEveryIntervalUntilStopped(t *testing.T) {
	ctx := context.Background()
	store, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "kracht.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	out := &syncBuffer{}
	m := newMetrics()
	stop := startJobs(ctx, []pollingJob{sweepJob(store, 20*time.Millisecond, slog.New(slog.NewJSONHandler(out, nil)))}, m)
	waitForLines(t, out, sweptLine, 3)
	stop()
	stop() // idempotent
	swept := strings.Count(out.String(), sweptLine)
	if runs := testutil.ToFloat64(m.jobRuns.WithLabelValues(jobSweep)); runs != float64(swept) {
		t.Errorf("kracht_job_runs_total{job=sweep} = %v after %d sweeps", runs, swept)
	}
	time.Sleep(100 * time.Millisecond)
	if now := strings.Count(out.String(), sweptLine); now != swept {
		t.Fatalf("%d sweeps after stop returned", now-swept)
	}
	for _, want := range []string{`"sessions":0`, `"refresh_tokens":0`, `"link_tokens":0`, `"invitations":0`, `"throttles":0`, `"skipped":0`} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("no %s in the sweep's line:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), `"level":"ERROR"`) {
		t.Fatalf("a sweep failed:\n%s", out.String())
	}
}

// serve polls the register's checkpoints every ten minutes and sweeps sign-in data every
// hour, as it did before each capability offered its own jobs.
func TestBackgroundJobsAreTheCheckpointsAndTheSweep(t *testing.T) {
	var intervals []time.Duration
	for _, j := range backgroundJobs(nil, slog.New(slog.DiscardHandler)) {
		if j.step == nil || j.onError == nil {
			t.Fatalf("a job without a step or an error handler: %+v", j)
		}
		intervals = append(intervals, j.interval)
	}
	if want := []time.Duration{10 * time.Minute, time.Hour}; !slices.Equal(intervals, want) {
		t.Fatalf("intervals %v, want %v", intervals, want)
	}
}
