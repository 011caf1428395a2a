package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// On SIGTERM the server first fails /readyz while it still answers everything else for
// KRACHT_DRAIN_PERIOD, so a rolling update drops no request, and only then stops.
func TestSIGTERMDrainsBeforeStopping(t *testing.T) {
	// The same wiring as main: the signal cancels the context instead of killing the test.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	addr := freeAddr(t)
	const drain = 1500 * time.Millisecond
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, env(map[string]string{"KRACHT_ADDR": addr,
			"KRACHT_DATA_DIR": filepath.Join(t.TempDir(), "data"), "KRACHT_DRAIN_PERIOD": drain.String()}),
			strings.NewReader(""), out, io.Discard)
	}()
	client := &http.Client{Timeout: 2 * time.Second}
	status := func(path string) int {
		res, err := client.Get("http://" + addr + path)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	for deadline := time.Now().Add(10 * time.Second); status("/readyz") != 200; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never ready; output:\n%s", out.String())
		}
	}
	signalled := time.Now()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for status("/readyz") != http.StatusServiceUnavailable {
		if time.Since(signalled) > drain/2 {
			t.Fatalf("/readyz did not turn 503 after SIGTERM; output:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Still serving: liveness, the web front and the API description answer.
	for _, path := range []string{"/healthz", "/", "/openapi.json"} {
		if got := status(path); got != 200 {
			t.Fatalf("GET %s while draining: %d, want 200", path, got)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("stopped %v after SIGTERM, before the drain period of %v: %v", time.Since(signalled), drain, err)
	case <-time.After(drain / 4):
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if took := time.Since(signalled); took < drain {
			t.Fatalf("stopped after %v, within the drain period of %v", took, drain)
		}
	case <-time.After(drain + 10*time.Second):
		t.Fatalf("serve did not stop; output:\n%s", out.String())
	}
	if got := status("/healthz"); got != 0 {
		t.Fatalf("GET /healthz after stopping: %d, want a refused connection", got)
	}
	if !strings.Contains(out.String(), `"msg":"draining`) || !strings.Contains(out.String(), `"msg":"stopped"`) {
		t.Fatalf("log does not tell of the drain and the stop:\n%s", out.String())
	}
}

func TestDrainPeriodIsValidated(t *testing.T) {
	for _, v := range []string{"-1s", "soon", "1h"} {
		err := run(context.Background(), []string{"serve"}, env(map[string]string{"KRACHT_DRAIN_PERIOD": v}), nil, io.Discard, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), "KRACHT_DRAIN_PERIOD=") {
			t.Errorf("KRACHT_DRAIN_PERIOD=%s: error %v, want one naming the variable", v, err)
		}
	}
	cfg, err := loadConfig(env(nil))
	if err != nil || cfg.DrainPeriod != 0 {
		t.Fatalf("default drain period %v (%v), want 0 so Ctrl-C stays quick", cfg.DrainPeriod, err)
	}
}
