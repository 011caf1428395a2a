package notify

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/internal/storedcases"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the notify collections and journals (see package storedtest).
// Refresh the golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/notify/ -update

func TestStoredFormatNotify(t *testing.T) {
	storedtest.Run(t, storedcases.GoldenDir, notifyStoredCases())
}

func TestStoredFormatNotifyCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedcases.GoldenDir, OwnGolden: true,
		MinCollections: 4, MinJournals: 0}, notifyStoredCases())
}

// notifyStoredCases returns a case per collection and journal, each written as the domain writes it.
func notifyStoredCases() []storedtest.Case {
	return storedcases.WithRecords(notifyStoredRecord, []storedtest.Case{
		// The attachments' content is stored apart (notification_attachments), so the
		// message's own record never holds it.
		{Name: collectionNotifications, Value: Notification{ID: storedtest.Object,
			DedupeKey: "application_approved:" + storedtest.Member,
			Event:     EventApplicationApproved, CooperativeID: storedtest.Coop, To: "anna@example.org", ToName: "Anna de Vries",
			Language: "nl", Data: map[string]string{"name": "Anna", "link": "https://example.org/?a=1&b=<2>"},
			Attachments: []MailAttachment{{Filename: "certificate.pdf", ContentType: "application/pdf", Size: 2048}},
			Status:      NotificationSending, Attempts: 2, NextAttemptAt: storedtest.At(time.Minute), LeaseOwner: "host-1:42",
			LeaseUntil: storedtest.At(2 * time.Minute), LastError: "451 try again later", CreatedAt: storedtest.Time,
			UpdatedAt: storedtest.At(time.Minute), SentAt: storedtest.At(3 * time.Minute)},
			Unset: []string{"Attachments[].Content"}, Decode: storedcases.ViaDecode[Notification]},
		{Name: collectionNotificationAttachments, Value: []MailAttachment{{Filename: "certificate.pdf",
			ContentType: "application/pdf", Size: 8, Content: []byte("%PDF-1.7")}}, Decode: storedcases.ViaDecode[[]MailAttachment]},
		{Name: collectionNotificationPreferences, Value: NotificationPreferences{Address: "anna@example.org",
			UnsubscribedAll: true, Unsubscribed: []NotificationEvent{EventRoleGranted}, UpdatedAt: storedtest.Time},
			Decode: storedcases.ViaDecode[NotificationPreferences]},
		{Name: collectionNotificationThrottles, Value: []throttleSend{{At: storedtest.Time, Optional: true}},
			Decode: storedcases.ViaDecode[[]throttleSend]},
	})
}

// notifyStoredRecord is how the record methods write the values that have one; the rest
// are written with encode, and only their data is pinned.
func notifyStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	if v, ok := c.Value.(Notification); ok {
		return storedcases.FromRecord(notificationRecord(v)), true
	}
	return storedtest.Record{}, false
}
