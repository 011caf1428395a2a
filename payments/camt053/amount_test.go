package camt053

import (
	"math/big"
	"strings"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		text, ccy string
		want      int64
		err       string
	}{
		{"8.85", "EUR", 885, ""},
		{"8.850", "EUR", 885, ""}, // genkgo's "five decimals" sample
		{"8.85000", "EUR", 885, ""},
		{" 8.85\n", "EUR", 885, ""},
		{"+8.85", "EUR", 885, ""},
		{"0", "EUR", 0, ""},
		{".5", "EUR", 50, ""},
		{"5.", "EUR", 500, ""},
		{"2700", "JPY", 2700, ""},
		{"2700.000", "JPY", 2700, ""},
		{"1.234", "BHD", 1234, ""},
		{"1.2345", "CLF", 12345, ""},
		{"92233720368547758.07", "EUR", maxMinor, ""},
		{"8.855", "EUR", 0, "more decimals than EUR has (2)"},
		{"8.850001", "EUR", 0, "at most 5"},
		{"2700.5", "JPY", 0, "more decimals than JPY has (0)"},
		{"92233720368547758.08", "EUR", 0, "too large"},
		{"-1", "EUR", 0, "negative"},
		{"-0", "EUR", 0, "negative"},
		{"", "EUR", 0, "not a decimal number"},
		{".", "EUR", 0, "not a decimal number"},
		{"1.2.3", "EUR", 0, "not a decimal number"},
		{"1,00", "EUR", 0, "not a decimal number"},
		{"1e3", "EUR", 0, "not a decimal number"},
		{"１", "EUR", 0, "not a decimal number"}, // a full-width digit
		{"1", "eur", 0, "not an ISO 4217 code"},
		{"1", "", 0, "not an ISO 4217 code"},
		{"1", "EURO", 0, "not an ISO 4217 code"},
	}
	for _, tt := range tests {
		a, err := parseAmount(tt.text, tt.ccy)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseAmount(%q, %q) = %v, %v; want error %q", tt.text, tt.ccy, a, err, tt.err)
			}
			continue
		}
		if err != nil || a != (Amount{tt.want, tt.ccy}) {
			t.Errorf("parseAmount(%q, %q) = %v, %v; want %d", tt.text, tt.ccy, a, err, tt.want)
		}
	}
}

// FuzzParseAmount checks parseAmount against exact rational arithmetic: whatever it
// accepts is the text's value times 10^exponent, exactly.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"8.85", "8.850", "0.00001", "2700", "+.5", "92233720368547758.07", "-1", "1e3"} {
		f.Add(s, "EUR")
	}
	f.Add("1.234", "KWD")
	f.Add("2700", "JPY")
	f.Fuzz(func(t *testing.T, text, ccy string) {
		a, err := parseAmount(text, ccy)
		if err != nil {
			return
		}
		s := strings.TrimPrefix(strings.Trim(text, xmlSpace), "+")
		if strings.HasPrefix(s, ".") {
			s = "0" + s
		}
		s = strings.TrimSuffix(s, ".")
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("parseAmount(%q) accepted what big.Rat does not read", text)
		}
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(currencyExponent(ccy))), nil)
		r.Mul(r, new(big.Rat).SetInt(scale))
		if !r.IsInt() || r.Num().Cmp(big.NewInt(a.Minor)) != 0 || a.Minor < 0 {
			t.Fatalf("parseAmount(%q, %q) = %d, exact value %s", text, ccy, a.Minor, r.RatString())
		}
		if back, err := parseAmount(a.Decimal(), ccy); err != nil || back != a {
			t.Fatalf("%v → %q → %v, %v", a, a.Decimal(), back, err)
		}
	})
}
