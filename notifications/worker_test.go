package notifications_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/emersion/go-smtp"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/notifications"
	"github.com/wneessen/go-mail"
)

// TestDeliversDutchAndEnglish sends one approval in each language, the Dutch one with a
// PDF attached, and reads them back from the server as a mail program would.
func TestDeliversDutchAndEnglish(t *testing.T) {
	store, ms := openStore(t), startMailServer(t, mailServerOptions{})
	w := newWorker(t, store, smtpSender(t, ms), nil)
	pdf := make([]byte, 150_000)
	rand.Read(pdf)
	copy(pdf, "%PDF-1.7\n")
	nl := approved(17, "nl-NL")
	nl.ToName = "Anne de Vries"
	nl.Data["link"] = "https://kracht.test/leden/17"
	nl.Attachments = []notify.MailAttachment{{Filename: "certificaat-17.pdf", ContentType: "application/pdf", Content: pdf}}
	en := approved(18, "en")
	en.ToName = "John Smith"
	enqueue(t, store, nl, en)

	if got := runOnce(t, w); got != 2 {
		t.Fatalf("claimed %d, want 2", got)
	}
	mails := ms.mails()
	if len(mails) != 2 {
		t.Fatalf("server got %d mails, want 2", len(mails))
	}
	got := map[string]parsedMail{}
	for _, m := range mails {
		if m.From != "noreply@kracht.test" || len(m.To) != 1 {
			t.Fatalf("envelope from %q to %v", m.From, m.To)
		}
		got[m.To[0]] = parseMail(t, m.Data)
	}
	for _, tc := range []struct {
		key, to, lang, toHeader, subject string
		text, html                       []string
	}{
		{"application_approved:17", "member17@example.org", "nl", `"Anne de Vries" <member17@example.org>`,
			"Welkom als lid van Zonnepark De Kracht",
			[]string{"Beste Anne de Vries,", "met lidnummer 17.", "Je ledenpagina: https://kracht.test/leden/17", "\n-- \n", "Dit is een dienstbericht"},
			[]string{`<html lang="nl">`, "lidnummer <strong>17</strong>", `<a href="https://kracht.test/leden/17">`, "Dit is een dienstbericht"}},
		{"application_approved:18", "member18@example.org", "en", `"John Smith" <member18@example.org>`,
			"Welcome as a member of Zonnepark De Kracht",
			[]string{"Dear John Smith,", "with member number 18.", "This is a service message"},
			[]string{`<html lang="en">`, "member number <strong>18</strong>", "This is a service message"}},
	} {
		m, ok := got[tc.to]
		if !ok {
			t.Fatalf("nothing for %s", tc.to)
		}
		n := byKey(t, store, tc.key)
		if n.Status != notify.NotificationSent || n.SentAt.IsZero() || n.Data != nil {
			t.Errorf("%s: status %s, sent at %v, data %v", tc.key, n.Status, n.SentAt, n.Data)
		}
		headers := map[string]string{
			"From": "\"Kracht\" <noreply@kracht.test>", "To": tc.toHeader,
			"Message-Id": "<" + n.ID + "@kracht.test>", "Content-Language": tc.lang,
			"Auto-Submitted": "auto-generated", "List-Unsubscribe": "",
		}
		for name, want := range headers {
			if got := m.Header.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", tc.to, name, got, want)
			}
		}
		if date, err := m.Header.Date(); err != nil || !date.Equal(n.CreatedAt.Truncate(time.Second)) {
			t.Errorf("%s: Date %v (%v), want the creation time %v", tc.to, date, err, n.CreatedAt)
		}
		if m.Subject != tc.subject {
			t.Errorf("%s: subject %q, want %q", tc.to, m.Subject, tc.subject)
		}
		for _, s := range tc.text {
			if !strings.Contains(m.Text, s) {
				t.Errorf("%s: text part lacks %q:\n%s", tc.to, s, m.Text)
			}
		}
		for _, s := range tc.html {
			if !strings.Contains(m.HTML, s) {
				t.Errorf("%s: HTML part lacks %q:\n%s", tc.to, s, m.HTML)
			}
		}
	}
	att, ok := got["member17@example.org"].Attachments["certificaat-17.pdf"]
	if !ok || att.ContentType != "application/pdf" || !bytes.Equal(att.Content, pdf) {
		t.Fatalf("attachment did not arrive intact: present %v, type %q, %d bytes", ok, att.ContentType, len(att.Content))
	}
	if n := len(got["member18@example.org"].Attachments); n != 0 {
		t.Errorf("English mail has %d attachments", n)
	}
}

