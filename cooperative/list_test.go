package cooperative_test

import (
	"testing"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestListsPageByIDCursor: every list takes the id it ended at as the cursor of the next
// page and refuses one that is not an id, before reading anything.
func TestListsPageByIDCursor(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, bert := f.member("Anna"), f.member("Bert")
	page, next, err := f.members.ListMembers(f.ctx, f.coop.ID, "", "", 1)
	if err != nil || len(page) != 1 || page[0].ID != anna.ID || next != anna.ID {
		t.Fatalf("first page %+v, next %q, %v", page, next, err)
	}
	if page, next, err = f.members.ListMembers(f.ctx, f.coop.ID, membership.MemberActive, next, 1); err != nil ||
		len(page) != 1 || page[0].ID != bert.ID {
		t.Fatalf("second page %+v, next %q, %v", page, next, err)
	}
	accounts := identity.NewAccounts(f.store, identity.AccountsOptions{})
	const bad = "../x"
	for name, list := range map[string]func() error{
		"cooperatives": func() error { _, _, err := cooperative.ListCooperatives(f.ctx, f.store, bad, 10); return err },
		"members":      func() error { _, _, err := f.members.ListMembers(f.ctx, f.coop.ID, "", bad, 10); return err },
		"role grants":  func() error { _, _, err := accounts.ListRoleGrants(f.ctx, f.coop.ID, bad, 10); return err },
		"reviews": func() error {
			_, _, err := f.payments().ListPaymentReviews(f.ctx, f.coop.ID, payments.ReviewOpen, bad, 10)
			return err
		},
		"payments": func() error {
			_, _, err := f.payments().ListPayments(f.ctx, f.coop.ID, payments.PaymentFilter{}, bad, 10)
			return err
		},
		"withdrawals": func() error { _, _, err := f.reg.ListWithdrawals(f.ctx, f.coop.ID, "", "", bad, 10); return err },
		"dead mail":   func() error { _, _, err := notify.ListDead(f.ctx, f.store, bad, 10); return err },
	} {
		if err := list(); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("%s with cursor %q: %v, want %s", name, bad, err, cooperative.EINVALID)
		}
	}
}
