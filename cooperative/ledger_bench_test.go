package cooperative_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/ledger"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// BenchmarkLedgerBalances measures a trial balance and a member's balance (today, and on a
// date half-way), and a posting, over a ledger of 100,000 entries for 10,000 members over 1,000 days, posted through PostEntry
// in the shapes the domain posts (receipt, allocation to member capital, fee, payout),
// one in ten booked five days back. KRACHT_BENCH_ENTRIES scales it.
//
//	go test -run '^$' -bench BenchmarkLedgerBalances -benchtime 20x ./cooperative/
func BenchmarkLedgerBalances(b *testing.B) {
	entries := 100_000
	if s := os.Getenv("KRACHT_BENCH_ENTRIES"); s != "" {
		entries, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	store, err := embedded.Open(ctx, filepath.Join(b.TempDir(), "k.db"), embedded.Options{Synchronous: "normal"})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	coopID := cooperative.NewID()
	members := make([]string, 10_000)
	for i := range members {
		members[i] = cooperative.NewID()
	}
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	perDay := max(1, entries/1000)
	built := time.Now()
	const batch = 2000
	for first := 0; first < entries; first += batch {
		err := store.Update(ctx, func(tx cooperative.Tx) error {
			for k := first; k < min(first+batch, entries); k++ {
				if _, _, err := ledger.PostEntry(tx, benchEntry(coopID, members, start, perDay, k)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("posted %d entries in %v", entries, time.Since(built).Round(time.Millisecond))
	today := cooperative.DateOf(start.AddDate(0, 0, entries/perDay+1))
	half := cooperative.DateOf(start.AddDate(0, 0, entries/perDay/2))
	for _, c := range []struct {
		name string
		on   cooperative.Date
	}{{"today", today}, {"halfway", half}} {
		b.Run("TrialBalance/"+c.name, func(b *testing.B) {
			for b.Loop() {
				tb, err := ledger.TrialBalanceOn(ctx, store, coopID, c.on)
				if err != nil {
					b.Fatal(err)
				}
				if tb.TotalDebit != tb.TotalCredit || len(tb.Rows) == 0 {
					b.Fatalf("trial balance %d/%d, %d rows", tb.TotalDebit, tb.TotalCredit, len(tb.Rows))
				}
			}
		})
	}
	member := ledger.MemberAccount(ledger.AccountMemberCapital, members[0])
	for _, c := range []struct {
		name string
		on   cooperative.Date
	}{{"today", today}, {"halfway", half}} {
		b.Run("MemberBalance/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ledger.AccountBalanceOn(ctx, store, coopID, member, c.on); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Posting one entry per transaction onto the full ledger, one in ten booked back.
	b.Run("PostEntry", func(b *testing.B) {
		k := entries
		for b.Loop() {
			if err := store.Update(ctx, func(tx cooperative.Tx) error {
				_, _, err := ledger.PostEntry(tx, benchEntry(coopID, members, start, perDay, k))
				return err
			}); err != nil {
				b.Fatal(err)
			}
			k++
		}
	})
}

// benchEntry is entry k of the benchmark's ledger.
func benchEntry(coopID string, members []string, start time.Time, perDay, k int) ledger.Entry {
	day := k / perDay
	if k%10 == 9 && day >= 5 {
		day -= 5
	}
	m := members[(k/4)%len(members)]
	amount := int64(1000 + k%977)
	e := ledger.Entry{CooperativeID: coopID, Key: "e" + strconv.Itoa(k),
		BookingDate: cooperative.DateOf(start.AddDate(0, 0, day)), Description: "bench",
		Source: ledger.Source{Type: "bench", ID: strconv.Itoa(k)}}
	line := func(account string, amount int64) ledger.Line {
		return ledger.Line{Account: account, Amount: amount}
	}
	switch k % 4 {
	case 0:
		e.Lines = []ledger.Line{line(string(ledger.AccountStripeClearing), amount),
			line(string(ledger.AccountSubscriptionsInAdvance), -amount)}
	case 1:
		e.Lines = []ledger.Line{line(string(ledger.AccountSubscriptionsInAdvance), amount),
			line(ledger.MemberAccount(ledger.AccountMemberCapital, m), -amount+100),
			line(string(ledger.AccountSharePremium), -100)}
	case 2:
		e.Lines = []ledger.Line{line(string(ledger.AccountPaymentFees), 25),
			line(string(ledger.AccountStripeClearing), -25)}
	default:
		e.Lines = []ledger.Line{line(string(ledger.AccountBank), amount-25),
			line(string(ledger.AccountStripeClearing), -amount+25)}
	}
	return e
}
