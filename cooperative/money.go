package cooperative

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Money is always int64 minor units (cents); rates are basis points. Arithmetic that can
// grow an amount goes through the checked helpers below, so an absurd input (a billion
// shares of a billion euros) is refused instead of wrapping around into a wrong amount.

func errOverflow() error {
	return Errorf(EINVALID, "the amount is too large to be represented")
}

// mulMoney returns a×b, or an EINVALID error when it does not fit an int64.
func MulMoney(a, b int64) (int64, error) {
	if a == 0 || b == 0 {
		return 0, nil
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, errOverflow()
	}
	return p, nil
}

// addMoney returns a+b, or an EINVALID error when it does not fit an int64.
func AddMoney(a, b int64) (int64, error) {
	s := a + b
	if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) {
		return 0, errOverflow()
	}
	return s, nil
}

// SplitLargestRemainder divides total (≥ 0) in proportion to weights (each ≥ 0, at least
// one > 0) into whole parts that sum to total exactly: every part gets the floor of its
// quota, and what is left goes one unit each to the largest remainders, ties to the lower
// index (for an allocation: the earlier subscription). Quotas are computed in 128 bits,
// so no product overflows.
func SplitLargestRemainder(total int64, weights []int64) ([]int64, error) {
	if total < 0 {
		return nil, Errorf(EINVALID, "cannot split a negative total")
	}
	var sum int64
	for _, w := range weights {
		if w < 0 {
			return nil, Errorf(EINVALID, "weights must not be negative")
		}
		var err error
		if sum, err = AddMoney(sum, w); err != nil {
			return nil, err
		}
	}
	if sum == 0 {
		if total == 0 {
			return make([]int64, len(weights)), nil
		}
		return nil, Errorf(EINVALID, "cannot split over weights that are all zero")
	}
	parts := make([]int64, len(weights))
	rems := make([]uint64, len(weights))
	var given int64
	for i, w := range weights {
		hi, lo := bits.Mul64(uint64(total), uint64(w))
		// total×w/sum ≤ total fits in 64 bits, which implies hi < sum: Div64 cannot panic.
		q, r := bits.Div64(hi, lo, uint64(sum))
		parts[i], rems[i] = int64(q), r
		given += int64(q)
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rems[a] > rems[b]:
			return -1
		case rems[a] < rems[b]:
			return 1
		}
		return 0
	})
	for k := 0; given < total; k++ {
		parts[order[k]]++
		given++
	}
	return parts, nil
}

// FormatEuro writes an amount in cents for a mail in language: "€ 1.250,00" in Dutch,
// "€1,250.00" in English.
func FormatEuro(cents int64, language string) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	decimal, prefix := ".", "€"
	if language == "nl" {
		decimal, prefix = ",", "€ "
	}
	s := prefix + GroupThousands(cents/100, language) + decimal + fmt.Sprintf("%02d", cents%100)
	if neg {
		s = "-" + s
	}
	return s
}

// FormatCents writes minor units as a plain decimal amount, for exports and tables:
// 12345 → "123.45", -5 → "-0.05" (no currency, no grouping).
func FormatCents(c int64) string {
	sign := ""
	u := uint64(c)
	if c < 0 {
		sign, u = "-", uint64(-c)
	}
	frac := u % 100
	return sign + strconv.FormatUint(u/100, 10) + "." + string(rune('0'+frac/10)) + string(rune('0'+frac%10))
}

// GroupThousands writes n with language's thousands separator: "1.250" in Dutch, "1,250"
// in other languages.
func GroupThousands(n int64, language string) string {
	s, sep := strconv.FormatInt(n, 10), ","
	if language == "nl" {
		sep = "."
	}
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Date is a calendar date, "2006-01-02". Register and ledger dates are dates, not
// instants: a share is held on a day, an entry is booked on a day. Dates are taken in UTC
// (documented simplification: a change made between midnight Amsterdam time and midnight
// UTC lands on the previous day).
type Date string

const dateLayout = "2006-01-02"

// DateOf returns the UTC calendar date of t.
func DateOf(t time.Time) Date { return Date(t.UTC().Format(dateLayout)) }

// ParseDate checks a date of the form 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Format(dateLayout) != s {
		return "", Errorf(EINVALID, "%q is not a date of the form YYYY-MM-DD", s)
	}
	return Date(s), nil
}

// Time returns the start of the date in UTC.
func (d Date) Time() time.Time {
	t, _ := time.Parse(dateLayout, string(d))
	return t
}

// AddDays returns the date n days later.
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// Before reports whether d is earlier than e (dates of this form sort as strings).
func (d Date) Before(e Date) bool { return d < e }
