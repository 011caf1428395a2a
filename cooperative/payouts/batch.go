package payouts

import (
	"context"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
)

// Payouts is the payout service: batches of payables, from gathering to the bank.
type Payouts struct {
	run *cooperative.Runner
}

// NewPayouts returns the payout service writing through run. It panics without a
// runner: that is a wiring mistake, found at start-up.
func NewPayouts(run *cooperative.Runner) *Payouts {
	if run == nil {
		panic("payouts: NewPayouts needs a runner")
	}
	return &Payouts{run: run}
}

// BatchStatus is where a batch is:
//
//	draft → approved → sent
//	draft|approved → cancelled (its payables are open again)
//
// An approved batch is frozen: its payments, amounts and accounts no longer change.
type BatchStatus string

const (
	BatchDraft     BatchStatus = "draft"
	BatchApproved  BatchStatus = "approved"
	BatchSent      BatchStatus = "sent"
	BatchCancelled BatchStatus = "cancelled"
)

// Batch is a set of payments to the bank in one file.
type Batch struct {
	ID            string `json:"id"`
	CooperativeID string `json:"cooperativeId"`
	// MessageID names the file to the bank (pain.001 MsgId and PmtInfId).
	MessageID string `json:"messageId"`
	// Reason and DueBy are what the maker gathered by ("" reason: every reason).
	Reason        Reason           `json:"reason,omitempty"`
	DueBy         cooperative.Date `json:"dueBy"`
	ExecutionDate cooperative.Date `json:"executionDate"`
	Status        BatchStatus      `json:"status"`
	Payments      int              `json:"payments"`
	TotalCents    int64            `json:"totalCents"`
	CreatedBy     string           `json:"createdBy"`
	CreatedAt     time.Time        `json:"createdAt"`
	ApprovedBy    string           `json:"approvedBy,omitempty"`
	ApprovedAt    time.Time        `json:"approvedAt,omitzero"`
	SentBy        string           `json:"sentBy,omitempty"`
	SentAt        time.Time        `json:"sentAt,omitzero"`
	SentSeq       int64            `json:"sentSeq,omitempty"` // the ledger entry Dr payables / Cr payouts in transit
	CancelledBy   string           `json:"cancelledBy,omitempty"`
	CancelledAt   time.Time        `json:"cancelledAt,omitzero"`
	version       int64
}

const (
	collectionBatches   = "payout_batches"
	collectionTransfers = "payout_transfers"
)

func (b Batch) record() cooperative.Record {
	return cooperative.Record{Collection: collectionBatches, ID: b.ID, Version: b.version, Data: cooperative.Encode(b),
		Index: map[string]string{"cooperative": b.CooperativeID}}
}

// TransferStatus is where one payment of a batch is.
type TransferStatus string

const (
	TransferInBatch   TransferStatus = "in_batch" // the batch is not sent yet
	TransferSent      TransferStatus = "sent"
	TransferPaid      TransferStatus = "paid"     // the debit is on a statement
	TransferReturned  TransferStatus = "returned" // the bank sent it back
	TransferCancelled TransferStatus = "cancelled"
)

// Transfer is one payment of a batch: a payable, to the account its payee had when the
// batch was made, frozen with the batch. Its id is its end-to-end id, which the bank
// hands back on the statement.
type Transfer struct {
	ID            string `json:"endToEndId"`
	CooperativeID string `json:"cooperativeId"`
	BatchID       string `json:"batchId"`
	PayableID     string `json:"payableId"`
	MemberID      string `json:"memberId"`
	Reason        Reason `json:"reason"`
	Account       string `json:"account"`
	AmountCents   int64  `json:"amountCents"`
	Name          string `json:"name"`
	IBAN          string `json:"iban"`
	// Payee: the payable's own payee was paid, not the member's payout account.
	Payee        bool             `json:"payee,omitempty"`
	Text         string           `json:"text"`
	Status       TransferStatus   `json:"status"`
	DebitLine    string           `json:"debitLine,omitempty"` // the statement line that paid it
	PaidOn       cooperative.Date `json:"paidOn,omitempty"`
	ReturnLine   string           `json:"returnLine,omitempty"`
	ReturnedOn   cooperative.Date `json:"returnedOn,omitempty"`
	ReturnReason string           `json:"returnReason,omitempty"`
	version      int64
}

func (t Transfer) record() cooperative.Record {
	return cooperative.Record{Collection: collectionTransfers, ID: t.ID, Version: t.version, Data: cooperative.Encode(t),
		Index: map[string]string{"batch": t.BatchID, "member": t.CooperativeID + ":" + t.MemberID}}
}

