package distribution_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// calcSmallCoop is a cooperative a person can check by hand, in 2023 (365 days). Class A
// is 50.00 a share (and what is reinvested in, at 50.00), class B 500.00. Withholding is
// 30% above a natural person's 20.00 exemption; under 1.00 net goes to the fund.
//
//	#1 Anna    person  payout    20 A  all year                           365 days
//	#2 Bram    person  reinvest  10 B  issued 2023-07-01                  184 days
//	#3 Zon BV  entity  donate     4 B  all year                           365 days
//	#4 Dirk    person  payout     6 A  to 2023-10-01, transferred to Eva  273 days
//	                              2 A  to 2023-04-01, withdrawn            90 days
//	#5 Eva     person  reinvest   6 A  from 2023-10-01 (from Dirk)         92 days
//	#6 Fenna   person  payout     1 A  issued 2023-12-01                   31 days
//	#7 Gert    person  payout    (no shares, no basis: no line)
//
// At 4% (dividend_rate), worked by hand:
//
//	Anna: 20 × 50.00 × 4% × 365/365 = 40.00; taxable 40.00 − 20.00 = 20.00, withheld
//	      6.00, net 34.00 paid out.
//	Bram: 10 × 500.00 × 4% × 184/365 = 100.8219… → 100.82; taxable 80.82, withheld
//	      24.246 → 24.25, net 76.57: one share of 50.00 reinvested, 26.57 paid out.
//	Zon BV: 4 × 500.00 × 4% = 80.00; an entity has no exemption: withheld 24.00, net 56.00
//	      donated.
//	Dirk: (6 × 273 + 2 × 90) × 50.00 × 4% / 365 = 9.9616… → 9.96, rounded once: each
//	      holding rounded alone would give 8.98 + 0.99 = 9.97.
//	Eva:  6 × 50.00 × 4% × 92/365 = 3.0246… → 3.02, under the exemption, nothing withheld;
//	      less than a share's price, so reinvesting buys none and pays 3.02 out.
//	Fenna: 1 × 50.00 × 4% × 31/365 = 0.1698… → 0.17, below the 1.00 threshold: donated
//	      although she chose payout.
//
// A pool of 1,000.00 (dividend_pool) over weight = nominal × share-days, W = 213,505,000:
// Anna 100000 × 36,500,000 / W = 17095.62, Bram 43090.33, Zon BV 34191.23, Dirk 4257.51,
// Eva 1292.71, Fenna 72.60 cents. The floors sum to 999.97; the 3 cents left go to the
// largest remainders, Eva (.71), Anna (.62) and Fenna (.60): 170.96, 430.90, 341.91,
// 42.57, 12.93, 0.73, exactly 1,000.00. Bram's net 430.90 − 30% of 410.90 (123.27) =
// 307.63 reinvests 6 shares (300.00) and pays 7.63 out.
//
// Patronage of 500.00 over kWh (3200, 4100, 12000, 2750, 900, 15; 22,965 in all): floors
// 69.67, 89.26, 261.26, 59.87, 19.59, 0.32; the 3 cents left to Zon BV (.71), Fenna (.66)
// and Bram (.60), not Eva (.50).
func calcSmallCoop() (distribution.Terms, []distribution.Held, map[string]int64, map[string]distribution.Payee) {
	t := distribution.Terms{
		Year: 2023, RateBP: 400, PoolCents: 100000,
		Nominal:       map[string]int64{"A": 5000, "B": 50000},
		WithholdingBP: 3000, ExemptionCents: 2000, ThresholdCents: 100,
		ReinvestClass: "A", SharePriceCents: 5000,
	}
	h := func(m, class string, shares int64, from, to string) distribution.Held {
		return distribution.Held{MemberID: m, Class: class, Shares: shares, From: cooperative.Date(from), To: cooperative.Date(to)}
	}
	held := []distribution.Held{
		h("anna", "A", 20, "2023-01-01", "2024-01-01"),
		h("bram", "B", 10, "2023-07-01", "2024-01-01"),
		h("zonbv", "B", 4, "2023-01-01", "2024-01-01"),
		h("dirk", "A", 6, "2023-01-01", "2023-10-01"),
		h("dirk", "A", 2, "2023-01-01", "2023-04-01"),
		h("eva", "A", 6, "2023-10-01", "2024-01-01"),
		h("fenna", "A", 1, "2023-12-01", "2024-01-01"),
	}
	basis := map[string]int64{"anna": 3200, "bram": 4100, "zonbv": 12000, "dirk": 2750, "eva": 900, "fenna": 15}
	p := func(id string, n int64, natural bool, e distribution.Election) distribution.Payee {
		return distribution.Payee{MemberID: id, Number: n, Natural: natural, Election: e}
	}
	payees := map[string]distribution.Payee{
		"anna":  p("anna", 1, true, distribution.ElectPayout),
		"bram":  p("bram", 2, true, distribution.ElectReinvest),
		"zonbv": p("zonbv", 3, false, distribution.ElectDonate),
		"dirk":  p("dirk", 4, true, distribution.ElectPayout),
		"eva":   p("eva", 5, true, distribution.ElectReinvest),
		"fenna": p("fenna", 6, true, distribution.ElectPayout),
		"gert":  p("gert", 7, true, distribution.ElectPayout),
	}
	return t, held, basis, payees
}

