// Package bankimport imports camt.053 bank statements into a cooperative's books: it
// streams the statement (payments/camt053), turns each entry into a cooperative.BankLine
// with its RF reference (payments/rfref), and hands them to the domain in batches, which
// stores each once and matches booked credits by reference, amount and currency.
package bankimport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/camt053"
	"github.com/kracht-coop/kracht/payments/rfref"
)

// BatchSize is how many lines go into one transaction. Fewer, larger commits write each
// changed page once instead of once per batch (measured before reading and storing
// overlapped: 100,000 entries took 19.9 s at 1,000 a batch, 13.1 s at 5,000, 10.2 s at
// 20,000); 5,000 keeps one batch well under a second, so the other writers, who queue
// behind it, are not held up longer than that.
const BatchSize = 5000

// Result says what an import did.
type Result struct {
	MessageID  string                   `json:"messageId"`
	SHA256     string                   `json:"sha256" doc:"Of the file read, as the audit log keeps it."`
	Version    string                   `json:"version"`
	Statements int                      `json:"statements"`
	Tally      payments.BankImportTally `json:"tally"`
}

// Source is who imports which file, for the audit log.
type Source struct {
	By       cooperative.Actor
	FileName string // as the client named it; may be empty
}

// Import reads a camt.053 document from r and imports it for cooperativeID on behalf of
// src.By through pay, and writes the import's audit entry (Payments.AuditBankImport). The
// cooperative's own IBAN is not required to match the statement's account: a
// cooperative may have several accounts. A document whose header the parser refuses
// changes nothing; a document refused or cut off halfway keeps the batches already
// committed, which a second import of the complete file completes without doubling them.
//
// Reading and storing overlap: while one batch is being committed, the next is parsed
// (each takes a core; the parse is about a third of the time).
func Import(ctx context.Context, pay *payments.Payments, cooperativeID string, src Source, r io.Reader) (Result, error) {
	h := sha256.New()
	read := &counter{r: io.TeeReader(r, h)}
	res, err := importBatched(ctx, pay, src.By, cooperativeID, read, BatchSize)
	if res.MessageID == "" {
		return res, err // the header was refused: nothing changed
	}
	if err == nil {
		// The parser stops at the document's end: hash what follows too, so the hash is
		// the file's.
		_, err = io.Copy(io.Discard, io.LimitReader(read, camt053.MaxDocumentBytes+1-read.n))
	}
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	imp := payments.BankStatementImport{FileName: src.FileName, SHA256: res.SHA256, Bytes: read.n,
		MessageID: res.MessageID, Statements: res.Statements, Tally: res.Tally, Complete: err == nil}
	if err != nil {
		imp.Error = cooperative.ErrorMessage(err)
	}
	// Written even when the client has gone: the batches it committed stand.
	if aerr := pay.AuditBankImport(context.WithoutCancel(ctx), src.By, cooperativeID, imp); err == nil {
		err = aerr
	}
	return res, err
}

type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// importBatched is Import with batches of batchSize lines (tests use small ones), without
// the audit entry.
func importBatched(ctx context.Context, pay *payments.Payments, by cooperative.Actor, cooperativeID string, r io.Reader, batchSize int) (Result, error) {
	d := camt053.NewDecoder(io.LimitReader(r, camt053.MaxDocumentBytes+1))
	h, err := d.Header()
	if err != nil {
		return Result{}, err
	}
	res := Result{MessageID: h.MessageID, Version: string(d.Version())}
	batches := make(chan []payments.BankLine)
	stopped := make(chan struct{}) // closed when the storing side has finished
	var storeErr error
	go func() {
		defer close(stopped)
		for batch := range batches {
			var t payments.BankImportTally
			t, storeErr = pay.ImportBankLines(ctx, by, cooperativeID, batch)
			if storeErr != nil {
				return
			}
			res.Tally.Add(t)
		}
	}()
	parseErr := readBatches(d, batchSize, &res.Statements, batches, stopped)
	close(batches)
	<-stopped
	if storeErr != nil {
		return res, storeErr
	}
	return res, parseErr
}

