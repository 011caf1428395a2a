package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// FuzzAccessToken feeds arbitrary bearer tokens to the validator: it must never panic,
// must refuse with EUNAUTHORIZED, and must accept only a token it issued itself.
//
//	go test -run '^$' -fuzz FuzzAccessToken -fuzztime 30s ./handlers/
func FuzzAccessToken(f *testing.F) {
	key, err := NewSigningKey()
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tokens, err := newAccessTokens([]SigningKey{key}, "https://kracht.test", "kracht-api", 15*time.Minute, func() time.Time { return now })
	if err != nil {
		f.Fatal(err)
	}
	good, _, err := tokens.issue(cooperative.NewID(), cooperative.NewID(), false)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(good, ".")
	for _, seed := range []string{good, "", ".", "..", parts[0] + "..", parts[0] + "." + parts[1] + ".",
		"eyJhbGciOiJub25lIn0." + parts[1] + ".", good + "x", strings.ToUpper(good)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := tokens.parse(raw)
		if err != nil {
			if code := cooperative.ErrorCode(err); code != cooperative.EUNAUTHORIZED {
				t.Fatalf("refused with code %q: %v", code, err)
			}
			return
		}
		if raw != good || claims.Subject == "" {
			t.Fatalf("accepted a token it did not issue: %q", raw)
		}
	})
}