// calcGolden is what a golden file holds: the input and the distribution, readable.
type calcGolden struct {
	Terms  distribution.Terms            `json:"terms"`
	Held   []distribution.Held           `json:"held"`
	Basis  map[string]int64              `json:"basis,omitempty"`
	Payees map[string]distribution.Payee `json:"payees"`
	Lines  []distribution.Line           `json:"lines"`
	Totals distribution.Totals           `json:"totals"`
}

func TestComputeGolden(t *testing.T) {
	for _, method := range []distribution.Method{distribution.DividendRate, distribution.DividendPool, distribution.Patronage} {
		t.Run(string(method), func(t *testing.T) {
			terms, held, basis, payees := calcSmallCoop()
			terms.Method = method
			switch method {
			case distribution.DividendRate:
				terms.PoolCents, basis = 0, nil
			case distribution.DividendPool:
				terms.RateBP, basis = 0, nil
			case distribution.Patronage:
				terms.RateBP, terms.PoolCents = 0, 50000
			}
			lines, totals, err := distribution.Compute(terms, held, basis, payees)
			if err != nil {
				t.Fatal(err)
			}
			calcCheckInvariants(t, terms, lines, totals)
			got, err := json.MarshalIndent(calcGolden{terms, held, basis, payees, lines, totals}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "calc_"+string(method)+".json")
			if storedtest.Update() {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the computed distribution (run with -update if the change is meant):\n%s", path, got)
			}
		})
	}
}

// TestComputeRateByHand pins the lines worked out in calcSmallCoop's comment, apart from
// the golden file, so a refreshed golden cannot quietly change them.
func TestComputeRateByHand(t *testing.T) {
	terms, held, _, payees := calcSmallCoop()
	terms.Method, terms.PoolCents = distribution.DividendRate, 0
	lines, totals, err := distribution.Compute(terms, held, nil, payees)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id                                       string
		gross, withheld, net, payout, reinvested int64
		shares, donated                          int64
		election                                 distribution.Election
		below                                    bool
	}
	want := []row{
		{"anna", 4000, 600, 3400, 3400, 0, 0, 0, distribution.ElectPayout, false},
		{"bram", 10082, 2425, 7657, 2657, 5000, 1, 0, distribution.ElectReinvest, false},
		{"zonbv", 8000, 2400, 5600, 0, 0, 0, 5600, distribution.ElectDonate, false},
		{"dirk", 996, 0, 996, 996, 0, 0, 0, distribution.ElectPayout, false},
		{"eva", 302, 0, 302, 302, 0, 0, 0, distribution.ElectReinvest, false},
		{"fenna", 17, 0, 17, 0, 0, 0, 17, distribution.ElectDonate, true},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d (gert has nothing): %+v", len(lines), len(want), lines)
	}
	for i, w := range want {
		l := lines[i]
		got := row{l.MemberID, l.GrossCents, l.WithholdingCents, l.NetCents, l.PayoutCents, l.ReinvestCents, l.ReinvestShares, l.DonationCents, l.Election, l.BelowThreshold}
		if got != w {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if d := lines[3]; d.ShareDays != 6*273+2*90 || d.WeightCents != 5000*(6*273+2*90) {
		t.Errorf("dirk: share-days %d, weight %d", d.ShareDays, d.WeightCents)
	}
	if totals.GrossCents != 4000+10082+8000+996+302+17 || totals.Members != 6 || totals.ReinvestShares != 1 {
		t.Errorf("totals %+v", totals)
	}
}

// TestComputeEcopower2016 reproduces the example of Ecopower's note on its 2016 dividend
// ("Het dividend voor 2016 werd gestort op 30 juni: een woordje uitleg", ecopower.be): one
// share of 250 euro bought on 2 May 2016, a dividend of 4%, is 244 of 366 days and 6.67.
func TestComputeEcopower2016(t *testing.T) {
	terms := distribution.Terms{Year: 2016, Method: distribution.DividendRate, RateBP: 400, Nominal: map[string]int64{"A": 25000}}
	held := []distribution.Held{{MemberID: "m", Class: "A", Shares: 1, From: "2016-05-02", To: "2017-01-01"}}
	payees := map[string]distribution.Payee{"m": {MemberID: "m", Number: 1, Natural: true, Election: distribution.ElectPayout}}
	lines, _, err := distribution.Compute(terms, held, nil, payees)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].ShareDays != 244 || lines[0].GrossCents != 667 {
		t.Fatalf("got %+v, want 244 share-days and 6.67", lines)
	}
}