// EndToEndPrefix starts every end-to-end id Kracht makes: a statement line that
// carries one is a payout of Kracht's, found or not.
const EndToEndPrefix = "KP"

// newEndToEndID is "KP" and the 32 hex digits of a new id: 34 characters, within
// SEPA's 35, unique over the platform.
func newEndToEndID() string { return EndToEndPrefix + strings.ReplaceAll(cooperative.NewID(), "-", "") }

// IsEndToEndID reports whether s has the form of Kracht's end-to-end ids.
func IsEndToEndID(s string) bool {
	if len(s) != 34 || !strings.HasPrefix(s, EndToEndPrefix) {
		return false
	}
	return strings.Trim(s[2:], "0123456789abcdef") == ""
}

func getBatch(tx cooperative.Tx, cooperativeID, id string) (Batch, error) {
	if !cooperative.ValidID(id) {
		return Batch{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a batch id", id)
	}
	b, rec, err := cooperative.GetAs[Batch](tx, collectionBatches, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && b.CooperativeID != cooperativeID) {
		return Batch{}, cooperative.Errorf(cooperative.ENOTFOUND, "batch %s not found", id)
	}
	b.version = rec.Version
	return b, err
}

func saveBatch(tx cooperative.Tx, b *Batch) error {
	rec, err := cooperative.Put(tx, b.record())
	if err == nil {
		b.version = rec.Version
	}
	return err
}

// NewBatch is what an accountant gathers into a batch: every open payable of Reason
// ("" for every reason) due on or before DueBy, or exactly PayableIDs.
type NewBatch struct {
	Reason     Reason
	DueBy      cooperative.Date // "" is today
	PayableIDs []string
	// ExecutionDate is the day the bank is asked to pay: today or later ("" is today).
	ExecutionDate cooperative.Date
}

// Skipped is a due payable a batch could not take, and why.
type Skipped struct {
	PayableID   string `json:"payableId"`
	MemberID    string `json:"memberId"`
	AmountCents int64  `json:"amountCents"`
	Why         string `json:"why"`
}

// BatchResult is a batch as made, with the due payables it left waiting.
type BatchResult struct {
	Batch   Batch     `json:"batch"`
	Skipped []Skipped `json:"skipped"`
}

// maxPayableIDs bounds a batch named payable by payable; gathering by reason and date has
// no such limit.
const maxPayableIDs = 1000

// CreateBatch gathers payables into a new draft batch made by actor. Gathering by
// reason and date takes every open payable that is due and whose payee has an account
// payouts may go to, and lists the others as skipped. Named payables must each be open
// and payable: one in another batch (ERULE payable_in_batch), paid, or whose payee has
// no such account refuses the batch. A batch with nothing in it is refused
// (batch_empty). Each payment takes its payee's account as it is now: the batch is what
// the approver sees and what the bank is asked to pay.
func (s *Payouts) CreateBatch(ctx context.Context, actor cooperative.Actor, cooperativeID string, in NewBatch) (BatchResult, error) {
	today := cooperative.DateOf(s.run.Now())
	if in.DueBy == "" {
		in.DueBy = today
	}
	if in.ExecutionDate == "" {
		in.ExecutionDate = today
	}
	for field, d := range map[string]cooperative.Date{"dueBy": in.DueBy, "executionDate": in.ExecutionDate} {
		if _, err := cooperative.ParseDate(string(d)); err != nil {
			return BatchResult{}, cooperative.Errorf(cooperative.EINVALID, "%s: %s", field, cooperative.ErrorMessage(err))
		}
	}
	if in.Reason != "" && !in.Reason.valid() {
		return BatchResult{}, cooperative.Errorf(cooperative.EINVALID, "reason %q is not one of share_redemption, refund, "+
			"bond_interest, bond_principal, dividend, grant", in.Reason)
	}
	if len(in.PayableIDs) > maxPayableIDs {
		return BatchResult{}, cooperative.Errorf(cooperative.EINVALID, "name at most %d payables; gather more by reason and date", maxPayableIDs)
	}
	seen := map[string]bool{}
	for _, id := range in.PayableIDs {
		if !cooperative.ValidID(id) {
			return BatchResult{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a payable id", id)
		}
		if seen[id] {
			return BatchResult{}, cooperative.Errorf(cooperative.EINVALID, "payable %s is named twice", id)
		}
		seen[id] = true
	}
	var res BatchResult
	err := s.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		today := cooperative.DateOf(now)
		if in.ExecutionDate.Before(today) {
			return cooperative.Errorf(cooperative.EINVALID, "executionDate %s is in the past", in.ExecutionDate)
		}
		res = BatchResult{Skipped: []Skipped{}}
		b := Batch{ID: cooperative.NewID(), CooperativeID: cooperativeID, MessageID: "KB" + strings.ReplaceAll(cooperative.NewID(), "-", ""),
			Reason: in.Reason, DueBy: in.DueBy, ExecutionDate: in.ExecutionDate, Status: BatchDraft,
			CreatedBy: actor.UserID, CreatedAt: now.UTC()}
		if _, err := cooperative.GetCooperativeTx(tx, cooperativeID); err != nil {
			return err
		}
		take := func(p Payable) error {
			why, acct, err := waiting(tx, p)
			if err != nil {
				return err
			}
			if why != "" {
				if len(in.PayableIDs) > 0 {
					return cooperative.RuleError("payee_account", "payable %s cannot be paid yet: %s", p.ID, why)
				}
				res.Skipped = append(res.Skipped, Skipped{PayableID: p.ID, MemberID: p.MemberID, AmountCents: p.AmountCents, Why: why})
				return nil
			}
			t := Transfer{ID: newEndToEndID(), CooperativeID: cooperativeID, BatchID: b.ID, PayableID: p.ID, MemberID: p.MemberID,
				Reason: p.Reason, Account: p.Account, AmountCents: p.AmountCents, Name: acct.Holder, IBAN: acct.IBAN, Text: p.Text,
				Payee: p.Payee != nil, Status: TransferInBatch}
			if _, err := tx.Insert(t.record()); err != nil {
				return err
			}
			p.Status, p.BatchID, p.TransferID = PayableBatched, b.ID, t.ID
			if err := savePayable(tx, &p, now); err != nil {
				return err
			}
			total, err := cooperative.AddMoney(b.TotalCents, p.AmountCents)
			if err != nil {
				return err
			}
			b.Payments++
			b.TotalCents = total
			return nil
		}
		if len(in.PayableIDs) > 0 {
			for _, id := range in.PayableIDs {
				p, err := getPayable(tx, cooperativeID, id)
				if err != nil {
					return err
				}
				shown := p
				if err := settle(tx, &shown); err != nil {
					return err
				}
				switch shown.Status {
				case PayableBatched, PayableSent:
					return cooperative.RuleError("payable_in_batch", "payable %s is in batch %s already: a payable is in one batch at a time", p.ID, p.BatchID)
				case PayablePaid:
					return cooperative.RuleError("payable_paid", "payable %s was paid on %s", p.ID, shown.PaidOn)
				}
				if err := take(p); err != nil {
					return err
				}
			}
		} else {
			q := cooperative.Query{Collection: collectionPayables, Index: "open", Value: cooperativeID,
				Limit: cooperative.MaxPageSize}
			for {
				page, err := tx.Find(q)
				if err != nil {
					return err
				}
				for _, rec := range page.Records {
					var p Payable
					if err := cooperative.Decode(rec, &p); err != nil {
						return err
					}
					p.version = rec.Version
					if p.Status != PayableOpen || in.DueBy.Before(p.DueOn) || (in.Reason != "" && p.Reason != in.Reason) {
						continue
					}
					if err := take(p); err != nil {
						return err
					}
				}
				if page.Next == "" {
					break
				}
				q.After = page.Next
			}
		}
		if b.Payments == 0 {
			msg := "no open payable is due by " + string(in.DueBy)
			if in.Reason != "" {
				msg += " for " + string(in.Reason)
			}
			if len(res.Skipped) > 0 {
				msg += "; the due ones wait for their payee's account (list payables to see why)"
			}
			return cooperative.RuleError("batch_empty", "%s: a batch needs at least one payment", msg)
		}
		if err := saveBatch(tx, &b); err != nil {
			return err
		}
		res.Batch = b
		return cooperative.AppendAudit(tx, actor, cooperativeID, "payout_batch.create", "payout_batch", b.ID, nil, b, now)
	})
	return res, err
}

