// Package numbered is the arithmetic of numbered units (shares, bond units): a holder's
// units as sorted, disjoint ranges of numbers, merged when they touch, and taken lowest
// number first, so a register's moves are deterministic and its ranges stay few. The
// share register and the bond register both keep their holdings this way.
package numbered

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Range is the units numbered First to Last, both included. The short JSON names keep
// registers of millions of events small.
type Range struct {
	First int64 `json:"f"`
	Last  int64 `json:"l"`
}

// Count is how many units r holds.
func (r Range) Count() int64 { return r.Last - r.First + 1 }

func (r Range) String() string {
	if r.First == r.Last {
		return strconv.FormatInt(r.First, 10)
	}
	return strconv.FormatInt(r.First, 10) + "-" + strconv.FormatInt(r.Last, 10)
}

// Format writes ranges as "1-10, 15, 20-22".
func Format(rs []Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

// Count is how many units rs hold.
func Count(rs []Range) int64 {
	var n int64
	for _, r := range rs {
		n += r.Count()
	}
	return n
}

// Add merges add into rs (sorted, disjoint), joining neighbours.
func Add(rs []Range, add []Range) []Range {
	out := append(slices.Clone(rs), add...)
	slices.SortFunc(out, func(a, b Range) int { return cmp.Compare(a.First, b.First) })
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && merged[n-1].Last+1 >= r.First {
			merged[n-1].Last = max(merged[n-1].Last, r.Last)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// TakeLowest splits n units with the lowest numbers off rs.
func TakeLowest(rs []Range, n int64) (taken, rest []Range) {
	for i, r := range rs {
		if n == 0 {
			return taken, append(rest, rs[i:]...)
		}
		if r.Count() <= n {
			taken = append(taken, r)
			n -= r.Count()
			continue
		}
		taken = append(taken, Range{First: r.First, Last: r.First + n - 1})
		rest = append(rest, Range{First: r.First + n, Last: r.Last})
		rest = append(rest, rs[i+1:]...)
		return taken, rest
	}
	return taken, rest
}

// Remove takes exactly the units of take out of rs; false when rs does not hold them
// all.
func Remove(rs []Range, take []Range) ([]Range, bool) {
	out := slices.Clone(rs)
	for _, t := range take {
		i := slices.IndexFunc(out, func(r Range) bool { return r.First <= t.First && t.Last <= r.Last })
		if i < 0 {
			return nil, false
		}
		r := out[i]
		var repl []Range
		if r.First < t.First {
			repl = append(repl, Range{First: r.First, Last: t.First - 1})
		}
		if t.Last < r.Last {
			repl = append(repl, Range{First: t.Last + 1, Last: r.Last})
		}
		out = slices.Replace(out, i, i+1, repl...)
	}
	return out, true
}
