package notifications

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	netmail "net/mail"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/jobs"
)

// WorkerOptions tune a Worker. Zero values take the defaults in brackets.
type WorkerOptions struct {
	// From is the sender, "Name <address>"; its domain also names the Message-IDs.
	From string
	// UnsubscribeURL takes an unsubscribe token, for example
	// https://kracht.example.org/v1/unsubscribe; the worker adds ?token=…. It is the
	// List-Unsubscribe header's, which mail programs POST to (RFC 8058 one-click).
	UnsubscribeURL string
	// UnsubscribePage is the page the link in the mail's text opens, for example
	// https://kracht.example.org/unsubscribe: a person clicking it gets a page in their
	// language, not JSON. UnsubscribeURL when empty.
	UnsubscribePage string
	// UnsubscribeSecret signs the tokens (cooperative.MinUnsubscribeSecret bytes at least).
	UnsubscribeSecret []byte

	Owner       string        // this instance in leases [host name + random suffix]
	BatchSize   int           // messages claimed at once [4 × Concurrency]
	Concurrency int           // messages sent at the same time [4]
	Poll        time.Duration // wait when the outbox is idle [1s]
	// Lease is how long a claim holds. A worker never starts a send with less than
	// SendTimeout of it left, so a message cannot be sent by two instances unless one
	// stalls for longer than the whole lease [5m].
	Lease       time.Duration
	SendTimeout time.Duration // one message to the mail server [1m]
	// MaxAttempts failed attempts make a message dead [10]. With the default backoff
	// that is two to four hours of trying (the waits are jittered): long enough to ride
	// out a mail server's outage, short enough that someone looks at it the same day.
	MaxAttempts int
	BackoffBase time.Duration // wait after the first failure, doubling each time [1m]
	BackoffMax  time.Duration // longest wait between attempts [1h]
	// Throttle limits mails per recipient; nil takes 30 an hour, at most 10 of them not
	// mandatory.
	Throttle *notify.NotificationThrottle
	Logger   *slog.Logger
	Now      func() time.Time // the clock, for tests [time.Now]
}

// Worker moves messages from the outbox to a Sender. Several workers, in one process or
// in many replicas, may run against one store: each message is claimed by one of them.
type Worker struct {
	store           cooperative.Store
	sender          Sender
	renderer        *Renderer
	opts            WorkerOptions
	log             *slog.Logger
	from            *netmail.Address
	domain          string
	unsubscribeBase *url.URL
	unsubscribePage *url.URL

	mu     sync.Mutex // one RunOnce at a time; guards cursor
	cursor string
}

// NewWorker checks the options and returns a worker; nothing runs until Run or RunOnce.
func NewWorker(store cooperative.Store, sender Sender, renderer *Renderer, opts WorkerOptions) (*Worker, error) {
	if store == nil || sender == nil || renderer == nil {
		return nil, errors.New("notifications: a worker needs a store, a sender and a renderer")
	}
	from, domain, err := parseFrom(opts.From)
	if err != nil {
		return nil, err
	}
	base, err := parseUnsubscribeBase(opts.UnsubscribeURL)
	if err != nil {
		return nil, err
	}
	page := base
	if opts.UnsubscribePage != "" {
		if page, err = parseUnsubscribeBase(opts.UnsubscribePage); err != nil {
			return nil, err
		}
	}
	if len(opts.UnsubscribeSecret) < notify.MinUnsubscribeSecret {
		return nil, fmt.Errorf("unsubscribe secret: want at least %d bytes", notify.MinUnsubscribeSecret)
	}
	if opts.Owner == "" {
		host, _ := os.Hostname()
		suffix := make([]byte, 4)
		_, _ = rand.Read(suffix)
		opts.Owner = host + "/" + hex.EncodeToString(suffix)
	}
	setDefault(&opts.Concurrency, 4)
	setDefault(&opts.BatchSize, 4*opts.Concurrency)
	setDefault(&opts.Poll, time.Second)
	setDefault(&opts.Lease, 5*time.Minute)
	setDefault(&opts.SendTimeout, time.Minute)
	setDefault(&opts.MaxAttempts, 10)
	setDefault(&opts.BackoffBase, time.Minute)
	setDefault(&opts.BackoffMax, time.Hour)
	if opts.Lease < 2*opts.SendTimeout {
		return nil, fmt.Errorf("lease %v must be at least twice the send timeout %v", opts.Lease, opts.SendTimeout)
	}
	if opts.Throttle == nil {
		opts.Throttle = &notify.NotificationThrottle{Window: time.Hour, Limit: 30, OptionalLimit: 10}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{store: store, sender: sender, renderer: renderer, opts: opts, from: from, domain: domain,
		unsubscribeBase: base, unsubscribePage: page, log: log.With(slog.String("component", "notifications"))}, nil
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Run sends due messages until ctx is cancelled, then finishes the sends under way,
// gives unsent claims back and returns nil.
func (w *Worker) Run(ctx context.Context) error {
	w.log.Info("notification worker started", slog.String("owner", w.opts.Owner))
	defer w.log.Info("notification worker stopped", slog.String("owner", w.opts.Owner))
	jobs.Poll(ctx, w.opts.Poll, nil, func(ctx context.Context) (bool, error) {
		n, err := w.RunOnce(ctx)
		return n > 0 || w.more(), err
	}, func(err error) { w.log.Error("claiming notifications failed", slog.Any("error", err)) })
	return nil
}

func (w *Worker) more() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cursor != ""
}

// RunOnce claims one batch of due messages and sends them; it returns how many it
// claimed. Tests drive the worker with it; Run calls it in a loop.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	res, err := notify.ClaimNotifications(ctx, w.store, notify.ClaimRequest{
		Owner: w.opts.Owner, Now: w.opts.Now(), Lease: w.opts.Lease, Limit: w.opts.BatchSize,
		After: w.cursor, MaxAttempts: w.opts.MaxAttempts, Throttle: *w.opts.Throttle,
	})
	if err != nil {
		return 0, err
	}
	w.cursor = res.Next
	if res.Deferred+res.Suppressed+res.Dead > 0 {
		w.log.Info("notifications settled without sending", slog.Int("throttled", res.Deferred),
			slog.Int("unsubscribed", res.Suppressed), slog.Int("dead_after_lost_leases", res.Dead))
	}
	sem := make(chan struct{}, w.opts.Concurrency)
	var wg sync.WaitGroup
	for _, n := range res.Claimed {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			w.deliver(ctx, n)
		})
	}
	wg.Wait()
	return len(res.Claimed), nil
}

