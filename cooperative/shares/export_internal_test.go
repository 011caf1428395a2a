package shares

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestEurosExact checks the claim euros rests on: the number a cell holds, written as
// excelize writes it, is the amount's exact decimal, for amounts across the whole range.
func TestEurosExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 10))
	check := func(c int64) {
		v, err := euros(c)
		if err != nil {
			t.Fatalf("%d: %v", c, err)
		}
		want := strings.TrimSuffix(strings.TrimRight(cooperative.FormatCents(c), "0"), ".")
		if got := strconv.FormatFloat(v, 'f', -1, 64); got != want {
			t.Fatalf("%d cents is written %s, not %s", c, got, want)
		}
		if back, _ := strconv.ParseFloat(want, 64); back != v {
			t.Fatalf("%s reads back as %v, not %v", want, back, v)
		}
	}
	for _, c := range []int64{0, 1, 10, 99, 100, 101, 12345, -5, maxExactCents - 1, -(maxExactCents - 1), 999_999_999_999_99} {
		check(c)
	}
	for range 200_000 {
		check(rng.Int64N(maxExactCents))
		check(rng.Int64N(10_000_000)) // ordinary amounts, under €100,000
	}
	if _, err := euros(maxExactCents); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("10^15 cents: %v", err)
	}
}

// TestPaidFor prices held shares by the offering that issued them; a share no offering
// issued (a distribution's reinvestment) counts at nominal value.
func TestPaidFor(t *testing.T) {
	priced := []pricedRange{{1, 10, 5250}, {11, 12, 6000}, {20, 29, 5500}}
	for _, c := range []struct {
		held []ShareRange
		want int64
	}{
		{[]ShareRange{{First: 1, Last: 10}}, 52500},
		{[]ShareRange{{First: 9, Last: 11}}, 2*5250 + 6000},
		{[]ShareRange{{First: 12, Last: 21}}, 6000 + 7*5000 + 2*5500}, // 13-19 reinvested
		{[]ShareRange{{First: 30, Last: 31}}, 2 * 5000},
		{[]ShareRange{{First: 2, Last: 2}, {First: 15, Last: 15}, {First: 29, Last: 29}}, 5250 + 5000 + 5500},
		{nil, 0},
	} {
		if got, err := paidFor(c.held, priced, 5000); err != nil || got != c.want {
			t.Errorf("%s: %d (%v), want %d", FormatRanges(c.held), got, err, c.want)
		}
	}
	if _, err := paidFor([]ShareRange{{First: 1, Last: 1 << 60}}, nil, 5000); cooperative.ErrorCode(err) == "" {
		t.Fatal("an overflow went unnoticed")
	}
}

// benchRegister is n rows that look like a large cooperative's register.
func benchRegister(n int) Register {
	reg := Register{Cooperative: cooperative.Cooperative{ID: "c1", Name: "Energie Noord", RegistrationNumber: "12345678"},
		Date: "2025-12-31", Created: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC), Rows: make([]RegisterRow, n)}
	for i := range reg.Rows {
		shares := int64(1 + i%40)
		reg.Rows[i] = RegisterRow{MemberNumber: int64(i + 1), Name: "Member " + strconv.Itoa(i+1),
			Address: "Dorpsstraat " + strconv.Itoa(i%300+1) + ", 9711 AA Groningen, NL", AdmittedOn: "2021-04-01",
			Class: "A", Shares: shares, ShareNumbers: strconv.Itoa(i*40+1) + "-" + strconv.Itoa(i*40+int(shares)),
			NominalCents: shares * 5000, AmountPaidCents: shares * 5250}
	}
	return reg
}

// BenchmarkWriteRegisterXLSX writes a register of 100,000 rows, and reports the file's
// size and the most heap in use while writing (sampled), the rows themselves included:
//
//	go test -run '^$' -bench WriteRegisterXLSX -benchmem ./cooperative/shares/
func BenchmarkWriteRegisterXLSX(b *testing.B) {
	reg := benchRegister(100_000)
	var out bytes.Buffer
	var peak atomic.Uint64
	done := make(chan struct{})
	defer close(done)
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	for b.Loop() {
		out.Reset()
		if err := WriteRegisterXLSX(&out, reg, "nl"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.Len())/1e6, "MB/file")
	b.ReportMetric(float64(peak.Load())/1e6, "MB-peak-heap")
}
