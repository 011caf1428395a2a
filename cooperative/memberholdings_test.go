package cooperative_test

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// MemberHoldings is the member's own part of CurrentHoldings, read by its index: the
// same records, none of another member's, none of an empty class.
func TestMemberHoldings(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	anna, bert, carla := f.member("Anna de Vries"), f.member("Bert Jansen"), f.member("Carla Bakker")
	a, b := f.offering("A", 5000, 100), f.offering("B", 100000, 10)
	f.buy(a, anna, 4)
	f.buy(a, bert, 6)
	f.buy(b, anna, 2)
	f.clock.Advance(31 * 24 * time.Hour)
	for _, o := range []shares.Offering{a, b} {
		if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	all, err := f.reg.CurrentHoldings(f.ctx, f.coop.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []membership.Member{anna, bert, carla} {
		var want []shares.Holding
		for _, h := range all {
			if h.MemberID == m.ID {
				want = append(want, h)
			}
		}
		got, err := f.reg.MemberHoldings(f.ctx, f.coop.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameHoldings(got, want) {
			t.Errorf("%s: MemberHoldings %+v, the register says %+v", m.Name, got, want)
		}
	}
	got, _ := f.reg.MemberHoldings(f.ctx, f.coop.ID, anna.ID)
	if len(got) != 2 || got[0].Class != "A" || got[0].Shares != 4 || got[1].Class != "B" || got[1].Shares != 2 {
		t.Fatalf("anna holds %+v", got)
	}
	// Another cooperative's id finds nothing of hers.
	if other, _ := f.reg.MemberHoldings(f.ctx, "01JZZZZZZZZZZZZZZZZZZZZZZZ", anna.ID); len(other) != 0 {
		t.Fatalf("other cooperative: %+v", other)
	}
}