// ApproveBatch is the second person's approval: anyone but the batch's maker (the
// handlers let a board member or an accountant). Approving an approved batch again is
// harmless; from here on the batch is frozen.
func (s *Payouts) ApproveBatch(ctx context.Context, actor cooperative.Actor, cooperativeID, batchID string) (Batch, error) {
	var b Batch
	err := s.run.Update(ctx, func(tx cooperative.Tx, now time.Time) (err error) {
		if b, err = getBatch(tx, cooperativeID, batchID); err != nil {
			return err
		}
		switch {
		case b.CreatedBy == actor.UserID:
			return cooperative.RuleError("four_eyes", "the batch was made by you: another board member or accountant approves it")
		case b.Status == BatchApproved || b.Status == BatchSent:
			return nil
		case b.Status != BatchDraft:
			return cooperative.RuleError("batch_draft", "the batch is %s: only a draft is approved", b.Status)
		}
		before := b
		b.Status, b.ApprovedBy, b.ApprovedAt = BatchApproved, actor.UserID, now.UTC()
		if err := saveBatch(tx, &b); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "payout_batch.approve", "payout_batch", b.ID, before, b, now)
	})
	return b, err
}

// CancelBatch drops a batch that was not sent: its payables are open again, for another
// batch. A sent batch is with the bank; what it could not pay comes back as returns.
func (s *Payouts) CancelBatch(ctx context.Context, actor cooperative.Actor, cooperativeID, batchID string) (Batch, error) {
	var b Batch
	err := s.run.Update(ctx, func(tx cooperative.Tx, now time.Time) (err error) {
		if b, err = getBatch(tx, cooperativeID, batchID); err != nil {
			return err
		}
		switch b.Status {
		case BatchCancelled:
			return nil
		case BatchSent:
			return cooperative.RuleError("batch_sent", "the batch was sent to the bank on %s: it cannot be cancelled", cooperative.DateOf(b.SentAt))
		}
		before := b
		err = eachTransfer(tx, b.ID, func(t Transfer) error {
			p, err := getPayable(tx, cooperativeID, t.PayableID)
			if err != nil {
				return err
			}
			if p.TransferID == t.ID {
				p.Status, p.BatchID, p.TransferID = PayableOpen, "", ""
				if err := savePayable(tx, &p, now); err != nil {
					return err
				}
			}
			t.Status = TransferCancelled
			_, err = tx.Replace(t.record())
			return err
		})
		if err != nil {
			return err
		}
		b.Status, b.CancelledBy, b.CancelledAt = BatchCancelled, actor.UserID, now.UTC()
		if err := saveBatch(tx, &b); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "payout_batch.cancel", "payout_batch", b.ID, before, b, now)
	})
	return b, err
}

