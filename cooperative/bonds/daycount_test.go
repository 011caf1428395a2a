package bonds

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// ACT/ACT ISDA against QuantLib's test-suite/daycounters.cpp, testActualActual (the
// ActualActual::ISDA rows, from ISDA's "EMU and market conventions" examples), within
// 1e-11: the file's 1.001377348600 is 184/365 + 182/366 = 1.0013773486039..., 4e-12 off
// (QuantLib itself checks within 1e-10). The first example matches to all 12 decimals.
func TestYearFractionActActISDAQuantLib(t *testing.T) {
	for _, c := range []struct {
		from, to cooperative.Date
		want     string
	}{
		{"2003-11-01", "2004-05-01", "0.497724380567"}, // first example
		{"1999-02-01", "1999-07-01", "0.410958904110"}, // short first calculation period (first period)
		{"1999-07-01", "2000-07-01", "1.001377348600"}, // short first calculation period (second period)
		{"2002-08-15", "2003-07-15", "0.915068493151"}, // long first calculation period (first period)
		{"2003-07-15", "2004-01-15", "0.504004790778"}, // long first calculation period (second period)
		{"1999-07-30", "2000-01-30", "0.503892506924"}, // short final calculation period (penultimate period)
		{"2000-01-30", "2000-06-30", "0.415300546448"}, // short final calculation period (final period)
	} {
		want, _ := new(big.Rat).SetString(c.want)
		got := YearFraction(DayCountACTACTISDA, c.from, c.to)
		if diff := new(big.Rat).Sub(got, want); new(big.Rat).Abs(diff).Cmp(big.NewRat(1, 1e11)) > 0 {
			t.Errorf("ACT/ACT-ISDA %s to %s = %s, want %s", c.from, c.to, got.FloatString(14), c.want)
		}
		// Reversed, the fraction is negative (as QuantLib's yearFraction(d2, d1)).
		if back := YearFraction(DayCountACTACTISDA, c.to, c.from); new(big.Rat).Neg(back).Cmp(got) != 0 {
			t.Errorf("ACT/ACT-ISDA %s to %s = %s, want -%s", c.to, c.from, back, got)
		}
	}
	if got := YearFraction(DayCountACTACTISDA, "2003-11-01", "2004-05-01").FloatString(12); got != "0.497724380567" {
		t.Errorf("ISDA's first example to 12 decimals: %s", got)
	}
	// Exactly: 61 days of 2003 over 365 and 121 days of 2004 over 366.
	want := new(big.Rat).Add(big.NewRat(61, 365), big.NewRat(121, 366))
	if got := YearFraction(DayCountACTACTISDA, "2003-11-01", "2004-05-01"); got.Cmp(want) != 0 {
		t.Errorf("ACT/ACT-ISDA not exact: %s, want %s", got, want)
	}
}

// 30E/360 against QuantLib's test-suite/daycounters.cpp, testThirty360_EurobondBasis
// (which quotes ISDA's "30/360 day count conventions", 2008): every row, as days.
func TestYearFraction30E360QuantLibEurobondBasis(t *testing.T) {
	for _, c := range []struct {
		from, to cooperative.Date
		days     int64
	}{
		// Example 1: end dates do not involve the last day of February
		{"2006-08-20", "2007-02-20", 180}, {"2007-02-20", "2007-08-20", 180}, {"2007-08-20", "2008-02-20", 180},
		{"2008-02-20", "2008-08-20", 180}, {"2008-08-20", "2009-02-20", 180}, {"2009-02-20", "2009-08-20", 180},
		// Example 2: end dates include some end-February dates
		{"2006-02-28", "2006-08-31", 182}, {"2006-08-31", "2007-02-28", 178}, {"2007-02-28", "2007-08-31", 182},
		{"2007-08-31", "2008-02-29", 179}, {"2008-02-29", "2008-08-31", 181}, {"2008-08-31", "2009-02-28", 178},
		{"2009-02-28", "2009-08-31", 182}, {"2009-08-31", "2010-02-28", 178}, {"2010-02-28", "2010-08-31", 182},
		{"2010-08-31", "2011-02-28", 178}, {"2011-02-28", "2011-08-31", 182}, {"2011-08-31", "2012-02-29", 179},
		// Example 3: miscellaneous calculations
		{"2006-01-31", "2006-02-28", 28}, {"2006-01-30", "2006-02-28", 28}, {"2006-02-28", "2006-03-03", 5},
		{"2006-02-14", "2006-02-28", 14}, {"2006-09-30", "2006-10-31", 30}, {"2006-10-31", "2006-11-28", 28},
		{"2007-08-31", "2008-02-28", 178}, {"2008-02-28", "2008-08-28", 180}, {"2008-02-28", "2008-08-30", 182},
		{"2008-02-28", "2008-08-31", 182}, {"2007-02-26", "2008-02-28", 362}, {"2007-02-26", "2008-02-29", 363},
		{"2008-02-29", "2009-02-28", 359}, {"2008-02-28", "2008-03-30", 32}, {"2008-02-28", "2008-03-31", 32},
	} {
		if got, want := YearFraction(DayCount30E360, c.from, c.to), big.NewRat(c.days, 360); got.Cmp(want) != 0 {
			t.Errorf("30E/360 %s to %s = %s, want %d/360", c.from, c.to, got, c.days)
		}
	}
}

