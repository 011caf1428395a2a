package notifications_test

import (
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/notifications"
)

func fsReadFile(fsys fs.FS, name string) ([]byte, error) { return fs.ReadFile(fsys, name) }

func TestSMTPConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, ok, err := notifications.SMTPConfigFromEnv(env(nil)); ok || err != nil {
		t.Fatalf("no host: ok=%v err=%v", ok, err)
	}
	cfg, ok, err := notifications.SMTPConfigFromEnv(env(map[string]string{"KRACHT_SMTP_HOST": "smtp.example.org",
		"KRACHT_SMTP_USERNAME": "kracht", "KRACHT_SMTP_PASSWORD": "pw", "KRACHT_SMTP_TIMEOUT": "10s"}))
	if !ok || err != nil || cfg.Host != "smtp.example.org" || cfg.Timeout != 10*time.Second || cfg.Password != "pw" {
		t.Fatalf("%+v %v %v", cfg, ok, err)
	}
	if s := fmt.Sprint(slog.AnyValue(cfg).Resolve()); s == "" || strings.Contains(s, "pw") {
		t.Errorf("the password shows in logs: %s", s)
	}
	for name, m := range map[string]map[string]string{
		"bad port":        {"KRACHT_SMTP_HOST": "h", "KRACHT_SMTP_PORT": "x"},
		"bad tls":         {"KRACHT_SMTP_HOST": "h", "KRACHT_SMTP_TLS": "ssl3"},
		"password no tls": {"KRACHT_SMTP_HOST": "h", "KRACHT_SMTP_TLS": "none", "KRACHT_SMTP_USERNAME": "u"},
		"bad timeout":     {"KRACHT_SMTP_HOST": "h", "KRACHT_SMTP_TIMEOUT": "-1s"},
	} {
		if _, _, err := notifications.SMTPConfigFromEnv(env(m)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
