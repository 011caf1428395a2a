package bonds

import (
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// Amortisation is how the principal is repaid.
type Amortisation string

const (
	// Bullet repays all the principal on the last payment date; every date before pays
	// interest only.
	Bullet Amortisation = "bullet"
	// Linear repays the same principal on every payment date.
	Linear Amortisation = "linear"
	// Annuity pays the same amount (interest and principal) on every regular date.
	Annuity Amortisation = "annuity"
)

// Frequency is the number of payment dates a year.
type Frequency int

const (
	Yearly     Frequency = 1
	HalfYearly Frequency = 2
	Quarterly  Frequency = 4
	Monthly    Frequency = 12
)

// Months is the length of a regular period in months.
func (f Frequency) Months() int { return 12 / int(f) }

func (f Frequency) valid() bool {
	return f == Yearly || f == HalfYearly || f == Quarterly || f == Monthly
}

// DayCount is the day-count convention: how a period's length becomes a fraction of a
// year for its interest.
type DayCount string

const (
	DayCount30E360     DayCount = "30E/360"
	DayCountACT365F    DayCount = "ACT/365F"
	DayCountACTACTISDA DayCount = "ACT/ACT-ISDA"
)

func (d DayCount) valid() bool {
	return d == DayCount30E360 || d == DayCountACT365F || d == DayCountACTACTISDA
}

// Terms are what a bond pays: fixed once the first unit is issued.
type Terms struct {
	DenominationCents int64            `json:"denominationCents"` // the face value of one unit
	CouponBP          int64            `json:"couponBp"`          // yearly interest in basis points (500 = 5%)
	TermMonths        int              `json:"termMonths"`        // the number of payment dates times the months of a period
	Amortisation      Amortisation     `json:"amortisation"`
	Frequency         Frequency        `json:"frequency"` // payment dates a year
	DayCount          DayCount         `json:"dayCount"`
	IssueDate         cooperative.Date `json:"issueDate"` // interest accrues from here
	// FirstPaymentDate is the first payment date: after the issue date, and less than two
	// regular periods after it, so the first period may be short or long (broken).
	FirstPaymentDate cooperative.Date `json:"firstPaymentDate"`
}

// Limits of the terms.
const (
	MaxCouponBP          = 2500 // 25% a year
	MaxTermMonths        = 600  // 50 years
	MaxDenominationCents = 100_000_000_00
)

// Validate checks the terms, naming the rule broken (EINVALID for a malformed value,
// ERULE for values that do not fit together).
func (t Terms) Validate() error {
	switch {
	case t.DenominationCents <= 0 || t.DenominationCents > MaxDenominationCents:
		return cooperative.Errorf(cooperative.EINVALID, "denominationCents must be 1 to %d", int64(MaxDenominationCents))
	case t.CouponBP < 0 || t.CouponBP > MaxCouponBP:
		return cooperative.RuleError("coupon_range", "the coupon is 0 to %d basis points (0%% to 25%% a year), not %d", MaxCouponBP, t.CouponBP)
	case !t.Amortisation.valid():
		return cooperative.Errorf(cooperative.EINVALID, "amortisation must be bullet, linear or annuity")
	case !t.Frequency.valid():
		return cooperative.Errorf(cooperative.EINVALID, "frequency must be 1 (yearly), 2, 4 or 12 (monthly)")
	case !t.DayCount.valid():
		return cooperative.Errorf(cooperative.EINVALID, "dayCount must be 30E/360, ACT/365F or ACT/ACT-ISDA")
	case t.TermMonths < 1 || t.TermMonths > MaxTermMonths:
		return cooperative.RuleError("term_range", "the term is 1 to %d months, not %d", MaxTermMonths, t.TermMonths)
	case t.TermMonths%t.Frequency.Months() != 0:
		return cooperative.RuleError("term_range", "a term of %d months is not a whole number of %d-month periods", t.TermMonths, t.Frequency.Months())
	}
	if _, err := cooperative.ParseDate(string(t.IssueDate)); err != nil {
		return cooperative.Errorf(cooperative.EINVALID, "issueDate: %s", cooperative.ErrorMessage(err))
	}
	if _, err := cooperative.ParseDate(string(t.FirstPaymentDate)); err != nil {
		return cooperative.Errorf(cooperative.EINVALID, "firstPaymentDate: %s", cooperative.ErrorMessage(err))
	}
	if !t.IssueDate.Before(t.FirstPaymentDate) {
		return cooperative.RuleError("first_payment_date", "the first payment date %s must be after the issue date %s", t.FirstPaymentDate, t.IssueDate)
	}
	if limit := AddMonths(t.IssueDate, 2*t.Frequency.Months()); !t.FirstPaymentDate.Before(limit) {
		return cooperative.RuleError("first_payment_date", "the first payment date %s must come before %s: a first period is at most "+
			"two regular periods long", t.FirstPaymentDate, limit)
	}
	return nil
}

func (a Amortisation) valid() bool { return a == Bullet || a == Linear || a == Annuity }

// Payments is the number of payment dates.
func (t Terms) Payments() int { return t.TermMonths / t.Frequency.Months() }

// PaymentDates are the first payment date and every regular period after it, as many as
// the term holds: date k is FirstPaymentDate plus k periods, counted from the first date
// each time (a first date on the 31st pays on the last day of shorter months and goes
// back to the 31st after them). The last is the maturity date.
func (t Terms) PaymentDates() []cooperative.Date {
	n := t.Payments()
	out := make([]cooperative.Date, n)
	for k := range n {
		out[k] = AddMonths(t.FirstPaymentDate, k*t.Frequency.Months())
	}
	return out
}

// Maturity is the last payment date.
func (t Terms) Maturity() cooperative.Date {
	return AddMonths(t.FirstPaymentDate, (t.Payments()-1)*t.Frequency.Months())
}

// AddMonths returns d plus n months, on the same day of the month or, when the month is
// shorter, its last day.
func AddMonths(d cooperative.Date, n int) cooperative.Date {
	t := d.Time()
	y, m, day := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return cooperative.DateOf(time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, time.UTC))
}
