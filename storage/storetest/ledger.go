package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/ledger"

	"github.com/kracht-coop/kracht/cooperative"
)

// testLedgerBalancesKept is a property test of the balances the ledger keeps per account
// (through range reads and keys of this store): after random postings, booked back and
// forth over two months, repeated, reversed, rolled back, and some appended to the journal
// as a version of Kracht from before kept balances wrote them, every trial balance and
// account balance on every date equals the fold of the journal, and sums to zero.
func testLedgerBalancesKept(t *testing.T, s cooperative.Store) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	ctx := context.Background()
	coop := cooperative.NewID()
	members := []string{cooperative.NewID(), cooperative.NewID(), cooperative.NewID()}
	accounts := []string{string(ledger.AccountBank), string(ledger.AccountStripeClearing),
		string(ledger.AccountSharePremium), string(ledger.AccountPaymentFees)}
	for _, m := range members {
		accounts = append(accounts, ledger.MemberAccount(ledger.AccountMemberCapital, m))
	}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	day := func(n int) cooperative.Date { return cooperative.DateOf(start.AddDate(0, 0, n)) }
	const days = 40
	randomEntry := func(key string) ledger.Entry {
		e := ledger.Entry{CooperativeID: coop, Key: key, BookingDate: day(rng.IntN(days)),
			Description: "random", Source: ledger.Source{Type: "test", ID: key}}
		var sum int64
		for range 1 + rng.IntN(3) {
			a := rng.Int64N(100_000) + 1
			if rng.IntN(2) == 0 {
				a = -a
			}
			sum += a
			e.Lines = append(e.Lines, ledger.Line{Account: accounts[rng.IntN(len(accounts))], Amount: a})
		}
		e.Lines = append(e.Lines, ledger.Line{Account: accounts[rng.IntN(len(accounts))], Amount: -sum})
		if sum == 0 {
			e.Lines[len(e.Lines)-1].Amount = 1
			e.Lines = append(e.Lines, ledger.Line{Account: accounts[0], Amount: -1})
		}
		return e
	}
	// A ledger from before balances were kept is read right as it is.
	if err := s.Update(ctx, func(tx cooperative.Tx) error {
		for i := range 5 {
			key := fmt.Sprintf("old-%d", i)
			if _, _, err := tx.Append(cooperative.JournalEntry{Journal: ledger.LedgerJournal(coop), Key: key,
				Data: legacyEntryData(randomEntry(key))}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	checkKeptBalances(t, s, coop, accounts, day(-1), day(days+1))

	var posted []ledger.Entry // what may be posted again or reversed
	reversed := map[int64]bool{}
	errRollback := errors.New("rolled back")
	for batch := range 60 {
		var batchPosted []ledger.Entry
		err := s.Update(ctx, func(tx cooperative.Tx) error {
			batchPosted = nil // fn may run again
			for i := range 1 + rng.IntN(4) {
				key := fmt.Sprintf("b%d-%d", batch, i)
				switch r := rng.IntN(10); {
				case r == 0 && len(posted) > 0: // a retry: nothing changes
					e := posted[rng.IntN(len(posted))]
					e.Seq, e.PostedAt = 0, time.Time{}
					if _, again, err := ledger.PostEntry(tx, e); err != nil || again {
						return fmt.Errorf("posting %s again: appended=%v %v", e.Key, again, err)
					}
				case r == 1 && len(posted) > 0: // once: again on another date would be a conflict
					e := posted[rng.IntN(len(posted))]
					if reversed[e.Seq] {
						continue
					}
					reversed[e.Seq] = true // even if rolled back: then it is simply not tried again
					if _, err := ledger.ReverseEntry(tx, coop, e.Seq, day(rng.IntN(days)), "test"); err != nil {
						return err
					}
				case r == 2: // written by a version that kept no balances
					e := randomEntry(key)
					if _, _, err := tx.Append(cooperative.JournalEntry{Journal: ledger.LedgerJournal(coop), Key: key,
						Data: legacyEntryData(e)}); err != nil {
						return err
					}
				default:
					e, _, err := ledger.PostEntry(tx, randomEntry(key))
					if err != nil {
						return err
					}
					batchPosted = append(batchPosted, e)
				}
			}
			if rng.IntN(8) == 0 {
				return errRollback
			}
			return nil
		})
		if errors.Is(err, errRollback) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		posted = append(posted, batchPosted...)
		if batch%20 == 19 {
			checkKeptBalances(t, s, coop, accounts, day(-1), day(days+1))
		}
	}
}

// legacyEntryData is a ledger entry as the journal stores it (cooperative's entryData),
// written here as an older Kracht would have, without kept balances.
func legacyEntryData(e ledger.Entry) []byte {
	b, _ := json.Marshal(struct {
		D    cooperative.Date `json:"d"`
		Desc string           `json:"desc"`
		Src  ledger.Source    `json:"src"`
		L    []ledger.Line    `json:"l"`
	}{e.BookingDate, e.Description, e.Source, e.Lines})
	return b
}

// checkKeptBalances compares the ledger's balances on every date from first to last with
// the fold of its journal.
func checkKeptBalances(t *testing.T, s cooperative.Store, coop string, accounts []string, first, last cooperative.Date) {
	t.Helper()
	ctx := context.Background()
	var entries []ledger.Entry
	for after := int64(0); ; {
		page, next, err := ledger.ReadLedger(ctx, s, coop, after, cooperative.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, page...)
		if next == 0 {
			break
		}
		after = next
	}
	for d := first; !last.Before(d); d = d.AddDays(1) {
		fold := map[string]int64{}
		for _, e := range entries {
			if !d.Before(e.BookingDate) {
				for _, l := range e.Lines {
					fold[l.Account] += l.Amount
				}
			}
		}
		tb, err := ledger.TrialBalanceOn(ctx, s, coop, d)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		got := map[string]int64{}
		for _, r := range tb.Rows {
			got[r.Account] = r.Balance
			sum += r.Balance
		}
		for a, b := range fold {
			if b != 0 && got[a] != b {
				t.Fatalf("%s on %s: trial balance %d, journal %d", a, d, got[a], b)
			}
		}
		if len(got) != countNonZero(fold) || sum != 0 || tb.TotalDebit != tb.TotalCredit {
			t.Fatalf("trial balance on %s: %+v, journal %v", d, tb, fold)
		}
		for _, a := range accounts {
			b, err := ledger.AccountBalanceOn(ctx, s, coop, a, d)
			if err != nil {
				t.Fatal(err)
			}
			if b != fold[a] {
				t.Fatalf("balance of %s on %s: %d, journal %d", a, d, b, fold[a])
			}
		}
	}
}

func countNonZero(m map[string]int64) int {
	n := 0
	for _, v := range m {
		if v != 0 {
			n++
		}
	}
	return n
}