// deliver sends one claimed message and records the outcome.
//
// Exactly-once delivery is not possible over SMTP: if this process dies after the server
// accepted a message and before MarkNotificationSent is stored, the lease expires and the
// message is sent again. The window is kept as small as it can be: the outcome is
// recorded right after the server's reply, per message, not at the end of the batch; a
// cancelled context (shutdown) does not interrupt a send under way or its recording; a
// failed recording is retried; and the Message-ID stays the same, so a duplicate is
// recognisable. Everything else (a crash before or during the send, a restart, a second
// instance) cannot cause a second send, because a message is only sent under its lease
// and marked sent before that lease is given up.
func (w *Worker) deliver(ctx context.Context, n notify.Notification) {
	log := w.log.With(slog.String("notification", n.ID), slog.String("event", string(n.Event)),
		slog.Int("attempt", n.Attempts))
	// The work below must finish even when ctx is cancelled: it is bounded by timeouts.
	bg := context.WithoutCancel(ctx)
	if ctx.Err() != nil || w.opts.Now().Add(w.opts.SendTimeout).After(n.LeaseUntil) {
		// Stopping, or too little lease left to send safely: give it back for now.
		if _, err := notify.ReleaseNotification(bg, w.store, n, w.opts.Now()); err != nil {
			log.Warn("could not release a claimed notification; it is retried when its lease expires",
				slog.Any("error", err))
		}
		return
	}
	m, err := w.compose(n)
	if err != nil {
		// A template or an attachment that cannot be rendered will not render next time
		// either.
		w.fail(bg, log, n, Permanent(err))
		return
	}
	sendCtx, cancel := context.WithTimeout(bg, w.opts.SendTimeout)
	err = w.sender.Send(sendCtx, m)
	cancel()
	if err != nil {
		w.fail(bg, log, n, err)
		return
	}
	for try := 0; ; try++ {
		_, err := notify.MarkNotificationSent(bg, w.store, n, w.opts.Now())
		switch {
		case err == nil:
			log.Info("notification sent")
			return
		case cooperative.ErrorCode(err) == cooperative.ECONFLICT || cooperative.ErrorCode(err) == cooperative.ENOTFOUND:
			log.Warn("notification sent, but its lease was taken over meanwhile; it may arrive twice", slog.Any("error", err))
			return
		case try == 5 || !w.opts.Now().Before(n.LeaseUntil):
			log.Error("notification sent but not recorded; it will be sent again when its lease expires", slog.Any("error", err))
			return
		}
		time.Sleep(50 * time.Millisecond << try)
	}
}

// fail records a failed attempt: dead if the failure is permanent or the attempts are
// spent, otherwise pending until after the backoff.
func (w *Worker) fail(ctx context.Context, log *slog.Logger, n notify.Notification, cause error) {
	now := w.opts.Now()
	retryAt := time.Time{}
	permanent := IsPermanent(cause)
	if !permanent && n.Attempts < w.opts.MaxAttempts {
		retryAt = now.Add(w.backoff(n.Attempts))
	}
	if _, err := notify.RecordNotificationFailure(ctx, w.store, n, now, cause.Error(), retryAt); err != nil {
		log.Error("could not record a failed send; it is retried when its lease expires", slog.Any("error", err))
	}
	if retryAt.IsZero() {
		log.Warn("notification is dead", slog.Bool("permanent", permanent), slog.Any("error", cause))
		return
	}
	log.Info("sending failed; will retry", slog.Time("retry_at", retryAt), slog.Any("error", cause))
}

// backoff is the wait after the nth failed attempt: base × 2^(n-1), at most BackoffMax,
// with "equal jitter" (half fixed, half random) so messages that failed together, as in
// a mail server outage, do not all come back in the same second.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.opts.BackoffBase
	for i := 1; i < attempt && d < w.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, w.opts.BackoffMax)
	return d/2 + mathrand.N(d/2+1)
}
