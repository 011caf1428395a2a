package notifications_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/notifications"
	"github.com/kracht-coop/kracht/storage/embedded"
)

const (
	testFrom        = "Kracht <noreply@kracht.test>"
	testUnsubscribe = "https://kracht.test/unsubscribe"
	testSecret      = "test-secret-test-secret-test-secret!"
)

func openStore(t testing.TB) cooperative.Store {
	t.Helper()
	s, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func smtpSender(t testing.TB, ms *mailServer) *notifications.SMTPSender {
	t.Helper()
	s, err := notifications.NewSMTPSender(notifications.SMTPConfig{Host: ms.host, Port: ms.port,
		TLS: notifications.TLSNone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func renderer(t testing.TB) *notifications.Renderer {
	t.Helper()
	r, err := notifications.NewRenderer(notifications.Templates())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testClock is a clock the test moves, so backoff and leases need no sleeping.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// newClock starts a minute ahead of the real clock, so whatever Enqueue stamps with the
// real time is due.
func newClock() *testClock { return &testClock{now: time.Now().UTC().Add(time.Minute)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newWorker(t testing.TB, store cooperative.Store, sender notifications.Sender, change func(*notifications.WorkerOptions)) *notifications.Worker {
	t.Helper()
	opts := notifications.WorkerOptions{
		From: testFrom, UnsubscribeURL: testUnsubscribe, UnsubscribeSecret: []byte(testSecret),
		Poll: 5 * time.Millisecond, SendTimeout: 5 * time.Second, Lease: time.Minute,
		BackoffBase: time.Second, BackoffMax: 10 * time.Second,
	}
	if change != nil {
		change(&opts)
	}
	w, err := notifications.NewWorker(store, sender, renderer(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func enqueue(t testing.TB, store cooperative.Store, ns ...notify.Notification) {
	t.Helper()
	for len(ns) > 0 {
		chunk := ns[:min(len(ns), 500)]
		ns = ns[len(chunk):]
		if err := store.Update(context.Background(), func(tx cooperative.Tx) error {
			for _, n := range chunk {
				if err := notify.Enqueue(tx, n); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// approved is an approval mail for member i, in lang.
func approved(i int, lang string) notify.Notification {
	return notify.Notification{
		DedupeKey: fmt.Sprintf("application_approved:%d", i), Event: notify.EventApplicationApproved,
		To: fmt.Sprintf("member%d@example.org", i), ToName: fmt.Sprintf("Lid %d", i), Language: lang,
		Data: map[string]string{"cooperative": "Zonnepark De Kracht", "member_number": fmt.Sprint(i)}, CreatedAt: time.Now(),
	}
}

func byKey(t testing.TB, store cooperative.Store, key string) notify.Notification {
	t.Helper()
	n, err := notify.NotificationByDedupeKey(context.Background(), store, key)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func runOnce(t testing.TB, w *notifications.Worker) int {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
