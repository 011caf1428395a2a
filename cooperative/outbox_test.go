package cooperative_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

func openOutboxStore(t *testing.T) cooperative.Store {
	t.Helper()
	s, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func outboxApproval(i int) notify.Notification {
	return notify.Notification{
		DedupeKey: fmt.Sprintf("application_approved:%d", i), Event: notify.EventApplicationApproved,
		To: fmt.Sprintf("m%d@example.org", i), Language: "nl",
		Data: map[string]string{"cooperative": "Energie Noord", "member_number": fmt.Sprint(i)}, CreatedAt: time.Now(),
	}
}

func mustEnqueue(t *testing.T, s cooperative.Store, ns ...notify.Notification) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx cooperative.Tx) error {
		for _, n := range ns {
			if err := notify.Enqueue(tx, n); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func claimOutbox(t *testing.T, s cooperative.Store, owner string, now time.Time, limit int) notify.ClaimResult {
	t.Helper()
	res, err := notify.ClaimNotifications(context.Background(), s, notify.ClaimRequest{
		Owner: owner, Now: now, Lease: time.Minute, Limit: limit, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestEnqueueValidates(t *testing.T) {
	s := openOutboxStore(t)
	for name, change := range map[string]func(*notify.Notification){
		"unknown event":       func(n *notify.Notification) { n.Event = "newsletter" },
		"no creation time":    func(n *notify.Notification) { n.CreatedAt = time.Time{} },
		"no dedupe key":       func(n *notify.Notification) { n.DedupeKey = " " },
		"long dedupe key":     func(n *notify.Notification) { n.DedupeKey = strings.Repeat("k", 201) },
		"no language":         func(n *notify.Notification) { n.Language = "" },
		"address with name":   func(n *notify.Notification) { n.To = "Anne <anne@example.org>" },
		"not an address":      func(n *notify.Notification) { n.To = "anne" },
		"header injection":    func(n *notify.Notification) { n.ToName = "Anne\r\nBcc: x@example.org" },
		"missing field":       func(n *notify.Notification) { delete(n.Data, "member_number") },
		"empty field":         func(n *notify.Notification) { n.Data["member_number"] = " " },
		"undeclared field":    func(n *notify.Notification) { n.Data["iban"] = "NL91ABNA0417164300" },
		"bad cooperative id":  func(n *notify.Notification) { n.CooperativeID = "coop-1" },
		"attachment path":     func(n *notify.Notification) { n.Attachments[0].Filename = "../etc/passwd" },
		"attachment type":     func(n *notify.Notification) { n.Attachments[0].ContentType = "pdf" },
		"empty attachment":    func(n *notify.Notification) { n.Attachments[0].Content = nil },
		"oversize attachment": func(n *notify.Notification) { n.Attachments[0].Content = make([]byte, 10<<20+1) },
	} {
		t.Run(name, func(t *testing.T) {
			n := outboxApproval(1)
			n.Attachments = []notify.MailAttachment{{Filename: "c.pdf", ContentType: "application/pdf", Content: []byte("%PDF")}}
			change(&n)
			err := s.Update(context.Background(), func(tx cooperative.Tx) error { return notify.Enqueue(tx, n) })
			if cooperative.ErrorCode(err) != cooperative.EINVALID {
				t.Fatalf("error %v, want %s", err, cooperative.EINVALID)
			}
		})
	}
}

func TestNotificationLanguage(t *testing.T) {
	for tag, want := range map[string]string{"nl": "nl", "NL-be": "nl", "nl_NL": "nl", "en": "en", "en-GB": "en", "de": "en", "fr-FR": "en"} {
		if got, err := notify.NotificationLanguage(tag); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", tag, got, err, want)
		}
	}
	if _, err := notify.NotificationLanguage(" "); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Errorf("empty language: %v", err)
	}
}

// TestEnqueueDedupes: the same key is one message, within one transaction, in a later
// one, and after the message was sent.
func TestEnqueueDedupes(t *testing.T) {
	s := openOutboxStore(t)
	mustEnqueue(t, s, outboxApproval(1), outboxApproval(1))
	mustEnqueue(t, s, outboxApproval(1))
	now := time.Now().Add(time.Second)
	res := claimOutbox(t, s, "w", now, 10)
	if len(res.Claimed) != 1 {
		t.Fatalf("claimed %d, want 1", len(res.Claimed))
	}
	if _, err := notify.MarkNotificationSent(context.Background(), s, res.Claimed[0], now); err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, s, outboxApproval(1))
	if res := claimOutbox(t, s, "w", now.Add(time.Hour), 10); len(res.Claimed) != 0 {
		t.Fatalf("a sent message was enqueued again: %d claimed", len(res.Claimed))
	}
}

// TestRolledBackChangeLeavesNoMessage: the outbox write and the business change are one
// transaction.
func TestRolledBackChangeLeavesNoMessage(t *testing.T) {
	s := openOutboxStore(t)
	memberID := cooperative.NewID()
	change := func(fail bool) error {
		return s.Update(context.Background(), func(tx cooperative.Tx) error {
			if _, err := tx.Insert(cooperative.Record{Collection: "members", ID: memberID, Data: []byte(`{"status":"active"}`)}); err != nil {
				return err
			}
			if err := notify.Enqueue(tx, outboxApproval(1)); err != nil {
				return err
			}
			if fail {
				return cooperative.Errorf(cooperative.ERULE, "the share class is closed")
			}
			return nil
		})
	}
	if err := change(true); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("change: %v", err)
	}
	if _, err := notify.NotificationByDedupeKey(context.Background(), s, "application_approved:1"); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("after rollback: %v", err)
	}
	if res := claimOutbox(t, s, "w", time.Now().Add(time.Second), 10); len(res.Claimed) != 0 {
		t.Fatalf("after rollback %d messages", len(res.Claimed))
	}
	if err := change(false); err != nil {
		t.Fatal(err)
	}
	if n, err := notify.NotificationByDedupeKey(context.Background(), s, "application_approved:1"); err != nil || n.Status != notify.NotificationPending {
		t.Fatalf("after commit: %+v %v", n, err)
	}
}

