package payments

// What a payment pays for. The payment code knows money (Stripe's and the bank's facts,
// the postings that follow them); what the money is for (a share subscription, a
// membership fee, later a bond or a payout's reversal) it reaches only through a
// Payable, found by the payment's purpose in a Payables registry that whoever builds the
// services passes in. Adding something that can be paid is implementing Payable and
// registering it: the payment code does not change.

import (
	"context"
	"sort"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
)

// Payable is what the payment code needs from a thing that can be paid. Each method runs
// inside the transaction that learnt of the money, and may be called again for the same
// payment after a retry: its postings are keyed, so they are made once.
type Payable interface {
	// Receivable says why a payment cannot be posted at all (a review reason and a
	// detail for the accountant: what it pays for does not exist), or "" when it can.
	// A payable that exists but can no longer take the money says so from Receive.
	Receivable(tx cooperative.Tx, p Payment) (ReviewReason, string, error)
	// Receive applies the payment's whole amount, which arrived on debit on date (Dr
	// debit / Cr what the payable credits), and posts it once. A payable that can no
	// longer take the money returns an ERULE error saying why, or a Receipt with Seq 0
	// when it was paid already; it must then have written nothing, and the payment code
	// posts the money to refunds payable with an item for review.
	Receive(tx cooperative.Tx, actor cooperative.Actor, p Payment, debit ledger.AccountCode, date cooperative.Date, now time.Time) (Receipt, error)
	// Unwind undoes what Receive did, when the money is taken back after it was applied:
	// a payment that failed late (a SEPA Direct Debit returned days later). The payment
	// code reverses the receipt itself; Unwind undoes the rest (shares issued for it,
	// entries that moved the money on). What cannot be undone is returned as an item
	// for review. Refunds and lost disputes do not unwind: they queue an item, and the
	// board settles what was paid for with the payer.
	Unwind(tx cooperative.Tx, p Payment, date cooperative.Date, now time.Time) (Unwound, error)
}

// Receipt is what a Payable posted for money it received.
type Receipt struct {
	Seq int64              // the ledger entry of the receipt; 0 when nothing was posted (paid already)
	To  ledger.AccountCode // the account the receipt credited
	// Audited: the payable wrote the receipt's audit entry (with its own record as
	// the subject); otherwise the payment code writes one for the payment.
	Audited bool
}

// Unwound is what unwinding did that someone must hear about.
type Unwound struct {
	// Review, when set, is what could not be undone: the accountant settles it.
	Review *PaymentReview
	// Mail is added to the data of the payer's mail about the failed payment (for
	// shares: that they were cancelled).
	Mail map[string]string
}

// Payables finds the Payable of a payment by its purpose. It is built once, by whoever
// wires the services (NewPayables), and handed to the payment code that receives money.
type Payables struct {
	byPurpose map[string]Payable
	outgoing  Outgoing
}

// WithOutgoing returns ps that also hands statement lines about the cooperative's own
// payouts to o.
func (ps Payables) WithOutgoing(o Outgoing) Payables {
	ps.outgoing = o
	return ps
}

// NewPayables registers a Payable per purpose.
func NewPayables(byPurpose map[string]Payable) Payables {
	m := make(map[string]Payable, len(byPurpose))
	for purpose, p := range byPurpose {
		m[purpose] = p
	}
	return Payables{byPurpose: m}
}

// For returns the Payable of purpose.
func (ps Payables) For(purpose string) (Payable, bool) {
	p, ok := ps.byPurpose[purpose]
	return p, ok
}

