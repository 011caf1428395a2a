package ledger

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"
)

// The ledger: every money event of a cooperative is one balanced double-entry journal
// entry in int64 minor units, appended to the journal "ledger/<cooperativeID>" in the same
// transaction as the business change it records. Entries are never edited or deleted; a
// correction is a reversing entry. Balances are kept per account as entries are posted
// (ledgerbalance.go), so a balance on a date is read, not folded from the journal.

// AccountCode is a stable code of the chart of accounts. Codes are words rather than
// numbers so that journals and exports read without a legend; they never change once
// used. Each capability declares its own codes in its ChartPart (parts_*.go).
type AccountCode string

// AccountType is the side of the balance sheet or result an account belongs to.
type AccountType string

const (
	AccountAsset     AccountType = "asset"
	AccountLiability AccountType = "liability"
	AccountEquity    AccountType = "equity"
	AccountIncome    AccountType = "income"
	AccountExpense   AccountType = "expense"
)

// Account is one account of the chart.
type Account struct {
	Code AccountCode `json:"code"`
	Name string      `json:"name"`
	Type AccountType `json:"type"`
	// PerMember accounts are kept per member: a line names "member_capital:<memberID>".
	PerMember bool `json:"perMember,omitempty"`
}

// MemberAccount returns the per-member sub-account of a per-member account.
func MemberAccount(code AccountCode, memberID string) string { return string(code) + ":" + memberID }

// checkAccount accepts a plain code of the chart, or "code:<memberID>" for a per-member one.
func checkAccount(account string) error {
	code, sub, hasSub := strings.Cut(account, ":")
	a, ok := chartAccount(AccountCode(code))
	if !ok {
		return cooperative.Errorf(cooperative.EINVALID, "account %q is not in the chart of accounts", account)
	}
	if a.PerMember != hasSub || (hasSub && !cooperative.ValidID(sub)) {
		if a.PerMember {
			return cooperative.Errorf(cooperative.EINVALID, "account %s is kept per member: use %s:<member id>", code, code)
		}
		return cooperative.Errorf(cooperative.EINVALID, "account %s has no sub-accounts", code)
	}
	return nil
}

// Line is one line of an entry: debit positive, credit negative.
type Line struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

// Source says what caused an entry (for example "subscription" and its id).
type Source struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Entry is one journal entry.
type Entry struct {
	Seq           int64  `json:"seq"` // assigned by the journal: 1, 2, 3, … without gaps
	CooperativeID string `json:"cooperativeId"`
	// Key is the idempotency key: posting the same key again returns the stored entry.
	Key         string           `json:"key"`
	BookingDate cooperative.Date `json:"bookingDate"`
	Description string           `json:"description"`
	Source      Source           `json:"source"`
	Lines       []Line           `json:"lines"`
	// Reverses is the Seq of the entry this one reverses (0 for none).
	Reverses int64     `json:"reverses,omitempty"`
	PostedAt time.Time `json:"postedAt"`
}

// entryData is what the journal stores. Seq, key and time are the journal's own; leaving
// them out makes a repeated post byte-identical, which is what lets the journal tell a
// harmless retry from a key reused for different data.
type entryData struct {
	BookingDate cooperative.Date `json:"d"`
	Description string           `json:"desc"`
	Source      Source           `json:"src"`
	Lines       []Line           `json:"l"`
	Reverses    int64            `json:"rev,omitempty"`
}

// LedgerJournal is the name of a cooperative's ledger journal.
func LedgerJournal(cooperativeID string) string { return LedgerJournalPrefix + cooperativeID }

const LedgerJournalPrefix = "ledger/"

