// Package stripemock starts Stripe's own stripe-mock server for tests. It is a tool
// dependency of the module (go.mod: tool github.com/stripe/stripe-mock), so
// `go tool -n stripe-mock` builds it from the module cache without the network.
package stripemock

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Start runs stripe-mock on free local ports and returns its HTTP base URL and a
// function that stops it.
func Start() (url string, stop func(), err error) {
	path, err := exec.Command("go", "tool", "-n", "stripe-mock").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		return "", nil, fmt.Errorf("stripe-mock is not available (%v): it is a tool of go.mod; run `go mod download` "+
			"(CI: .ci/run does) or `go get -tool github.com/stripe/stripe-mock@v0.203.0`", err)
	}
	cmd := exec.Command(strings.TrimSpace(string(path)), "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting stripe-mock: %w", err)
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "Listening for HTTP at address: "); ok {
				found <- "http://" + strings.TrimSpace(addr)
			}
		}
	}()
	select {
	case url = <-found:
		return url, stop, nil
	case <-time.After(60 * time.Second):
		stop()
		return "", nil, errors.New("stripe-mock did not say where it listens within 60 s")
	}
}

// Call is one request a Recorder saw.
type Call struct {
	Method, Path   string
	IdempotencyKey string
}

// Recorder is an http.RoundTripper for the HTTP client of a Stripe client in tests: it
// passes each request on to stripe-mock and remembers it, since stripe-mock keeps no
// state a test could read back. When Fail picks a request, the Recorder answers it
// itself with the 500 of an outage, which Stripe asks not to retry (so a test does not
// wait out stripe-go's backoff).
type Recorder struct {
	Fail func(*http.Request) bool

	mu    sync.Mutex
	calls []Call
}

// RoundTrip records req and sends it on, or fails it.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.calls = append(r.calls, Call{Method: req.Method, Path: req.URL.Path, IdempotencyKey: req.Header.Get("Idempotency-Key")})
	r.mu.Unlock()
	if r.Fail != nil && r.Fail(req) {
		return &http.Response{StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error",
			Header:  http.Header{"Content-Type": {"application/json"}, "Stripe-Should-Retry": {"false"}},
			Body:    io.NopCloser(strings.NewReader(`{"error":{"type":"api_error","message":"Stripe is down (test)."}}`)),
			Request: req}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

// Calls returns the requests seen so far, in order.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}
