package payouts

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

// Statement places the cooperative's own payouts on its bank statements: it is the
// payments.Outgoing that whoever wires the services hands to the payment code.
type Statement struct{}

// returnReasons names the return codes banks use most (ISO 20022 ExternalReturnReason1Code,
// as the EPC lists them for SEPA credit transfers), for the member's mail and the
// accountant; another code is shown as it is.
var returnReasons = map[string]string{
	"AC01": "the account number is wrong",
	"AC04": "the account is closed",
	"AC06": "the account is blocked",
	"AC13": "the account is not a consumer account",
	"AG01": "the bank does not allow this transfer to the account",
	"AG02": "the bank refused the operation",
	"AM05": "the transfer was a duplicate",
	"BE04": "the payee's address is missing",
	"FF01": "the file was not valid",
	"MD07": "the account holder has died",
	"MS02": "the payee refused it",
	"MS03": "no reason given",
	"RC01": "the bank code is wrong",
	"RR01": "the payee's account or identification is missing",
	"RR02": "the payee's name or address is missing",
	"RR03": "the payee's name or address is missing",
	"RR04": "regulatory reasons",
}

// ReturnReasonText says in words why the bank returned a payment: "AC04 account closed".
func ReturnReasonText(code string) string {
	if code == "" {
		return "returned by the bank without a reason code"
	}
	if text, ok := returnReasons[code]; ok {
		return code + ": " + text
	}
	return code
}

// OpenLines begins placing one batch of a statement's lines (payments.Outgoing).
func (Statement) OpenLines(tx cooperative.Tx, actor cooperative.Actor, cooperativeID string, now time.Time) payments.OutgoingLines {
	return &statementLines{tx: tx, actor: actor, cooperativeID: cooperativeID, now: now, debits: map[cooperative.Date]*debits{}}
}

// statementLines places the lines of one batch. The debits it finds are posted together
// when it closes, one entry per booking date, as a bank books a batch: a statement of
// 100,000 payouts is then a few entries, not 100,000, and each payout keeps the line
// that paid it. A return is posted on its own, at once.
type statementLines struct {
	tx            cooperative.Tx
	actor         cooperative.Actor
	cooperativeID string
	now           time.Time
	debits        map[cooperative.Date]*debits
}

// debits are the payouts debited on one booking date within a batch of lines.
type debits struct {
	First, FirstLine, LastLine string // the first payout and the first and last lines, which name the entry
	Payments                   int
	TotalCents                 int64
	BookedOn                   cooperative.Date
}

