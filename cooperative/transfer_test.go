package cooperative_test

import (
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
