package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/handlers"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// serve with KRACHT_METRICS_ADDR: /metrics on its own listener (not the public port),
// with the HTTP, store, job and business series, lint-clean.
func TestServeExposesMetricsApart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, env(map[string]string{"KRACHT_ADDR": addr, "KRACHT_METRICS_ADDR": metricsAddr,
			"KRACHT_DATA_DIR": filepath.Join(t.TempDir(), "data")}), strings.NewReader(""), out, io.Discard)
	}()
	defer func() { cancel(); <-done }()
	get := func(url string) (int, string) {
		res, err := http.Get(url)
		if err != nil {
			return 0, ""
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if s, _ := get("http://" + addr + "/readyz"); s == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready:\n%s", out.String())
		}
	}
	get("http://" + addr + "/v1/cooperatives/0190c0de-0000-7000-8000-00000000c0de")
	if s, _ := get("http://" + addr + "/metrics"); s != 404 {
		t.Errorf("/metrics on the public port: %d, want 404 when KRACHT_METRICS_ADDR is set", s)
	}
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var s int
		if s, text = get("http://" + metricsAddr + "/metrics"); s == 200 && strings.Contains(text, `kracht_job_runs_total{worker="sweep"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sweep counted in the scrape:\n%s", text)
		}
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^kracht_http_requests_total\{code="404",method="GET",route="/v1/cooperatives/:cooperativeID"\} 1$`),
		regexp.MustCompile(`(?m)^kracht_http_requests_total\{code="200",method="GET",route="/readyz"\} [1-9]`),
		regexp.MustCompile(`(?m)^kracht_store_update_duration_seconds_count\{result="ok"\} [1-9]`),
		regexp.MustCompile(`(?m)^kracht_job_queue_length\{worker="mail"\} 0$`),
		regexp.MustCompile(`(?m)^kracht_job_queue_length\{worker="stripe_events"\} 0$`),
		regexp.MustCompile(`(?m)^kracht_job_oldest_waiting_age_seconds\{worker="mail"\} 0$`),
		regexp.MustCompile(`(?m)^kracht_payment_reviews_open 0$`),
		regexp.MustCompile(`(?m)^kracht_job_last_success_timestamp_seconds\{worker="sweep"\} \d`),
	} {
		if !want.MatchString(text) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	promtoolCheck(t, []byte(text))
}

// The metered store times each Update and counts what committed: a subscription made, a
// payment entering a status (once, not at every rewrite); nothing of a rolled-back one.
func TestMeteredStoreCountsCommittedBusinessEvents(t *testing.T) {
	ctx := context.Background()
	inner, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "kracht.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	m := newMetrics()
	store := &meteredStore{Store: inner, m: m}
	payment := func(status, channel string, version int64) cooperative.Record {
		return cooperative.Record{Collection: "payments", ID: "p1", Version: version,
			Data: cooperative.Encode(map[string]string{"status": status, "channel": channel})}
	}
	update := func(fn func(tx cooperative.Tx) error) error { return store.Update(ctx, fn) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(update(func(tx cooperative.Tx) error {
		if _, err := tx.Insert(cooperative.Record{Collection: "subscriptions", ID: "s1", Data: []byte(`{}`)}); err != nil {
			return err
		}
		_, err := tx.Insert(payment("pending", "", 0))
		return err
	}))
	rolledBack := errors.New("no")
	if err := update(func(tx cooperative.Tx) error {
		tx.Insert(cooperative.Record{Collection: "bond_subscriptions", ID: "b1", Data: []byte(`{}`)})
		return rolledBack
	}); !errors.Is(err, rolledBack) {
		t.Fatal(err)
	}
	must(update(func(tx cooperative.Tx) error { _, err := tx.Replace(payment("paid", "transfer", 1)); return err }))
	must(update(func(tx cooperative.Tx) error { _, err := tx.Replace(payment("paid", "transfer", 2)); return err }))
	for name, c := range map[string]struct {
		got  prometheus.Collector
		want float64
	}{
		"shares":        {m.subsCreated.WithLabelValues("shares"), 1},
		"bonds":         {m.subsCreated.WithLabelValues("bonds"), 0},
		"none/pending":  {m.payments.WithLabelValues("none", "pending"), 1},
		"transfer/paid": {m.payments.WithLabelValues("transfer", "paid"), 1},
	} {
		if got := testutil.ToFloat64(c.got); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.update); n != 2 { // results ok and error
		t.Errorf("%d update histograms, want 2", n)
	}
	problems, err := testutil.GatherAndLint(m.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// The Grafana dashboard is valid JSON and its queries name only metrics Kracht exports.
func TestGrafanaDashboardUsesExportedMetrics(t *testing.T) {
	b, err := os.ReadFile("../../deployments/grafana/kracht.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name string `json:"name"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	if len(dash.Templating.List) == 0 || dash.Templating.List[0].Name != "datasource" {
		t.Error("the data source is not the first variable")
	}
	m := newMetrics()
	exported := map[string]bool{}
	descs := make(chan *prometheus.Desc, 100)
	go func() {
		for _, c := range []prometheus.Collector{m.update, m.subsCreated, m.payments, m.jobRuns, m.jobFailures, m.jobDuration,
			m.jobSuccess, newQueueCollector(nil, nil, time.Now, slog.Default()), handlers.NewMetrics(prometheus.NewRegistry())} {
			c.Describe(descs)
		}
		close(descs)
	}()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		if n := fq.FindStringSubmatch(d.String()); n != nil {
			exported[n[1]] = true
		}
	}
	name := regexp.MustCompile(`\bkracht_[a-z_]+`)
	used := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, n := range name.FindAllString(target.Expr, -1) {
				used++
				base := n
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if strings.HasSuffix(n, suffix) && exported[strings.TrimSuffix(n, suffix)] {
						base = strings.TrimSuffix(n, suffix)
					}
				}
				if !exported[base] {
					t.Errorf("the dashboard queries %s, which Kracht does not export", n)
				}
			}
		}
	}
	if used < 15 {
		t.Errorf("only %d metric names in the dashboard", used)
	}
}

// promtoolCheck runs `promtool check metrics` (Debian: prometheus) on a scrape; without
// promtool it logs that the check was skipped (the lint above still runs its rules).
func promtoolCheck(t *testing.T, scrape []byte) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not installed (Debian: apt-get install prometheus): its check skipped")
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(scrape))
	if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
