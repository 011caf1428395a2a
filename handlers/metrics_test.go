package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// newMetricsServer is newTestServer with request metrics on reg and GET /metrics served.
func newMetricsServer(t *testing.T, reg *prometheus.Registry) *testServer {
	t.Helper()
	store, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "kracht.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &bytes.Buffer{}
	srv := New(withServices(Options{Store: store, Logger: slog.New(slog.NewJSONHandler(logs, nil)), Version: "test",
		BodyLimit: 64 << 10, Metrics: NewMetrics(reg), ServeMetrics: true}, identity.AccountsOptions{}))
	return &testServer{Server: srv, store: store, logs: logs}
}

// Requests are counted under their route pattern, never their URL, and the scrape passes
// the same lint as `promtool check metrics` (and promtool itself when it is installed).
func TestMetricsCountRequestsByRoutePattern(t *testing.T) {
	reg := prometheus.NewRegistry()
	ts := newMetricsServer(t, reg)
	const id = "0190c0de-0000-7000-8000-00000000c0de"
	for _, path := range []string{"/healthz", "/healthz", "/v1/cooperatives/" + id, "/", "/no/such/page/" + id} {
		ts.do(t, "GET", path, "", nil)
	}
	r := ts.do(t, "GET", "/metrics", "", nil)
	if r.status != 200 {
		t.Fatalf("GET /metrics: %d %s", r.status, r.body)
	}
	text := string(r.body)
	for _, want := range []string{
		`kracht_http_requests_total{code="200",method="GET",route="/healthz"} 2`,
		`kracht_http_requests_total{code="404",method="GET",route="/v1/cooperatives/:cooperativeID"} 1`,
		`kracht_http_requests_total{code="200",method="GET",route="/"} 1`, // a web page, by its route
		`kracht_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`kracht_http_request_duration_seconds_count{method="GET",route="/healthz"} 2`,
		`kracht_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="10"} 2`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(text, id) {
		t.Error("an id from a URL became a label value: one series per id")
	}
	// The latency of /healthz lies within the histogram's range (a sum, in seconds).
	sum := regexp.MustCompile(`kracht_http_request_duration_seconds_sum\{method="GET",route="/healthz"\} (\S+)`).FindStringSubmatch(text)
	if sum == nil {
		t.Error("no latency sum for /healthz")
	} else if v, err := strconv.ParseFloat(sum[1], 64); err != nil || v <= 0 || v > 10 {
		t.Errorf("healthz latency sum %s: want a small positive number of seconds", sum[1])
	}

	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	promtoolCheck(t, r.body)
}

// promtoolCheck runs `promtool check metrics` (Debian: prometheus) on a scrape; it skips
// the check, saying so, where promtool is not installed.
func promtoolCheck(t *testing.T, scrape []byte) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not installed (Debian: apt-get install prometheus): its check skipped")
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = bytes.NewReader(scrape)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// /metrics is the operator's route, not an API operation: it stays out of the document.
func TestMetricsRouteIsNotAnAPIOperation(t *testing.T) {
	ts := newMetricsServer(t, prometheus.NewRegistry())
	checkOpenAPICoversEveryRoute(t, ts)
	if doc := ts.OpenAPI(); doc.Paths["/metrics"] != nil {
		t.Error("/metrics is in the API description")
	}
}