// readBatches parses d's entries into batches of batchSize lines and sends each, until
// the document ends or the storing side stops (on an error Import reports).
func readBatches(d *camt053.Decoder, batchSize int, statements *int, batches chan<- []payments.BankLine, stopped <-chan struct{}) error {
	batch := make([]payments.BankLine, 0, batchSize)
	send := func() bool {
		if len(batch) == 0 {
			return true
		}
		select {
		case batches <- batch:
			batch = make([]payments.BankLine, 0, batchSize)
			return true
		case <-stopped:
			return false
		}
	}
	for d.NextStatement() {
		*statements++
		st := d.Statement()
		n := 0
		for d.NextEntry() {
			n++
			batch = append(batch, Lines(st, d.Entry(), n)...)
			if len(batch) >= batchSize && !send() {
				return nil
			}
		}
	}
	if err := d.Err(); err != nil {
		return err
	}
	send()
	return nil
}

// Lines turns the n-th entry (from 1) of statement st into lines: one per transaction
// of a batch booking, so each payer's reference is matched on its own, or one for the
// entry when it has no transaction details.
func Lines(st camt053.Statement, e camt053.Entry, n int) []payments.BankLine {
	account := st.Account.ID()
	key := e.AccountServicerRef
	if key == "" {
		// Without the bank's reference the statement's id and the position name the
		// entry; a bank that sends neither twice the same way is rare, and a duplicate
		// then shows in the review queue rather than being posted twice (its reference
		// is already paid).
		key = fmt.Sprintf("%s#%d", st.ID, n)
	}
	base := payments.BankLine{
		Account: account, StatementID: st.ID, Credit: e.Indicator == camt053.Credit, Booked: e.Status == camt053.Booked,
		Reversal: e.Reversal, Amount: e.Amount.Minor, Currency: e.Amount.Currency, BookedOn: e.BookingDate,
		Text: clip(e.AdditionalInfo),
	}
	if len(e.Transactions) == 0 {
		l := base
		l.Key = account + "/" + key
		return []payments.BankLine{l}
	}
	out := make([]payments.BankLine, 0, len(e.Transactions))
	for i, t := range e.Transactions {
		l := base
		l.Key = account + "/" + key
		if len(e.Transactions) > 1 {
			l.Key += fmt.Sprintf("/%d", i+1)
			if t.Amount.Currency != "" {
				l.Amount, l.Currency = t.Amount.Minor, t.Amount.Currency
			}
		} else if t.Amount.Currency != "" && t.Amount.Currency != e.Amount.Currency {
			// The transaction's amount in another currency than the entry's: the entry's
			// amount is what reached the account.
			l.Text = clip(strings.TrimSpace(l.Text + " (instructed " + t.Amount.String() + ")"))
		}
		if t.Indicator != "" {
			l.Credit = t.Indicator == camt053.Credit
		}
		if ref, ok := t.RFReference(); ok {
			l.Reference = string(ref)
		}
		l.Payer, l.PayerIBAN = t.Debtor.Name, t.Debtor.Account.IBAN
		if !l.Credit {
			// Money out: the other party is the creditor.
			l.Payer, l.PayerIBAN = t.Creditor.Name, t.Creditor.Account.IBAN
		}
		l.EndToEndID, l.ReturnReason = clipID(t.References.EndToEndID), clipID(t.ReturnReason)
		if len(t.Unstructured) > 0 {
			l.Text = clip(strings.Join(t.Unstructured, " "))
		}
		out = append(out, l)
	}
	return out
}

// clipID keeps an identifier to its schema length (35): a longer one is not Kracht's.
func clipID(s string) string {
	if len(s) > 35 {
		return s[:35]
	}
	return s
}

func clip(s string) string {
	if len(s) > 280 {
		return s[:280]
	}
	return s
}

// NewReference returns a new RF reference for a payment: "RF", check digits and a base
// of 'K' and 15 random digits, so it is unique over the platform with overwhelming
// probability (the store's unique key catches the rest).
func NewReference(random func([]byte) (int, error)) (rfref.Reference, error) {
	b := make([]byte, 15)
	if _, err := random(b); err != nil {
		return "", cooperative.WrapError(cooperative.EINTERNAL, err, "cannot make a reference")
	}
	digits := make([]byte, len(b))
	for i, c := range b {
		digits[i] = '0' + c%10
	}
	return rfref.New("K" + string(digits))
}
