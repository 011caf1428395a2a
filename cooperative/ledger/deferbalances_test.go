package ledger_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// Postings deferred to one catch-up at the end of their transaction leave the same
// balances, on every date, as postings kept one by one; a transaction that forgets the
// catch-up is still read right.
func TestDeferredBalancesAreTheBalancesKeptOneByOne(t *testing.T) {
	ctx := context.Background()
	s, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "k.db"), embedded.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run := cooperative.NewRunner(s, func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) })
	var one, deferred, forgot string
	if err := run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		for i, name := range []string{"One", "Deferred", "Forgot"} {
			c, err := cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: name, Kind: cooperative.KindEnergy,
				Country: "NL", RegistrationNumber: fmt.Sprint(1000 + i), IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, now)
			if err != nil {
				return err
			}
			*[]*string{&one, &deferred, &forgot}[i] = c.ID
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	accounts := []string{string(ledger.AccountBank), string(ledger.AccountPayoutsInTransit), string(ledger.AccountRefundsPayable)}
	var entries []ledger.Entry
	for i := 0; i < 300; i++ {
		a, b := accounts[rng.IntN(3)], accounts[rng.IntN(3)]
		if a == b {
			continue
		}
		amount := 1 + rng.Int64N(100_000)
		// Booked back up to 20 days, in no order, as statements are.
		day := cooperative.Date("2026-05-31").AddDays(-rng.IntN(20))
		entries = append(entries, ledger.Entry{Key: fmt.Sprint("e", i), BookingDate: day, Description: "test",
			Source: ledger.Source{Type: "test", ID: fmt.Sprint(i)}, Lines: []ledger.Line{{Account: a, Amount: amount}, {Account: b, Amount: -amount}}})
	}
	post := func(coopID string, tx cooperative.Tx, from, to int) error {
		for _, e := range entries[from:to] {
			e.CooperativeID = coopID
			if _, _, err := ledger.PostEntry(tx, e); err != nil {
				return err
			}
		}
		return nil
	}
	for from := 0; from < len(entries); from += 100 {
		to := min(from+100, len(entries))
		if err := run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error { return post(one, tx, from, to) }); err != nil {
			t.Fatal(err)
		}
		if err := run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
			tx = ledger.DeferBalances(tx)
			if err := post(deferred, tx, from, to); err != nil {
				return err
			}
			return ledger.CatchUpBalances(tx, deferred)
		}); err != nil {
			t.Fatal(err)
		}
		if err := run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
			return post(forgot, ledger.DeferBalances(tx), from, to)
		}); err != nil {
			t.Fatal(err)
		}
	}
	for d := cooperative.Date("2026-05-10"); !cooperative.Date("2026-06-01").Before(d); d = d.AddDays(1) {
		want, err := ledger.TrialBalanceOn(ctx, s, one, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{deferred, forgot} {
			got, err := ledger.TrialBalanceOn(ctx, s, id, d)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.Rows) != fmt.Sprint(want.Rows) {
				t.Fatalf("%s on %s:\n got %v\nwant %v", id, d, got.Rows, want.Rows)
			}
		}
	}
}
