package distribution

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
)

// Limits of a basis file: a cooperative of 200,000 members fits, a file that would hold
// the import up does not.
const (
	BasisMaxLines = 200_000  // lines of members, the header not counted
	BasisMaxBytes = 10 << 20 // 10 MiB
)

// RefusedLine is a line of a basis file that was not taken, and why.
type RefusedLine struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// ParseBasis reads a patronage basis CSV (header "member_number,quantity"; quantity a
// non-negative integer, e.g. kWh; optional UTF-8 BOM; ; or , separator) and maps member
// numbers to ids with members (number → member id of THIS cooperative). Any bad line (bad
// number, unknown member number, duplicate member, negative or missing quantity, too many
// columns) is reported with its line number and reason, and then nothing is returned (all
// or nothing). Limits: at most 200,000 lines and 10 MiB.
//
// A file with refused lines returns them with an EINVALID error and no basis; a file that
// is not a basis at all (empty, no header, over a limit) returns an EINVALID error alone.
// Lines are numbered from 1, the header being line 1; blank lines are skipped. A field may
// be quoted ("12") and have spaces around it; a number is digits only (no sign, no
// thousands separator, no decimals), so "1.234" is refused rather than guessed at.
func ParseBasis(r io.Reader, members map[int64]string) (map[string]int64, []RefusedLine, error) {
	data, err := readBasis(r)
	if err != nil {
		return nil, nil, err
	}
	return parseBasis(data, members)
}

// readBasis reads a basis file whole, refusing one over BasisMaxBytes.
func readBasis(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, BasisMaxBytes+1))
	if err != nil {
		return nil, cooperative.WrapError(cooperative.EINVALID, err, "the basis file could not be read")
	}
	if len(data) > BasisMaxBytes {
		return nil, cooperative.Errorf(cooperative.EINVALID, "the basis file is larger than %d MiB", BasisMaxBytes>>20)
	}
	return data, nil
}

// parseBasis is ParseBasis on a file already read (readBasis). It does not change data.
func parseBasis(data []byte, members map[int64]string) (map[string]int64, []RefusedLine, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))

	var (
		basis   = make(map[string]int64)
		seen    = make(map[int64]int) // member number → the line it was on
		refused []RefusedLine
		sep     byte
		lineNo  int
		rows    int
	)
	refuse := func(format string, args ...any) {
		refused = append(refused, RefusedLine{Line: lineNo, Reason: fmt.Sprintf(format, args...)})
	}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		lineNo++
		line = bytes.TrimSpace(line) // also the \r of CRLF
		if len(line) == 0 {
			continue
		}
		if sep == 0 {
			sep = ','
			if bytes.IndexByte(line, ';') >= 0 {
				sep = ';'
			}
			f := strings.Split(string(line), string(sep))
			if len(f) != 2 || !strings.EqualFold(basisField(f[0]), "member_number") || !strings.EqualFold(basisField(f[1]), "quantity") {
				return nil, nil, cooperative.Errorf(cooperative.EINVALID, "line %d: the first line must be the header member_number,quantity (or member_number;quantity), not %s", lineNo, basisShow(string(line)))
			}
			continue
		}
		if rows++; rows > BasisMaxLines {
			return nil, nil, cooperative.Errorf(cooperative.EINVALID, "the basis file has more than %d lines of members", BasisMaxLines)
		}
		f := strings.Split(string(line), string(sep))
		if len(f) > 2 {
			refuse("%d columns: a line is a member number and a quantity", len(f))
			continue
		}
		ns := basisField(f[0])
		if !basisDigits(ns) {
			refuse("member number %s is not a number", basisShow(ns))
			continue
		}
		num, err := strconv.ParseInt(ns, 10, 64)
		id, known := members[num]
		if err != nil || !known {
			refuse("member number %s is not a member of this cooperative", basisShow(ns))
			continue
		}
		if first, dup := seen[num]; dup {
			refuse("member number %d is also on line %d", num, first)
			continue
		}
		seen[num] = lineNo
		if len(f) < 2 || basisField(f[1]) == "" {
			refuse("member number %d has no quantity", num)
			continue
		}
		q := basisField(f[1])
		if strings.HasPrefix(q, "-") {
			refuse("quantity %s is negative", basisShow(q))
			continue
		}
		if !basisDigits(q) {
			refuse("quantity %s is not a whole number", basisShow(q))
			continue
		}
		if len(q) > basisQuantityDigits {
			refuse("quantity %s is too large (at most %d digits)", basisShow(q), basisQuantityDigits)
			continue
		}
		basis[id], _ = strconv.ParseInt(q, 10, 64)
	}
	if sep == 0 {
		return nil, nil, cooperative.Errorf(cooperative.EINVALID, "the basis file is empty: it needs the header member_number,quantity and a line per member")
	}
	if rows == 0 {
		return nil, nil, cooperative.Errorf(cooperative.EINVALID, "the basis file has a header but no line of a member")
	}
	if len(refused) > 0 {
		return nil, refused, cooperative.Errorf(cooperative.EINVALID, "%d lines of the basis file were refused (the first, line %d: %s); nothing was imported",
			len(refused), refused[0].Line, refused[0].Reason)
	}
	return basis, nil, nil
}

// basisField is a field without the spaces and the quotes around it.
func basisField(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// basisQuantityDigits bounds a quantity below 10^13 (ten billion MWh), so the sum of
// 200,000 of them still fits an int64.
const basisQuantityDigits = 13

// basisDigits reports whether s is digits only: no sign, no separator, no decimals.
func basisDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// basisShow quotes a bad value for a reason, cut short: the file's content is the caller's,
// so a long or odd value is shown escaped.
func basisShow(s string) string {
	const limit = 40
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "…"
	}
	return strconv.Quote(s)
}