// Match places one statement line (see payments.OutgoingLines). A line whose end-to-end
// id is not Kracht's form is not handled. One of Kracht's ids that is another
// cooperative's payout refuses the batch (ERULE payout_other_cooperative): a statement of
// one cooperative's account cannot hold another's payouts, so it is the wrong file.
func (s *statementLines) Match(lineID string, l payments.BankLine) (payments.OutgoingMatch, error) {
	tx, cooperativeID := s.tx, s.cooperativeID
	if !IsEndToEndID(l.EndToEndID) {
		return payments.OutgoingMatch{}, nil
	}
	t, rec, err := cooperative.GetAs[Transfer](tx, collectionTransfers, l.EndToEndID)
	review := func(reason payments.ReviewReason, detail string) (payments.OutgoingMatch, error) {
		return payments.OutgoingMatch{Handled: true, Outcome: "review", PayoutID: l.EndToEndID,
			Review: &payments.PaymentReview{Reason: reason, Detail: detail}}, nil
	}
	switch {
	case cooperative.ErrorCode(err) == cooperative.ENOTFOUND:
		return review(payments.ReviewPayoutUnknown, "no payout of this cooperative has end-to-end id "+l.EndToEndID)
	case err != nil:
		return payments.OutgoingMatch{}, err
	case t.CooperativeID != cooperativeID:
		return payments.OutgoingMatch{}, cooperative.RuleError("payout_other_cooperative", "the statement holds a payment "+
			"(end-to-end id %s) of a batch that is not this cooperative's: is it the statement of another account? Nothing "+
			"of this part of the statement was imported", l.EndToEndID)
	case l.Currency != "EUR" || l.Amount != t.AmountCents:
		return review(payments.ReviewPayoutMismatch, "payout "+t.ID+" was "+cooperative.FormatEuro(t.AmountCents, "en")+
			"; the statement line is another amount or currency")
	case t.Status == TransferCancelled:
		return review(payments.ReviewPayoutMismatch, "payout "+t.ID+" is in a cancelled batch: it was never to be paid")
	}
	t.version = rec.Version
	if t.Status == TransferInBatch {
		b, err := getBatch(tx, cooperativeID, t.BatchID)
		if err != nil {
			return payments.OutgoingMatch{}, err
		}
		if b.Status != BatchApproved {
			return review(payments.ReviewPayoutMismatch, "payout "+t.ID+" is in a batch that is "+string(b.Status)+": it was never to be paid")
		}
		// The bank paid a file the accountant did not mark sent: it was sent.
		if err := markSent(tx, s.actor, &b, s.now); err != nil {
			return payments.OutgoingMatch{}, err
		}
		if t, rec, err = cooperative.GetAs[Transfer](tx, collectionTransfers, t.ID); err != nil {
			return payments.OutgoingMatch{}, err
		}
		t.version = rec.Version
	}
	date := cooperative.DateOf(s.now)
	if !l.BookedOn.IsZero() {
		date = cooperative.DateOf(l.BookedOn)
	}
	if !l.Credit {
		if t.DebitLine != "" {
			return review(payments.ReviewPayoutMismatch, "payout "+t.ID+" was debited before, on "+string(t.PaidOn)+": a second debit of it")
		}
		return s.paid(t, lineID, date)
	}
	if t.ReturnLine != "" {
		return review(payments.ReviewPayoutMismatch, "payout "+t.ID+" came back before, on "+string(t.ReturnedOn)+": a second return of it")
	}
	return returned(tx, s.actor, t, lineID, l.ReturnReason, date, s.now)
}

// paid marks transfer t paid by line lineID, booked on date, and adds it to the debits
// Close posts. Its payable is paid with it (see settle). A payout that came back before
// its debit was seen stays returned: its payable is open again.
func (s *statementLines) paid(t Transfer, lineID string, date cooperative.Date) (payments.OutgoingMatch, error) {
	t.DebitLine, t.PaidOn = lineID, date
	if t.Status != TransferReturned {
		t.Status = TransferPaid
	}
	if _, err := s.tx.Replace(t.record()); err != nil {
		return payments.OutgoingMatch{}, err
	}
	d := s.debits[date]
	if d == nil {
		d = &debits{First: t.ID, FirstLine: lineID, BookedOn: date}
		s.debits[date] = d
	}
	total, err := cooperative.AddMoney(d.TotalCents, t.AmountCents)
	if err != nil {
		return payments.OutgoingMatch{}, err
	}
	d.TotalCents, d.LastLine = total, lineID
	d.Payments++
	return payments.OutgoingMatch{Handled: true, Outcome: "paid", PayoutID: t.ID}, nil
}

// Close posts the batch's debits, per booking date: Dr payouts in transit / Cr bank,
// keyed by the first payout, which no other entry can name (a payout is debited once),
// and audited with what it paid.
func (s *statementLines) Close() error {
	for _, date := range slices.Sorted(maps.Keys(s.debits)) {
		d := s.debits[date]
		if _, _, err := ledger.PostEntry(s.tx, ledger.Entry{CooperativeID: s.cooperativeID, Key: "payout-debits:" + d.First,
			BookingDate: date, Description: strconv.Itoa(d.Payments) + " payouts debited by the bank (statement lines " + d.FirstLine +
				" to " + d.LastLine + ")", Source: ledger.Source{Type: "payout_debits", ID: d.First},
			Lines: []ledger.Line{{Account: string(ledger.AccountPayoutsInTransit), Amount: d.TotalCents},
				{Account: string(ledger.AccountBank), Amount: -d.TotalCents}}}); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(s.tx, s.actor, s.cooperativeID, "payout.paid", "payout_debits", d.First, nil, d, s.now); err != nil {
			return err
		}
	}
	return nil
}