// TestConcurrentClaimsAreDisjoint: eight claimers at once never get the same message.
func TestConcurrentClaimsAreDisjoint(t *testing.T) {
	s := openOutboxStore(t)
	var ns []notify.Notification
	for i := range 150 {
		ns = append(ns, outboxApproval(i))
	}
	mustEnqueue(t, s, ns...)
	now := time.Now().Add(time.Second)
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := range 8 {
		owner := fmt.Sprint("w", w)
		wg.Go(func() {
			for {
				res, err := notify.ClaimNotifications(context.Background(), s, notify.ClaimRequest{
					Owner: owner, Now: now, Lease: time.Minute, Limit: 7, MaxAttempts: 3})
				if err != nil {
					t.Error(err)
					return
				}
				if len(res.Claimed) == 0 && res.Next == "" {
					return
				}
				mu.Lock()
				for _, n := range res.Claimed {
					if other, ok := seen[n.ID]; ok {
						t.Errorf("%s claimed by %s and %s", n.ID, other, owner)
					}
					seen[n.ID] = owner
					if n.LeaseOwner != owner || n.Status != notify.NotificationSending || n.Attempts != 1 {
						t.Errorf("claim %+v", n)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 150 {
		t.Fatalf("%d claimed, want 150", len(seen))
	}
}

// TestLeaseExpiry: a lease that runs out makes the message claimable again, a stale
// holder cannot record an outcome, and too many lost leases make it dead.
func TestLeaseExpiry(t *testing.T) {
	s := openOutboxStore(t)
	mustEnqueue(t, s, outboxApproval(1))
	now := time.Now().Add(time.Second)
	first := claimOutbox(t, s, "a", now, 1).Claimed[0]
	if res := claimOutbox(t, s, "b", now.Add(59*time.Second), 1); len(res.Claimed) != 0 {
		t.Fatal("claimed under a valid lease")
	}
	second := claimOutbox(t, s, "b", now.Add(61*time.Second), 1).Claimed[0]
	if second.Attempts != 2 || second.LeaseOwner != "b" {
		t.Fatalf("second claim %+v", second)
	}
	_, err := notify.MarkNotificationSent(context.Background(), s, first, now)
	if cooperative.ErrorCode(err) != cooperative.ECONFLICT {
		t.Fatalf("stale holder marked sent: %v", err)
	}
	third := claimOutbox(t, s, "c", now.Add(3*time.Minute), 1).Claimed[0]
	if third.Attempts != 3 {
		t.Fatalf("third claim %+v", third)
	}
	res := claimOutbox(t, s, "d", now.Add(5*time.Minute), 1)
	if len(res.Claimed) != 0 || res.Dead != 1 {
		t.Fatalf("after three lost leases: %+v", res)
	}
	dead, _, err := notify.ListDead(context.Background(), s, "", 10)
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].LastError, "lease") {
		t.Fatalf("dead: %+v %v", dead, err)
	}
}

// TestReleaseGivesBackTheAttempt: a claim given back unsent does not count.
func TestReleaseGivesBackTheAttempt(t *testing.T) {
	s := openOutboxStore(t)
	mustEnqueue(t, s, outboxApproval(1))
	now := time.Now().Add(time.Second)
	n := claimOutbox(t, s, "a", now, 1).Claimed[0]
	if _, err := notify.ReleaseNotification(context.Background(), s, n, now); err != nil {
		t.Fatal(err)
	}
	again := claimOutbox(t, s, "b", now, 1).Claimed
	if len(again) != 1 || again[0].Attempts != 1 {
		t.Fatalf("after release: %+v", again)
	}
}

// TestSentDropsSecrets: once sent, the template data and the attachment are gone from
// the store, and the claim handed them out before.
func TestSentDropsSecrets(t *testing.T) {
	s := openOutboxStore(t)
	n := notify.Notification{DedupeKey: "reset:1", Event: notify.EventPasswordReset, To: "a@example.org",
		Language: "en", Data: map[string]string{"link": "https://kracht.test/reset?token=secret"},
		Attachments: []notify.MailAttachment{{Filename: "a.txt", ContentType: "text/plain", Content: []byte("hello")}},
		CreatedAt:   time.Now()}
	mustEnqueue(t, s, n)
	now := time.Now().Add(time.Second)
	claimed := claimOutbox(t, s, "a", now, 1).Claimed[0]
	if string(claimed.Attachments[0].Content) != "hello" || claimed.Attachments[0].Size != 5 || claimed.Data["link"] == "" {
		t.Fatalf("claim lacks content: %+v", claimed)
	}
	if _, err := notify.MarkNotificationSent(context.Background(), s, claimed, now); err != nil {
		t.Fatal(err)
	}
	sent, err := notify.GetNotification(context.Background(), s, claimed.ID)
	if err != nil || sent.Data != nil || sent.Status != notify.NotificationSent || sent.Attachments[0].Filename != "a.txt" {
		t.Fatalf("sent: %+v %v", sent, err)
	}
	err = s.View(context.Background(), func(tx cooperative.Tx) error {
		_, err := tx.Get("notification_attachments", claimed.ID)
		return err
	})
	if cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("attachment kept after sending: %v", err)
	}
}

func TestUnsubscribeToken(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	tok, err := notify.UnsubscribeToken(secret, "Anne@Example.org", notify.EventApplicationReceived)
	if err != nil {
		t.Fatal(err)
	}
	addr, scope, err := notify.VerifyUnsubscribeToken(secret, tok)
	if err != nil || addr != "anne@example.org" || scope != notify.EventApplicationReceived {
		t.Fatalf("round trip: %q %q %v", addr, scope, err)
	}
	other, _ := notify.UnsubscribeToken(secret, "bob@example.org", notify.AllNotifications)
	payload, _, _ := strings.Cut(tok, ".")
	_, mac, _ := strings.Cut(other, ".")
	for name, bad := range map[string]string{
		"swapped mac": payload + "." + mac, "no dot": payload, "empty": "", "garbage": "a.b",
		"truncated": tok[:len(tok)-2],
	} {
		if _, _, err := notify.VerifyUnsubscribeToken(secret, bad); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := notify.VerifyUnsubscribeToken([]byte(strings.Repeat("t", 32)), tok); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Errorf("other secret: %v", err)
	}
	if _, err := notify.UnsubscribeToken([]byte("short"), "a@example.org", notify.AllNotifications); err == nil {
		t.Error("a short secret was accepted")
	}
}

// TestPreferences: an unsubscribe suppresses optional mails at claim time, never
// mandatory ones; a mandatory event cannot be turned off.
func TestPreferences(t *testing.T) {
	s := openOutboxStore(t)
	secret := []byte(strings.Repeat("s", 32))
	ctx := context.Background()
	tok, _ := notify.UnsubscribeToken(secret, "m1@example.org", notify.AllNotifications)
	received := notify.Notification{DedupeKey: "received:1", Event: notify.EventApplicationReceived,
		To: "M1@example.org", Language: "en", Data: map[string]string{"cooperative": "Energie Noord"}, CreatedAt: time.Now()}
	mustEnqueue(t, s, received, outboxApproval(1))
	for range 2 { // twice: unsubscribing is idempotent
		if _, _, err := notify.Unsubscribe(ctx, s, secret, tok, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	res := claimOutbox(t, s, "w", time.Now().Add(time.Second), 10)
	if len(res.Claimed) != 1 || res.Claimed[0].Event != notify.EventApplicationApproved || res.Suppressed != 1 {
		t.Fatalf("claim: %+v", res)
	}
	if n, _ := notify.NotificationByDedupeKey(ctx, s, "received:1"); n.Status != notify.NotificationSuppressed || n.Data != nil {
		t.Fatalf("optional mail %+v", n)
	}
	mandatory, _ := notify.UnsubscribeToken(secret, "m1@example.org", notify.EventPasswordReset)
	if _, _, err := notify.Unsubscribe(ctx, s, secret, mandatory, time.Now()); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("unsubscribe from a mandatory mail: %v", err)
	}
	err := s.Update(ctx, func(tx cooperative.Tx) error {
		return notify.SetNotificationPreference(tx, "m1@example.org", notify.AllNotifications, true, time.Now())
	})
	if p, _ := notify.GetNotificationPreferences(ctx, s, "m1@example.org"); err != nil || p.UnsubscribedAll ||
		!p.Wants(notify.EventApplicationReceived) {
		t.Fatalf("resubscribe: %+v %v", p, err)
	}
}

// TestThrottle: over the limit, a message waits until the window has room, and a
// mandatory mail is held only by the overall limit.
func TestThrottle(t *testing.T) {
	s := openOutboxStore(t)
	var ns []notify.Notification
	for i := range 3 {
		ns = append(ns, notify.Notification{DedupeKey: fmt.Sprint("received:", i), Event: notify.EventApplicationReceived,
			To: "x@example.org", Language: "en", Data: map[string]string{"cooperative": "C"}, CreatedAt: time.Now()})
	}
	approvalForX := outboxApproval(9)
	approvalForX.To = "x@example.org"
	ns = append(ns, approvalForX)
	mustEnqueue(t, s, ns...)
	now := time.Now().Add(time.Second)
	req := notify.ClaimRequest{Owner: "w", Now: now, Lease: time.Minute, Limit: 10, MaxAttempts: 3,
		Throttle: notify.NotificationThrottle{Window: time.Hour, Limit: 4, OptionalLimit: 1}}
	res, err := notify.ClaimNotifications(context.Background(), s, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Claimed) != 2 || res.Deferred != 2 {
		t.Fatalf("claim: %d claimed, %d deferred", len(res.Claimed), res.Deferred)
	}
	for _, n := range res.Claimed {
		if _, err := notify.MarkNotificationSent(context.Background(), s, n, now); err != nil {
			t.Fatal(err)
		}
	}
	deferred, _ := notify.NotificationByDedupeKey(context.Background(), s, "received:1")
	if !deferred.NextAttemptAt.Equal(now.Add(time.Hour).UTC()) || deferred.Attempts != 0 {
		t.Fatalf("deferred %+v", deferred)
	}
	req.Now = now.Add(time.Hour + time.Second)
	if res, _ := notify.ClaimNotifications(context.Background(), s, req); len(res.Claimed) != 1 || res.Deferred != 1 {
		t.Fatalf("next window: %d claimed, %d deferred", len(res.Claimed), res.Deferred)
	}
}

func TestRetryDead(t *testing.T) {
	s := openOutboxStore(t)
	ctx := context.Background()
	mustEnqueue(t, s, outboxApproval(1))
	n, _ := notify.NotificationByDedupeKey(ctx, s, "application_approved:1")
	if err := notify.RetryDead(ctx, s, n.ID, time.Now()); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("retry of a pending message: %v", err)
	}
	if err := notify.RetryDead(ctx, s, cooperative.NewID(), time.Now()); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("retry of nothing: %v", err)
	}
	now := time.Now().Add(time.Second)
	claimed := claimOutbox(t, s, "w", now, 1).Claimed[0]
	if _, err := notify.RecordNotificationFailure(ctx, s, claimed, now, "550 no such user", time.Time{}); err != nil {
		t.Fatal(err)
	}
	retryAt := now.Add(time.Hour) // the caller's clock: the message is due then, not before
	if err := notify.RetryDead(ctx, s, n.ID, retryAt); err != nil {
		t.Fatal(err)
	}
	if early := claimOutbox(t, s, "w", retryAt.Add(-time.Second), 1).Claimed; len(early) != 0 {
		t.Fatalf("claimed before the retry's time: %+v", early)
	}
	again := claimOutbox(t, s, "w", retryAt, 1).Claimed
	if len(again) != 1 || again[0].Attempts != 1 {
		t.Fatalf("after retry: %+v", again)
	}
}
