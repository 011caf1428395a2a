package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/identity"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

func TestAdminCreate(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	vars := env(map[string]string{"KRACHT_DATA_DIR": dataDir})
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"admin", "create", "--email", "Ops@Example.org"}, vars,
		strings.NewReader("a long admin passphrase\n"), &out, &errOut)
	if err != nil {
		t.Fatalf("admin create: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "ops@example.org") || strings.Contains(out.String()+errOut.String(), "passphrase") {
		t.Fatalf("output %q / %q", out.String(), errOut.String())
	}

	// The admin exists, with OWASP's parameters, and can sign in.
	store, err := embedded.Open(context.Background(), filepath.Join(dataDir, "kracht.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	accounts := identity.NewAccounts(store, identity.AccountsOptions{})
	g, err := accounts.Login(context.Background(), identity.Login{Email: "ops@example.org", Password: "a long admin passphrase", ClientIP: "127.0.0.1"})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	p, err := accounts.Authenticate(context.Background(), g.UserID, g.SessionID, "")
	if err != nil || !p.PlatformAdmin || !p.EmailVerified {
		t.Fatalf("principal %+v %v", p, err)
	}
	var hash string
	if err := store.View(context.Background(), func(tx cooperative.Tx) error {
		rec, err := tx.Get("users", g.UserID)
		hash = string(rec.Data)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("stored hash does not use OWASP's parameters: %s", hash)
	}
	store.Close()

	for name, tt := range map[string]struct {
		args  []string
		stdin io.Reader
		want  string
	}{
		"twice":           {[]string{"admin", "create", "--email", "ops@example.org"}, strings.NewReader("another long passphrase\n"), "already exists"},
		"weak password":   {[]string{"admin", "create", "--email", "b@example.org"}, strings.NewReader("short\n"), "at least 12 characters"},
		"no password":     {[]string{"admin", "create", "--email", "b@example.org"}, strings.NewReader(""), "no password"},
		"no email":        {[]string{"admin", "create"}, strings.NewReader("a long admin passphrase\n"), "--email is required"},
		"bad email":       {[]string{"admin", "create", "--email", "nope"}, strings.NewReader("a long admin passphrase\n"), "not valid"},
		"no subcommand":   {[]string{"admin"}, nil, "subcommand create"},
		"wrong subcomand": {[]string{"admin", "delete"}, nil, "subcommand create"},
	} {
		err := run(context.Background(), tt.args, vars, tt.stdin, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", name, err, tt.want)
		}
	}
}

func TestSigningKeyFile(t *testing.T) {
	dataDir := t.TempDir()
	var logs bytes.Buffer
	log := newTestLogger(&logs)
	keys, err := loadOrCreateKeyFile(dataDir, log)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	path := filepath.Join(dataDir, keyFileName)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", fi.Mode(), err)
	}
	if !strings.Contains(logs.String(), "generated a JWT signing key") || strings.Contains(logs.String(), formatSigningKey(keys[0])) {
		t.Fatalf("logs %s", logs.String())
	}
	again, err := loadOrCreateKeyFile(dataDir, log)
	if err != nil || again[0].ID != keys[0].ID || !again[0].Key.Equal(keys[0].Key) {
		t.Fatalf("the key changed across starts: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateKeyFile(dataDir, log); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable key file was accepted: %v", err)
	}
}

func TestAuthConfig(t *testing.T) {
	seed := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // 32 bytes
	cfg, err := loadConfig(env(map[string]string{"KRACHT_JWT_KEYS": "new:" + seed + ", old:" + seed[:43],
		"KRACHT_PUBLIC_URL": "https://kracht.example.org/", "KRACHT_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"}))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Auth
	if len(a.Keys) != 2 || a.Keys[0].ID != "new" || a.Issuer != "https://kracht.example.org" || a.Audience != "kracht-api" ||
		a.AccessTokenTTL.Minutes() != 15 || len(a.TrustedProxies) != 2 || a.TrustedProxies[1].String() != "192.0.2.1/32" {
		t.Fatalf("auth config %+v", a)
	}
	for name, value := range map[string]string{
		"KRACHT_JWT_KEYS":         "nokid",
		"KRACHT_ACCESS_TOKEN_TTL": "1h",
		"KRACHT_SESSION_TTL":      "1m",
		"KRACHT_PUBLIC_URL":       "ftp://x",
		"KRACHT_TRUSTED_PROXIES":  "everyone",
	} {
		_, err := loadConfig(env(map[string]string{name: value}))
		if err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%s=%s: error %v, want one naming the variable", name, value, err)
		}
	}
	// A secret never appears in an error.
	_, err = loadConfig(env(map[string]string{"KRACHT_JWT_KEYS": "k:" + seed[:20]}))
	if err == nil || strings.Contains(err.Error(), seed[:20]) {
		t.Fatalf("error %v", err)
	}
	// Several replicas need the same keys: with MongoDB the variable is required.
	cfg, err = loadConfig(env(map[string]string{"MONGODB_URI": "mongodb://db/?replicaSet=rs0"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.signingKeys(newTestLogger(io.Discard)); err == nil || !strings.HasPrefix(err.Error(), "KRACHT_JWT_KEYS") {
		t.Fatalf("error %v", err)
	}
}

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
