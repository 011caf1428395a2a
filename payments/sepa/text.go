package sepa

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text reduces s to the Latin character set every SEPA bank must accept (EPC guidance on
// the use of UNICODE in SEPA): a-z A-Z 0-9 / - ? : ( ) . , ' + and space. Banks may refuse
// or garble anything else, so names and texts are reduced before they go into a file.
//
// The choices:
//   - Accented and other Latin letters become their base letter: é→e, ç→c, ł→l, ø→o,
//     ș→s; ligatures and letters without a base are spelled out: ß→ss, æ→ae, œ→oe,
//     þ→th, ĳ→ij. A letter followed by combining accents (decomposed input) keeps the
//     letter and drops the accents. German umlauts become the bare vowel (ä→a), as most
//     banks do, not "ae".
//   - Punctuation with a near equivalent is replaced by it: & → + (so "Jansen & Zn"
//     keeps its meaning), quotes and apostrophes → ', dashes and _ → -, ; → ,, ! → .,
//     … → ..., brackets and < > → ( ), \ → /, € → EUR.
//   - Invisible characters (combining marks, zero-width joiners, soft hyphens, variation
//     selectors) are dropped, so they never split a word.
//   - Everything else (white space, control characters, other symbols, emoji, letters of
//     other scripts, invalid UTF-8) becomes a space, so the words around it stay apart.
//   - Runs of spaces become one space, and leading and trailing spaces are removed.
//   - The result is cut to at most max characters, then trailing spaces are removed
//     again. It is plain ASCII, so a character is a byte and no rune is ever split.
//     max <= 0 gives "".
//
// Text is idempotent: Text(Text(s, n), n) == Text(s, n).
func Text(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if isClean(s) {
		// The common case (a name already plain): no allocation.
		if len(s) <= max {
			return s
		}
		return strings.TrimRight(s[:max], " ")
	}
	b := make([]byte, 0, min(len(s), max+1))
	pending := false // a space is owed before the next character
	for _, r := range s {
		for _, c := range []byte(fold(r)) {
			if c == ' ' {
				pending = len(b) > 0
				continue
			}
			if pending {
				b = append(b, ' ')
				pending = false
			}
			b = append(b, c)
		}
		// b is a prefix of the full reduction, so once it holds max characters the cut
		// is known.
		if len(b) >= max {
			break
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	return strings.TrimRight(string(b), " ")
}

// sepaChar reports whether c is in the SEPA character set.
func sepaChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '/', '-', '?', ':', '(', ')', '.', ',', '\'', '+', ' ':
		return true
	}
	return false
}

// isClean reports whether s is already reduced: SEPA characters only, no leading,
// trailing or double spaces.
func isClean(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !sepaChar(s[i]) || (s[i] == ' ' && s[i+1] == ' ') {
			return false
		}
	}
	return true
}

// asciiFold maps the ASCII characters outside the SEPA set that have a near equivalent.
var asciiFold = map[byte]string{
	'&': "+", '"': "'", '`': "'", '_': "-", ';': ",", '!': ".",
	'[': "(", '{': "(", '<': "(", ']': ")", '}': ")", '>': ")", '\\': "/",
}

// latinFold maps Latin letters and punctuation beyond ASCII, grouped by what they become.
var latinFold = buildFold(map[string]string{
	"A": "ÀÁÂÃÄÅĀĂĄǍǺȀȂ", "a": "àáâãäåāăąǎǻȁȃ",
	"AE": "ÆǼ", "ae": "æǽ",
	"C": "ÇĆĈĊČ", "c": "çćĉċč",
	"D": "ÐĎĐ", "d": "ðďđ",
	"E": "ÈÉÊËĒĔĖĘĚȄȆ", "e": "èéêëēĕėęěȅȇ",
	"G": "ĜĞĠĢǦ", "g": "ĝğġģǧ",
	"H": "ĤĦ", "h": "ĥħ",
	"I": "ÌÍÎÏĨĪĬĮİǏȈȊ", "i": "ìíîïĩīĭįıǐȉȋ",
	"IJ": "Ĳ", "ij": "ĳ",
	"J": "Ĵ", "j": "ĵǰ",
	"K": "ĶǨ", "k": "ķĸǩ",
	"L": "ĹĻĽĿŁ", "l": "ĺļľŀł",
	"N": "ÑŃŅŇŊ", "n": "ñńņňŋ", "'n": "ŉ",
	"O": "ÒÓÔÕÖØŌŎŐǑǾȌȎ", "o": "òóôõöøōŏőǒǿȍȏ",
	"OE": "Œ", "oe": "œ",
	"R": "ŔŖŘȐȒ", "r": "ŕŗřȑȓ",
	"S": "ŚŜŞŠȘ", "s": "śŝşšșſ",
	"SS": "ẞ", "ss": "ß",
	"T": "ŢŤŦȚ", "t": "ţťŧț",
	"TH": "Þ", "th": "þ",
	"U": "ÙÚÛÜŨŪŬŮŰŲǓǕǗǙǛȔȖ", "u": "ùúûüũūŭůűųǔǖǘǚǜȕȗ",
	"W": "Ŵ", "w": "ŵ",
	"Y": "ÝŶŸ", "y": "ýÿŷ",
	"Z": "ŹŻŽ", "z": "źżž",
	"'":   "‘’‚‛“”„‟´ʹʺʻʼ′″«»",
	"-":   "‐‑‒–—―−",
	".":   "¡",
	"...": "…",
	"EUR": "€",
})

func buildFold(groups map[string]string) map[rune]string {
	m := make(map[rune]string)
	for to, from := range groups {
		for _, r := range from {
			m[r] = to
		}
	}
	return m
}

// fold returns what r becomes: SEPA characters, " " for a separator, "" to drop it.
func fold(r rune) string {
	if r >= 0 && int(r) < len(foldTable) {
		return foldTable[r]
	}
	if s, ok := latinFold[r]; ok {
		return s
	}
	return foldByCategory(r)
}

func foldByCategory(r rune) string {
	if r != utf8.RuneError && unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return ""
	}
	return " "
}

// foldTable holds fold's answer for ASCII, Latin-1 and Latin Extended-A and -B, where
// names almost always are, so that those cost one index instead of a map lookup.
var foldTable = func() (t [0x250]string) {
	for r := range t {
		switch c := byte(r); {
		case r < utf8.RuneSelf && sepaChar(c):
			t[r] = string(rune(r))
		case r < utf8.RuneSelf && asciiFold[c] != "":
			t[r] = asciiFold[c]
		case r < utf8.RuneSelf:
			t[r] = " "
		case latinFold[rune(r)] != "":
			t[r] = latinFold[rune(r)]
		default:
			t[r] = foldByCategory(rune(r))
		}
	}
	return t
}()