// returned posts a payout coming back (Dr bank / Cr the liability it was paid from),
// opens its payable again for another batch, holds payouts to the account it went to,
// and tells the member.
func returned(tx cooperative.Tx, actor cooperative.Actor, t Transfer, lineID, code string, date cooperative.Date, now time.Time) (payments.OutgoingMatch, error) {
	why := ReturnReasonText(code)
	if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: t.CooperativeID, Key: "payout-return:" + t.ID, BookingDate: date,
		Description: "Payout " + t.ID + " to " + t.Name + " returned by the bank (" + why + ")", Source: ledger.Source{Type: "payout", ID: t.ID},
		Lines: []ledger.Line{{Account: string(ledger.AccountBank), Amount: t.AmountCents},
			{Account: t.Account, Amount: -t.AmountCents}}}); err != nil {
		return payments.OutgoingMatch{}, err
	}
	before := t
	t.Status, t.ReturnLine, t.ReturnedOn, t.ReturnReason = TransferReturned, lineID, date, code
	if _, err := tx.Replace(t.record()); err != nil {
		return payments.OutgoingMatch{}, err
	}
	p, err := getPayable(tx, t.CooperativeID, t.PayableID)
	if err != nil {
		return payments.OutgoingMatch{}, err
	}
	if p.TransferID == t.ID {
		p.Status, p.BatchID, p.TransferID, p.PaidOn = PayableOpen, "", "", ""
		p.Returns++
		p.LastReturn = why
		if err := savePayable(tx, &p, now); err != nil {
			return payments.OutgoingMatch{}, err
		}
	}
	// A payout to a payable's own payee (a grant's beneficiary) says nothing about the
	// member's payout account: the payable waits, open, for staff to settle with the payee.
	if !t.Payee {
		if err := membership.MarkPayoutAccountSuspect(tx, actor, t.CooperativeID, t.MemberID, t.IBAN,
			"a payout of "+cooperative.FormatEuro(t.AmountCents, "en")+" was returned on "+string(date)+" ("+why+")", now); err != nil {
			return payments.OutgoingMatch{}, err
		}
		if err := mailReturned(tx, t, why, now); err != nil {
			return payments.OutgoingMatch{}, err
		}
	}
	if err := cooperative.AppendAudit(tx, actor, t.CooperativeID, "payout.returned", "payout", t.ID, before, t, now); err != nil {
		return payments.OutgoingMatch{}, err
	}
	return payments.OutgoingMatch{Handled: true, Outcome: "returned", PayoutID: t.ID}, nil
}

// mailReturned tells the member their payout came back and what to do: give a payout
// account that works.
func mailReturned(tx cooperative.Tx, t Transfer, why string, now time.Time) error {
	m, err := membership.GetMember(tx, t.CooperativeID, t.MemberID)
	if err != nil {
		return err
	}
	c, err := cooperative.GetCooperativeTx(tx, t.CooperativeID)
	if err != nil {
		return err
	}
	lang, err := notify.NotificationLanguage(m.Language)
	if err != nil {
		lang = notify.LanguageEnglish
	}
	return notify.Enqueue(tx, notify.Notification{DedupeKey: "payout_returned:" + t.ID, Event: notify.EventPayoutReturned,
		CooperativeID: t.CooperativeID, To: m.Email, ToName: m.Name, Language: lang, CreatedAt: now,
		Data: map[string]string{"cooperative": c.Name, "amount": cooperative.FormatEuro(t.AmountCents, lang),
			"iban": membership.MaskIBAN(t.IBAN), "reason": why}})
}
