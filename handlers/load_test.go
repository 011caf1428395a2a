package handlers

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestLoadRatio measures a store-backed read endpoint under wrk against a bare Fiber
// handler returning a small JSON object, in the same run, and wants a ratio of at least
// 0.4. It takes about 45 s and needs wrk, so it runs only when asked:
//
//	KRACHT_LOAD=1 go test -run TestLoadRatio -v ./handlers/
func TestLoadRatio(t *testing.T) {
	if os.Getenv("KRACHT_LOAD") == "" {
		t.Skip("load test: run with KRACHT_LOAD=1 (needs wrk)")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Fatal("wrk not found: apt-get install wrk")
	}
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	bareURL := serveOnLoopback(t, bare.Listener, bare.Shutdown)

	ts := newTestServer(t)
	ts.log = slog.New(slog.NewJSONHandler(io.Discard, nil)) // log every request, as in production, but not to the test output
	c := ts.createCooperative(t, "Zonnepark De Kracht", "12345678")
	kracht := serveOnLoopback(t, ts.Serve, func() error { return ts.Shutdown(context.Background()) })

	measure := func(url string) float64 {
		out, err := exec.Command(wrk, "-t2", "-c64", "-d10s", url).CombinedOutput()
		if err != nil {
			t.Fatalf("wrk: %v\n%s", err, out)
		}
		t.Logf("wrk %s\n%s", url, out)
		m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("no Requests/sec in wrk output")
		}
		rps, _ := strconv.ParseFloat(string(m[1]), 64)
		return rps
	}
	// Two alternating rounds, so a passing disturbance on this small machine weighs on
	// both sides alike.
	var bareRPS, krachtRPS float64
	for range 2 {
		bareRPS += measure(bareURL+"/") / 2
		krachtRPS += measure(kracht+"/v1/cooperatives/"+c.ID) / 2
	}
	ratio := krachtRPS / bareRPS
	t.Logf("bare Fiber %.0f req/s; GET /v1/cooperatives/{id} %.0f req/s; ratio %.2f", bareRPS, krachtRPS, ratio)
	if ratio < 0.4 {
		t.Fatalf("ratio %.2f below 0.4", ratio)
	}
}

func serveOnLoopback(t *testing.T, serve func(net.Listener) error, shutdown func() error) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go serve(ln)
	t.Cleanup(func() { shutdown() })
	return "http://" + ln.Addr().String()
}

// TestLoadFundPage: the public fund page under 64 concurrent clients (wrk, 10 s), with a
// year of money in (300 donations and appropriations): the target is a p99 latency
// under 50 ms.
//
//	KRACHT_LOAD=1 go test -run TestLoadFundPage -v ./handlers/
func TestLoadFundPage(t *testing.T) {
	if os.Getenv("KRACHT_LOAD") == "" {
		t.Skip("load test: run with KRACHT_LOAD=1 (needs wrk)")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Fatal("wrk not found: apt-get install wrk")
	}
	ts := newTestServer(t)
	ts.log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	c := ts.createCooperative(t, "Zonnepark De Kracht", "12345678")
	for i := range 300 {
		if err := fundCredit(ts.store, time.Now, c.ID, int64(1000+i)); err != nil {
			t.Fatal(err)
		}
	}
	url := serveOnLoopback(t, ts.Serve, func() error { return ts.Shutdown(context.Background()) }) + "/v1/cooperatives/" + c.ID + "/fund"
	out, err := exec.Command(wrk, "-t2", "-c64", "-d10s", "--latency", url).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	t.Logf("wrk %s\n%s", url, out)
	m := regexp.MustCompile(`\s99%\s+([0-9.]+)(us|ms|s)`).FindSubmatch(out)
	if m == nil {
		t.Fatal("no 99% latency in wrk's output")
	}
	p99, _ := strconv.ParseFloat(string(m[1]), 64)
	switch string(m[2]) {
	case "us":
		p99 /= 1000
	case "s":
		p99 *= 1000
	}
	t.Logf("p99 %.2f ms", p99)
	if non := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindSubmatch(out); non != nil {
		t.Fatalf("%s responses were not 200", non[1])
	}
	if p99 >= 50 {
		t.Fatalf("p99 %.2f ms, target under 50 ms", p99)
	}
}
