package ledger

import (
	"context"
	"maps"
	"slices"

	"github.com/kracht-coop/kracht/cooperative"
)

// Balances kept per account. Each posting, in its own transaction, adds its lines to two
// kinds of record, so that a balance is read rather than folded from the whole journal:
//
//   - ledger_accounts, one per account of a cooperative: its balance after every entry and
//     the latest booking date that moved it;
//   - ledger_days, one per account and booking date: the movement on that date and the
//     balance at its end, indexed by "<cooperative>/<account>/<date>" so that the balance on
//     a date D is one range read, the last day on or before D.
//
// They are kept by booking date, not in posting order (formancehq/ledger's "effective"
// volumes rather than its post-commit ones), because entries are booked back (a transfer
// on the date agreed, a payment on the day it was made): an entry booked on D adds to the
// days after D as well, which are few, as entries are booked back days, not years. One
// record per day rather than per posting keeps that update small on busy accounts.
//
// ledger_kept, one per cooperative, names the last entry the balances include. A ledger
// written before balances were kept (or an entry an older version of Kracht posted during
// a rolling upgrade) is caught up by the next posting, in its transaction, from that
// entry on; until then a read adds the entries after it to the kept balances. So there is
// no start-up migration to run or forget, and no read is ever wrong: at worst it folds the
// entries not kept yet, as every read did before.
const (
	collectionLedgerAccounts = "ledger_accounts"
	collectionLedgerDays     = "ledger_days"
	collectionLedgerKept     = "ledger_kept"
)

// ledgerAccount is an account's balance after every entry kept.
type ledgerAccount struct {
	Account string `json:"a"`
	Balance int64  `json:"b"`
	// Last is the latest booking date that moved the account: its balance on any date
	// from Last on is Balance.
	Last cooperative.Date `json:"last"`
}

// ledgerDay is an account's movement on one booking date and its balance at the end of it.
type ledgerDay struct {
	Movement int64 `json:"m"`
	Balance  int64 `json:"b"`
}

// ledgerKept says which entries the kept balances include: every one up to Seq.
type ledgerKept struct {
	Seq int64 `json:"seq"`
}

// ledgerDayIndex orders an account's days by date. Ids and account codes hold no "/",
// so one account's keys share the prefix "<cooperative>/<account>/" and no other's do.
const ledgerDayIndex = "day"

func ledgerAccountID(cooperativeID, account string) string { return cooperativeID + "/" + account }

func ledgerDayKey(cooperativeID, account string, d cooperative.Date) string {
	return cooperativeID + "/" + account + "/" + string(d)
}

// movements are the lines of some entries summed per account and booking date.
type movements map[string]map[cooperative.Date]int64

func (m movements) add(e Entry) error {
	for _, l := range e.Lines {
		days := m[l.Account]
		if days == nil {
			days = map[cooperative.Date]int64{}
			m[l.Account] = days
		}
		v, err := cooperative.AddMoney(days[e.BookingDate], l.Amount)
		if err != nil {
			return err
		}
		days[e.BookingDate] = v
	}
	return nil
}

// keepBalances adds entry e, just appended, to the kept balances, with every entry before
// it that they do not include yet.
func keepBalances(tx cooperative.Tx, e Entry) error {
	kept, rec, err := getLedgerKept(tx, e.CooperativeID)
	if err != nil {
		return err
	}
	if kept.Seq >= e.Seq {
		return cooperative.Errorf(cooperative.EINTERNAL, "ledger balances of %s include entry %d before it was posted", e.CooperativeID, e.Seq)
	}
	m := movements{}
	if kept.Seq == e.Seq-1 {
		err = m.add(e)
	} else {
		err = foldLedgerAfter(tx, e.CooperativeID, kept.Seq, m.add) // e is the last of them
	}
	if err != nil {
		return err
	}
	return writeKept(tx, e.CooperativeID, kept, rec, m, e.Seq)
}

// writeKept adds movements m to cooperativeID's kept balances, an account at a time, and
// records that they now include every entry up to seq (kept and rec as read).
func writeKept(tx cooperative.Tx, cooperativeID string, kept ledgerKept, rec cooperative.Record, m movements, seq int64) error {
	for _, account := range slices.Sorted(maps.Keys(m)) {
		if err := applyMovements(tx, cooperativeID, account, m[account]); err != nil {
			return err
		}
	}
	kept.Seq = seq
	_, err := cooperative.Put(tx, cooperative.Record{Collection: collectionLedgerKept, ID: cooperativeID, Version: rec.Version, Data: cooperative.Encode(kept)})
	return err
}

// deferredTx is a transaction whose postings leave the kept balances to one catch-up at
// its end (DeferBalances).
type deferredTx struct{ cooperative.Tx }

