package bonds

import (
	"math/big"

	"github.com/kracht-coop/kracht/cooperative"
)

// Day counts as ISDA defines them (the 2006 ISDA Definitions, section 4.16), checked
// against QuantLib's ql/time/daycounters (thirty360.cpp EurobondBasis, actualactual.cpp
// ISDA, actual365fixed.cpp). Every fraction is a whole number of "ticks" over a fixed
// denominator, so schedules compute interest with integers and never with floats:
//
//	30E/360       days / 360, each date's day 31 counted as 30
//	ACT/365F      actual days / 365
//	ACT/ACT-ISDA  the days falling in a leap year / 366 plus the days in other years / 365;
//	              over the common denominator 133590 = 365 × 366 (coprime), a day of a
//	              leap year is 365 ticks and a day of another year 366

const actActTicks = 365 * 366

// YearFraction is the fraction of a year from `from` to `to` under dc, exact (a rational).
// It is negative when to is before from, and zero for a day count Validate refuses.
func YearFraction(dc DayCount, from, to cooperative.Date) *big.Rat {
	ticks, perYear := dayCountTicks(dc, bondDayOf(from), bondDayOf(to))
	if perYear == 0 {
		return new(big.Rat)
	}
	return big.NewRat(ticks, perYear)
}

// bondDay is a date taken apart once, so the schedule's loops do not parse strings.
type bondDay struct {
	y, m, d int64
	serial  int64 // days since 1970-01-01
}

// bondDayOf reads a date of the form 2006-01-02 without allocating; a malformed date goes
// through cooperative.Date.Time, which yields year 1 (callers validate first).
func bondDayOf(d cooperative.Date) bondDay {
	if len(d) == 10 && d[4] == '-' && d[7] == '-' {
		y, ok1 := bondDigits(string(d[0:4]))
		m, ok2 := bondDigits(string(d[5:7]))
		dd, ok3 := bondDigits(string(d[8:10]))
		if ok1 && ok2 && ok3 && m >= 1 && m <= 12 && dd >= 1 && dd <= 31 {
			return bondDayFrom(y, m, dd)
		}
	}
	t := d.Time()
	return bondDayFrom(int64(t.Year()), int64(t.Month()), int64(t.Day()))
}

func bondDigits(s string) (int64, bool) {
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func bondDayFrom(y, m, d int64) bondDay {
	return bondDay{y: y, m: m, d: d, serial: bondCivilDays(y, m, d)}
}

// bondCivilDays is the number of days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (H. Hinnant's days_from_civil).
func bondCivilDays(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func bondLeapYear(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// dayCountTicks is the year fraction from a to b as ticks over perYear (perYear 0 for an
// unknown day count).
func dayCountTicks(dc DayCount, a, b bondDay) (ticks, perYear int64) {
	switch dc {
	case DayCount30E360:
		// 30E/360 (Eurobond basis): a day 31 counts as 30 at either end; February is
		// not adjusted, so 28 Feb to 31 Aug is 182 days.
		return 360*(b.y-a.y) + 30*(b.m-a.m) + (min(b.d, 30) - min(a.d, 30)), 360
	case DayCountACT365F:
		return b.serial - a.serial, 365
	case DayCountACTACTISDA:
		if b.serial < a.serial {
			t, p := dayCountTicks(dc, b, a)
			return -t, p
		}
		if a.y == b.y {
			return (b.serial - a.serial) * bondDayTicks(a.y), actActTicks
		}
		// The rest of a's year, the whole years between, and b's year up to b.
		ticks = (bondCivilDays(a.y+1, 1, 1) - a.serial) * bondDayTicks(a.y)
		ticks += (b.y - a.y - 1) * actActTicks
		ticks += (b.serial - bondCivilDays(b.y, 1, 1)) * bondDayTicks(b.y)
		return ticks, actActTicks
	}
	return 0, 0
}

// bondDayTicks is one day of year y in ACT/ACT-ISDA ticks: 1/366 or 1/365 of a year.
func bondDayTicks(y int64) int64 {
	if bondLeapYear(y) {
		return 365
	}
	return 366
}
