package notifications_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/notifications"
)

// TestUnsubscribeLinkInTheTextIsThePage: a person who clicks the link in the mail gets
// the web page; the List-Unsubscribe header keeps the address that takes the one-click
// POST (RFC 8058). Both carry the same token.
func TestUnsubscribeLinkInTheTextIsThePage(t *testing.T) {
	const api, page = "https://kracht.test/v1/unsubscribe", "https://kracht.test/unsubscribe"
	store, ms := openStore(t), startMailServer(t, mailServerOptions{})
	w := newWorker(t, store, smtpSender(t, ms), func(o *notifications.WorkerOptions) {
		o.UnsubscribeURL, o.UnsubscribePage = api, page
	})
	enqueue(t, store, notify.Notification{DedupeKey: "received:1", Event: notify.EventApplicationReceived,
		To: "piet@example.org", Language: "nl", Data: map[string]string{"cooperative": "Zorgcoöperatie Hart"}, CreatedAt: time.Now()})
	runOnce(t, w)
	if ms.count() != 1 {
		t.Fatalf("server got %d mails", ms.count())
	}
	m := parseMail(t, ms.mails()[0].Data)
	header := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
	token, ok := strings.CutPrefix(header, api+"?token=")
	if !ok || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe %q", header)
	}
	if !strings.Contains(m.Text, "Meld je af: "+page+"?token="+token) || strings.Contains(m.Text, api) {
		t.Errorf("the text does not link to the page:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, `href="`+page+"?token=") || strings.Contains(m.HTML, api) {
		t.Errorf("the HTML does not link to the page:\n%s", m.HTML)
	}
}
