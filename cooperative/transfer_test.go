package cooperative_test

import (
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestShareOperationsNeedAClassOfTheStatutes: a transfer or a withdrawal of a class the
// statutes in force do not have is refused as invalid, before anything is written; one
// of a class they have goes through.
func TestShareOperationsNeedAClassOfTheStatutes(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, bert := f.member("Anna"), f.member("Bert")
	o := f.offering("A", 5000, 100)
	f.buy(o, anna, 5)
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID); err != nil { // issues the shares
		t.Fatal(err)
	}
	register := f.journalLen(shares.RegisterJournal(f.coop.ID))
	transfer := func(class string) error {
		_, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID, From: anna.ID, To: bert.ID,
			Class: class, Shares: 1})
		return err
	}
	withdraw := func(class string) error {
		_, err := f.reg.RequestWithdrawal(f.ctx, board, shares.WithdrawalRequest{CooperativeID: f.coop.ID, MemberID: anna.ID,
			Class: class, Shares: 1})
		return err
	}
	for name, do := range map[string]func(string) error{"transfer": transfer, "withdrawal": withdraw} {
		wantRule(t, do("Z"), cooperative.EINVALID, "")
		if got := f.journalLen(shares.RegisterJournal(f.coop.ID)); got != register {
			t.Fatalf("%s of an unknown class wrote to the register: %d entries, want %d", name, got, register)
		}
	}
	if err := transfer("A"); err != nil {
		t.Fatal(err)
	}
	w, err := f.reg.RequestWithdrawal(f.ctx, board, shares.WithdrawalRequest{CooperativeID: f.coop.ID, MemberID: anna.ID,
		Class: "A", Shares: 1})
	if err != nil || w.EarliestOn != f.clock.Today().AddDays(30) { // the statutes' notice period
		t.Fatalf("withdrawal %+v, %v", w, err)
	}
}

// TestWithdrawalRequestWithAKeyIsMadeOnce: a request sent again with the same key is
// the first one: one record, one audit entry, no second mail to the board. The same key
// with other facts is a conflict; another member's same key is their own request.
func TestWithdrawalRequestWithAKeyIsMadeOnce(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, bert := f.member("Anna"), f.member("Bert")
	o := f.offering("A", 5000, 100)
	f.buy(o, anna, 5)
	f.buy(o, bert, 5)
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID); err != nil {
		t.Fatal(err)
	}
	request := func(m membership.Member, n int64, key string) (shares.Withdrawal, error) {
		return f.reg.RequestWithdrawal(f.ctx, board, shares.WithdrawalRequest{CooperativeID: f.coop.ID, MemberID: m.ID,
			Class: "A", Shares: n, IdempotencyKey: key})
	}
	count := func() (requests, audited int) {
		list, _, err := f.reg.ListWithdrawals(f.ctx, f.coop.ID, "", "", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		entries, _, err := cooperative.ReadAudit(f.ctx, f.store, f.coop.ID, 0, cooperative.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Action == "withdrawal.request" {
				audited++
			}
		}
		return len(list), audited
	}
	first, err := request(anna, 1, "form-1")
	if err != nil {
		t.Fatal(err)
	}
	mails := f.outboxSize()
	again, err := request(anna, 1, "form-1")
	if err != nil || again.ID != first.ID || again.IdempotencyKey != "form-1" {
		t.Fatalf("the same key twice: %s then %+v, %v", first.ID, again, err)
	}
	_, err = request(anna, 2, "form-1")
	wantRule(t, err, cooperative.ECONFLICT, "")
	for _, key := range []string{"with space", "ünicode", strings.Repeat("k", 101)} {
		_, err := request(anna, 1, key)
		wantRule(t, err, cooperative.EINVALID, "")
	}
	if n, audited := count(); n != 1 || audited != 1 || f.outboxSize() != mails {
		t.Fatalf("%d requests, %d audit entries, %d mails (was %d); want 1, 1 and no new mail", n, audited, f.outboxSize(), mails)
	}
	other, err := request(bert, 1, "form-1")
	if err != nil || other.ID == first.ID || other.MemberID != bert.ID {
		t.Fatalf("another member's same key: %+v, %v", other, err)
	}
	if n, audited := count(); n != 2 || audited != 2 {
		t.Fatalf("%d requests, %d audit entries; want 2 and 2", n, audited)
	}
}