// TestOptionalMailCanBeUnsubscribed follows the link of a mail that is not mandatory:
// later mails of that kind are suppressed, mandatory ones still go out.
func TestOptionalMailCanBeUnsubscribed(t *testing.T) {
	store, ms := openStore(t), startMailServer(t, mailServerOptions{})
	w := newWorker(t, store, smtpSender(t, ms), nil)
	received := func(key string) notify.Notification {
		return notify.Notification{DedupeKey: key, Event: notify.EventApplicationReceived,
			To: "Piet@Example.org", Language: "en", Data: map[string]string{"cooperative": "Zorgcoöperatie Hart"}, CreatedAt: time.Now()}
	}
	enqueue(t, store, received("received:1"))
	runOnce(t, w)
	if ms.count() != 1 {
		t.Fatalf("server got %d mails", ms.count())
	}
	m := parseMail(t, ms.mails()[0].Data)
	if m.Subject != "We have received your application to Zorgcoöperatie Hart" {
		t.Errorf("subject %q", m.Subject)
	}
	link := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
	if !strings.HasPrefix(link, testUnsubscribe+"?token=") || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("unsubscribe headers %q / %q", link, m.Header.Get("List-Unsubscribe-Post"))
	}
	if !strings.Contains(m.Text, "Unsubscribe: "+link) || !strings.Contains(m.HTML, "Unsubscribe</a>") {
		t.Errorf("the body does not offer the unsubscribe link:\n%s", m.Text)
	}
	u, _ := url.Parse(link)
	addr, scope, err := notify.Unsubscribe(context.Background(), store, []byte(testSecret), u.Query().Get("token"), time.Now())
	if err != nil || addr != "piet@example.org" || scope != notify.EventApplicationReceived {
		t.Fatalf("unsubscribe: %q %q %v", addr, scope, err)
	}

	mandatory := approved(5, "en")
	mandatory.To = "piet@example.org"
	enqueue(t, store, received("received:2"), mandatory)
	runOnce(t, w)
	if ms.count() != 2 {
		t.Fatalf("server got %d mails, want the first and the mandatory one", ms.count())
	}
	if n := byKey(t, store, "received:2"); n.Status != notify.NotificationSuppressed {
		t.Errorf("unsubscribed mail is %s", n.Status)
	}
	if n := byKey(t, store, mandatory.DedupeKey); n.Status != notify.NotificationSent {
		t.Errorf("mandatory mail is %s", n.Status)
	}
}

// TestThrottleDefersExcess: the third optional mail within the window waits for room,
// and goes out once the window has moved on.
func TestThrottleDefersExcess(t *testing.T) {
	store, ms, clock := openStore(t), startMailServer(t, mailServerOptions{}), newClock()
	w := newWorker(t, store, smtpSender(t, ms), func(o *notifications.WorkerOptions) {
		o.Now = clock.Now
		o.Throttle = &notify.NotificationThrottle{Window: time.Hour, Limit: 10, OptionalLimit: 2}
	})
	var ns []notify.Notification
	for i := range 3 {
		ns = append(ns, notify.Notification{DedupeKey: fmt.Sprint("received:", i), Event: notify.EventApplicationReceived,
			To: "busy@example.org", Language: "nl", Data: map[string]string{"cooperative": "Energie Noord"}, CreatedAt: time.Now()})
	}
	enqueue(t, store, ns...)
	runOnce(t, w)
	if ms.count() != 2 {
		t.Fatalf("sent %d in the first window, want 2", ms.count())
	}
	third := byKey(t, store, "received:2")
	if third.Status != notify.NotificationPending || !third.NextAttemptAt.Equal(clock.Now().Add(time.Hour)) || third.Attempts != 0 {
		t.Fatalf("third mail: %s, next %v (now %v), attempts %d", third.Status, third.NextAttemptAt, clock.Now(), third.Attempts)
	}
	clock.Advance(59 * time.Minute)
	runOnce(t, w)
	clock.Advance(2 * time.Minute)
	runOnce(t, w)
	if ms.count() != 3 {
		t.Fatalf("sent %d after the window moved, want 3", ms.count())
	}
}

