// Package documents is what every PDF Kracht hands out shares: a Unicode font embedded
// in the binary, so a member's name prints as written (`Łukasz Wąsowski`) on a share
// certificate, a bond statement or a distribution statement alike; the PDF core fonts
// stop at Windows-1252.
package documents

import (
	_ "embed"

	"codeberg.org/go-pdf/fpdf"
)

// The faces: DejaVu Serif and DejaVu Serif Bold (fonts/README.md says where they come
// from and under which licence).
var (
	//go:embed fonts/DejaVuSerif.ttf
	serifRegular []byte
	//go:embed fonts/DejaVuSerif-Bold.ttf
	serifBold []byte
)

// Font is the family NewA4 registers, with the styles "" and "B".
const Font = "serif"

// NewA4 is a portrait A4 document with the Unicode font registered (fpdf subsets it, so
// a PDF carries only the glyphs it uses) and compression on.
func NewA4() *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.AddUTF8FontFromBytes(Font, "", serifRegular)
	pdf.AddUTF8FontFromBytes(Font, "B", serifBold)
	pdf.SetCreator("Kracht", false)
	return pdf
}