// validate checks an entry: a known date, at least two lines on accounts of the chart,
// no zero lines, and a sum of exactly zero (checked arithmetic, so overflow cannot fake
// a balance).
func (e Entry) validate() error {
	if !cooperative.ValidID(e.CooperativeID) {
		return cooperative.Errorf(cooperative.EINVALID, "an entry needs a cooperative")
	}
	if e.Key == "" || len(e.Key) > 200 {
		return cooperative.Errorf(cooperative.EINVALID, "an entry needs an idempotency key of at most 200 characters")
	}
	if _, err := cooperative.ParseDate(string(e.BookingDate)); err != nil {
		return err
	}
	if e.Description == "" || utf8.RuneCountInString(e.Description) > 500 {
		return cooperative.Errorf(cooperative.EINVALID, "an entry needs a description of at most 500 characters")
	}
	if len(e.Lines) < 2 {
		return cooperative.Errorf(cooperative.EINVALID, "an entry needs at least two lines")
	}
	var sum int64
	for _, l := range e.Lines {
		if err := checkAccount(l.Account); err != nil {
			return err
		}
		if l.Amount == 0 {
			return cooperative.Errorf(cooperative.EINVALID, "a line on %s has no amount", l.Account)
		}
		var err error
		if sum, err = cooperative.AddMoney(sum, l.Amount); err != nil {
			return err
		}
	}
	if sum != 0 {
		return cooperative.RuleError("entry_balanced", "debits and credits differ by %d", sum)
	}
	return nil
}

// PostEntry appends e to its cooperative's ledger in tx. A key already in the journal
// with the same content returns the stored entry and posted=false; with other content it
// is an ECONFLICT error.
func PostEntry(tx cooperative.Tx, e Entry) (entry Entry, posted bool, err error) {
	if err := e.validate(); err != nil {
		return Entry{}, false, err
	}
	data := cooperative.Encode(entryData{BookingDate: e.BookingDate, Description: e.Description, Source: e.Source,
		Lines: e.Lines, Reverses: e.Reverses})
	je, appended, err := tx.Append(cooperative.JournalEntry{Journal: LedgerJournal(e.CooperativeID), Key: e.Key, Data: data})
	if err != nil {
		return Entry{}, false, err
	}
	e.Seq, e.PostedAt = je.Seq, je.RecordedAt
	if _, deferred := tx.(deferredTx); appended && !deferred {
		if err := keepBalances(tx, e); err != nil {
			return Entry{}, false, err
		}
	}
	return e, appended, nil
}

func decodeEntry(cooperativeID string, je cooperative.JournalEntry) (Entry, error) {
	var d entryData
	if err := json.Unmarshal(je.Data, &d); err != nil {
		return Entry{}, cooperative.WrapError(cooperative.EINTERNAL, err, "corrupt ledger entry")
	}
	return Entry{Seq: je.Seq, CooperativeID: cooperativeID, Key: je.Key, BookingDate: d.BookingDate,
		Description: d.Description, Source: d.Source, Lines: d.Lines, Reverses: d.Reverses, PostedAt: je.RecordedAt}, nil
}

// getEntry reads entry seq of a cooperative's ledger.
func GetEntry(tx cooperative.Tx, cooperativeID string, seq int64) (Entry, error) {
	if seq < 1 {
		return Entry{}, cooperative.Errorf(cooperative.EINVALID, "entry numbers start at 1")
	}
	list, err := tx.ReadJournal(LedgerJournal(cooperativeID), seq-1, 1)
	if err != nil {
		return Entry{}, err
	}
	if len(list) == 0 {
		return Entry{}, cooperative.Errorf(cooperative.ENOTFOUND, "ledger entry %d not found", seq)
	}
	return decodeEntry(cooperativeID, list[0])
}

// ReverseEntry posts the reversal of entry seq: the same lines negated, booked on date,
// referencing the original. Reversing twice returns the first reversal (its key is
// derived from the original), and a reversal cannot itself be reversed: post a new entry
// instead, so the trail stays one step deep.
func ReverseEntry(tx cooperative.Tx, cooperativeID string, seq int64, date cooperative.Date, reason string) (Entry, error) {
	orig, err := GetEntry(tx, cooperativeID, seq)
	if err != nil {
		return Entry{}, err
	}
	if orig.Reverses != 0 {
		return Entry{}, cooperative.RuleError("reversal_final", "entry %d is itself a reversal; post a new entry", seq)
	}
	lines := make([]Line, len(orig.Lines))
	for i, l := range orig.Lines {
		lines[i] = Line{Account: l.Account, Amount: -l.Amount}
	}
	rev, _, err := PostEntry(tx, Entry{CooperativeID: cooperativeID, Key: "reversal:" + strconv.FormatInt(seq, 10),
		BookingDate: date, Description: "Reversal of entry " + strconv.FormatInt(seq, 10) + ": " + reason,
		Source: Source{Type: "reversal", ID: strconv.FormatInt(seq, 10)}, Lines: lines, Reverses: seq})
	return rev, err
}