// TestRefusalRetriesThenDead: the server answers 4xx twice (retried with backoff), then
// 5xx (dead at once); an admin's retry then delivers it.
func TestRefusalRetriesThenDead(t *testing.T) {
	store, ms, clock := openStore(t), startMailServer(t, mailServerOptions{}), newClock()
	w := newWorker(t, store, smtpSender(t, ms), func(o *notifications.WorkerOptions) { o.Now = clock.Now })
	ms.setRespond(func(n int) error {
		switch {
		case n <= 2:
			return smtpReply(451, smtp.EnhancedCode{4, 3, 0}, "Try again later")
		case n == 3:
			return smtpReply(554, smtp.EnhancedCode{5, 7, 1}, "Message rejected by policy")
		}
		return nil
	})
	enqueue(t, store, approved(1, "nl"))
	for attempt := 1; attempt <= 2; attempt++ {
		runOnce(t, w)
		n := byKey(t, store, "application_approved:1")
		wait := n.NextAttemptAt.Sub(clock.Now())
		base := time.Second << (attempt - 1)
		if n.Status != notify.NotificationPending || n.Attempts != attempt || !strings.Contains(n.LastError, "451") ||
			wait < base/2 || wait > base {
			t.Fatalf("after attempt %d: %s, attempts %d, retry in %v, error %q", attempt, n.Status, n.Attempts, wait, n.LastError)
		}
		if got := runOnce(t, w); got != 0 {
			t.Fatalf("claimed %d during the backoff", got)
		}
		clock.Advance(wait)
	}
	runOnce(t, w)
	n := byKey(t, store, "application_approved:1")
	if n.Status != notify.NotificationDead || n.Attempts != 3 || !strings.Contains(n.LastError, "554") {
		t.Fatalf("after the 5xx: %s, attempts %d, error %q", n.Status, n.Attempts, n.LastError)
	}
	dead, _, err := notify.ListDead(context.Background(), store, "", 10)
	if err != nil || len(dead) != 1 || dead[0].ID != n.ID || dead[0].Data != nil || dead[0].LastError == "" {
		t.Fatalf("dead list: %+v, %v", dead, err)
	}
	if ms.count() != 0 {
		t.Fatalf("server accepted %d mails", ms.count())
	}

	if err := notify.RetryDead(context.Background(), store, n.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	runOnce(t, w)
	if n := byKey(t, store, "application_approved:1"); n.Status != notify.NotificationSent || ms.count() != 1 {
		t.Fatalf("after the retry: %s, %d mails", n.Status, ms.count())
	}
	if dead, _, _ := notify.ListDead(context.Background(), store, "", 10); len(dead) != 0 {
		t.Fatalf("still %d dead", len(dead))
	}
}

// TestTemporaryFailuresRunOutOfAttempts: a server that keeps answering 4xx makes the
// message dead after MaxAttempts.
func TestTemporaryFailuresRunOutOfAttempts(t *testing.T) {
	store, ms, clock := openStore(t), startMailServer(t, mailServerOptions{}), newClock()
	w := newWorker(t, store, smtpSender(t, ms), func(o *notifications.WorkerOptions) { o.Now = clock.Now; o.MaxAttempts = 3 })
	ms.setRespond(func(int) error { return smtpReply(421, smtp.EnhancedCode{4, 4, 5}, "Busy") })
	enqueue(t, store, approved(1, "en"))
	for range 5 {
		runOnce(t, w)
		clock.Advance(time.Hour)
	}
	n := byKey(t, store, "application_approved:1")
	if n.Status != notify.NotificationDead || n.Attempts != 3 || !strings.Contains(n.LastError, "421") {
		t.Fatalf("%s after %d attempts: %q", n.Status, n.Attempts, n.LastError)
	}
}

// TestRestartMidRunSendsNothingTwice stops a worker in the middle of a run and starts
// another (as a redeploy does): every message arrives exactly once.
func TestRestartMidRunSendsNothingTwice(t *testing.T) {
	store, ms := openStore(t), startMailServer(t, mailServerOptions{})
	sender := smtpSender(t, ms)
	const total = 120
	var ns []notify.Notification
	for i := range total {
		ns = append(ns, approved(i, "nl"))
	}
	enqueue(t, store, ns...)

	first := newWorker(t, store, sender, func(o *notifications.WorkerOptions) { o.Owner = "first"; o.BatchSize = 8 })
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- first.Run(ctx) }()
	waitFor(t, "the first worker to get going", func() bool { return ms.count() >= 30 })
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sentBefore := ms.count()
	if sentBefore == total {
		t.Fatal("the first worker finished before it was stopped; the test proves nothing")
	}
	// A graceful stop leaves no message leased: the next instance need not wait.
	for i := range total {
		if n := byKey(t, store, fmt.Sprintf("application_approved:%d", i)); n.Status == notify.NotificationSending {
			t.Fatalf("message %d still leased to %s after the stop", i, n.LeaseOwner)
		}
	}

	second := newWorker(t, store, sender, func(o *notifications.WorkerOptions) { o.Owner = "second" })
	ctx, stop = context.WithCancel(context.Background())
	go func() { done <- second.Run(ctx) }()
	waitFor(t, "all mails", func() bool { return ms.count() >= total })
	time.Sleep(50 * time.Millisecond) // room for a wrong extra send to show
	stop()
	<-done
	assertEachOnce(t, store, ms, total)
	t.Logf("%d sent before the restart, %d after", sentBefore, total-sentBefore)
}

