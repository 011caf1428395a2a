package distribution

import (
	"cmp"
	"math"
	"math/bits"
	"slices"

	"github.com/kracht-coop/kracht/cooperative"
)

// calcMember is one member's accumulator while a distribution is computed: the line being
// built, and what the remainder method and the elections need besides.
type calcMember struct {
	line     Line
	natural  bool
	election Election
}

// Compute divides the distribution of terms over the holdings and payees: one line per
// member with something (gross > 0), sorted by member number; the totals. Refuses
// (EINVALID/ERULE naming the rule) invalid terms: unknown method, negative amounts, rate
// without nominal for a class held, reinvest without price/class, a Held outside the year
// or with From >= To, a payee missing for a member with holdings/basis.
//
// held may come in any order; basis is read only for Patronage (member id → quantity);
// payees maps member ids to what the calculation needs of them. The package doc gives the
// rules and the rounding.
func Compute(t Terms, held []Held, basis map[string]int64, payees map[string]Payee) ([]Line, Totals, error) {
	if err := calcCheckTerms(t, basis, payees); err != nil {
		return nil, Totals{}, err
	}
	year := calcYearOf(t.Year)

	members := make([]calcMember, 0, min(len(payees), len(held)+len(basis)))
	index := make(map[string]int32, cap(members))
	// add returns the accumulator of a member, made on first sight with the payee's data.
	add := func(id string) (int32, error) {
		if i, ok := index[id]; ok {
			return i, nil
		}
		p, ok := payees[id]
		if !ok {
			return 0, cooperative.RuleError("payee_missing", "member %s has holdings or a basis but no payee (number, person or entity, election)", id)
		}
		i := int32(len(members))
		members = append(members, calcMember{
			line:     Line{MemberID: id, Number: p.Number},
			natural:  p.Natural,
			election: p.Election,
		})
		index[id] = i
		return i, nil
	}

	// Holdings: share-days and weight per member. Held of one member usually come
	// together (the register lists them so), so the last member and class are kept to
	// spare the map lookups.
	lastID, lastI := "", int32(-1)
	lastClass, lastNominal := "", int64(-1)
	for k := range held {
		h := &held[k]
		from, ok1 := year.day(h.From)
		to, ok2 := year.day(h.To)
		if !ok1 || !ok2 || from >= to {
			return nil, Totals{}, cooperative.RuleError("held_in_year",
				"member %s held %d shares of class %q from %s to %s: a holding must lie within %d (from its first day, included, to at most %d-01-01, excluded) and end after it starts",
				h.MemberID, h.Shares, h.Class, h.From, h.To, t.Year, t.Year+1)
		}
		if h.Shares <= 0 {
			return nil, Totals{}, cooperative.Errorf(cooperative.EINVALID, "member %s held %d shares of class %q: a holding is a positive number of shares", h.MemberID, h.Shares, h.Class)
		}
		if h.Class != lastClass || lastNominal < 0 {
			n, ok := t.Nominal[h.Class]
			if !ok {
				return nil, Totals{}, cooperative.RuleError("nominal_known", "class %q is held but the terms give no nominal value for it", h.Class)
			}
			lastClass, lastNominal = h.Class, n
		}
		i := lastI
		if h.MemberID != lastID || i < 0 {
			var err error
			if i, err = add(h.MemberID); err != nil {
				return nil, Totals{}, err
			}
			lastID, lastI = h.MemberID, i
		}
		// days ≤ 366, so shares × days overflows only past about 2.5e16 shares.
		if h.Shares > math.MaxInt64/366 {
			return nil, Totals{}, calcTooLarge()
		}
		sd := h.Shares * int64(to-from)
		w, ok := calcMul(sd, lastNominal)
		l := &members[i].line
		if !ok || !calcAdd(&l.ShareDays, sd) || !calcAdd(&l.WeightCents, w) {
			return nil, Totals{}, calcTooLarge()
		}
	}
	if t.Method == Patronage {
		for id, q := range basis {
			i, err := add(id)
			if err != nil {
				return nil, Totals{}, err
			}
			members[i].line.Basis = q
		}
	}

	// Sorted by number now: the lines come out in this order, and the remainder method
	// breaks its ties by it.
	slices.SortFunc(members, func(a, b calcMember) int {
		return cmp.Or(cmp.Compare(a.line.Number, b.line.Number), cmp.Compare(a.line.MemberID, b.line.MemberID))
	})
	for k := 1; k < len(members); k++ {
		if a, b := &members[k-1].line, &members[k].line; a.Number == b.Number {
			return nil, Totals{}, cooperative.RuleError("member_number_unique", "members %s and %s both have number %d", a.MemberID, b.MemberID, a.Number)
		}
	}

	// Gross per member, by the method.
	switch t.Method {
	case DividendRate:
		// gross = WeightCents × rate / (10000 × days in the year), exact in 128 bits and
		// rounded half up once per member: the sum over holdings of nominal × shares ×
		// rate × days / days in the year is the rate times the member's weight.
		den := uint64(10000 * year.days)
		for k := range members {
			l := &members[k].line
			hi, lo := bits.Mul64(uint64(l.WeightCents), uint64(t.RateBP))
			g, ok := calcDivHalfUp(hi, lo, den)
			if !ok {
				return nil, Totals{}, calcTooLarge()
			}
			l.GrossCents = g
		}
	case DividendPool, Patronage:
		weights := make([]int64, len(members))
		var total int64
		for k := range members {
			w := members[k].line.WeightCents
			if t.Method == Patronage {
				w = members[k].line.Basis
			}
			weights[k] = w
			if !calcAdd(&total, w) {
				return nil, Totals{}, calcTooLarge()
			}
		}
		if t.PoolCents > 0 && total == 0 {
			return nil, Totals{}, cooperative.RuleError("pool_has_weight", "a pool of %s is to be divided but no member held shares or has a basis in %d", cooperative.FormatEuro(t.PoolCents, "en"), t.Year)
		}
		// Largest remainder, ties to the lower index: the lower member number.
		parts, err := cooperative.SplitLargestRemainder(t.PoolCents, weights)
		if err != nil {
			return nil, Totals{}, err
		}
		for k := range members {
			members[k].line.GrossCents = parts[k]
		}
	}

	// Withholding and elections; only members with something get a line.
	lines := make([]Line, 0, len(members))
	var tot Totals
	for k := range members {
		m := &members[k]
		if m.line.GrossCents <= 0 {
			continue
		}
		l := &m.line
		calcSettle(l, t, m.natural, m.election)
		if !calcAdd(&tot.GrossCents, l.GrossCents) || !calcAdd(&tot.WithholdingCents, l.WithholdingCents) ||
			!calcAdd(&tot.NetCents, l.NetCents) || !calcAdd(&tot.PayoutCents, l.PayoutCents) ||
			!calcAdd(&tot.ReinvestShares, l.ReinvestShares) || !calcAdd(&tot.ReinvestCents, l.ReinvestCents) ||
			!calcAdd(&tot.DonationCents, l.DonationCents) {
			return nil, Totals{}, calcTooLarge()
		}
		lines = append(lines, *l)
	}
	tot.Members = len(lines)
	return lines, tot, nil
}