// MarkSent records that the accountant gave an approved batch's file to the bank: one
// entry moves every payment's amount from the liability it sat on to payouts in
// transit, where it waits for the statement. Marking it again is harmless.
func (s *Payouts) MarkSent(ctx context.Context, actor cooperative.Actor, cooperativeID, batchID string) (Batch, error) {
	var b Batch
	err := s.run.Update(ctx, func(tx cooperative.Tx, now time.Time) (err error) {
		if b, err = getBatch(tx, cooperativeID, batchID); err != nil {
			return err
		}
		switch b.Status {
		case BatchSent:
			return nil
		case BatchApproved:
		default:
			return cooperative.RuleError("batch_approved", "the batch is %s: only an approved batch is sent", b.Status)
		}
		return markSent(tx, actor, &b, now)
	})
	return b, err
}

// markSent posts batch b as sent and marks its payments and payables so.
func markSent(tx cooperative.Tx, actor cooperative.Actor, b *Batch, now time.Time) error {
	before := *b
	byAccount := map[string]int64{}
	var accounts []string
	var sum int64
	err := eachTransfer(tx, b.ID, func(t Transfer) error {
		if _, ok := byAccount[t.Account]; !ok {
			accounts = append(accounts, t.Account)
		}
		var err error
		if byAccount[t.Account], err = cooperative.AddMoney(byAccount[t.Account], t.AmountCents); err != nil {
			return err
		}
		if sum, err = cooperative.AddMoney(sum, t.AmountCents); err != nil {
			return err
		}
		p, err := getPayable(tx, b.CooperativeID, t.PayableID)
		if err != nil {
			return err
		}
		if p.TransferID == t.ID && p.Status == PayableBatched {
			p.Status = PayableSent
			if err := savePayable(tx, &p, now); err != nil {
				return err
			}
		}
		t.Status = TransferSent
		_, err = tx.Replace(t.record())
		return err
	})
	if err != nil {
		return err
	}
	if sum != b.TotalCents {
		return cooperative.Errorf(cooperative.EINTERNAL, "batch %s: its payments sum to %d, its total is %d", b.ID, sum, b.TotalCents)
	}
	lines := make([]ledger.Line, 0, len(accounts)+1)
	for _, a := range accounts {
		lines = append(lines, ledger.Line{Account: a, Amount: byAccount[a]})
	}
	lines = append(lines, ledger.Line{Account: string(ledger.AccountPayoutsInTransit), Amount: -sum})
	e, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: b.CooperativeID, Key: "payout-batch-sent:" + b.ID,
		BookingDate: cooperative.DateOf(now), Description: "Payout batch " + b.MessageID + " sent to the bank",
		Source: ledger.Source{Type: "payout_batch", ID: b.ID}, Lines: lines})
	if err != nil {
		return err
	}
	b.Status, b.SentBy, b.SentAt, b.SentSeq = BatchSent, actor.UserID, now.UTC(), e.Seq
	if err := saveBatch(tx, b); err != nil {
		return err
	}
	return cooperative.AppendAudit(tx, actor, b.CooperativeID, "payout_batch.sent", "payout_batch", b.ID, before, *b, now)
}