// foldLedgerAfter calls fn for every entry of a cooperative's ledger after entry after,
// in order, reading the journal page by page.
func foldLedgerAfter(tx cooperative.Tx, cooperativeID string, after int64, fn func(Entry) error) error {
	for {
		page, err := tx.ReadJournal(LedgerJournal(cooperativeID), after, cooperative.MaxPageSize)
		if err != nil {
			return err
		}
		for _, je := range page {
			e, err := decodeEntry(cooperativeID, je)
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
			after = je.Seq
		}
		if len(page) < cooperative.MaxPageSize {
			return nil
		}
	}
}

// findEntrySeq returns the number of the entry with an idempotency key, 0 when there is
// none: one indexed read.
func FindEntrySeq(tx cooperative.Tx, cooperativeID, key string) (int64, error) {
	je, err := tx.JournalEntryByKey(LedgerJournal(cooperativeID), key)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return 0, nil
	}
	return je.Seq, err
}

// BalanceRow is one account of a trial balance. Balance is signed (debit positive);
// Debit and Credit show it on its side.
type BalanceRow struct {
	Account string `json:"account"`
	Debit   int64  `json:"debit"`
	Credit  int64  `json:"credit"`
	Balance int64  `json:"balance"`
}

// TrialBalance is every account's balance on a date; its debits equal its credits.
type TrialBalance struct {
	CooperativeID string           `json:"cooperativeId"`
	AsOf          cooperative.Date `json:"asOf"`
	Rows          []BalanceRow     `json:"rows"`
	TotalDebit    int64            `json:"totalDebit"`
	TotalCredit   int64            `json:"totalCredit"`
}

// TrialBalanceOn is every account's balance on entries booked up to asOf (inclusive).
func TrialBalanceOn(ctx context.Context, s cooperative.Store, cooperativeID string, asOf cooperative.Date) (TrialBalance, error) {
	if _, err := cooperative.ParseDate(string(asOf)); err != nil {
		return TrialBalance{}, err
	}
	tb := TrialBalance{CooperativeID: cooperativeID, AsOf: asOf, Rows: []BalanceRow{}}
	err := s.View(ctx, func(tx cooperative.Tx) error {
		balances, err := AccountBalances(tx, cooperativeID, asOf)
		if err != nil {
			return err
		}
		for account, b := range balances {
			if b == 0 {
				continue
			}
			row := BalanceRow{Account: account, Balance: b}
			if b > 0 {
				row.Debit = b
				tb.TotalDebit += b
			} else {
				row.Credit = -b
				tb.TotalCredit -= b
			}
			tb.Rows = append(tb.Rows, row)
		}
		return nil
	})
	slices.SortFunc(tb.Rows, func(a, b BalanceRow) int { return strings.Compare(a.Account, b.Account) })
	return tb, err
}

// ReadLedger returns up to limit entries after seq after, and the cursor of the next
// page (0 when there is none).
func ReadLedger(ctx context.Context, s cooperative.Store, cooperativeID string, after int64, limit int) ([]Entry, int64, error) {
	if after < 0 {
		return nil, 0, cooperative.Errorf(cooperative.EINVALID, "the cursor must not be negative")
	}
	limit = cooperative.ClampLimit(limit)
	out := []Entry{}
	err := s.View(ctx, func(tx cooperative.Tx) error {
		page, err := tx.ReadJournal(LedgerJournal(cooperativeID), after, limit)
		if err != nil {
			return err
		}
		for _, je := range page {
			e, err := decodeEntry(cooperativeID, je)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	var next int64
	if len(out) == limit {
		next = out[len(out)-1].Seq
	}
	return out, next, err
}
