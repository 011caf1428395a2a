package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/handlers"
)

// config is everything the service reads from its environment. Every variable is listed,
// with its default and meaning, in .env.example.
type config struct {
	Addr              string
	DataDir           string
	SQLiteSynchronous string
	MongoURI          string
	MongoDatabase     string
	LogLevel          slog.Level
	BodyLimit         int
	ShutdownTimeout   time.Duration
	DrainPeriod       time.Duration
	// MetricsAddr, when set, serves /metrics on a listener of its own instead of the
	// public port (KRACHT_METRICS_ADDR).
	MetricsAddr string
	Auth        authConfig
	Mail        mailConfig
	Stripe      stripeConfig // stripe.go
}

// loadConfig reads and validates the configuration; an error names the variable.
func loadConfig(getenv func(string) string) (config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	cfg := config{
		Addr:              env("KRACHT_ADDR", "127.0.0.1:8080"),
		DataDir:           env("KRACHT_DATA_DIR", "./data"),
		SQLiteSynchronous: strings.ToLower(env("KRACHT_SQLITE_SYNCHRONOUS", "full")),
		MongoURI:          env("MONGODB_URI", ""),
		MongoDatabase:     env("KRACHT_MONGODB_DATABASE", "kracht"),
	}
	if _, port, err := net.SplitHostPort(cfg.Addr); err != nil || port == "" {
		return cfg, fmt.Errorf("KRACHT_ADDR=%q: want host:port, for example 127.0.0.1:8080", cfg.Addr)
	}
	if cfg.SQLiteSynchronous != "full" && cfg.SQLiteSynchronous != "normal" {
		return cfg, fmt.Errorf("KRACHT_SQLITE_SYNCHRONOUS=%q: want full or normal", cfg.SQLiteSynchronous)
	}
	if strings.ContainsAny(cfg.MongoDatabase, `/\. "$`) || len(cfg.MongoDatabase) > 63 {
		return cfg, fmt.Errorf("KRACHT_MONGODB_DATABASE=%q: not a valid database name", cfg.MongoDatabase)
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(env("KRACHT_LOG_LEVEL", "info"))); err != nil {
		return cfg, fmt.Errorf("KRACHT_LOG_LEVEL=%q: want debug, info, warn or error", getenv("KRACHT_LOG_LEVEL"))
	}
	limit, err := strconv.Atoi(env("KRACHT_BODY_LIMIT", "1048576"))
	if err != nil || limit < 1024 || limit > 64<<20 {
		return cfg, fmt.Errorf("KRACHT_BODY_LIMIT=%q: want a number of bytes from 1024 to 67108864", getenv("KRACHT_BODY_LIMIT"))
	}
	cfg.BodyLimit = limit
	cfg.ShutdownTimeout, err = time.ParseDuration(env("KRACHT_SHUTDOWN_TIMEOUT", "20s"))
	if err != nil || cfg.ShutdownTimeout <= 0 {
		return cfg, fmt.Errorf("KRACHT_SHUTDOWN_TIMEOUT=%q: want a positive duration such as 20s", getenv("KRACHT_SHUTDOWN_TIMEOUT"))
	}
	cfg.DrainPeriod, err = time.ParseDuration(env("KRACHT_DRAIN_PERIOD", "0s"))
	if err != nil || cfg.DrainPeriod < 0 || cfg.DrainPeriod > 5*time.Minute {
		return cfg, fmt.Errorf("KRACHT_DRAIN_PERIOD=%q: want a duration from 0s to 5m such as 10s", getenv("KRACHT_DRAIN_PERIOD"))
	}
	cfg.MetricsAddr = env("KRACHT_METRICS_ADDR", "")
	if cfg.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(cfg.MetricsAddr); err != nil || port == "" || cfg.MetricsAddr == cfg.Addr {
			return cfg, fmt.Errorf("KRACHT_METRICS_ADDR=%q: want host:port other than KRACHT_ADDR, for example :9090", cfg.MetricsAddr)
		}
	}
	if cfg.Stripe, err = loadStripeConfig(env); err != nil {
		return cfg, err
	}
	if cfg.Auth, err = loadAuthConfig(env, cfg.Addr); err != nil {
		return cfg, err
	}
	if cfg.Mail, err = loadMailConfig(getenv, env); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// signingKeys returns the configured keys, or with the embedded store and none
// configured, the key kept in the data directory (made on first start).
func (cfg config) signingKeys(log *slog.Logger) ([]handlers.SigningKey, error) {
	if len(cfg.Auth.Keys) > 0 {
		return cfg.Auth.Keys, nil
	}
	if cfg.MongoURI != "" {
		// Several replicas must sign and verify with the same keys; a key per replica
		// would sign people out whenever a request lands on another one.
		return nil, fmt.Errorf("KRACHT_JWT_KEYS is required with MONGODB_URI: give every replica the same keys (kid:base64-ed25519-seed)")
	}
	return loadOrCreateKeyFile(cfg.DataDir, log)
}

// authConfig is the configuration of sign-in and access tokens.
type authConfig struct {
	// PublicURL is where people reach Kracht's web app: links in mails point there,
	// and it is the default token issuer.
	PublicURL string
	// Keys from KRACHT_JWT_KEYS; empty means the data directory's key file.
	Keys           []handlers.SigningKey
	Issuer         string
	Audience       string
	AccessTokenTTL time.Duration
	SessionTTL     time.Duration
	TrustedProxies []netip.Prefix
}