// TestComputeEcopowerWithholding reproduces the same note's withholding example: 20 shares
// held all year pay 200 euro gross; a private person is exempt up to 190 euro a year and
// 30% is withheld on the rest, 3 euro, so 197 euro is paid. An entity has no exemption.
func TestComputeEcopowerWithholding(t *testing.T) {
	terms := distribution.Terms{
		Year: 2016, Method: distribution.DividendRate, RateBP: 400, Nominal: map[string]int64{"A": 25000},
		WithholdingBP: 3000, ExemptionCents: 19000,
	}
	held := []distribution.Held{
		{MemberID: "person", Class: "A", Shares: 20, From: "2016-01-01", To: "2017-01-01"},
		{MemberID: "company", Class: "A", Shares: 1, From: "2016-01-01", To: "2017-01-01"},
	}
	payees := map[string]distribution.Payee{
		"person":  {Number: 1, Natural: true, Election: distribution.ElectPayout},
		"company": {Number: 2, Natural: false, Election: distribution.ElectPayout},
	}
	lines, totals, err := distribution.Compute(terms, held, nil, payees)
	if err != nil {
		t.Fatal(err)
	}
	if p := lines[0]; p.GrossCents != 20000 || p.WithholdingCents != 300 || p.NetCents != 19700 || p.PayoutCents != 19700 {
		t.Errorf("person: %+v, want gross 200.00, withholding 3.00, net 197.00", p)
	}
	// "Als bedrijf krijgt u voor een volledig jaar ... 7 euro dividend per aandeel."
	if c := lines[1]; c.GrossCents != 1000 || c.WithholdingCents != 300 || c.NetCents != 700 {
		t.Errorf("company: %+v, want gross 10.00, withholding 3.00, net 7.00", c)
	}
	if totals.WithholdingCents != 600 || totals.NetCents != 20400 {
		t.Errorf("totals %+v", totals)
	}
}

func TestComputeRoundsHalfUp(t *testing.T) {
	// 1 share of 1.00 at 0.5% all year is 0.5 cent: half up gives 1 cent. Withholding of
	// 50% on it is half a cent again: 1 cent withheld, nothing net.
	terms := distribution.Terms{Year: 2023, Method: distribution.DividendRate, RateBP: 50, Nominal: map[string]int64{"A": 100}, WithholdingBP: 5000}
	held := []distribution.Held{{MemberID: "m", Class: "A", Shares: 1, From: "2023-01-01", To: "2024-01-01"}}
	payees := map[string]distribution.Payee{"m": {Number: 1, Election: distribution.ElectPayout}}
	lines, _, err := distribution.Compute(terms, held, nil, payees)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].GrossCents != 1 || lines[0].WithholdingCents != 1 || lines[0].NetCents != 0 {
		t.Fatalf("got %+v", lines)
	}
	// Just under half a cent rounds down, and a member with nothing gets no line.
	held[0].From = "2023-01-02"
	if lines, _, _ = distribution.Compute(terms, held, nil, payees); len(lines) != 0 {
		t.Fatalf("got %+v, want no line", lines)
	}
}