// Purposes lists the registered purposes, sorted.
func (ps Payables) Purposes() []string {
	out := make([]string, 0, len(ps.byPurpose))
	for k := range ps.byPurpose {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// payableOf is the Payable of p, or a review reason when nothing is registered for its
// purpose (a payment made by code that is no longer wired).
func (ps Payables) payableOf(p Payment) (Payable, ReviewReason, string) {
	if pb, ok := ps.For(p.Purpose); ok {
		return pb, "", ""
	}
	return nil, ReviewUnknownSubscription, "nothing in Kracht takes payments for " + p.Purpose
}

// receivable says why p cannot be received now (a review reason), or "" when it can.
func (ps Payables) receivable(tx cooperative.Tx, p Payment) (ReviewReason, string, error) {
	pb, reason, detail := ps.payableOf(p)
	if pb == nil {
		return reason, detail, nil
	}
	return pb.Receivable(tx, p)
}

// LedgerPayable is a Payable that is only an account: a receipt credits Credit, and
// nothing else keeps track of it (a membership fee, which membership_fees_income
// records). Unwinding leaves nothing to undo beyond the receipt's reversal.
type LedgerPayable struct {
	Credit ledger.AccountCode
}

// Receivable: an account always takes money.
func (LedgerPayable) Receivable(cooperative.Tx, Payment) (ReviewReason, string, error) {
	return "", "", nil
}

// Receive posts Dr debit / Cr the account.
func (l LedgerPayable) Receive(tx cooperative.Tx, _ cooperative.Actor, p Payment, debit ledger.AccountCode, date cooperative.Date, _ time.Time) (Receipt, error) {
	e, err := postPayment(tx, p.CooperativeID, "payment-received:"+p.ID, date, "Payment "+p.ID+" ("+p.Reference+")",
		p.source(), debit, l.Credit, p.Amount)
	return Receipt{Seq: e.Seq, To: l.Credit}, err
}

// Unwind has nothing to undo.
func (LedgerPayable) Unwind(cooperative.Tx, Payment, cooperative.Date, time.Time) (Unwound, error) {
	return Unwound{}, nil
}

// Payments receives money for what the Payables it was built with pay for: Stripe's
// events, bank credits, and the accountant's decisions on what waited for review. It is
// built once, by whoever wires the services, and every write goes through its runner
// (whose clock is the time of each transaction).
type Payments struct {
	run      *cooperative.Runner
	payables Payables
}

// NewPayments returns the payment service writing through run. It panics without a
// runner: that is a wiring mistake, found at start-up.
func NewPayments(run *cooperative.Runner, payables Payables) *Payments {
	if run == nil {
		panic("cooperative: NewPayments needs a runner")
	}
	return &Payments{run: run, payables: payables}
}

// Now is the time of the service's clock (the runner's), for what it decides beside
// its transactions: whether a webhook's signature is fresh.
func (ps *Payments) Now() time.Time { return ps.run.Now() }

// ProcessStripeEvent applies the stored event id, with the payout's balance
// transactions when StripeEventNeeds asked for them. It returns the event as it is
// afterwards. Applying a done event does nothing.
func (ps *Payments) ProcessStripeEvent(ctx context.Context, id string, lines []StripeBalanceLine) (StoredStripeEvent, error) {
	return processStripeEvent(ctx, ps.run, ps.payables, id, lines)
}

// ImportBankLines stores and matches a batch of lines of cooperativeID's statement in
// one transaction. Lines already stored are counted as duplicates and left alone. by is
// who imports the statement: what a match marks paid is audited with the bank import as
// the actor (role bank_import), on by's behalf.
func (ps *Payments) ImportBankLines(ctx context.Context, by cooperative.Actor, cooperativeID string, lines []BankLine) (BankImportTally, error) {
	var t BankImportTally
	err := ps.run.Update(ctx, func(tx cooperative.Tx, now time.Time) (err error) {
		t, err = importBankLines(tx, ps.payables, by, cooperativeID, lines, now)
		return err
	})
	return t, err
}

// ResolvePaymentReview settles an open item. Assigning a bank credit posts it to the
// payment (the accountant has judged it: a partial payment counts towards what is due,
// an overpayment is posted in full and the surplus is for the board to refund).
// Assigning is only for bank credits: a Stripe event is settled by Stripe's own events.
func (ps *Payments) ResolvePaymentReview(ctx context.Context, cooperativeID, reviewID string, res ReviewResolution) (PaymentReview, error) {
	return resolvePaymentReview(ctx, ps.run, ps.payables, cooperativeID, reviewID, res)
}
