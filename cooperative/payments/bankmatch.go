package payments

// Bank statement lines. payments/bankimport reads a camt.053 statement and hands its
// entries here in batches; each is stored once (by the bank's account, and its own
// reference for the entry), and a booked credit is matched by RF reference, exact amount
// and currency to a pending payment of the same cooperative. Anything else waits in the
// review queue: nothing is posted on a guess. Importing the same statement again finds
// every entry stored and changes nothing.

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// BankLine is one entry (or one transaction of a batch entry) of a statement.
type BankLine struct {
	// Key identifies the line for ever: the account with the bank's reference for the
	// entry (AcctSvcrRef), or, when the bank gives none, the statement id with the
	// entry's position. The importer makes it.
	Key         string `json:"key"`
	Account     string `json:"account"`
	StatementID string `json:"statementId"`
	Credit      bool   `json:"credit"`
	Booked      bool   `json:"booked"`
	Reversal    bool   `json:"reversal,omitempty"`
	Amount      int64  `json:"amount"` // minor units, positive
	Currency    string `json:"currency"`
	Reference   string `json:"reference,omitempty"` // a valid RF reference, if the payer gave one
	// EndToEndID is the payer's end-to-end id: for a debit of the cooperative's own
	// payment, or a payment of it that came back, the one its file gave.
	EndToEndID   string    `json:"endToEndId,omitempty"`
	ReturnReason string    `json:"returnReason,omitempty"` // the bank's code for why a payment came back (AC04, …)
	Payer        string    `json:"payer,omitempty"`
	PayerIBAN    string    `json:"payerIban,omitempty"`
	Text         string    `json:"text,omitempty"`
	BookedOn     time.Time `json:"bookedOn,omitzero"`
	// Outcome is what the import did: matched, review, skipped (not a booked credit),
	// or for the cooperative's own payouts paid or returned.
	Outcome   string    `json:"outcome"`
	PaymentID string    `json:"paymentId,omitempty"`
	At        time.Time `json:"at"`
}

// BankImportTally counts what an import did.
type BankImportTally struct {
	Lines      int `json:"lines"`      // lines read
	Duplicates int `json:"duplicates"` // already imported before: nothing changed
	Matched    int `json:"matched"`    // posted to a payment
	// PayoutsPaid and PayoutsReturned count debits and returns of the cooperative's own
	// payouts, posted to them.
	PayoutsPaid     int `json:"payoutsPaid"`
	PayoutsReturned int `json:"payoutsReturned"`
	Review          int `json:"review"`  // sent to the review queue
	Skipped         int `json:"skipped"` // debits, pending or information-only entries
	// MatchedAmount and ReviewAmount are in minor units.
	MatchedAmount int64 `json:"matchedAmount"`
	ReviewAmount  int64 `json:"reviewAmount"`
}

// Add sums two tallies.
func (t *BankImportTally) Add(o BankImportTally) {
	t.Lines += o.Lines
	t.Duplicates += o.Duplicates
	t.Matched += o.Matched
	t.PayoutsPaid += o.PayoutsPaid
	t.PayoutsReturned += o.PayoutsReturned
	t.Review += o.Review
	t.Skipped += o.Skipped
	t.MatchedAmount += o.MatchedAmount
	t.ReviewAmount += o.ReviewAmount
}

const collectionBankLines = "bank_lines"

