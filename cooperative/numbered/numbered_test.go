package numbered

import (
	"slices"
	"testing"
)

func TestRangesTakeLowestAndMerge(t *testing.T) {
	rs := Add([]Range{{First: 5, Last: 7}}, []Range{{First: 1, Last: 2}, {First: 3, Last: 4}, {First: 10, Last: 10}})
	if want := []Range{{First: 1, Last: 7}, {First: 10, Last: 10}}; !slices.Equal(rs, want) || Count(rs) != 8 || Format(rs) != "1-7, 10" {
		t.Fatalf("merged %v (%s)", rs, Format(rs))
	}
	taken, rest := TakeLowest(rs, 3)
	if Format(taken) != "1-3" || Format(rest) != "4-7, 10" {
		t.Fatalf("took %s, left %s", Format(taken), Format(rest))
	}
	if left, ok := Remove(rs, []Range{{First: 4, Last: 5}, {First: 10, Last: 10}}); !ok || Format(left) != "1-3, 6-7" {
		t.Fatalf("removed: %s %v", Format(left), ok)
	}
	if _, ok := Remove(rs, []Range{{First: 8, Last: 9}}); ok {
		t.Fatal("removed units not held")
	}
}
