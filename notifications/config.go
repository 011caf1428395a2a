package notifications

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SMTPConfigFromEnv reads the mail server settings:
//
//	KRACHT_SMTP_HOST      mail server; empty: no SMTP, mails go to .eml files
//	KRACHT_SMTP_PORT      default 587 (starttls), 465 (tls), 25 (none)
//	KRACHT_SMTP_USERNAME  optional
//	KRACHT_SMTP_PASSWORD  optional
//	KRACHT_SMTP_TLS       starttls (default), tls or none
//	KRACHT_SMTP_TIMEOUT   per command, default 30s
//
// ok is false when no host is set. An error names the variable.
func SMTPConfigFromEnv(getenv func(string) string) (cfg SMTPConfig, ok bool, err error) {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	cfg = SMTPConfig{
		Host:     env("KRACHT_SMTP_HOST"),
		Username: env("KRACHT_SMTP_USERNAME"),
		Password: getenv("KRACHT_SMTP_PASSWORD"), // a password may have spaces at its ends
		TLS:      TLSMode(strings.ToLower(env("KRACHT_SMTP_TLS"))),
	}
	if cfg.Host == "" {
		return cfg, false, nil
	}
	if v := env("KRACHT_SMTP_PORT"); v != "" {
		if cfg.Port, err = strconv.Atoi(v); err != nil || cfg.Port < 1 || cfg.Port > 65535 {
			return cfg, false, fmt.Errorf("KRACHT_SMTP_PORT=%q: want a port number", v)
		}
	}
	if v := env("KRACHT_SMTP_TIMEOUT"); v != "" {
		if cfg.Timeout, err = time.ParseDuration(v); err != nil || cfg.Timeout <= 0 {
			return cfg, false, fmt.Errorf("KRACHT_SMTP_TIMEOUT=%q: want a positive duration such as 30s", v)
		}
	}
	if _, err := cfg.withDefaults(); err != nil {
		return cfg, false, fmt.Errorf("KRACHT_SMTP_*: %w", err)
	}
	return cfg, true, nil
}
