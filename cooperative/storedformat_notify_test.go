package cooperative

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the notify collections and journals (see package storedtest).
// Refresh the golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/ -update

// notifyStoredFiles are the files of the future notify package; its collections are those
// declared there. After the split the scan reads the package's whole directory.
var notifyStoredFiles = []string{"outbox.go"}

func TestStoredFormatNotify(t *testing.T) {
	storedtest.Run(t, storedGoldenDir, notifyStoredCases())
}

func TestStoredFormatNotifyCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", Files: notifyStoredFiles, GoldenDir: storedGoldenDir,
		MinCollections: 4, MinJournals: 0}, notifyStoredCases())
}

// notifyStoredCases returns a case per collection and journal, each written as the domain writes it.
func notifyStoredCases() []storedtest.Case {
	return withStoredRecords(notifyStoredRecord, []storedtest.Case{
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
			Unset: []string{"Attachments[].Content"}, Decode: viaDecode[Notification]},
		{Name: collectionNotificationAttachments, Value: []MailAttachment{{Filename: "certificate.pdf",
			ContentType: "application/pdf", Size: 8, Content: []byte("%PDF-1.7")}}, Decode: viaDecode[[]MailAttachment]},
		{Name: collectionNotificationPreferences, Value: NotificationPreferences{Address: "anna@example.org",
			UnsubscribedAll: true, Unsubscribed: []NotificationEvent{EventRoleGranted}, UpdatedAt: storedtest.Time},
			Decode: viaDecode[NotificationPreferences]},
		{Name: collectionNotificationThrottles, Value: []throttleSend{{At: storedtest.Time, Optional: true}},
			Decode: viaDecode[[]throttleSend]},
	})
}

// notifyStoredRecord is how the record methods write the values that have one; the rest
// are written with encode, and only their data is pinned.
func notifyStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	if v, ok := c.Value.(Notification); ok {
		return fromRecord(notificationRecord(v)), true
	}
	return storedtest.Record{}, false
}