func TestComputePoolTiesToLowerNumber(t *testing.T) {
	// 1.00 over three equal holdings: 33 cents each and the cent left to the lowest number,
	// whatever the order of the input.
	terms := distribution.Terms{Year: 2023, Method: distribution.DividendPool, PoolCents: 100, Nominal: map[string]int64{"A": 100}}
	payees := map[string]distribution.Payee{
		"x": {Number: 30, Election: distribution.ElectPayout},
		"y": {Number: 10, Election: distribution.ElectPayout},
		"z": {Number: 20, Election: distribution.ElectPayout},
	}
	var held []distribution.Held
	for _, id := range []string{"x", "y", "z"} {
		held = append(held, distribution.Held{MemberID: id, Class: "A", Shares: 1, From: "2023-01-01", To: "2024-01-01"})
	}
	lines, _, err := distribution.Compute(terms, held, nil, payees)
	if err != nil {
		t.Fatal(err)
	}
	got := []int64{lines[0].Number, lines[0].GrossCents, lines[1].GrossCents, lines[2].GrossCents}
	if got[0] != 10 || got[1] != 34 || got[2] != 33 || got[3] != 33 {
		t.Fatalf("got %+v", lines)
	}
}

func TestComputeRefuses(t *testing.T) {
	base := func() (distribution.Terms, []distribution.Held, map[string]int64, map[string]distribution.Payee) {
		terms, held, _, payees := calcSmallCoop()
		terms.Method = distribution.DividendRate
		return terms, held, nil, payees
	}
	cases := []struct {
		name   string
		change func(*distribution.Terms, *[]distribution.Held, *map[string]int64, map[string]distribution.Payee)
		code   string
		says   string
	}{
		{"unknown method", func(t *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			t.Method = "lottery"
		}, cooperative.EINVALID, "method"},
		{"negative rate", func(t *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			t.RateBP = -1
		}, cooperative.EINVALID, "rateBp"},
		{"negative pool", func(t *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			t.Method, t.PoolCents = distribution.DividendPool, -100
		}, cooperative.EINVALID, "poolCents"},
		{"negative exemption", func(t *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			t.ExemptionCents = -1
		}, cooperative.EINVALID, "exemptionCents"},
		{"withholding over 100%", func(t *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			t.WithholdingBP = 10001
		}, cooperative.ERULE, "rule withholding_at_most_all"},
		{"zero nominal", func(t *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			t.Nominal["B"] = 0
		}, cooperative.EINVALID, `class "B"`},
		{"rate without nominal for a class held", func(t *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			delete(t.Nominal, "B")
		}, cooperative.ERULE, "rule nominal_known"},
		{"reinvest without price", func(t *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			t.SharePriceCents = 0
		}, cooperative.ERULE, "rule reinvest_terms"},
		{"reinvest without class", func(t *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			t.ReinvestClass = ""
		}, cooperative.ERULE, "rule reinvest_terms"},
		{"held before the year", func(_ *distribution.Terms, h *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			(*h)[0].From = "2022-12-31"
		}, cooperative.ERULE, "rule held_in_year"},
		{"held past the year", func(_ *distribution.Terms, h *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			(*h)[0].To = "2024-01-02"
		}, cooperative.ERULE, "rule held_in_year"},
		{"held from after to", func(_ *distribution.Terms, h *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			(*h)[0].From, (*h)[0].To = "2023-05-01", "2023-04-01"
		}, cooperative.ERULE, "rule held_in_year"},
		{"held from equal to", func(_ *distribution.Terms, h *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			(*h)[0].From, (*h)[0].To = "2023-05-01", "2023-05-01"
		}, cooperative.ERULE, "rule held_in_year"},
		{"held on a day that does not exist", func(_ *distribution.Terms, h *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			(*h)[0].To = "2023-02-29"
		}, cooperative.ERULE, "rule held_in_year"},
		{"negative shares", func(_ *distribution.Terms, h *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			(*h)[0].Shares = -3
		}, cooperative.EINVALID, "shares"},
		{"payee missing", func(_ *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, p map[string]distribution.Payee) {
			delete(p, "dirk")
		}, cooperative.ERULE, "rule payee_missing"},
		{"payee missing for a basis", func(t *distribution.Terms, _ *[]distribution.Held, b *map[string]int64, _ map[string]distribution.Payee) {
			t.Method, t.PoolCents, *b = distribution.Patronage, 100, map[string]int64{"stranger": 5}
		}, cooperative.ERULE, "rule payee_missing"},
		{"negative basis", func(t *distribution.Terms, _ *[]distribution.Held, b *map[string]int64, _ map[string]distribution.Payee) {
			t.Method, t.PoolCents, *b = distribution.Patronage, 100, map[string]int64{"anna": -5}
		}, cooperative.EINVALID, "basis"},
		{"basis for a dividend", func(_ *distribution.Terms, _ *[]distribution.Held, b *map[string]int64, _ map[string]distribution.Payee) {
			*b = map[string]int64{"anna": 5}
		}, cooperative.ERULE, "rule basis_patronage_only"},
		{"pool with nobody to divide it over", func(t *distribution.Terms, h *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			t.Method, t.PoolCents, *h = distribution.DividendPool, 100, nil
		}, cooperative.ERULE, "rule pool_has_weight"},
		{"unknown election", func(_ *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, p map[string]distribution.Payee) {
			p["gert"] = distribution.Payee{MemberID: "gert", Number: 7, Election: "gamble"}
		}, cooperative.EINVALID, "election"},
		{"two members with one number", func(_ *distribution.Terms, _ *[]distribution.Held, _ *map[string]int64, p map[string]distribution.Payee) {
			e := p["eva"]
			e.Number = 4
			p["eva"] = e
		}, cooperative.ERULE, "rule member_number_unique"},
		{"amounts too large", func(_ *distribution.Terms, h *[]distribution.Held, _ *map[string]int64, _ map[string]distribution.Payee) {
			(*h)[0].Shares = 1 << 60
		}, cooperative.EINVALID, "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			terms, held, basis, payees := base()
			c.change(&terms, &held, &basis, payees)
			lines, totals, err := distribution.Compute(terms, held, basis, payees)
			if cooperative.ErrorCode(err) != c.code || !strings.Contains(cooperative.ErrorMessage(err), c.says) {
				t.Fatalf("err = %v, want %s naming %q", err, c.code, c.says)
			}
			if lines != nil || totals != (distribution.Totals{}) {
				t.Fatalf("refused but returned %+v %+v", lines, totals)
			}
		})
	}
}

