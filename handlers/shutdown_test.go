package handlers

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// TestShutdownLetsRequestsInFlightFinish starts a slow request, shuts down while it
// runs, and expects the request to complete and new connections to be refused.
func TestShutdownLetsRequestsInFlightFinish(t *testing.T) {
	ts := newTestServer(t)
	started := make(chan struct{})
	register(ts.Server, huma.Operation{OperationID: "test-slow", Method: http.MethodGet, Path: "/test/slow"},
		func(context.Context, *struct{}) (*healthOutput, error) {
			close(started)
			time.Sleep(300 * time.Millisecond)
			return &healthOutput{Body: healthBody{Status: "finished"}}, nil
		})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- ts.Serve(ln) }()

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		done <- result{status: res.StatusCode, body: string(b)}
	}()
	<-started
	shutdownStart := time.Now()
	if err := ts.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(shutdownStart); waited < 200*time.Millisecond {
		t.Fatalf("shutdown returned after %v, before the request in flight finished", waited)
	}
	r := <-done
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, `"status":"finished"`) {
		t.Fatalf("request in flight: %+v", r)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("a new request was served after shutdown")
	}
}
