package web

import "testing"

func TestParseEuroCents(t *testing.T) {
	for in, want := range map[string]int64{"1250": 125_000, "1.250": 125_000, "1.250,50": 125_050, "1,250.50": 125_050,
		"€ 12,5": 1250, "1.250.000": 125_000_000, "0,99": 99} {
		if got, ok := parseEuroCents(in); !ok || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "12.345,678", "-5", "1e3"} {
		if got, ok := parseEuroCents(in); ok {
			t.Errorf("%q: %d, want refused", in, got)
		}
	}
}
