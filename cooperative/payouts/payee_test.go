package payouts_test

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

// TestAPayeeIsPaidInsteadOfTheMember: a payable with its own payee (a grant's
// beneficiary) goes to the payee's account, not the member's; a payee without a valid
// IBAN is refused with nothing written; a returned payout to the payee leaves the
// member's own payout account alone and opens the payable again.
func TestAPayeeIsPaidInsteadOfTheMember(t *testing.T) {
	f := newFixture(t)
	m := f.member(f.coop.ID, "Anna de Vries", "NL39RABO0300065264")
	owe := func(src string, payee *payouts.Payee) (payouts.Payable, error) {
		var p payouts.Payable
		err := f.run.Update(f.ctx, func(tx cooperative.Tx, now time.Time) (err error) {
			if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: f.coop.ID, Key: "grant:" + src, BookingDate: cooperative.DateOf(now),
				Description: "grant", Source: ledger.Source{Type: "test", ID: src},
				Lines: []ledger.Line{{Account: string(ledger.AccountCommunityFund), Amount: 40000},
					{Account: string(ledger.AccountGrantsPayable), Amount: -40000}}}); err != nil {
				return err
			}
			p, err = payouts.Owe(tx, maker, payouts.Owed{CooperativeID: f.coop.ID, MemberID: m.ID, Reason: payouts.ReasonGrant,
				Account: string(ledger.AccountGrantsPayable), AmountCents: 40000, DueOn: cooperative.DateOf(now),
				Text: "Grant " + src, SourceType: "test", SourceID: src, Payee: payee}, now)
			return err
		})
		return p, err
	}
	if _, err := owe("bad", &payouts.Payee{Name: "Buurttuin", IBAN: "NL00BAD"}); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("a payee with a bad IBAN: %v, want invalid", err)
	}
	if got := f.balances(f.coop.ID)[string(ledger.AccountGrantsPayable)]; got != 0 {
		t.Fatalf("a refused payable wrote %d on grants payable", got)
	}
	p, err := owe("ok", &payouts.Payee{Name: " Stichting Buurttuin ", IBAN: "nl91 abna 0417 1643 00"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Payee == nil || p.Payee.Name != "Stichting Buurttuin" || p.Payee.IBAN != "NL91ABNA0417164300" {
		t.Fatalf("payee stored as %+v", p.Payee)
	}
	_, ts := f.sentBatch(f.coop.ID, payouts.NewBatch{Reason: payouts.ReasonGrant})
	if len(ts) != 1 || ts[0].IBAN != "NL91ABNA0417164300" || ts[0].Name != "Stichting Buurttuin" || !ts[0].Payee {
		t.Fatalf("transfer %+v, want to the payee", ts)
	}
	if _, err := f.pay.ImportBankLines(f.ctx, maker, f.coop.ID, []payments.BankLine{returnOf(ts[0], "ret-1", "AC04")}); err != nil {
		t.Fatal(err)
	}
	if got := f.payable(f.coop.ID, p.ID); got.Status != payouts.PayableOpen || got.Returns != 1 || got.Waiting != "" {
		t.Fatalf("returned payee payable: %+v", got)
	}
	// The member's own account is not held: a refund owed to them still goes out.
	q := f.owe(f.coop.ID, m, 1000, payouts.ReasonRefund)
	if v := f.payable(f.coop.ID, q.ID); v.Waiting != "" {
		t.Fatalf("the member's account was held after the payee's return: %q", v.Waiting)
	}
}
