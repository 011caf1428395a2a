package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/wneessen/go-mail"
)

// DirSender writes each message as an RFC 5322 .eml file into a folder: what Kracht does
// when no mail server is configured, so a new user sees exactly what would be sent (any
// mail program opens the files). The bytes are go-mail's WriteTo, the same that go over
// SMTP.
type DirSender struct {
	dir string
	log *slog.Logger
}

// NewDirSender creates dir if needed. The files may hold password-reset links, so the
// folder and the files are private to the service's user.
func NewDirSender(dir string, log *slog.Logger) (*DirSender, error) {
	if dir == "" {
		return nil, errors.New("mail folder is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail folder: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	log.Info("no SMTP server configured: mails are written as .eml files", slog.String("dir", abs))
	return &DirSender{dir: abs, log: log}, nil
}

// Send implements Sender. The file is named after the Message-ID (the notification id,
// a UUIDv7, so a folder listing is in time order) and written to a temporary name first,
// then renamed: a reader never sees half a mail, and sending the same message again
// replaces the file instead of adding a second one.
func (d *DirSender) Send(ctx context.Context, m *mail.Msg) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := fileName(m.GetMessageID())
	if name == "" {
		return Permanent(errors.New("message has no Message-ID to name its file after"))
	}
	tmp, err := os.CreateTemp(d.dir, ".writing-*.eml")
	if err != nil {
		return fmt.Errorf("write mail file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := m.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write mail file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write mail file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write mail file: %w", err)
	}
	path := filepath.Join(d.dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write mail file: %w", err)
	}
	d.log.Info("mail written to file", slog.String("file", path))
	return nil
}

// fileName keeps the local part of a Message-ID ("<id@host>") and only the characters a
// file name can safely hold.
func fileName(messageID string) string {
	id := strings.Trim(messageID, "<>")
	id, _, _ = strings.Cut(id, "@")
	id = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, id)
	if id == "" {
		return ""
	}
	return id + ".eml"
}
