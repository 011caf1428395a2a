package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// env is a fake environment for run.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// syncBuffer is a bytes.Buffer the server goroutine and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeOnTheEmbeddedStoreAndStopOnSignal(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, env(map[string]string{"KRACHT_ADDR": addr, "KRACHT_DATA_DIR": dataDir}),
			strings.NewReader(""), out, io.Discard)
	}()
	var ready bool
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if ready = res.StatusCode == 200; ready {
				break
			}
		}
	}
	if !ready {
		t.Fatalf("never ready; output:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dataDir, "kracht.db")); err != nil {
		t.Fatalf("no embedded store in the data directory: %v", err)
	}
	// With no SMTP configured, a sign-up's verification mail lands as an .eml file.
	res, err := http.Post("http://"+addr+"/v1/auth/signup", "application/json",
		strings.NewReader(`{"email":"anna@example.org","password":"a long enough passphrase","language":"nl"}`))
	if err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("signup: %v %v", res, err)
	}
	res.Body.Close()
	var eml []byte
	for deadline := time.Now().Add(10 * time.Second); eml == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(dataDir, "mail", "*.eml"))
		if len(files) > 0 {
			eml, _ = os.ReadFile(files[0])
		}
	}
	if !bytes.Contains(eml, []byte("To: <anna@example.org>")) || !bytes.Contains(eml, []byte("Content-Language: nl")) {
		t.Fatalf("no Dutch verification mail to anna in %s/mail:\n%s\n%s", dataDir, eml, out.String())
	}
	// The sweep of expired sign-in data ran at start.
	waitForLines(t, out, sweptLine, 1)
	stop() // what SIGTERM does through signal.NotifyContext
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	// Every line is a JSON log record; the last says the service stopped.
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, line := range lines {
		if !json.Valid([]byte(line)) {
			t.Fatalf("not a JSON log line: %s", line)
		}
	}
	if !strings.Contains(lines[len(lines)-1], `"msg":"stopped"`) {
		t.Fatalf("last log line %s", lines[len(lines)-1])
	}
	// The store was closed: its write-ahead log was checkpointed away.
	if fi, err := os.Stat(filepath.Join(dataDir, "kracht.db-wal")); err == nil && fi.Size() > 0 {
		t.Fatalf("WAL still holds %d bytes: the store was not closed", fi.Size())
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"KRACHT_ADDR":               "8080",
		"KRACHT_SQLITE_SYNCHRONOUS": "off",
		"KRACHT_LOG_LEVEL":          "loud",
		"KRACHT_BODY_LIMIT":         "lots",
		"KRACHT_SHUTDOWN_TIMEOUT":   "-5s",
		"KRACHT_MONGODB_DATABASE":   "a/b",
	} {
		err := run(context.Background(), []string{"serve"}, env(map[string]string{name: value}), nil, io.Discard, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), name+"=") {
			t.Errorf("%s=%s: error %v, want one naming the variable", name, value, err)
		}
	}
}

func TestMongoDBProblemsStopStartUp(t *testing.T) {
	dataDir := t.TempDir()
	for uri, want := range map[string]string{
		"mongodb://user:s3cret@[bad": "MONGODB_URI is malformed",
		"http://localhost:27017":     "MONGODB_URI is malformed",
		"mongodb://user:s3cret@127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300": "cannot reach",
	} {
		err := run(context.Background(), []string{"serve"},
			env(map[string]string{"MONGODB_URI": uri, "KRACHT_DATA_DIR": dataDir, "KRACHT_ADDR": freeAddr(t)}), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", uri, err, want)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the password: %v", err)
		}
		if strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("error is not one line: %q", err)
		}
	}
	// Never a silent fallback: nothing was created in the data directory.
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Fatalf("embedded store created despite MONGODB_URI: %v", entries)
	}
}

func TestCommands(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), nil, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "kracht ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run(context.Background(), nil, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("no command accepted")
	}
}