// ACT/365F is actual days over 365 (QuantLib's actual365fixed.hpp: daysBetween/365): the
// ISDA first example is 182 days, leap day included.
func TestYearFractionACT365F(t *testing.T) {
	for _, c := range []struct {
		from, to cooperative.Date
		days     int64
	}{
		{"2003-11-01", "2004-05-01", 182}, {"2024-02-28", "2024-03-01", 2}, {"2023-02-28", "2023-03-01", 1},
		{"2020-01-01", "2030-01-01", 3653}, {"2025-06-15", "2025-06-15", 0}, {"2025-06-15", "2025-06-14", -1},
	} {
		if got, want := YearFraction(DayCountACT365F, c.from, c.to), big.NewRat(c.days, 365); got.Cmp(want) != 0 {
			t.Errorf("ACT/365F %s to %s = %s, want %d/365", c.from, c.to, got, c.days)
		}
	}
	if got := YearFraction("ACT/360", "2025-01-01", "2025-02-01"); got.Sign() != 0 {
		t.Errorf("an unknown day count gave %s, want 0", got)
	}
}

// The split of a holding relies on this: each day count is additive, f(a,b)+f(b,c) =
// f(a,c), and never negative forwards.
func TestYearFractionIsAdditive(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	base := cooperative.Date("1996-01-01").Time()
	for range 20000 {
		ds := []cooperative.Date{
			cooperative.DateOf(base.AddDate(0, 0, rng.IntN(15000))),
			cooperative.DateOf(base.AddDate(0, 0, rng.IntN(15000))),
			cooperative.DateOf(base.AddDate(0, 0, rng.IntN(15000))),
		}
		if ds[0] > ds[1] {
			ds[0], ds[1] = ds[1], ds[0]
		}
		if ds[1] > ds[2] {
			ds[1], ds[2] = ds[2], ds[1]
		}
		if ds[0] > ds[1] {
			ds[0], ds[1] = ds[1], ds[0]
		}
		for _, dc := range []DayCount{DayCount30E360, DayCountACT365F, DayCountACTACTISDA} {
			ab, bc, ac := YearFraction(dc, ds[0], ds[1]), YearFraction(dc, ds[1], ds[2]), YearFraction(dc, ds[0], ds[2])
			if ab.Sign() < 0 || bc.Sign() < 0 || new(big.Rat).Add(ab, bc).Cmp(ac) != 0 {
				t.Fatalf("%s over %v: %s + %s != %s", dc, ds, ab, bc, ac)
			}
		}
		// ACT/ACT-ISDA over whole calendar years is exactly the number of years.
		y := 1990 + rng.IntN(60)
		n := 1 + rng.IntN(30)
		from := cooperative.DateOf(base.AddDate(y-1996, 0, 0))
		to := cooperative.DateOf(base.AddDate(y-1996+n, 0, 0))
		if got := YearFraction(DayCountACTACTISDA, from, to); got.Cmp(big.NewRat(int64(n), 1)) != 0 {
			t.Fatalf("ACT/ACT-ISDA %s to %s = %s, want %d", from, to, got, n)
		}
	}
}