// DeferBalances returns tx for a transaction that posts many entries (a batch of a bank
// statement): its postings append to the journal only, and CatchUpBalances, called once
// before it commits, adds them all to the kept balances, each account's records written
// once instead of once per entry. A transaction that forgets the catch-up is still read
// right: reads add the entries the kept balances lack, and the next posting catches up.
func DeferBalances(tx cooperative.Tx) cooperative.Tx {
	if _, ok := tx.(deferredTx); ok {
		return tx
	}
	return deferredTx{tx}
}

// CatchUpBalances adds every entry of cooperativeID's ledger that the kept balances do
// not include yet.
func CatchUpBalances(tx cooperative.Tx, cooperativeID string) error {
	if d, ok := tx.(deferredTx); ok {
		tx = d.Tx
	}
	kept, rec, err := getLedgerKept(tx, cooperativeID)
	if err != nil {
		return err
	}
	m, last := movements{}, kept.Seq
	if err := foldLedgerAfter(tx, cooperativeID, kept.Seq, func(e Entry) error {
		last = e.Seq
		return m.add(e)
	}); err != nil {
		return err
	}
	if last == kept.Seq {
		return nil
	}
	return writeKept(tx, cooperativeID, kept, rec, m, last)
}

func getLedgerKept(tx cooperative.Tx, cooperativeID string) (ledgerKept, cooperative.Record, error) {
	kept, rec, err := cooperative.GetAs[ledgerKept](tx, collectionLedgerKept, cooperativeID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return ledgerKept{}, cooperative.Record{}, nil
	}
	return kept, rec, err
}

// keptDay is a stored ledgerDay with its date and version.
type keptDay struct {
	ledgerDay
	date    cooperative.Date
	version int64
}

// applyMovements adds one account's movements by date to its day records, and to the
// balance at the end of every later day already kept.
func applyMovements(tx cooperative.Tx, cooperativeID, account string, days map[cooperative.Date]int64) error {
	acct, rec, err := cooperative.GetAs[ledgerAccount](tx, collectionLedgerAccounts, ledgerAccountID(cooperativeID, account))
	switch {
	case cooperative.ErrorCode(err) == cooperative.ENOTFOUND:
		acct, rec = ledgerAccount{Account: account}, cooperative.Record{}
	case err != nil:
		return err
	}
	dates := slices.Sorted(maps.Keys(days))
	var later []keptDay // the days kept from the earliest date on
	if !acct.Last.Before(dates[0]) && acct.Last != "" {
		if later, err = keptDaysFrom(tx, cooperativeID, account, dates[0], acct.Last); err != nil {
			return err
		}
	}
	// The balance before the earliest date: the current one when no day from then on is
	// kept, else the first such day's opening balance.
	balance := acct.Balance
	if len(later) > 0 {
		balance = later[0].Balance - later[0].Movement
	}
	stored := map[cooperative.Date]keptDay{}
	for _, d := range later {
		stored[d.date] = d
	}
	all := slices.Concat(dates, slices.Collect(maps.Keys(stored)))
	slices.Sort(all)
	for _, d := range slices.Compact(all) {
		day := stored[d]
		if day.Movement, err = cooperative.AddMoney(day.Movement, days[d]); err != nil {
			return err
		}
		if balance, err = cooperative.AddMoney(balance, day.Movement); err != nil {
			return err
		}
		if day.version != 0 && day.Balance == balance && days[d] == 0 {
			continue // a later day whose balance an earlier movement left as it was
		}
		day.Balance = balance
		key := ledgerDayKey(cooperativeID, account, d)
		if _, err := cooperative.Put(tx, cooperative.Record{Collection: collectionLedgerDays, ID: key, Version: day.version,
			Data: cooperative.Encode(day.ledgerDay), Index: map[string]string{ledgerDayIndex: key}}); err != nil {
			return err
		}
	}
	acct.Balance = balance
	acct.Last = max(acct.Last, dates[len(dates)-1])
	_, err = cooperative.Put(tx, cooperative.Record{Collection: collectionLedgerAccounts, ID: ledgerAccountID(cooperativeID, account),
		Version: rec.Version, Data: cooperative.Encode(acct), Index: map[string]string{"coop": cooperativeID}})
	return err
}