// calcCheckTerms refuses terms, a basis or payees the calculation cannot use.
func calcCheckTerms(t Terms, basis map[string]int64, payees map[string]Payee) error {
	invalid := func(format string, args ...any) error {
		return cooperative.Errorf(cooperative.EINVALID, format, args...)
	}
	switch t.Method {
	case DividendRate, DividendPool, Patronage:
	default:
		return invalid("method %q is not one of %s, %s, %s", t.Method, DividendRate, DividendPool, Patronage)
	}
	if t.Year < 1900 || t.Year > 9998 {
		return invalid("year %d is out of range", t.Year)
	}
	for _, a := range []struct {
		name string
		v    int64
	}{
		{"rateBp", t.RateBP}, {"poolCents", t.PoolCents}, {"withholdingBp", t.WithholdingBP},
		{"exemptionCents", t.ExemptionCents}, {"thresholdCents", t.ThresholdCents}, {"sharePriceCents", t.SharePriceCents},
	} {
		if a.v < 0 {
			return invalid("%s is %d: amounts are not negative", a.name, a.v)
		}
	}
	if t.WithholdingBP > 10000 {
		return cooperative.RuleError("withholding_at_most_all", "withholding of %d basis points is more than 100%%", t.WithholdingBP)
	}
	// Maps come in no order: the smallest offender is named, so the same input gives the
	// same error.
	if class, ok := calcFirst(t.Nominal, func(_ string, n int64) bool { return n <= 0 }); ok {
		return invalid("the nominal value of class %q is %d: it is positive", class, t.Nominal[class])
	}
	if t.Method == Patronage {
		if id, ok := calcFirst(basis, func(_ string, q int64) bool { return q < 0 }); ok {
			return invalid("member %s has a basis of %d: a basis is not negative", id, basis[id])
		}
	} else if len(basis) > 0 {
		return cooperative.RuleError("basis_patronage_only", "a basis is given but the method is %s: a basis divides a patronage refund only", t.Method)
	}
	if id, ok := calcFirst(payees, func(id string, p Payee) bool {
		return (p.Election != ElectPayout && p.Election != ElectReinvest && p.Election != ElectDonate) || (p.MemberID != "" && p.MemberID != id)
	}); ok {
		p := payees[id]
		if p.MemberID != "" && p.MemberID != id {
			return invalid("the payee under member %s is member %s", id, p.MemberID)
		}
		return invalid("member %s has election %q, not one of %s, %s, %s", id, p.Election, ElectPayout, ElectReinvest, ElectDonate)
	}
	reinvest := false
	for _, p := range payees {
		if p.Election == ElectReinvest {
			reinvest = true
			break
		}
	}
	if reinvest && (t.ReinvestClass == "" || t.SharePriceCents <= 0) {
		return cooperative.RuleError("reinvest_terms", "members elect to reinvest but the terms give no class and share price to reinvest in")
	}
	return nil
}