// importBankLines is Payments.ImportBankLines: the payment a line matches is received
// through its payable in ps.
func importBankLines(tx cooperative.Tx, ps Payables, by cooperative.Actor, cooperativeID string, lines []BankLine, now time.Time) (BankImportTally, error) {
	var t BankImportTally
	if !cooperative.ValidID(cooperativeID) {
		return t, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
	}
	actor := by
	actor.Role = "bank_import"
	// A batch posts up to one entry per line: the balances they move are kept once, at
	// the end, not rewritten per entry.
	tx = ledger.DeferBalances(tx)
	var out OutgoingLines
	if ps.outgoing != nil {
		out = ps.outgoing.OpenLines(tx, actor, cooperativeID, now)
	}
	for _, l := range lines {
		t.Lines++
		if l.Key == "" || l.Amount < 0 {
			return t, cooperative.Errorf(cooperative.EINVALID, "a bank line needs a key and an amount of 0 or more")
		}
		id := cooperativeID + "/" + l.Key
		if _, err := tx.Get(collectionBankLines, id); err == nil {
			t.Duplicates++
			continue
		} else if cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
			return t, err
		}
		l.At = now.UTC()
		if err := matchBankLine(tx, ps, out, actor, cooperativeID, id, &l, &t, now); err != nil {
			return t, err
		}
		if _, err := tx.Insert(cooperative.Record{Collection: collectionBankLines, ID: id, Data: cooperative.Encode(l)}); err != nil {
			return t, err
		}
	}
	if out != nil {
		if err := out.Close(); err != nil {
			return t, err
		}
	}
	return t, ledger.CatchUpBalances(tx, cooperativeID)
}

func matchBankLine(tx cooperative.Tx, ps Payables, out OutgoingLines, actor cooperative.Actor, cooperativeID, id string, l *BankLine, t *BankImportTally, now time.Time) error {
	if l.Booked && l.Amount > 0 && l.EndToEndID != "" && (!l.Credit || l.ReturnReason != "" || l.Reversal) && out != nil {
		done, err := matchOutgoing(tx, out, cooperativeID, id, l, t, now)
		if err != nil || done {
			return err
		}
	}
	if !l.Credit || !l.Booked || l.Reversal || l.Amount == 0 {
		// Debits (payouts, refunds sent) and returns are the accountant's to reconcile;
		// pending entries come back booked in a later statement.
		l.Outcome = "skipped"
		t.Skipped++
		return nil
	}
	review := func(reason ReviewReason, detail string, paymentID string) error {
		l.Outcome, l.PaymentID = "review", paymentID
		t.Review++
		t.ReviewAmount += l.Amount
		return queueReview(tx, PaymentReview{CooperativeID: cooperativeID, Source: "bank", SourceID: id, Reason: reason,
			Detail: detail, Amount: l.Amount, Currency: l.Currency, Reference: l.Reference, PaymentID: paymentID,
			Payer: l.Payer, BookedOn: l.BookedOn}, now)
	}
	if l.Reference == "" {
		return review(ReviewUnknownReference, "no RF reference in the transfer", "")
	}
	p, ok, err := findPayment(tx, "reference", l.Reference)
	if err != nil {
		return err
	}
	switch {
	case !ok:
		return review(ReviewUnknownReference, "no payment has reference "+l.Reference, "")
	case p.CooperativeID != cooperativeID:
		// Say nothing about the other cooperative.
		return review(ReviewOtherCooperative, "the reference is not one of this cooperative's", "")
	case l.Currency != p.Currency:
		return review(ReviewWrongCurrency, "a credit in "+l.Currency+" for a payment in "+p.Currency, p.ID)
	case p.PostedReceived > 0 || p.Status == PaymentProcessing || p.Reversed:
		return review(ReviewAlreadyPaid, "the payment is "+string(p.Status)+" already", p.ID)
	}
	if reason, detail, err := ps.receivable(tx, p); err != nil {
		return err
	} else if reason != "" {
		return review(reason, detail, p.ID)
	}
	switch {
	case l.Amount < p.Amount:
		return review(ReviewPartial, "less than the amount due", p.ID)
	case l.Amount > p.Amount:
		return review(ReviewOverpayment, "more than the amount due", p.ID)
	}
	notice, err := assignBankCredit(tx, ps, actor, &p, id, l.Amount, l.BookedOn, now)
	if err != nil {
		return err
	}
	if notice != nil {
		// Received (the money is in the bank) but its subscription could not take it.
		n := *notice
		n.CooperativeID, n.Source, n.SourceID, n.Reference, n.Payer, n.BookedOn = cooperativeID, "bank", id, l.Reference, l.Payer, l.BookedOn
		if err := queueReview(tx, n, now); err != nil {
			return err
		}
	}
	l.Outcome, l.PaymentID = "matched", p.ID
	t.Matched++
	t.MatchedAmount += l.Amount
	return nil
}

