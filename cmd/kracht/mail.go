package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/notifications"
)

// mailConfig is how Kracht sends its e-mail.
type mailConfig struct {
	SMTP    notifications.SMTPConfig
	UseSMTP bool // false: mails become .eml files in KRACHT_DATA_DIR/mail
	From    string
	// UnsubscribeSecret from KRACHT_UNSUBSCRIBE_SECRET; empty means the data
	// directory's secret file.
	UnsubscribeSecret []byte
	TemplatesDir      string
}

const unsubscribeSecretFile = "unsubscribe-secret"

func loadMailConfig(getenv func(string) string, env func(name, def string) string) (mailConfig, error) {
	var (
		m   mailConfig
		err error
	)
	if m.SMTP, m.UseSMTP, err = notifications.SMTPConfigFromEnv(getenv); err != nil {
		return m, err
	}
	m.From = env("KRACHT_MAIL_FROM", "")
	if m.From == "" && m.UseSMTP {
		return m, fmt.Errorf("KRACHT_MAIL_FROM is required with KRACHT_SMTP_HOST: the sender address, e.g. \"Kracht <noreply@example.org>\"")
	}
	if m.From == "" {
		m.From = "Kracht <noreply@localhost>"
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return m, fmt.Errorf("KRACHT_MAIL_FROM=%q: not an e-mail address: %v", m.From, err)
	}
	if v := env("KRACHT_UNSUBSCRIBE_SECRET", ""); v != "" {
		if m.UnsubscribeSecret, err = decodeSecret(v); err != nil {
			return m, fmt.Errorf("KRACHT_UNSUBSCRIBE_SECRET: %w", err) // never echo a secret
		}
	}
	m.TemplatesDir = env("KRACHT_MAIL_TEMPLATES", "")
	if m.TemplatesDir != "" {
		if fi, err := os.Stat(m.TemplatesDir); err != nil || !fi.IsDir() {
			return m, fmt.Errorf("KRACHT_MAIL_TEMPLATES=%q: not a folder", m.TemplatesDir)
		}
	}
	return m, nil
}

// decodeSecret reads a base64 secret of at least cooperative.MinUnsubscribeSecret bytes.
func decodeSecret(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("want base64, e.g. the output of: head -c32 /dev/urandom | base64")
	}
	if len(b) < notify.MinUnsubscribeSecret {
		return nil, fmt.Errorf("want at least %d random bytes, base64-encoded", notify.MinUnsubscribeSecret)
	}
	return b, nil
}

// unsubscribeSecret is the configured secret or, with the embedded store, one made on
// first start and kept in the data directory. With MongoDB every replica must sign the
// same links, so it must be configured.
func (cfg config) unsubscribeSecret(log *slog.Logger) ([]byte, error) {
	if len(cfg.Mail.UnsubscribeSecret) > 0 {
		return cfg.Mail.UnsubscribeSecret, nil
	}
	if cfg.MongoURI != "" {
		return nil, fmt.Errorf("KRACHT_UNSUBSCRIBE_SECRET is required with MONGODB_URI: give every replica the same secret")
	}
	text, err := loadOrCreateSecretFile(cfg.DataDir, unsubscribeSecretFile,
		"an unsubscribe secret (set KRACHT_UNSUBSCRIBE_SECRET to manage it yourself)", log, func() (string, error) {
			b := make([]byte, 32)
			_, err := rand.Read(b)
			return base64.StdEncoding.EncodeToString(b), err
		})
	if err != nil {
		return nil, err
	}
	b, err := decodeSecret(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("KRACHT_DATA_DIR=%s: %s: %w", cfg.DataDir, unsubscribeSecretFile, err)
	}
	return b, nil
}

// loadOrCreateSecretFile keeps zero-setup working for a secret: the first start makes it
// with create and keeps it (mode 0600) in the data directory; later starts read it. A file
// others can read is refused, as ssh refuses such a private key.
// what names the secret and the variable that replaces the file, for the log.
func loadOrCreateSecretFile(dataDir, name, what string, log *slog.Logger, create func() (string, error)) (string, error) {
	path := filepath.Join(dataDir, name)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("KRACHT_DATA_DIR=%s: %w", dataDir, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		text, cerr := create()
		if cerr == nil {
			_, cerr = f.WriteString(text + "\n")
		}
		if err := f.Close(); cerr == nil {
			cerr = err
		}
		if cerr != nil {
			os.Remove(path)
			return "", fmt.Errorf("KRACHT_DATA_DIR=%s: writing %s: %w", dataDir, name, cerr)
		}
		log.Info("generated "+what+" and kept it in the data directory", slog.String("path", path))
		return text, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("KRACHT_DATA_DIR=%s: creating %s: %w", dataDir, name, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("KRACHT_DATA_DIR=%s: %w", dataDir, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("KRACHT_DATA_DIR=%s: %s has mode %#o; others must not read a secret (chmod 600 it)",
			dataDir, path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("KRACHT_DATA_DIR=%s: %w", dataDir, err)
	}
	return string(b), nil
}

// startMail starts the notification worker. stop (idempotent) cancels it, waits until sends under
// way are done, and closes the mail connection.
func startMail(ctx context.Context, cfg config, store cooperative.Store, secret []byte, log *slog.Logger) (stop func(), err error) {
	templates := notifications.Templates()
	if cfg.Mail.TemplatesDir != "" {
		templates = os.DirFS(cfg.Mail.TemplatesDir)
	}
	renderer, err := notifications.NewRenderer(templates)
	if err != nil {
		return nil, fmt.Errorf("KRACHT_MAIL_TEMPLATES: %w", err)
	}
	var (
		sender notifications.Sender
		closer = func() error { return nil }
	)
	if cfg.Mail.UseSMTP {
		smtp, err := notifications.NewSMTPSender(cfg.Mail.SMTP)
		if err != nil {
			return nil, fmt.Errorf("KRACHT_SMTP_*: %w", err)
		}
		sender, closer = smtp, smtp.Close
	} else {
		dir := filepath.Join(cfg.DataDir, "mail")
		eml, err := notifications.NewDirSender(dir, log)
		if err != nil {
			return nil, fmt.Errorf("KRACHT_DATA_DIR=%s: %w", cfg.DataDir, err)
		}
		sender = eml
		log.Info("no KRACHT_SMTP_HOST: e-mails are written as .eml files", slog.String("folder", dir))
	}
	worker, err := notifications.NewWorker(store, sender, renderer, notifications.WorkerOptions{
		From: cfg.Mail.From, UnsubscribeURL: cfg.Auth.PublicURL + "/v1/unsubscribe",
		UnsubscribePage: cfg.Auth.PublicURL + "/unsubscribe", UnsubscribeSecret: secret, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := worker.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("notification worker stopped", slog.Any("error", err))
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
			if err := closer(); err != nil {
				log.Warn("closing the mail connection", slog.Any("error", err))
			}
		})
	}, nil
}