// calcFirst returns the smallest key of m whose entry is bad.
func calcFirst[V any](m map[string]V, bad func(string, V) bool) (string, bool) {
	first, found := "", false
	for k, v := range m {
		if bad(k, v) && (!found || k < first) {
			first, found = k, true
		}
	}
	return first, found
}

// calcSettle sets a line's withholding, net and what its election does with the net.
func calcSettle(l *Line, t Terms, natural bool, election Election) {
	taxable := l.GrossCents
	if natural {
		taxable = max(0, taxable-t.ExemptionCents)
	}
	// WithholdingBP ≤ 10000, so the product fits in 128 bits and the result in taxable.
	hi, lo := bits.Mul64(uint64(taxable), uint64(t.WithholdingBP))
	l.WithholdingCents, _ = calcDivHalfUp(hi, lo, 10000)
	l.NetCents = l.GrossCents - l.WithholdingCents
	l.Election = election
	if l.NetCents < t.ThresholdCents {
		l.Election, l.BelowThreshold = ElectDonate, true
	}
	switch l.Election {
	case ElectPayout:
		l.PayoutCents = l.NetCents
	case ElectReinvest:
		l.ReinvestShares = l.NetCents / t.SharePriceCents
		l.ReinvestCents = l.ReinvestShares * t.SharePriceCents
		l.PayoutCents = l.NetCents - l.ReinvestCents
	case ElectDonate:
		l.DonationCents = l.NetCents
	}
}

// calcDivHalfUp divides the 128-bit hi:lo by d, rounding half up; false when the result
// does not fit an int64.
func calcDivHalfUp(hi, lo, d uint64) (int64, bool) {
	if hi >= d {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, d)
	if r >= d-r { // r ≥ d/2 without overflow
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// calcMul multiplies two non-negative int64s; false on overflow.
func calcMul(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	return int64(lo), hi == 0 && lo <= math.MaxInt64
}

// calcAdd adds a non-negative v to *sum; false on overflow.
func calcAdd(sum *int64, v int64) bool {
	s := *sum + v
	if s < *sum {
		return false
	}
	*sum = s
	return true
}

func calcTooLarge() error {
	return cooperative.Errorf(cooperative.EINVALID, "the amounts are too large to compute exactly")
}

// calcYear turns the register's dates into day numbers of one year without time.Parse:
// a million holdings are two million dates.
type calcYear struct {
	year int
	days int      // 365 or 366
	cum  [13]int  // days before each month (1-based), the year's leap day counted
	dim  [13]int  // days in each month
	next [10]byte // "YYYY-01-01" of the following year: a holding's end when held through
}

func calcYearOf(y int) calcYear {
	leap := y%4 == 0 && (y%100 != 0 || y%400 == 0)
	c := calcYear{year: y, days: 365, dim: [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}}
	if leap {
		c.days, c.dim[2] = 366, 29
	}
	for m := 2; m <= 12; m++ {
		c.cum[m] = c.cum[m-1] + c.dim[m-1]
	}
	n := y + 1
	c.next = [10]byte{byte('0' + n/1000), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10), '-', '0', '1', '-', '0', '1'}
	return c
}

// day is d's day number in the year: 0 for January 1, days for January 1 of the next year
// (the end of a holding kept through the year); false for any other date or a malformed one.
func (c *calcYear) day(d cooperative.Date) (int, bool) {
	s := string(d)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	if s == string(c.next[:]) {
		return c.days, true
	}
	y, ok1 := calcDigits(s[0:4])
	m, ok2 := calcDigits(s[5:7])
	dd, ok3 := calcDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y != c.year || m < 1 || m > 12 || dd < 1 || dd > c.dim[m] {
		return 0, false
	}
	return c.cum[m] + dd - 1, true
}

func calcDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
