package rfref

import (
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// electronic is the shape of every reference New and Parse return.
var electronic = regexp.MustCompile(`^RF[0-9]{2}[0-9A-Z]{1,21}$`)

// mod97 is an independent check of ISO 7064 MOD 97-10 with big integers: the reference
// rearranged (the first four characters moved to the end, letters as 10..35) must leave
// 1.
func mod97(ref string) int64 {
	s := ref[4:] + ref[:4]
	var digits strings.Builder
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			digits.WriteString(big.NewInt(int64(c - 'A' + 10)).String())
		} else {
			digits.WriteRune(c)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok {
		panic("not a number: " + digits.String())
	}
	return new(big.Int).Mod(n, big.NewInt(97)).Int64()
}

func TestNew(t *testing.T) {
	tests := []struct {
		base string
		want Reference
	}{
		// The example of ISO 11649 itself, and two widely published ones.
		{"539007547034", "RF18539007547034"},
		{"2348231", "RF712348231"},
		{"G72UUR", "RF45G72UUR"},
		{"g72uur", "RF45G72UUR"},
		{"1", "RF741"},
		{"0", "RF040"},
		{"A", "RF25A"},
		{"ABCDEFGHIJKLMNOPQRSTU", "RF95ABCDEFGHIJKLMNOPQRSTU"},
		{"000000000000000000000", "RF04000000000000000000000"},
		{"ZZZZZZZZZZZZZZZZZZZZZ", "RF09ZZZZZZZZZZZZZZZZZZZZZ"},
		{"KRACHT2024000123", "RF48KRACHT2024000123"},
	}
	for _, tt := range tests {
		got, err := New(tt.base)
		if err != nil {
			t.Errorf("New(%q): %v", tt.base, err)
			continue
		}
		if got != tt.want {
			t.Errorf("New(%q) = %q, want %q", tt.base, got, tt.want)
		}
		if r := mod97(string(got)); r != 1 {
			t.Errorf("New(%q) = %q leaves %d modulo 97, want 1", tt.base, got, r)
		}
	}
}

func TestNewInvalid(t *testing.T) {
	tests := []struct {
		base, msg string
	}{
		{"", "empty"},
		{"ABCDEFGHIJKLMNOPQRSTUV", "22 characters"},
		{"AB CD", `not ' '`},
		{"AB-CD", `not '-'`},
		{"ÄBC", `not 'Ä'`},
		{"12\x00", `not '\x00'`},
	}
	for _, tt := range tests {
		_, err := New(tt.base)
		assertInvalid(t, "New("+tt.base+")", err, tt.msg)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Reference
	}{
		{"RF18539007547034", "RF18539007547034"},
		{"RF18 5390 0754 7034", "RF18539007547034"},
		{"rf18 5390 0754 7034", "RF18539007547034"},
		{"  RF18 5390 0754 7034\n", "RF18539007547034"},
		{"RF1853 900754 7034", "RF18539007547034"},
		{"RF18\u00a05390\u00a00754\u00a07034", "RF18539007547034"},
		{"RF712348231", "RF712348231"},
		{"RF71 2348 231", "RF712348231"},
		{"RF45G72UUR", "RF45G72UUR"},
		{"rf45 g72u ur", "RF45G72UUR"},
		{"RF741", "RF741"},
		{"RF95 ABCD EFGH IJKL MNOP QRST U", "RF95ABCDEFGHIJKLMNOPQRSTU"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in, msg string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"RF19539007547034", "check digits do not match"},        // one check digit off
		{"RF18539007547035", "check digits do not match"},        // one base digit off
		{"RF18539007574034", "check digits do not match"},        // two digits swapped
		{"RF01539007547034", "check digits do not match"},        // 01 never comes out of New
		{"RF98741", "check digits do not match"},                 // 98 ≡ 1 mod 97 would pass a remainder test
		{"XX18539007547034", `must start with "RF"`},             // wrong prefix
		{"18539007547034", `must start with "RF"`},               // no prefix
		{"RF1A539007547034", "two check digits"},                 // letter as check digit
		{"RF18", "two check digits"},                             // no base
		{"RF", "two check digits"},                               //
		{"RF1", "two check digits"},                              //
		{"RF09ZZZZZZZZZZZZZZZZZZZZZZ", "at most 21 are allowed"}, // 22 characters of base
		{"RF18-5390-0754-7034", `not '-'`},
		{"RF18 5390 0754 7034.", `not '.'`},
		{"RF18 5390 0754 7034 É", `not 'É'`},
		{"RF18\xff", "not '\ufffd'"},
		{strings.Repeat("RF18 ", 20), "too long"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		assertInvalid(t, "Parse("+tt.in+")", err, tt.msg)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   Reference
		want string
	}{
		{"RF18539007547034", "RF18 5390 0754 7034"},
		{"RF712348231", "RF71 2348 231"},
		{"RF741", "RF74 1"},
		{"RF45G72UUR", "RF45 G72U UR"},
		{"RF3312345678", "RF33 1234 5678"},
		{"RF95ABCDEFGHIJKLMNOPQRSTU", "RF95 ABCD EFGH IJKL MNOP QRST U"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestAllBaseLengths builds a reference for every base length and both letters and
// digits, and checks it against the independent big-integer computation.
func TestAllBaseLengths(t *testing.T) {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for n := 1; n <= MaxBaseLen; n++ {
		for start := 0; start < len(alphabet); start++ {
			var b strings.Builder
			for i := 0; i < n; i++ {
				b.WriteByte(alphabet[(start+i*7)%len(alphabet)])
			}
			ref, err := New(b.String())
			if err != nil {
				t.Fatalf("New(%q): %v", b.String(), err)
			}
			if r := mod97(string(ref)); r != 1 {
				t.Fatalf("New(%q) = %q leaves %d modulo 97", b.String(), ref, r)
			}
			checkRoundTrip(t, ref)
		}
	}
}

func assertInvalid(t *testing.T, call string, err error, msg string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one containing %q", call, msg)
		return
	}
	var e *cooperative.Error
	if !errors.As(err, &e) || e.Code != cooperative.EINVALID {
		t.Errorf("%s: error %v is not EINVALID", call, err)
		return
	}
	if !strings.Contains(e.Message, msg) {
		t.Errorf("%s: message %q does not contain %q", call, e.Message, msg)
	}
}

// checkRoundTrip asserts what every valid reference must satisfy.
func checkRoundTrip(t *testing.T, ref Reference) {
	t.Helper()
	if !electronic.MatchString(string(ref)) {
		t.Fatalf("%q is not in electronic form", ref)
	}
	again, err := New(ref.Base())
	if err != nil || again != ref {
		t.Fatalf("New(%q) = %q, %v; want %q", ref.Base(), again, err, ref)
	}
	for _, printed := range []string{Format(ref), strings.ToLower(Format(ref)), ref.String()} {
		back, err := Parse(printed)
		if err != nil || back != ref {
			t.Fatalf("Parse(%q) = %q, %v; want %q", printed, back, err, ref)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"RF18539007547034", "RF18 5390 0754 7034", "rf712348231", "RF45G72UUR",
		"RF19539007547034", "RF98741", "RF01539007547034", "", "RF", "XX00", "RF18\xff",
		"RF95 ABCD EFGH IJKL MNOP QRST U",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := Parse(s)
		if err != nil {
			var e *cooperative.Error
			if !errors.As(err, &e) || e.Code != cooperative.EINVALID || e.Message == "" {
				t.Fatalf("Parse(%q): error %v is not EINVALID with a message", s, err)
			}
			return
		}
		if r := mod97(string(ref)); r != 1 {
			t.Fatalf("Parse(%q) = %q leaves %d modulo 97", s, ref, r)
		}
		checkRoundTrip(t, ref)
	})
}

func TestFind(t *testing.T) {
	tests := []struct {
		text string
		want Reference // "" for none
	}{
		{"RF18539007547034", "RF18539007547034"},
		{"Payment RF18 5390 0754 7034 thank you", "RF18539007547034"},
		{"shares rf18 5390 0754 7034.", "RF18539007547034"},
		{"ref: RF18539007547034, member 12", "RF18539007547034"},
		{"(RF71 2348 231)", "RF712348231"},
		{"RF71 2348 231 DANK", "RF712348231"},
		{"invoice RF19539007547034 then RF45G72UUR", "RF45G72UUR"}, // the first is wrong
		{"RF18 5390 0754 7035", ""},
		{"RF18", ""},
		{"REFERENCE 4654654654654654", ""},
		{"", ""},
		{"RF RF RF", ""},
	}
	for _, tt := range tests {
		got, ok := Find(tt.text)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("Find(%q) = %q, %v; want %q", tt.text, got, ok, tt.want)
		}
	}
}

func FuzzFind(f *testing.F) {
	f.Add("Payment RF18 5390 0754 7034 thank you")
	f.Add("rf71 2348 231")
	f.Fuzz(func(t *testing.T, text string) {
		if ref, ok := Find(text); ok {
			checkRoundTrip(t, ref)
		}
	})
}
