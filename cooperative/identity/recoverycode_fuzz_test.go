package identity

import (
	"strings"
	"testing"
)

// FuzzNormalizeRecoveryCode: what a person types is normalized once and for all (doing it
// again changes nothing), keeps no separators, and a code as generated survives any mix
// of case, dashes and spaces.
func FuzzNormalizeRecoveryCode(f *testing.F) {
	for _, s := range []string{"ABCDE-FGHIJ", "abcde fghij", "0O1I8B", "ß-ǆ\t", ""} {
		f.Add(s)
	}
	code := newRecoveryCode()
	want := normalizeRecoveryCode(code)
	f.Fuzz(func(t *testing.T, s string) {
		n := normalizeRecoveryCode(s)
		if again := normalizeRecoveryCode(n); again != n {
			t.Fatalf("normalize(%q) = %q, again %q", s, n, again)
		}
		if strings.ContainsAny(n, "- \t") {
			t.Fatalf("normalize(%q) = %q keeps a separator", s, n)
		}
		// The fuzzed string decides where the code is split and lower-cased.
		var typed strings.Builder
		for i, r := range code {
			if i < len(s) && s[i]%3 == 0 {
				typed.WriteString(" ")
			}
			if i < len(s) && s[i]%2 == 0 {
				r = []rune(strings.ToLower(string(r)))[0]
			}
			typed.WriteRune(r)
		}
		if got := normalizeRecoveryCode(typed.String()); got != want {
			t.Fatalf("%q typed as %q normalizes to %q, want %q", code, typed.String(), got, want)
		}
	})
}
