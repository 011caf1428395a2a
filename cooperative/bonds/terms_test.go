package bonds

import (
	"slices"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

func TestAddMonthsKeepsTheDayOrTheMonthsLast(t *testing.T) {
	for _, c := range []struct {
		d    cooperative.Date
		n    int
		want cooperative.Date
	}{
		{"2025-01-31", 1, "2025-02-28"}, {"2024-01-31", 1, "2024-02-29"}, {"2025-01-31", 2, "2025-03-31"},
		{"2025-11-15", 3, "2026-02-15"}, {"2025-05-31", -3, "2025-02-28"}, {"2025-03-01", 12, "2026-03-01"},
	} {
		if got := AddMonths(c.d, c.n); got != c.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", c.d, c.n, got, c.want)
		}
	}
}

func TestPaymentDatesFromABrokenFirstPeriod(t *testing.T) {
	terms := Terms{DenominationCents: 25000, CouponBP: 450, TermMonths: 12, Amortisation: Linear, Frequency: Quarterly,
		DayCount: DayCount30E360, IssueDate: "2025-01-10", FirstPaymentDate: "2025-03-31"}
	if err := terms.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []cooperative.Date{"2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"}
	if got := terms.PaymentDates(); !slices.Equal(got, want) || terms.Maturity() != want[3] {
		t.Fatalf("dates %v, maturity %s", got, terms.Maturity())
	}
}

func TestTermsRefusedNameTheRule(t *testing.T) {
	good := Terms{DenominationCents: 25000, CouponBP: 450, TermMonths: 60, Amortisation: Annuity, Frequency: Yearly,
		DayCount: DayCountACTACTISDA, IssueDate: "2025-01-01", FirstPaymentDate: "2026-01-01"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		change func(*Terms)
		code   string
		rule   string
	}{
		"coupon above 25%":           {func(t *Terms) { t.CouponBP = 2501 }, cooperative.ERULE, "coupon_range"},
		"negative coupon":            {func(t *Terms) { t.CouponBP = -1 }, cooperative.ERULE, "coupon_range"},
		"no term":                    {func(t *Terms) { t.TermMonths = 0 }, cooperative.ERULE, "term_range"},
		"term of 51 years":           {func(t *Terms) { t.TermMonths = 612 }, cooperative.ERULE, "term_range"},
		"term not whole periods":     {func(t *Terms) { t.TermMonths = 18 }, cooperative.ERULE, "term_range"},
		"first payment before issue": {func(t *Terms) { t.FirstPaymentDate = "2024-12-31" }, cooperative.ERULE, "first_payment_date"},
		"first payment on issue":     {func(t *Terms) { t.FirstPaymentDate = "2025-01-01" }, cooperative.ERULE, "first_payment_date"},
		"first period too long":      {func(t *Terms) { t.FirstPaymentDate = "2027-01-01" }, cooperative.ERULE, "first_payment_date"},
		"unknown day count":          {func(t *Terms) { t.DayCount = "ACT/360" }, cooperative.EINVALID, ""},
		"weekly":                     {func(t *Terms) { t.Frequency = 52 }, cooperative.EINVALID, ""},
		"no denomination":            {func(t *Terms) { t.DenominationCents = 0 }, cooperative.EINVALID, ""},
		"not a date":                 {func(t *Terms) { t.IssueDate = "2025-13-01" }, cooperative.EINVALID, ""},
	} {
		terms := good
		c.change(&terms)
		err := terms.Validate()
		if cooperative.ErrorCode(err) != c.code || !strings.Contains(cooperative.ErrorMessage(err), c.rule) {
			t.Errorf("%s: %v, want %s %s", name, err, c.code, c.rule)
		}
	}
}
