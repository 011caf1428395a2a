package identity

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

func TestPasswordHashing(t *testing.T) {
	ctx := context.Background()
	h := NewPasswordHasher(OWASPPasswordParams())
	start := time.Now()
	encoded, err := h.Hash(ctx, "correct horse battery")
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one argon2id hash at OWASP's parameters took %v", took)
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoded %s", encoded)
	}
	if again, _ := h.Hash(ctx, "correct horse battery"); again == encoded {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, rehash, err := h.Verify(ctx, encoded, "correct horse battery"); !ok || rehash || err != nil {
		t.Fatalf("verify: %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := h.Verify(ctx, encoded, "correct horse batterY"); ok {
		t.Fatal("a wrong password verified")
	}
	// A hash made with other parameters still verifies, and asks to be redone.
	cheap := NewPasswordHasher(PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1})
	old, _ := cheap.Hash(ctx, "correct horse battery")
	if ok, rehash, _ := h.Verify(ctx, old, "correct horse battery"); !ok || !rehash {
		t.Fatalf("old hash: ok %v rehash %v", ok, rehash)
	}
	if err := h.VerifyDummy(ctx, "anything"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$!!"} {
		if _, _, err := h.Verify(ctx, bad, "x"); cooperative.ErrorCode(err) != cooperative.EINTERNAL {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}

func BenchmarkPasswordHashOWASP(b *testing.B) {
	h := NewPasswordHasher(OWASPPasswordParams())
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	for password, reason := range map[string]string{
		"":                        "at least 12",
		"elevenchars":             "at least 12",
		"ünïcödé🙂🙂":               "at least 12", // counted in characters, not bytes
		strings.Repeat("x y", 50): "at most 128",
		"Ann@Example.org":         "e-mail",
		"ann@example.org":         "e-mail",
		"zzzzzzzzzzzzzz":          "repeat",
		"1212121212121212":        "repeat",
		"123456789012":            "too common",
		"Password1234":            "too common",
		"Kracht2025!!":            "too common",
		"welcome123456":           "too common",
	} {
		err := CheckPassword(password, "ann@example.org")
		if cooperative.ErrorCode(err) != cooperative.EINVALID || !strings.Contains(cooperative.ErrorMessage(err), reason) {
			t.Errorf("%q: %v, want a refusal saying %q", password, err, reason)
		}
	}
	for _, ok := range []string{"correct horse battery", "ünïcödé🙂🙂 and more", "Tr0ub4dor&3xyz", strings.Repeat("ab", 64)[:127] + "c"} {
		if err := CheckPassword(ok, "ann@example.org"); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "+1": "'+1", "-1": "'-1", "@x": "'@x",
		"\tx": "'\tx", "ann@example.org": "ann@example.org", "": ""} {
		if got := cooperative.CSVSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{" Ann@Example.ORG ": "ann@example.org", "a.b+c@x.nl": "a.b+c@x.nl"} {
		if got, err := NormalizeEmail(in); got != want || err != nil {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "ann", "Ann <ann@example.org>", "ann@localhost", "a@b@c.nl", strings.Repeat("a", 250) + "@x.nl"} {
		if _, err := NormalizeEmail(bad); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("%q accepted", bad)
		}
	}
}