// keptDaysFrom reads an account's day records from date from to date last, in order.
func keptDaysFrom(tx cooperative.Tx, cooperativeID, account string, from, last cooperative.Date) ([]keptDay, error) {
	if from == last { // posting again on the latest date: one read by id
		key := ledgerDayKey(cooperativeID, account, last)
		day, rec, err := cooperative.GetAs[ledgerDay](tx, collectionLedgerDays, key)
		if err != nil {
			return nil, err
		}
		return []keptDay{{ledgerDay: day, date: last, version: rec.Version}}, nil
	}
	var out []keptDay
	q := cooperative.Query{Collection: collectionLedgerDays, Index: ledgerDayIndex, Limit: cooperative.MaxPageSize,
		Range: &cooperative.Range{From: ledgerDayKey(cooperativeID, account, from), To: ledgerDayKey(cooperativeID, account, last)}}
	prefix := len(ledgerDayKey(cooperativeID, account, ""))
	for {
		page, err := tx.Find(q)
		if err != nil {
			return nil, err
		}
		for _, rec := range page.Records {
			var day ledgerDay
			if err := cooperative.Decode(rec, &day); err != nil {
				return nil, err
			}
			out = append(out, keptDay{ledgerDay: day, date: cooperative.Date(rec.ID[prefix:]), version: rec.Version})
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

// balanceOn is a kept account's balance at the end of date asOf: its current balance from
// its last date on, else the balance of its last day on or before asOf (one range read).
func (a ledgerAccount) balanceOn(tx cooperative.Tx, cooperativeID string, asOf cooperative.Date) (int64, error) {
	if !asOf.Before(a.Last) {
		return a.Balance, nil
	}
	page, err := tx.Find(cooperative.Query{Collection: collectionLedgerDays, Index: ledgerDayIndex, Limit: 1,
		Range: &cooperative.Range{From: ledgerDayKey(cooperativeID, a.Account, ""), To: ledgerDayKey(cooperativeID, a.Account, asOf),
			Descending: true}})
	if err != nil || len(page.Records) == 0 {
		return 0, err
	}
	var day ledgerDay
	return day.Balance, cooperative.Decode(page.Records[0], &day)
}

// addUnkept adds to balances the lines booked on or before asOf of the entries the kept
// balances do not include yet (only is one account, or "" for all).
func addUnkept(tx cooperative.Tx, cooperativeID string, kept int64, asOf cooperative.Date, only string, balances map[string]int64) error {
	return foldLedgerAfter(tx, cooperativeID, kept, func(e Entry) error {
		if asOf.Before(e.BookingDate) {
			return nil
		}
		for _, l := range e.Lines {
			if only != "" && l.Account != only {
				continue
			}
			b, err := cooperative.AddMoney(balances[l.Account], l.Amount)
			if err != nil {
				return err
			}
			balances[l.Account] = b
		}
		return nil
	})
}

// accountBalances returns the balance of every account (sub-accounts apart) on entries
// booked on or before asOf: one read per account, plus a range read for an account moved
// after asOf.
func AccountBalances(tx cooperative.Tx, cooperativeID string, asOf cooperative.Date) (map[string]int64, error) {
	kept, _, err := getLedgerKept(tx, cooperativeID)
	if err != nil {
		return nil, err
	}
	balances := map[string]int64{}
	q := cooperative.Query{Collection: collectionLedgerAccounts, Index: "coop", Value: cooperativeID, Limit: cooperative.MaxPageSize}
	for {
		accounts, next, err := cooperative.FindAs[ledgerAccount](tx, q)
		if err != nil {
			return nil, err
		}
		for _, a := range accounts {
			if balances[a.Account], err = a.balanceOn(tx, cooperativeID, asOf); err != nil {
				return nil, err
			}
		}
		if next == "" {
			break
		}
		q.After = next
	}
	return balances, addUnkept(tx, cooperativeID, kept.Seq, asOf, "", balances)
}

// AccountBalanceOn returns one account's balance (debit positive) on entries booked on or
// before asOf, such as a member's capital account on a date: two or three reads, however
// long the ledger.
func AccountBalanceOn(ctx context.Context, s cooperative.Store, cooperativeID, account string, asOf cooperative.Date) (int64, error) {
	if err := checkAccount(account); err != nil {
		return 0, err
	}
	if _, err := cooperative.ParseDate(string(asOf)); err != nil {
		return 0, err
	}
	var balance int64
	err := s.View(ctx, func(tx cooperative.Tx) error {
		kept, _, err := getLedgerKept(tx, cooperativeID)
		if err != nil {
			return err
		}
		balance = 0
		a, _, err := cooperative.GetAs[ledgerAccount](tx, collectionLedgerAccounts, ledgerAccountID(cooperativeID, account))
		switch {
		case err == nil:
			if balance, err = a.balanceOn(tx, cooperativeID, asOf); err != nil {
				return err
			}
		case cooperative.ErrorCode(err) != cooperative.ENOTFOUND:
			return err
		}
		balances := map[string]int64{account: balance}
		if err := addUnkept(tx, cooperativeID, kept.Seq, asOf, account, balances); err != nil {
			return err
		}
		balance = balances[account]
		return nil
	})
	return balance, err
}

// HeadSeq is the number of the last entry of cooperativeID's ledger that the kept
// balances include: after every transaction that posts, the last entry. A reader that
// cached something computed from the ledger compares it to know whether anything was
// posted since.
func HeadSeq(tx cooperative.Tx, cooperativeID string) (int64, error) {
	kept, _, err := getLedgerKept(tx, cooperativeID)
	return kept.Seq, err
}
