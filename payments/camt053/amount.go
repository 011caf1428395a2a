package camt053

import (
	"fmt"
	"strconv"
	"strings"
)

// Amount is a sum of money as the bank states it: never negative (the direction is a
// separate credit/debit indicator) and exact, in minor units of its currency.
type Amount struct {
	Minor    int64  // in minor units of Currency: cents for EUR, yen for JPY
	Currency string // ISO 4217 code, e.g. "EUR"
}

// maxFractionDigits is what the ISO 20022 amount type allows (fractionDigits 5).
const maxFractionDigits = 5

// Decimal returns the amount as a decimal string with as many decimals as the currency
// has ("8.85", "2700", "1.234"), the form parseAmount reads back to the same Amount.
func (a Amount) Decimal() string {
	exp := currencyExponent(a.Currency)
	s := strconv.FormatInt(a.Minor, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String returns the amount for people and logs, e.g. "8.85 EUR".
func (a Amount) String() string { return a.Decimal() + " " + a.Currency }

// parseAmount reads an ISO 20022 amount (an xs:decimal that is not negative, with at most
// five decimals) exactly into minor units of ccy. A bank may write more decimals than the
// currency has, as in "8.850" for EUR; those are accepted only when they are zeros, so no
// amount is ever rounded.
func parseAmount(text, ccy string) (Amount, error) {
	if !validCurrency(ccy) {
		return Amount{}, fmt.Errorf("currency %q is not an ISO 4217 code (three capital letters)", clip(ccy))
	}
	s := strings.Trim(text, xmlSpace)
	if strings.HasPrefix(s, "-") {
		return Amount{}, fmt.Errorf("amount %q is negative; the direction belongs in CdtDbtInd", clip(text))
	}
	s = strings.TrimPrefix(s, "+")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) {
		return Amount{}, fmt.Errorf("amount %q is not a decimal number", clip(text))
	}
	if len(frac) > maxFractionDigits {
		return Amount{}, fmt.Errorf("amount %q has %d decimals; ISO 20022 allows at most %d", clip(text), len(frac), maxFractionDigits)
	}
	exp := currencyExponent(ccy)
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			return Amount{}, fmt.Errorf("amount %q has more decimals than %s has (%d)", clip(text), ccy, exp)
		}
		frac = frac[:exp]
	}
	frac += strings.Repeat("0", exp-len(frac))
	var minor int64
	for _, c := range []byte(whole + frac) {
		d := int64(c - '0')
		if minor > (maxMinor-d)/10 {
			return Amount{}, fmt.Errorf("amount %q is too large", clip(text))
		}
		minor = minor*10 + d
	}
	return Amount{Minor: minor, Currency: ccy}, nil
}

// maxMinor is the largest amount in minor units that int64 holds.
const maxMinor = 1<<63 - 1

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// currencyExponent returns the number of decimals of an ISO 4217 currency (its minor
// unit). Codes not listed have two, like most currencies; for an unknown code that errs on
// the side of refusing amounts with more decimals, never of rounding them.
func currencyExponent(ccy string) int {
	switch ccy {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
		"UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	case "CLF", "UYW":
		return 4
	}
	return 2
}
