package web

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"unicode/utf8"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/kracht-coop/kracht/cooperative"
)

// The EPC QR code ("GiroCode"), EPC069-12: a banking app scans it and fills in the
// transfer, reference included, so nobody types the RF reference wrong.

// epcTransfer is what the code carries.
type epcTransfer struct {
	BIC, Name, IBAN string
	AmountCents     int64
	Reference       string // the RF creditor reference, structured remittance
}

// girocodeSize is the PNG's side in pixels: a phone reads it from a screen, and the
// page shows it at 220 CSS pixels.
const girocodeSize = 440

// epcPayload writes the code's text: version 002, UTF-8 (character set 1), SEPA
// credit transfer, the amount as "EUR12.34", no purpose, the reference in the
// structured remittance line and no unstructured one. The last element written is
// the reference: EPC069-12 ends the data without a line break after the last
// populated element, so the empty unstructured line is left out.
func epcPayload(t epcTransfer) (string, error) {
	if t.AmountCents < 1 || t.AmountCents > 999_999_999_99 {
		return "", cooperative.Errorf(cooperative.EINVALID, "an EPC QR code carries 0.01 to 999999999.99 euros")
	}
	iban, err := cooperative.ParseIBAN(t.IBAN)
	if err != nil {
		return "", err
	}
	ref := strings.ReplaceAll(t.Reference, " ", "")
	if ref == "" || len(ref) > 35 {
		return "", cooperative.Errorf(cooperative.EINVALID, "the reference must be 1 to 35 characters")
	}
	name := strings.Join(strings.Fields(t.Name), " ") // no line breaks of its own
	if utf8.RuneCountInString(name) > 70 {
		name = string([]rune(name)[:70])
	}
	lines := []string{"BCD", "002", "1", "SCT", strings.ToUpper(strings.TrimSpace(t.BIC)), name, iban,
		fmt.Sprintf("EUR%d.%02d", t.AmountCents/100, t.AmountCents%100), "", ref}
	return strings.Join(lines, "\n"), nil
}

// qrPNG draws payload as a QR code of size×size pixels in enc, with error correction M
// (as EPC069-12 asks; from a screen at an angle it still reads, and stays small).
func qrPNG(payload string, size int, enc qr.Encoding) ([]byte, error) {
	code, err := qr.Encode(payload, qr.M, enc)
	if err != nil {
		return nil, err
	}
	if code, err = barcode.Scale(code, size, size); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, code); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
