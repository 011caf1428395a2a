package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// The outbox had a codec of its own on encoding/json; it now uses encode. Its documents
// must be stored byte for byte as before, including the escapes and the omitzero times.
func TestOutboxDocumentsEncodeAsWithEncodingJSON(t *testing.T) {
	at := time.Date(2024, 3, 31, 1, 59, 59, 123456789, time.FixedZone("CEST", 2*3600))
	n := Notification{ID: cooperative.NewID(), DedupeKey: "k<1>", Event: EventApplicationApproved, CooperativeID: cooperative.NewID(),
		To: "a&b@example.org", ToName: "Zoë \u2028 Smit", Language: "nl",
		Data:        map[string]string{"z": "<script>", "a": "bad \xff utf-8", "m": "line\nbreak"},
		Attachments: []MailAttachment{{Filename: "cert.pdf", ContentType: "application/pdf", Size: 4, Content: []byte{0, 1, 254, 255}}},
		Status:      NotificationSending, Attempts: 2, NextAttemptAt: at, LeaseOwner: "w", LeaseUntil: at.Add(time.Minute),
		CreatedAt: at.UTC(), UpdatedAt: at}
	sent := n
	sent.Status, sent.LeaseUntil, sent.SentAt = NotificationSent, time.Time{}, at
	docs := map[string]any{
		"notification":      n,
		"sent notification": sent,
		"attachments":       n.Attachments,
		"throttle":          []throttleSend{{At: at}, {At: at.UTC(), Optional: true}},
		"preferences":       NotificationPreferences{Address: "a@example.org", UnsubscribedAll: true, Unsubscribed: []NotificationEvent{EventPaymentFailed}, UpdatedAt: at},
	}
	for name, v := range docs {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := cooperative.Encode(v); string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	back, err := notificationFromRecord(notificationRecord(sent))
	if err != nil || back.To != sent.To || !back.SentAt.Equal(at) || !back.LeaseUntil.IsZero() || back.Data["a"] != "bad \uFFFD utf-8" {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

// Record ids made from names are stored: the one nameID must give the ids the payout
// records and the preference and throttle records have always had.
func TestNameIDsAreStable(t *testing.T) {
	if got := cooperative.NameID("kracht:stripe-payout:0190a1b2-0000-7000-8000-000000000001/po_123"); got != "3ef9a1f8-621b-582a-8a74-f72353011228" {
		t.Errorf("payout id %s", got)
	}
	if got := cooperative.NameID("mailto:" + recipient("  Anna.Smit@Example.ORG ")); got != "b53ad70c-dbf2-53bb-af06-096c5a82cd71" {
		t.Errorf("recipient id %s", got)
	}
}
