// Package stripemock starts Stripe's own stripe-mock server for tests. It is a tool
// dependency of the module (go.mod: tool github.com/stripe/stripe-mock), so
// `go tool -n stripe-mock` builds it from the module cache without the network.
package stripemock

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"strings"
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