// calcCheckInvariants checks what holds of every distribution: the lines sorted by member
// number, each with something and nothing negative, net + withholding = gross, payout +
// reinvested + donated = net, reinvested whole shares at the price, the totals the sums.
func calcCheckInvariants(t *testing.T, terms distribution.Terms, lines []distribution.Line, totals distribution.Totals) {
	t.Helper()
	var sum distribution.Totals
	for i, l := range lines {
		if i > 0 && lines[i-1].Number >= l.Number {
			t.Fatalf("line %d: number %d after %d", i, l.Number, lines[i-1].Number)
		}
		if l.GrossCents <= 0 || l.WithholdingCents < 0 || l.NetCents < 0 || l.PayoutCents < 0 || l.ReinvestCents < 0 || l.ReinvestShares < 0 || l.DonationCents < 0 {
			t.Fatalf("line %d has a negative or empty amount: %+v", i, l)
		}
		if l.NetCents+l.WithholdingCents != l.GrossCents || l.PayoutCents+l.ReinvestCents+l.DonationCents != l.NetCents {
			t.Fatalf("line %d does not add up: %+v", i, l)
		}
		if l.BelowThreshold != (l.NetCents < terms.ThresholdCents) {
			t.Fatalf("line %d: below threshold %v with net %d and threshold %d", i, l.BelowThreshold, l.NetCents, terms.ThresholdCents)
		}
		switch {
		case l.BelowThreshold || l.Election == distribution.ElectDonate:
			if l.Election != distribution.ElectDonate || l.DonationCents != l.NetCents {
				t.Fatalf("line %d: %+v", i, l)
			}
		case l.Election == distribution.ElectReinvest:
			if l.ReinvestCents != l.ReinvestShares*terms.SharePriceCents || l.PayoutCents >= terms.SharePriceCents {
				t.Fatalf("line %d reinvests wrongly: %+v", i, l)
			}
		case l.Election == distribution.ElectPayout:
			if l.PayoutCents != l.NetCents {
				t.Fatalf("line %d: %+v", i, l)
			}
		}
		sum.Members++
		sum.GrossCents += l.GrossCents
		sum.WithholdingCents += l.WithholdingCents
		sum.NetCents += l.NetCents
		sum.PayoutCents += l.PayoutCents
		sum.ReinvestShares += l.ReinvestShares
		sum.ReinvestCents += l.ReinvestCents
		sum.DonationCents += l.DonationCents
	}
	if sum != totals {
		t.Fatalf("totals %+v, lines sum to %+v", totals, sum)
	}
	if terms.Method != distribution.DividendRate && len(lines) > 0 && totals.GrossCents != terms.PoolCents {
		t.Fatalf("the lines sum to %d, not the pool %d", totals.GrossCents, terms.PoolCents)
	}
}
