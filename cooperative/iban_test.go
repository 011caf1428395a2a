package cooperative

import (
	"strings"
	"testing"
)

func TestParseIBAN(t *testing.T) {
	for _, tt := range []struct{ in, want, code string }{
		{"NL91 ABNA 0417 1643 00", "NL91ABNA0417164300", ""},
		{"nl91abna0417164300", "NL91ABNA0417164300", ""},
		{"DE89370400440532013000", "DE89370400440532013000", ""},
		{"BE68539007547034", "BE68539007547034", ""},
		{"NL92ABNA0417164300", "", EINVALID},     // check digits off by one
		{"NL91ABNA041716430", "", EINVALID},      // one short
		{"US64SVBKUS6S3300958879", "", EINVALID}, // not SEPA
		{"NL91ABNA04171643-0", "", EINVALID},
		{"", "", EINVALID},
	} {
		got, err := ParseIBAN(tt.in)
		if got != tt.want || ErrorCode(err) != tt.code {
			t.Errorf("ParseIBAN(%q) = %q, %v; want %q, code %q", tt.in, got, err, tt.want, tt.code)
		}
	}
}

func TestParseBIC(t *testing.T) {
	for in, ok := range map[string]bool{"ABNANL2A": true, "rabonl2uxxx": true, "ABNA NL2A": false, "ABN1NL2A": false, "ABNANL2": false} {
		if _, err := ParseBIC(in); (err == nil) != ok {
			t.Errorf("ParseBIC(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}

// FuzzParseIBAN checks that any input either fails with EINVALID or yields an IBAN that
// parses to itself, has its country's length and only letters and digits.
func FuzzParseIBAN(f *testing.F) {
	for _, s := range []string{"NL91ABNA0417164300", "DE89 3704 0044 0532 0130 00", "XX00", "nl", "NL91ABNA04171643ÿ0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iban, err := ParseIBAN(s)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error code %q", ErrorCode(err))
			}
			return
		}
		if again, err := ParseIBAN(iban); err != nil || again != iban {
			t.Fatalf("not idempotent: %q -> %q, %v", iban, again, err)
		}
		if len(iban) != ibanLengths[iban[:2]] || strings.Trim(iban, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			t.Fatalf("accepted %q", iban)
		}
	})
}
