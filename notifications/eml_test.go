package notifications_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/notifications"
	"github.com/wneessen/go-mail"
)

// TestDirSenderWritesParseableEML: with no SMTP server, the mail lands as an .eml file
// that parses as RFC 5322, and the log says where.
func TestDirSenderWritesParseableEML(t *testing.T) {
	store := openStore(t)
	dir := filepath.Join(t.TempDir(), "data", "mail")
	var logs bytes.Buffer
	sender, err := notifications.NewDirSender(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, store, sender, nil)
	n := approved(3, "en")
	n.Attachments = []notify.MailAttachment{{Filename: "certificate.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.7 fake")}}
	enqueue(t, store, n)
	runOnce(t, w)

	stored := byKey(t, store, n.DedupeKey)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != stored.ID+".eml" {
		t.Fatalf("folder holds %v, want %s.eml", entries, stored.ID)
	}
	path := filepath.Join(dir, entries[0].Name())
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := parseMail(t, raw)
	if m.Subject != "Welcome as a member of Zonnepark De Kracht" || m.Header.Get("Message-Id") != "<"+stored.ID+"@kracht.test>" {
		t.Errorf("subject %q, Message-ID %q", m.Subject, m.Header.Get("Message-Id"))
	}
	if !strings.Contains(m.Text, "member number 3") || !strings.Contains(m.HTML, "<strong>3</strong>") {
		t.Errorf("body parts missing:\n%s\n%s", m.Text, m.HTML)
	}
	if string(m.Attachments["certificate.pdf"].Content) != "%PDF-1.7 fake" {
		t.Errorf("attachment %q", m.Attachments["certificate.pdf"].Content)
	}
	if info, _ := os.Stat(path); info.Mode().Perm()&0o077 != 0 {
		t.Errorf("mail file mode %v is readable by others", info.Mode())
	}
	for _, want := range []string{dir, path} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, logs.String())
		}
	}
	// Sending the same message again replaces the file, it does not add one.
	msgs, _ := os.ReadDir(dir)
	if err := sender.Send(context.Background(), mustCompose(t, raw)); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadDir(dir); len(again) != len(msgs) {
		t.Errorf("%d files after sending again, want %d", len(again), len(msgs))
	}
}

// mustCompose reads a written mail back into a go-mail message.
func mustCompose(t *testing.T, raw []byte) *mail.Msg {
	t.Helper()
	m, err := mail.EMLToMsgFromString(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
