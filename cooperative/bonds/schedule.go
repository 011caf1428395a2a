package bonds

import (
	"math"
	"math/big"
	"math/bits"
	"sort"

	"github.com/kracht-coop/kracht/cooperative"
)

// Period is one payment date of a schedule.
type Period struct {
	Start            cooperative.Date `json:"start"` // the period runs from Start (issue date or previous payment date, or the holding's own start) ...
	Date             cooperative.Date `json:"date"`  // ... to this payment date
	InterestCents    int64            `json:"interestCents"`
	PrincipalCents   int64            `json:"principalCents"`
	OutstandingCents int64            `json:"outstandingCents"` // principal outstanding after this payment
}

// UnitSchedule is the schedule of ONE unit (the denomination) from the issue date: its
// principal path is exact (principal sums to DenominationCents; the last payment takes
// what is left). Invalid terms return Validate's error. The rounding rules are in the
// package documentation.
func (t Terms) UnitSchedule() ([]Period, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	dates := t.PaymentDates()
	n := int64(len(dates))
	regularFirst := t.scheduleRegularFirst()
	var payment int64
	if t.Amortisation == Annuity {
		payment = annuityPaymentCents(t.DenominationCents, t.CouponBP, t.Frequency, n)
	}
	out := make([]Period, len(dates))
	outstanding := t.DenominationCents
	start, startDay := t.IssueDate, bondDayOf(t.IssueDate)
	for k, date := range dates {
		day := bondDayOf(date)
		mul, div := t.schedulePeriodRate(k == 0 && !regularFirst, startDay, day)
		interest := mulDivHalfUp(outstanding, mul, div)
		var principal int64
		switch {
		case int64(k) == n-1:
			principal = outstanding // the last date takes what is left
		case t.Amortisation == Linear:
			principal = t.DenominationCents / n
		case t.Amortisation == Annuity:
			// The payment less the interest of a regular period, also after a broken first
			// period (whose interest is by day count): the principal path stays the
			// annuity's whatever the first period's length.
			regular := interest
			if k == 0 && !regularFirst {
				regular = mulDivHalfUp(outstanding, uint64(t.CouponBP), 10000*uint64(t.Frequency))
			}
			// Capped to [0, outstanding]: only bites for denominations of a few cents,
			// where the rounded payment would otherwise repay more than is owed.
			principal = max(0, min(payment-regular, outstanding))
		}
		outstanding -= principal
		out[k] = Period{Start: start, Date: date, InterestCents: interest, PrincipalCents: principal, OutstandingCents: outstanding}
		start, startDay = date, day
	}
	return out, nil
}

// HoldingSchedule is the schedule of `units` units held from `from` (>= issue date) until
// `to` ("" = still held; otherwise the first day no longer held). Principal per date =
// units × the unit's principal of that date, paid only on dates the holding covers
// (from <= date < to). Interest per date = round half up, to the cent, of the holding's
// outstanding principal at the period's start (units × unit outstanding) × the rate ×
// the part of the period the holding covers. unit is t.UnitSchedule() (passed in so a run
// computes it once for 50,000 holdings).
//
// A period appears when the holding covers some of its days or its date: a holding that
// ends inside a period (a transfer) still has that period, with the interest of its days
// and no principal, and OutstandingCents 0 as the units have left it; a holding that
// starts on a payment date has that date, with its principal and no interest. Start is
// the first day the holding covers in the period. units below 1 or an empty window give
// nil; a `from` before the issue date counts from the issue date.
func (t Terms) HoldingSchedule(unit []Period, units int64, from, to cooperative.Date) []Period {
	if units <= 0 || len(unit) == 0 {
		return nil
	}
	from = max(from, unit[0].Start)
	held := func(d cooperative.Date) bool { return to == "" || d < to }
	if !held(from) {
		return nil
	}
	// The first period whose date the holding reaches (its days or its principal).
	first := sort.Search(len(unit), func(i int) bool { return unit[i].Date >= from })
	last := len(unit)
	if to != "" {
		last = sort.Search(len(unit), func(i int) bool { return unit[i].Start >= to })
	}
	if first >= last {
		return nil
	}
	regularFirst := t.scheduleRegularFirst()
	out := make([]Period, 0, last-first)
	var startDay bondDay
	startParsed := false
	for k := first; k < last; k++ {
		p := unit[k]
		brokenFirst := k == 0 && !regularFirst
		a, b := max(from, p.Start), p.Date
		if !held(b) {
			b = to
		}
		// The holding's principal at the period's start.
		outstanding := units * (p.OutstandingCents + p.PrincipalCents)
		var interest int64
		switch {
		case a >= b:
			// no day of the period is held
		case a == p.Start && b == p.Date:
			// The whole period, as the unit's: a day count only when the rate needs it.
			var mul, div uint64
			if t.Amortisation == Annuity && !brokenFirst {
				mul, div = t.schedulePeriodRate(false, bondDay{}, bondDay{})
			} else {
				if !startParsed {
					startDay = bondDayOf(p.Start)
				}
				day := bondDayOf(p.Date)
				mul, div = t.schedulePeriodRate(true, startDay, day)
				startDay, startParsed = day, true
			}
			interest = mulDivHalfUp(outstanding, mul, div)
		default:
			interest = t.schedulePartialInterest(outstanding, brokenFirst, p.Start, p.Date, a, b)
		}
		var principal, after int64
		if held(p.Date) {
			principal, after = units*p.PrincipalCents, units*p.OutstandingCents
		}
		out = append(out, Period{Start: a, Date: p.Date, InterestCents: interest, PrincipalCents: principal, OutstandingCents: after})
	}
	return out
}

