package cooperative_test

import (
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

func TestGroupThousandsAndFormatEuro(t *testing.T) {
	for _, c := range []struct {
		n          int64
		lang, want string
	}{
		{0, "nl", "0"}, {999, "en", "999"}, {1250, "nl", "1.250"}, {1250, "en", "1,250"},
		{1234567, "nl", "1.234.567"}, {-125, "en", "-125"}, {-1250, "nl", "-1.250"},
	} {
		if got := cooperative.GroupThousands(c.n, c.lang); got != c.want {
			t.Errorf("GroupThousands(%d, %q) = %q, want %q", c.n, c.lang, got, c.want)
		}
	}
	for _, c := range []struct {
		cents      int64
		lang, want string
	}{
		{125000, "nl", "€ 1.250,00"}, {125000, "en", "€1,250.00"}, {5, "en", "€0.05"}, {-123456789, "nl", "-€ 1.234.567,89"},
	} {
		if got := cooperative.FormatEuro(c.cents, c.lang); got != c.want {
			t.Errorf("FormatEuro(%d, %q) = %q, want %q", c.cents, c.lang, got, c.want)
		}
	}
}
