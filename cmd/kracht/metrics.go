package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/handlers"
)

// metrics are the service's Prometheus metrics past the HTTP layer's own: the store's
// commit latency, the background jobs, and business events. One registry per process,
// made in serve and handed on; nothing registers globally.
type metrics struct {
	reg *prometheus.Registry

	update      *prometheus.HistogramVec
	subsCreated *prometheus.CounterVec
	payments    *prometheus.CounterVec

	jobRuns     *prometheus.CounterVec
	jobFailures *prometheus.CounterVec
	jobDuration *prometheus.HistogramVec
	jobSuccess  *prometheus.GaugeVec
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{reg: reg,
		update: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kracht_store_update_duration_seconds",
			Help:    "Time of a store read-write transaction (Update), its work and its commit, by result (ok, conflict, error).",
			Buckets: handlers.LatencyBuckets}, []string{"result"}),
		subsCreated: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kracht_subscriptions_created_total",
			Help: "Subscriptions committed by this process, by kind (shares, bonds)."}, []string{"kind"}),
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kracht_payments_total",
			Help: "Payments committed by this process entering a status (outcome: pending when made, then paid, failed, refunded, ...), by method (stripe, transfer, none yet)."},
			[]string{"method", "outcome"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kracht_job_runs_total",
			Help: "Steps run by a background job."}, []string{"worker"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kracht_job_failures_total",
			Help: "Steps of a background job that failed (the job retries with backoff)."}, []string{"worker"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kracht_job_step_duration_seconds",
			Help: "Time of one step of a background job.", Buckets: append(handlers.LatencyBuckets[:len(handlers.LatencyBuckets):len(handlers.LatencyBuckets)], 30, 60)},
			[]string{"worker"}),
		jobSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kracht_job_last_success_timestamp_seconds",
			Help: "When a step of a background job last succeeded, Unix time."}, []string{"worker"}),
	}
	reg.MustRegister(m.update, m.subsCreated, m.payments, m.jobRuns, m.jobFailures, m.jobDuration, m.jobSuccess,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// StepDone implements jobs.Observer.
func (m *metrics) StepDone(job string, took time.Duration, err error) {
	m.jobRuns.WithLabelValues(job).Inc()
	m.jobDuration.WithLabelValues(job).Observe(took.Seconds())
	if err != nil {
		m.jobFailures.WithLabelValues(job).Inc()
		return
	}
	m.jobSuccess.WithLabelValues(job).SetToCurrentTime()
}

// Job names, the values of the label worker (not "job": Prometheus gives every target
// a label job, and would rename ours exported_job).
const (
	jobMail        = "mail"
	jobStripe      = "stripe_events"
	jobCheckpoints = "register_checkpoints"
	jobSweep       = "sweep"
)

// meteredStore times every Update and counts, once it committed, the business events
// it wrote: subscriptions made and payments entering a status. Counting writes here
// counts every path to them (the API, the web pages, webhooks, imports, workers) without
// a line in the domain. View, Get and the rest are the store's own, so the embedded
// store's shared read transaction (cooperative.ShareView) is its own *tx as it expects.
type meteredStore struct {
	cooperative.Store
	m *metrics
}

func (s *meteredStore) Update(ctx context.Context, fn func(tx cooperative.Tx) error) error {
	var seen *writes
	start := time.Now()
	err := s.Store.Update(ctx, func(tx cooperative.Tx) error {
		seen = &writes{} // the adapter may run fn again: only the last run committed
		return fn(&observedTx{Tx: tx, seen: seen})
	})
	result := "ok"
	switch {
	case cooperative.ErrorCode(err) == cooperative.ECONFLICT:
		result = "conflict"
	case err != nil:
		result = "error"
	}
	s.m.update.WithLabelValues(result).Observe(time.Since(start).Seconds())
	if err == nil && seen != nil {
		for kind, n := range seen.subscriptions {
			s.m.subsCreated.WithLabelValues(kind).Add(float64(n))
		}
		for k, n := range seen.payments {
			s.m.payments.WithLabelValues(k[0], k[1]).Add(float64(n))
		}
	}
	return err
}

// writes are the business events of one transaction.
type writes struct {
	subscriptions map[string]int
	payments      map[[2]string]int // method, outcome
}

// subscriptionKinds are the collections of subscriptions, by kind. Collection names
// and the fields read below are the stored form the golden files of
// cooperative/internal/storedtest pin, so they change only with a migration.
var subscriptionKinds = map[string]string{"subscriptions": "shares", "bond_subscriptions": "bonds"}

const collectionPayments = "payments"

type observedTx struct {
	cooperative.Tx
	seen *writes
}

func (t *observedTx) Insert(rec cooperative.Record) (cooperative.Record, error) {
	out, err := t.Tx.Insert(rec)
	if err != nil {
		return out, err
	}
	if kind, ok := subscriptionKinds[rec.Collection]; ok {
		if t.seen.subscriptions == nil {
			t.seen.subscriptions = map[string]int{}
		}
		t.seen.subscriptions[kind]++
	}
	if rec.Collection == collectionPayments {
		t.payment(paymentState{}, rec)
	}
	return out, nil
}

func (t *observedTx) Replace(rec cooperative.Record) (cooperative.Record, error) {
	if rec.Collection != collectionPayments {
		return t.Tx.Replace(rec)
	}
	// The status before, to count a change of status once (a refund's progress rewrites
	// a paid payment many times).
	var before paymentState
	if old, err := t.Tx.Get(rec.Collection, rec.ID); err == nil {
		_ = json.Unmarshal(old.Data, &before)
	}
	out, err := t.Tx.Replace(rec)
	if err == nil {
		t.payment(before, rec)
	}
	return out, err
}

// paymentState is what the metrics read of a stored payments.Payment.
type paymentState struct {
	Status          payments.PaymentStatus `json:"status"`
	Channel         string                 `json:"channel"`
	PaymentIntentID string                 `json:"paymentIntentId"`
}

func (t *observedTx) payment(before paymentState, rec cooperative.Record) {
	var after paymentState
	if json.Unmarshal(rec.Data, &after) != nil || after.Status == "" || after.Status == before.Status {
		return
	}
	// The method is fixed by the first receipt (Channel); before one, a Stripe payment
	// intent says Stripe.
	method := after.Channel
	switch {
	case method != "":
	case after.PaymentIntentID != "":
		method = "stripe"
	default:
		method = "none"
	}
	if t.seen.payments == nil {
		t.seen.payments = map[[2]string]int{}
	}
	t.seen.payments[[2]string{method, string(after.Status)}]++
}

// scrapeCap bounds what one scrape reads of a queue: a gauge at the cap means "at least".
// Each queue is an indexed list, so a scrape reads at most this many records of each,
// however large the collection.
const scrapeCap = cooperative.MaxPageSize

// queueCollector computes, when Prometheus scrapes, the gauges that are the store's state:
// the mail outbox and the Stripe events waiting, the age of the oldest of each, and the
// payment review items open.
type queueCollector struct {
	store cooperative.Store
	pay   *payments.Payments
	now   func() time.Time
	log   *slog.Logger

	length, oldest, reviews *prometheus.Desc
}

func newQueueCollector(store cooperative.Store, pay *payments.Payments, now func() time.Time, log *slog.Logger) *queueCollector {
	return &queueCollector{store: store, pay: pay, now: now, log: log,
		length: prometheus.NewDesc("kracht_job_queue_length",
			"Items waiting for a background job (mail: messages pending or being sent; stripe_events: events due), at most 1000.", []string{"worker"}, nil),
		oldest: prometheus.NewDesc("kracht_job_oldest_waiting_age_seconds",
			"Age of the oldest item waiting for a background job; 0 when none waits.", []string{"worker"}, nil),
		reviews: prometheus.NewDesc("kracht_payment_reviews_open",
			"Payment review items open (money the accountant must place), over all cooperatives; at most 1000 per cooperative.", nil, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.length
	ch <- c.oldest
	ch <- c.reviews
}

// Collect leaves out a gauge whose query failed (and logs it): a missing series alerts
// as it should, a zero would say all is well.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := c.now()
	queue := func(job string, n int, oldest time.Time, err error) {
		if err != nil {
			c.log.Warn("metrics: reading a queue failed", slog.String("job", job), slog.Any("error", err))
			return
		}
		age := 0.0
		if n > 0 && !oldest.IsZero() {
			age = max(now.Sub(oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(c.length, prometheus.GaugeValue, float64(n), job)
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age, job)
	}
	n, oldest, err := notify.OpenQueue(ctx, c.store, scrapeCap)
	queue(jobMail, n, oldest, err)
	events, _, err := c.pay.DueStripeEvents(ctx, "", scrapeCap)
	oldest = time.Time{}
	if len(events) > 0 {
		oldest = events[0].ReceivedAt // in the order received
	}
	queue(jobStripe, len(events), oldest, err)
	if open, err := c.openReviews(ctx); err != nil {
		c.log.Warn("metrics: counting review items failed", slog.Any("error", err))
	} else {
		ch <- prometheus.MustNewConstMetric(c.reviews, prometheus.GaugeValue, float64(open))
	}
}

// openReviews counts each cooperative's open items: one indexed query per cooperative.
func (c *queueCollector) openReviews(ctx context.Context) (int, error) {
	total, after := 0, ""
	for {
		coops, next, err := cooperative.ListCooperatives(ctx, c.store, after, cooperative.MaxPageSize)
		if err != nil {
			return 0, err
		}
		for _, coop := range coops {
			items, _, err := c.pay.ListPaymentReviews(ctx, coop.ID, payments.ReviewOpen, "", scrapeCap)
			if err != nil {
				return 0, err
			}
			total += len(items)
		}
		if next == "" {
			return total, nil
		}
		after = next
	}
}

// serveMetrics serves GET /metrics on a listener of its own (KRACHT_METRICS_ADDR), apart
// from the public port. stop closes it.
func serveMetrics(addr string, h http.Handler, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, errors.Join(errors.New("KRACHT_METRICS_ADDR="+addr), err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", slog.Any("error", err))
		}
	}()
	log.Info("metrics are served apart", slog.String("addr", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}
