package notifications_test

import (
	"context"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/notifications"
)

// BenchmarkOutboxToSMTP measures messages moved from the outbox to the in-process SMTP
// server: claim, render, send over SMTP, mark sent, on the embedded store with its
// default synchronous=full (every mark-sent on disk before the next claim sees it).
func BenchmarkOutboxToSMTP(b *testing.B) {
	store, ms := openStore(b), startMailServer(b, mailServerOptions{})
	w := newWorker(b, store, smtpSender(b, ms), func(o *notifications.WorkerOptions) { o.Logger = nil })
	ns := make([]notify.Notification, b.N)
	for i := range ns {
		ns[i] = approved(i, []string{"nl", "en"}[i%2])
	}
	enqueue(b, store, ns...)
	b.ResetTimer()
	ctx := context.Background()
	for ms.count() < b.N {
		if _, err := w.RunOnce(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if ms.count() != b.N {
		b.Fatalf("%d mails for %d messages", ms.count(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