func loadAuthConfig(env func(name, def string) string, addr string) (authConfig, error) {
	var a authConfig
	a.PublicURL = strings.TrimRight(env("KRACHT_PUBLIC_URL", "http://"+addr), "/")
	if u, err := url.Parse(a.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return a, fmt.Errorf("KRACHT_PUBLIC_URL=%q: want an http(s) URL such as https://kracht.example.org", a.PublicURL)
	}
	var err error
	if a.Keys, err = parseSigningKeys(env("KRACHT_JWT_KEYS", "")); err != nil {
		return a, fmt.Errorf("KRACHT_JWT_KEYS: %w", err) // never echo the value: it is secret
	}
	a.Issuer = env("KRACHT_JWT_ISSUER", a.PublicURL)
	a.Audience = env("KRACHT_JWT_AUDIENCE", "kracht-api")
	if a.AccessTokenTTL, err = time.ParseDuration(env("KRACHT_ACCESS_TOKEN_TTL", "15m")); err != nil ||
		a.AccessTokenTTL < 30*time.Second || a.AccessTokenTTL > handlers.MaxAccessTokenTTL {
		return a, fmt.Errorf("KRACHT_ACCESS_TOKEN_TTL=%q: want a duration from 30s to 15m", env("KRACHT_ACCESS_TOKEN_TTL", ""))
	}
	if a.SessionTTL, err = time.ParseDuration(env("KRACHT_SESSION_TTL", "720h")); err != nil ||
		a.SessionTTL < time.Hour || a.SessionTTL > 90*24*time.Hour {
		return a, fmt.Errorf("KRACHT_SESSION_TTL=%q: want a duration from 1h to 2160h (90 days)", env("KRACHT_SESSION_TTL", ""))
	}
	for _, p := range strings.Split(env("KRACHT_TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return a, fmt.Errorf("KRACHT_TRUSTED_PROXIES: %q is not an IP address or CIDR prefix", p)
			}
			prefix = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		a.TrustedProxies = append(a.TrustedProxies, prefix.Masked())
	}
	return a, nil
}

// parseSigningKeys reads "kid:base64-seed,kid:base64-seed": 32-byte Ed25519 seeds, the
// first signs and all verify. Rotation: add the new key first, keep the old one for at
// least the access-token lifetime, then remove it.
func parseSigningKeys(s string) ([]handlers.SigningKey, error) {
	var keys []handlers.SigningKey
	seen := map[string]bool{}
	for i, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		kid, seed, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok || !handlers.ValidKeyID(kid) {
			return nil, fmt.Errorf("key %d: want kid:base64-seed with a kid of letters, digits, '.', '_' or '-'", i+1)
		}
		if seen[kid] {
			return nil, fmt.Errorf("kid %q appears twice", kid)
		}
		seen[kid] = true
		raw, err := decodeSeed(seed)
		if err != nil || len(raw) != ed25519.SeedSize {
			return nil, fmt.Errorf("key %q: want a base64 Ed25519 seed of %d bytes", kid, ed25519.SeedSize)
		}
		keys = append(keys, handlers.SigningKey{ID: kid, Key: ed25519.NewKeyFromSeed(raw)})
	}
	return keys, nil
}

func decodeSeed(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

func formatSigningKey(k handlers.SigningKey) string {
	return k.ID + ":" + base64.StdEncoding.EncodeToString(k.Key.Seed())
}

// keyFileName is the signing key of a single-instance deployment, in KRACHT_DATA_DIR.
const keyFileName = "jwt-signing-keys"

// loadOrCreateKeyFile keeps zero-setup working: the first start makes a key and keeps it
// beside the embedded store, so sessions survive restarts. The file holds the same format
// as KRACHT_JWT_KEYS, so keys can be rotated there too.
func loadOrCreateKeyFile(dataDir string, log *slog.Logger) ([]handlers.SigningKey, error) {
	text, err := loadOrCreateSecretFile(dataDir, keyFileName,
		"a JWT signing key (set KRACHT_JWT_KEYS to manage keys yourself)", log, func() (string, error) {
			key, err := handlers.NewSigningKey()
			return formatSigningKey(key), err
		})
	if err != nil {
		return nil, err
	}
	keys, err := parseSigningKeys(text)
	if err == nil && len(keys) == 0 {
		err = errors.New("no key in it")
	}
	if err != nil {
		return nil, fmt.Errorf("KRACHT_DATA_DIR=%s: %s: %w", dataDir, keyFileName, err)
	}
	return keys, nil
}

// authOptions are the HTTP layer's sign-in settings.
func (cfg config) authOptions(log *slog.Logger, unsubscribeSecret []byte) (handlers.AuthOptions, error) {
	keys, err := cfg.signingKeys(log)
	if err != nil {
		return handlers.AuthOptions{}, err
	}
	return handlers.AuthOptions{Keys: keys, Issuer: cfg.Auth.Issuer, Audience: cfg.Auth.Audience,
		AccessTokenTTL: cfg.Auth.AccessTokenTTL,
		TrustedProxies: cfg.Auth.TrustedProxies, UnsubscribeSecret: unsubscribeSecret}, nil
}