// TestTwoWorkersNeverSendTheSameMessage runs two instances against one store at once.
func TestTwoWorkersNeverSendTheSameMessage(t *testing.T) {
	store, ms := openStore(t), startMailServer(t, mailServerOptions{})
	const total = 200
	var ns []notify.Notification
	for i := range total {
		ns = append(ns, approved(i, "en"))
	}
	enqueue(t, store, ns...)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	senders := []*countingSender{}
	for _, owner := range []string{"a", "b"} {
		// Each instance has its own connections, as two replicas would.
		sender := &countingSender{Sender: smtpSender(t, ms)}
		senders = append(senders, sender)
		w := newWorker(t, store, sender, func(o *notifications.WorkerOptions) { o.Owner = owner; o.BatchSize = 8 })
		wg.Go(func() {
			if err := w.Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, "all mails", func() bool { return ms.count() >= total })
	time.Sleep(50 * time.Millisecond)
	stop()
	wg.Wait()
	assertEachOnce(t, store, ms, total)
	a, b := senders[0].count.Load(), senders[1].count.Load()
	if a == 0 || b == 0 {
		t.Fatalf("one worker did everything (%d and %d): the test proves nothing", a, b)
	}
	t.Logf("worker a sent %d, worker b %d", a, b)
}

// countingSender counts what one worker sent.
type countingSender struct {
	notifications.Sender
	count atomic.Int64
}

func (c *countingSender) Send(ctx context.Context, m *mail.Msg) error {
	err := c.Sender.Send(ctx, m)
	if err == nil {
		c.count.Add(1)
	}
	return err
}

// assertEachOnce checks that the server got every message exactly once and the outbox
// knows them all as sent.
func assertEachOnce(t *testing.T, store cooperative.Store, ms *mailServer, total int) {
	t.Helper()
	seen := map[string]int{}
	for _, m := range ms.mails() {
		seen[parseMail(t, m.Data).Header.Get("Message-Id")]++
	}
	if len(seen) != total || ms.count() != total {
		t.Fatalf("%d mails for %d distinct messages, want %d of each", ms.count(), len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
	for i := range total {
		if n := byKey(t, store, fmt.Sprintf("application_approved:%d", i)); n.Status != notify.NotificationSent {
			t.Errorf("message %d is %s", i, n.Status)
		}
	}
}

// TestExpiredLeaseIsTakenOver: an instance claimed a message and died; once its lease
// has expired another instance sends it, once.
func TestExpiredLeaseIsTakenOver(t *testing.T) {
	store, ms, clock := openStore(t), startMailServer(t, mailServerOptions{}), newClock()
	w := newWorker(t, store, smtpSender(t, ms), func(o *notifications.WorkerOptions) { o.Now = clock.Now })
	enqueue(t, store, approved(1, "nl"))
	res, err := notify.ClaimNotifications(context.Background(), store, notify.ClaimRequest{
		Owner: "crashed", Now: clock.Now(), Lease: time.Minute, Limit: 10, MaxAttempts: 5})
	if err != nil || len(res.Claimed) != 1 {
		t.Fatalf("claim: %+v, %v", res, err)
	}
	if got := runOnce(t, w); got != 0 || ms.count() != 0 {
		t.Fatalf("a leased message was taken: %d claimed, %d sent", got, ms.count())
	}
	clock.Advance(61 * time.Second)
	runOnce(t, w)
	n := byKey(t, store, "application_approved:1")
	if ms.count() != 1 || n.Status != notify.NotificationSent || n.Attempts != 2 {
		t.Fatalf("%d sent, status %s, attempts %d", ms.count(), n.Status, n.Attempts)
	}
}

// TestRolledBackChangeSendsNothing: the outbox write shares the fate of the business
// change it announces.
func TestRolledBackChangeSendsNothing(t *testing.T) {
	store, ms := openStore(t), startMailServer(t, mailServerOptions{})
	w := newWorker(t, store, smtpSender(t, ms), nil)
	refused := errors.New("the board may not approve this application")
	err := store.Update(context.Background(), func(tx cooperative.Tx) error {
		if _, err := tx.Insert(cooperative.Record{Collection: "members", ID: cooperative.NewID(), Data: []byte(`{}`)}); err != nil {
			return err
		}
		if err := notify.Enqueue(tx, approved(1, "nl")); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("update: %v", err)
	}
	if got := runOnce(t, w); got != 0 || ms.count() != 0 {
		t.Fatalf("a rolled-back change mailed: %d claimed, %d sent", got, ms.count())
	}
}

// TestStartTLSWithAuth sends over STARTTLS with a login, the default production setup,
// and over implicit TLS; and refuses to go on when STARTTLS is required but missing.
func TestStartTLSWithAuth(t *testing.T) {
	serverTLS, roots := testCertificate(t)
	for _, tc := range []struct {
		name     string
		mode     notifications.TLSMode
		implicit bool
	}{{"starttls", notifications.TLSStartTLS, false}, {"implicit", notifications.TLSImplicit, true}} {
		t.Run(tc.name, func(t *testing.T) {
			store := openStore(t)
			ms := startMailServer(t, mailServerOptions{tls: serverTLS, implicit: tc.implicit, user: "kracht", pass: "s3cret pass"})
			sender, err := notifications.NewSMTPSender(notifications.SMTPConfig{Host: ms.host, Port: ms.port, TLS: tc.mode,
				Username: "kracht", Password: "s3cret pass", TLSConfig: &tls.Config{RootCAs: roots}, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer sender.Close()
			w := newWorker(t, store, sender, nil)
			enqueue(t, store, approved(1, "en"))
			runOnce(t, w)
			if ms.count() != 1 {
				n := byKey(t, store, "application_approved:1")
				t.Fatalf("not delivered: %s %q", n.Status, n.LastError)
			}
		})
	}
	t.Run("wrong password is retried, not dead", func(t *testing.T) {
		store := openStore(t)
		ms := startMailServer(t, mailServerOptions{tls: serverTLS, user: "kracht", pass: "right"})
		sender, err := notifications.NewSMTPSender(notifications.SMTPConfig{Host: ms.host, Port: ms.port,
			Username: "kracht", Password: "wrong", TLSConfig: &tls.Config{RootCAs: roots}, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		w := newWorker(t, store, sender, nil)
		enqueue(t, store, approved(1, "en"))
		runOnce(t, w)
		if n := byKey(t, store, "application_approved:1"); n.Status != notify.NotificationPending || !strings.Contains(n.LastError, "535") {
			t.Fatalf("%s %q", n.Status, n.LastError)
		}
	})
	t.Run("starttls missing", func(t *testing.T) {
		ms := startMailServer(t, mailServerOptions{})
		sender, err := notifications.NewSMTPSender(notifications.SMTPConfig{Host: ms.host, Port: ms.port, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		store := openStore(t)
		w := newWorker(t, store, sender, nil)
		enqueue(t, store, approved(1, "en"))
		runOnce(t, w)
		if n := byKey(t, store, "application_approved:1"); ms.count() != 0 || n.Status != notify.NotificationPending ||
			!strings.Contains(n.LastError, "STARTTLS") {
			t.Fatalf("sent without TLS: %d mails, %s %q", ms.count(), n.Status, n.LastError)
		}
	})
}

// TestConnectionsAreReused: a burst goes over one connection, not one per mail.
func TestConnectionsAreReused(t *testing.T) {
	store, ms := openStore(t), startMailServer(t, mailServerOptions{})
	w := newWorker(t, store, smtpSender(t, ms), func(o *notifications.WorkerOptions) { o.Concurrency = 1 })
	var ns []notify.Notification
	for i := range 10 {
		ns = append(ns, approved(i, "nl"))
	}
	enqueue(t, store, ns...)
	for runOnce(t, w) > 0 {
	}
	if ms.count() != 10 || ms.sessionCount() != 1 {
		t.Fatalf("%d mails over %d connections", ms.count(), ms.sessionCount())
	}
}
