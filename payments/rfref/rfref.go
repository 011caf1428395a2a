// Package rfref builds and checks ISO 11649 structured creditor references ("RF
// references"), the reference a member quotes with a bank transfer so that the payment
// can be matched to what it pays for.
//
// A reference is "RF", two check digits and a base of 1 to 21 letters and digits. The
// check digits use ISO 7064 MOD 97-10, as in an IBAN: the base is followed by "RF00",
// every letter becomes a two-digit number (A=10 … Z=35), and the check digits are 98
// minus that number modulo 97. A reference whose check digits are right gives 1.
//
// The electronic form ("RF18539007547034") is what a bank file carries and what Kracht
// stores; the printed form ("RF18 5390 0754 7034") is what a person reads and types.
package rfref

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"
)

// Reference is an RF reference in electronic form: upper case, no spaces. New and Parse
// return only valid references; a Reference made by conversion is not checked.
type Reference string

const (
	// MaxBaseLen is the longest base ISO 11649 allows, so a reference has at most 25
	// characters.
	MaxBaseLen = 21
	// maxInputLen bounds what Parse looks at: the printed form of the longest reference
	// is 31 characters; the rest is room for stray spaces.
	maxInputLen = 64
)

// New returns the reference for base, which is 1 to 21 letters and digits in either
// case (no spaces). The base is upper-cased, so New("abc") and New("ABC") agree.
func New(base string) (Reference, error) {
	if base == "" {
		return "", cooperative.Errorf(cooperative.EINVALID, "RF reference base is empty")
	}
	if len(base) > MaxBaseLen {
		return "", cooperative.Errorf(cooperative.EINVALID,
			"RF reference base has %d characters; at most %d are allowed", len(base), MaxBaseLen)
	}
	up, err := upperAlnum(base, "RF reference base")
	if err != nil {
		return "", err
	}
	return Reference("RF" + checkDigits(up) + up), nil
}

// Parse reads a reference in electronic or printed form, in upper or lower case, with
// any spaces (a person may group it differently), checks it and returns the electronic
// form.
func Parse(s string) (Reference, error) {
	if len(s) > maxInputLen {
		return "", cooperative.Errorf(cooperative.EINVALID,
			"RF reference is too long: at most %d characters are allowed", 4+MaxBaseLen)
	}
	compact := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if compact == "" {
		return "", cooperative.Errorf(cooperative.EINVALID, "RF reference is empty")
	}
	up, err := upperAlnum(compact, "RF reference")
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(up, "RF") {
		return "", cooperative.Errorf(cooperative.EINVALID, `RF reference must start with "RF"`)
	}
	if len(up) < 5 || !isDigit(up[2]) || !isDigit(up[3]) {
		return "", cooperative.Errorf(cooperative.EINVALID,
			`RF reference must have two check digits after "RF" and then 1 to %d letters or digits`, MaxBaseLen)
	}
	base := up[4:]
	if len(base) > MaxBaseLen {
		return "", cooperative.Errorf(cooperative.EINVALID,
			"RF reference has %d characters after the check digits; at most %d are allowed", len(base), MaxBaseLen)
	}
	// Comparing with the digits New would make, rather than testing for remainder 1,
	// also refuses "01" and "00" (which can give 1 as well) so every accepted reference
	// is exactly what New returns for its base.
	if up[2:4] != checkDigits(base) {
		return "", cooperative.Errorf(cooperative.EINVALID,
			"RF reference check digits do not match the rest of the reference; check it for a typing error")
	}
	return Reference(up), nil
}

// Format returns the printed form of r: groups of four characters separated by a space,
// the last group possibly shorter ("RF18 5390 0754 7034"). It does not check r.
func Format(r Reference) string {
	s := string(r)
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// String returns the electronic form.
func (r Reference) String() string { return string(r) }

// Base returns the part after "RF" and the check digits, or "" if r is too short to
// have one.
func (r Reference) Base() string {
	if len(r) < 4 {
		return ""
	}
	return string(r[4:])
}

// upperAlnum returns s upper-cased, or an error naming the first character that is not
// an ASCII letter or digit.
func upperAlnum(s, what string) (string, error) {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case isDigit(c), 'A' <= c && c <= 'Z':
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return "", cooperative.Errorf(cooperative.EINVALID,
				"%s may contain only letters A-Z and digits 0-9, not %q", what, r)
		}
	}
	return string(b), nil
}

// checkDigits returns the two MOD 97-10 check digits for an upper-case alphanumeric
// base.
func checkDigits(base string) string {
	rem := 0
	add := func(c byte) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	for i := 0; i < len(base); i++ {
		add(base[i])
	}
	for _, c := range []byte("RF00") {
		add(c)
	}
	check := 98 - rem
	return string([]byte{byte('0' + check/10), byte('0' + check%10)})
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