// Accrued is the interest on outstandingCents from `from` to `to` under the terms' coupon
// and day count, rounded half up to the cent (for early redemption penalties and broken
// periods). It is 0 when to is not after from, or nothing is outstanding.
func (t Terms) Accrued(outstandingCents int64, from, to cooperative.Date) int64 {
	if outstandingCents <= 0 || t.CouponBP <= 0 || !from.Before(to) {
		return 0
	}
	ticks, perYear := dayCountTicks(t.DayCount, bondDayOf(from), bondDayOf(to))
	if ticks <= 0 || perYear == 0 {
		return 0
	}
	return mulDivHalfUp(outstandingCents, uint64(t.CouponBP)*uint64(ticks), 10000*uint64(perYear))
}

// scheduleRegularFirst reports whether the first period is a regular one (the first
// payment date exactly one period after the issue date), which an annuity pays at the
// periodic rate like every later period.
func (t Terms) scheduleRegularFirst() bool {
	return AddMonths(t.IssueDate, t.Frequency.Months()) == t.FirstPaymentDate
}

// schedulePeriodRate is a whole period's rate as mul/div: interest = O × mul / div. By day
// count (couponBP/10000 × the year fraction) for bullet and linear and for an annuity's
// broken first period; otherwise an annuity's periodic rate couponBP/10000/frequency.
func (t Terms) schedulePeriodRate(dayCounted bool, start, date bondDay) (mul, div uint64) {
	if t.Amortisation == Annuity && !dayCounted {
		return uint64(t.CouponBP), 10000 * uint64(t.Frequency)
	}
	ticks, perYear := dayCountTicks(t.DayCount, start, date)
	if ticks <= 0 || perYear == 0 {
		return 0, 1
	}
	return uint64(t.CouponBP) * uint64(ticks), 10000 * uint64(perYear)
}

// schedulePartialInterest is the interest of the days [a, b) of the period [start, date)
// on outstanding: the whole period's rate times the share of the period, the share
// measured by the day count. For day-counted periods that is simply the day count of
// [a, b); for an annuity's regular period it is the periodic rate × days(a,b)/days(period),
// so a period split between two holdings pays the whole period's interest (each part
// rounded once: within a cent).
func (t Terms) schedulePartialInterest(outstanding int64, brokenFirst bool, start, date, a, b cooperative.Date) int64 {
	aDay, bDay := bondDayOf(a), bondDayOf(b)
	if t.Amortisation != Annuity || brokenFirst {
		mul, div := t.schedulePeriodRate(true, aDay, bDay)
		return mulDivHalfUp(outstanding, mul, div)
	}
	part, _ := dayCountTicks(t.DayCount, aDay, bDay)
	whole, _ := dayCountTicks(t.DayCount, bondDayOf(start), bondDayOf(date))
	if part <= 0 || whole <= 0 {
		return 0
	}
	return mulDivHalfUp(outstanding, uint64(t.CouponBP)*uint64(part), 10000*uint64(t.Frequency)*uint64(whole))
}

// mulDivHalfUp is o × mul / div rounded half up, exact: a 128-bit product and quotient,
// with math/big only when the quotient would not fit 64 bits (then capped at MaxInt64,
// far beyond any bond). Zero for o, mul or div not positive.
func mulDivHalfUp(o int64, mul, div uint64) int64 {
	if o <= 0 || mul == 0 || div == 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(o), mul)
	if hi < div {
		q, r := bits.Div64(hi, lo, div)
		if r >= div-r { // 2r >= div: half up
			q++
		}
		if q <= math.MaxInt64 {
			return int64(q)
		}
		return math.MaxInt64
	}
	num := new(big.Int).Mul(big.NewInt(o), new(big.Int).SetUint64(mul))
	q := bigDivHalfUp(num, new(big.Int).SetUint64(div))
	if !q.IsInt64() {
		return math.MaxInt64
	}
	return q.Int64()
}

// bigDivHalfUp is num / den rounded half up, for num >= 0 and den > 0: floor((2·num + den) / (2·den)).
func bigDivHalfUp(num, den *big.Int) *big.Int {
	n := new(big.Int).Lsh(num, 1)
	n.Add(n, den)
	return n.Quo(n, new(big.Int).Lsh(den, 1))
}

// annuityPaymentCents is the unit's annuity payment A = round_half_up(D × r / (1 − (1+r)^−n))
// with r = couponBP/10000/frequency, exact: with Q = 10000·frequency and P = Q + couponBP,
// r = couponBP/Q and (1+r) = P/Q, so A = D · couponBP · Pⁿ / (Q · (Pⁿ − Qⁿ)), a ratio of
// integers. A zero coupon repays D/n, rounded half up.
func annuityPaymentCents(denomination, couponBP int64, f Frequency, n int64) int64 {
	if couponBP == 0 {
		return bigDivHalfUp(big.NewInt(denomination), big.NewInt(n)).Int64()
	}
	q := big.NewInt(10000 * int64(f))
	p := new(big.Int).Add(q, big.NewInt(couponBP))
	exp := big.NewInt(n)
	pn := new(big.Int).Exp(p, exp, nil)
	qn := new(big.Int).Exp(q, exp, nil)
	num := new(big.Int).Mul(big.NewInt(denomination*couponBP), pn)
	den := new(big.Int).Sub(pn, qn)
	den.Mul(den, q)
	return bigDivHalfUp(num, den).Int64()
}
