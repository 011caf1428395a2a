package web

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/boombuler/barcode/qr"
)

// TestEPCPayload checks the text against EPC069-12: eleven elements in order, the
// last (empty) one left out, lengths within the standard's, the amount as EUR12.34.
func TestEPCPayload(t *testing.T) {
	long := strings.Repeat("Coöperatie ", 10)
	got, err := epcPayload(epcTransfer{BIC: "abnanl2a", Name: long, IBAN: "NL91 ABNA 0417 1643 00", AmountCents: 125000,
		Reference: "RF18 5390 0754 7034"})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(got, "\n")
	want := []string{"BCD", "002", "1", "SCT", "ABNANL2A", "", "NL91ABNA0417164300", "EUR1250.00", "", "RF18539007547034"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines: %q", len(lines), got)
	}
	for i, w := range want {
		if i != 5 && lines[i] != w {
			t.Errorf("line %d = %q, want %q", i+1, lines[i], w)
		}
	}
	if n := len([]rune(lines[5])); n != 70 || !strings.HasPrefix(lines[5], "Coöperatie Coöperatie") {
		t.Errorf("name has %d characters: %q", n, lines[5])
	}
	if len(got) > 331 || strings.HasSuffix(got, "\n") {
		t.Errorf("payload of %d bytes, or ends with a line break", len(got))
	}
	for cents, amount := range map[int64]string{1: "EUR0.01", 1234: "EUR12.34", 100: "EUR1.00"} {
		p, err := epcPayload(epcTransfer{Name: "X", IBAN: "NL91ABNA0417164300", AmountCents: cents, Reference: "RF18539007547034"})
		if err != nil || strings.Split(p, "\n")[7] != amount || strings.Split(p, "\n")[4] != "" {
			t.Errorf("%d cents: %q %v", cents, p, err)
		}
	}
	for name, tr := range map[string]epcTransfer{
		"no amount":    {Name: "X", IBAN: "NL91ABNA0417164300", Reference: "RF18539007547034"},
		"bad IBAN":     {Name: "X", IBAN: "NL91ABNA0417164301", AmountCents: 1, Reference: "RF18539007547034"},
		"no reference": {Name: "X", IBAN: "NL91ABNA0417164300", AmountCents: 1},
	} {
		if _, err := epcPayload(tr); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestQRPNG: the code is a PNG of the size asked.
func TestQRPNG(t *testing.T) {
	p, _ := epcPayload(epcTransfer{BIC: "ABNANL2A", Name: "Zonnepark", IBAN: "NL91ABNA0417164300", AmountCents: 5000,
		Reference: "RF18539007547034"})
	b, err := qrPNG(p, girocodeSize, qr.Unicode)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != girocodeSize || cfg.Height != girocodeSize {
		t.Fatalf("%v %+v", err, cfg)
	}
}
