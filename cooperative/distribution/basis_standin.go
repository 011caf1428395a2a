package distribution

// A stand-in for basis.go (ParseBasis, written on another branch), so that this branch
// compiles and its tests run: it reads the same format ("member_number,quantity", one
// member a line) and refuses the same kinds of line. Delete this file when basis.go is
// merged.

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
)

const BasisMaxBytes = 10 << 20

// RefusedLine is a line of a basis file that was not taken, and why.
type RefusedLine struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func ParseBasis(r io.Reader, members map[int64]string) (map[string]int64, []RefusedLine, error) {
	sc := bufio.NewScanner(io.LimitReader(r, BasisMaxBytes))
	out, refused := map[string]int64{}, []RefusedLine(nil)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			if line != "member_number,quantity" {
				return nil, nil, cooperative.Errorf(cooperative.EINVALID, "the header must read member_number,quantity")
			}
			continue
		}
		num, qty, _ := strings.Cut(line, ",")
		number, err1 := strconv.ParseInt(num, 10, 64)
		q, err2 := strconv.ParseInt(qty, 10, 64)
		id, known := members[number]
		_, twice := out[id]
		switch {
		case err1 != nil || err2 != nil || q < 0:
			refused = append(refused, RefusedLine{Line: n, Reason: "not a member number and a quantity"})
		case !known:
			refused = append(refused, RefusedLine{Line: n, Reason: "no member " + num})
		case twice:
			refused = append(refused, RefusedLine{Line: n, Reason: "member " + num + " twice"})
		default:
			out[id] = q
		}
	}
	if len(refused) > 0 {
		return nil, refused, nil
	}
	return out, nil, sc.Err()
}