// Outgoing places statement lines about money the cooperative sent: the debit of a
// payout it made, or that payout coming back. Payouts implements it; whoever wires the
// services hands it in with the Payables (WithOutgoing).
type Outgoing interface {
	// OpenLines begins placing the lines of one batch of a statement, inside the
	// transaction that stores them; the batch's Close is called before it commits.
	OpenLines(tx cooperative.Tx, actor cooperative.Actor, cooperativeID string, now time.Time) OutgoingLines
}

// OutgoingLines places the lines of one batch (see Outgoing).
type OutgoingLines interface {
	// Match is offered each booked line that carries an end-to-end id and is a debit,
	// or a credit with return information (lineID names the line for ever). It places
	// what it recognises once, and says what it did; a line it does not know is not
	// Handled, and is treated as any other. An error refuses the whole batch.
	Match(lineID string, l BankLine) (OutgoingMatch, error)
	// Close posts what the batch's lines gathered.
	Close() error
}

// OutgoingMatch is what Outgoing did with a line.
type OutgoingMatch struct {
	Handled bool
	// Outcome is "paid" or "returned" when placed, "review" when Review is set.
	Outcome  string
	PayoutID string         // the payout (its end-to-end id) the line is about
	Review   *PaymentReview // what the accountant must look at; queued by the caller
}

func matchOutgoing(tx cooperative.Tx, o OutgoingLines, cooperativeID, id string, l *BankLine, t *BankImportTally, now time.Time) (bool, error) {
	m, err := o.Match(id, *l)
	if err != nil || !m.Handled {
		return false, err
	}
	l.Outcome, l.PaymentID = m.Outcome, m.PayoutID
	switch m.Outcome {
	case "paid":
		t.PayoutsPaid++
	case "returned":
		t.PayoutsReturned++
	}
	if m.Review != nil {
		r := *m.Review
		r.CooperativeID, r.Source, r.SourceID, r.Amount, r.Currency, r.Payer, r.BookedOn = cooperativeID, "bank", id, l.Amount, l.Currency, l.Payer, l.BookedOn
		l.Outcome = "review"
		t.Review++
		t.ReviewAmount += l.Amount
		if err := queueReview(tx, r, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// BankStatementImport is what the audit log keeps of one statement import.
type BankStatementImport struct {
	FileName   string          `json:"fileName,omitempty"` // as the client named it, if it did
	SHA256     string          `json:"sha256"`             // of the bytes read: the whole file when complete
	Bytes      int64           `json:"bytes"`
	MessageID  string          `json:"messageId"`
	Statements int             `json:"statements"`
	Tally      BankImportTally `json:"tally"`
	Complete   bool            `json:"complete"`
	Error      string          `json:"error,omitempty"` // why an import stopped halfway
}

// AuditBankImport writes the audit entry of a statement import by actor: who imported
// which file and what it matched. An import commits in batches, so this entry has a
// transaction of its own, after them; the money each batch moved is audited in that
// batch's transaction (markSubscriptionPaid, receive).
func (ps *Payments) AuditBankImport(ctx context.Context, actor cooperative.Actor, cooperativeID string, imp BankStatementImport) error {
	imp.FileName = notify.TruncateText(imp.FileName, 255)
	id := imp.MessageID
	if id == "" {
		id = imp.SHA256
	}
	return ps.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		return cooperative.AppendAudit(tx, actor, cooperativeID, "bank_statement.import", "bank_statement", id, nil, imp, now)
	})
}
