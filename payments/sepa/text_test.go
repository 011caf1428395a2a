package sepa

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var textCases = []struct {
	in   string
	max  int
	want string
}{
	{"Coöperatie De Zonnewijde U.A.", 70, "Cooperatie De Zonnewijde U.A."},
	{"Café Ørsted & Søn", 70, "Cafe Orsted + Son"},
	{"Straße", 70, "Strasse"},
	{"Łódź Śląsk", 70, "Lodz Slask"},
	{"Æsir œuvre Þór", 70, "AEsir oeuvre THor"},
	{"Ștefan Țară", 70, "Stefan Tara"},
	{"  Jan   😀  Piet  ", 70, "Jan Piet"},
	{"Jan😀Piet", 70, "Jan Piet"},
	{"e\u0301te\u0301", 70, "ete"},             // decomposed accents are dropped
	{"Zoe\u200d\ufe0fJ\u00adan", 70, "ZoeJan"}, // zero-width joiner, variation selector, soft hyphen
	{"a\tb\r\nc\x00d", 70, "a b c d"},          // controls separate words
	{"O'Brien", 70, "O'Brien"},                 // the apostrophe is a SEPA character
	{"\u201cquoted\u201d \"too\"", 70, "'quoted' 'too'"},
	{"Müller–Lüdenscheidt_GmbH", 70, "Muller-Ludenscheidt-GmbH"},
	{"日本語", 70, ""},
	{"€ 25; ok! [x] {y} <z> a\\b", 70, "EUR 25, ok. (x) (y) (z) a/b"},
	{"wait…", 70, "wait..."},
	{"#*@%$=|^~", 70, ""},
	{"ab cd", 3, "ab"}, // the cut leaves no trailing space
	{"ßßß", 3, "sss"},
	{"ÀÀÀÀ", 2, "AA"},
	{"\xff\xfeok", 70, "ok"}, // invalid UTF-8 is a separator
	{"plain text", 0, ""},
	{"plain text", -5, ""},
	{"plain text", 5, "plain"},
	{"?:().,'+/-", 70, "?:().,'+/-"},
}

func TestText(t *testing.T) {
	for _, c := range textCases {
		if got := Text(c.in, c.max); got != c.want {
			t.Errorf("Text(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

// TestTextCleanAllocatesNothing: names that are already plain (most of them) cost no
// allocation, which matters for 100,000 payments.
func TestTextCleanAllocatesNothing(t *testing.T) {
	s := "Jan de Vries"
	if n := testing.AllocsPerRun(100, func() { _ = Text(s, MaxNameLen) }); n != 0 {
		t.Errorf("%v allocations for a plain name", n)
	}
}

// checkText asserts the properties every result of Text must have.
func checkText(t *testing.T, in string, max int) {
	t.Helper()
	got := Text(in, max)
	if len(got) > max && !(max <= 0 && got == "") {
		t.Fatalf("Text(%q, %d) = %q: %d characters", in, max, got, len(got))
	}
	if !utf8.ValidString(got) {
		t.Fatalf("Text(%q, %d) = %q: not UTF-8", in, max, got)
	}
	for i := 0; i < len(got); i++ {
		if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ", rune(got[i])) {
			t.Fatalf("Text(%q, %d) = %q: %q is not a SEPA character", in, max, got, got[i])
		}
	}
	if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
		t.Fatalf("Text(%q, %d) = %q: leading, trailing or double space", in, max, got)
	}
	if again := Text(got, max); again != got {
		t.Fatalf("Text(Text(%q, %d)) = %q, not %q", in, max, again, got)
	}
	// Cutting is the last step: a longer limit gives a result that starts the same.
	if longer := Text(in, max+10); max > 0 && !strings.HasPrefix(longer, got) {
		t.Fatalf("Text(%q, %d) = %q is not a prefix of Text(..., %d) = %q", in, max, got, max+10, longer)
	}
}

func FuzzText(f *testing.F) {
	for _, c := range textCases {
		f.Add(c.in, c.max)
	}
	f.Add(strings.Repeat("é & ", 100), 140)
	f.Fuzz(func(t *testing.T, s string, max int) {
		checkText(t, s, max%300)
	})
}