// eachTransfer calls fn for every payment of batch batchID, in the order they were made.
func eachTransfer(tx cooperative.Tx, batchID string, fn func(Transfer) error) error {
	q := cooperative.Query{Collection: collectionTransfers, Index: "batch", Value: batchID, Limit: cooperative.MaxPageSize}
	for {
		page, err := tx.Find(q)
		if err != nil {
			return err
		}
		for _, rec := range page.Records {
			var t Transfer
			if err := cooperative.Decode(rec, &t); err != nil {
				return err
			}
			t.version = rec.Version
			if err := fn(t); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}

// BatchView is a batch with where its payments are.
type BatchView struct {
	Batch
	// Count of payments per status (in_batch, sent, paid, returned, cancelled).
	ByStatus map[TransferStatus]int `json:"byStatus"`
}

// GetBatch returns one batch of the cooperative with its payments counted by status.
func (s *Payouts) GetBatch(ctx context.Context, cooperativeID, batchID string) (BatchView, error) {
	var v BatchView
	err := s.run.View(ctx, func(tx cooperative.Tx) error {
		b, err := getBatch(tx, cooperativeID, batchID)
		if err != nil {
			return err
		}
		v = BatchView{Batch: b, ByStatus: map[TransferStatus]int{}}
		return eachTransfer(tx, b.ID, func(t Transfer) error {
			v.ByStatus[t.Status]++
			return nil
		})
	})
	return v, err
}

// ListBatches returns a page of the cooperative's batches, oldest first.
func (s *Payouts) ListBatches(ctx context.Context, cooperativeID, after string, limit int) ([]Batch, string, error) {
	return cooperative.ListPage[Batch](ctx, s.run.Store(), cooperative.Query{Collection: collectionBatches, Index: "cooperative",
		Value: cooperativeID, After: after, Limit: limit})
}

// ListTransfers returns a page of a batch's payments, in the order they were gathered.
func (s *Payouts) ListTransfers(ctx context.Context, cooperativeID, batchID, after string, limit int) ([]Transfer, string, error) {
	if err := cooperative.CheckCursor(after); err != nil {
		return nil, "", err
	}
	var (
		list []Transfer
		next string
	)
	err := s.run.View(ctx, func(tx cooperative.Tx) (err error) {
		if _, err := getBatch(tx, cooperativeID, batchID); err != nil {
			return err
		}
		list, next, err = cooperative.FindAs[Transfer](tx, cooperative.Query{Collection: collectionTransfers, Index: "batch",
			Value: batchID, After: after, Limit: cooperative.ClampLimit(limit)})
		return err
	})
	return list, next, err
}

// Instruction is what the bank is asked to do for an approved batch: the cooperative's
// account pays each transfer on the execution date. payments/sepa writes it as a file.
type Instruction struct {
	Batch      Batch
	DebtorName string
	DebtorIBAN string
	DebtorBIC  string
	Transfers  []Transfer
}

// Instruction returns the instruction of an approved (or sent) batch: a draft is not
// approved yet, a cancelled one is not to be paid.
func (s *Payouts) Instruction(ctx context.Context, cooperativeID, batchID string) (Instruction, error) {
	var in Instruction
	err := s.run.View(ctx, func(tx cooperative.Tx) error {
		b, err := getBatch(tx, cooperativeID, batchID)
		if err != nil {
			return err
		}
		if b.Status != BatchApproved && b.Status != BatchSent {
			return cooperative.RuleError("batch_approved", "the batch is %s: only an approved batch has a file for the bank", b.Status)
		}
		c, err := cooperative.GetCooperativeTx(tx, cooperativeID)
		if err != nil {
			return err
		}
		in = Instruction{Batch: b, DebtorName: c.Name, DebtorIBAN: c.IBAN, DebtorBIC: c.BIC,
			Transfers: make([]Transfer, 0, b.Payments)}
		return eachTransfer(tx, b.ID, func(t Transfer) error {
			if t.Status == TransferCancelled {
				return nil
			}
			in.Transfers = append(in.Transfers, t)
			return nil
		})
	})
	return in, err
}
