package cooperative_test

import (
	"testing"

	"github.com/kracht-coop/kracht/cooperative/membership"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestMembersNeedHeldShares: a Members without HeldShares is a wiring mistake, refused
// at construction rather than when a membership first ends.
func TestMembersNeedHeldShares(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewMembers without HeldShares did not panic")
		}
	}()
	membership.NewMembers(openStore(t), membership.MembersOptions{})
}

// TestEndAsksHeldShares: ending a membership learns what the member holds from
// MembersOptions.HeldShares alone, asked for this cooperative and member; a deceased
// member's shares are not asked about.
func TestEndAsksHeldShares(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, bert, carla := f.member("Anna"), f.member("Bert"), f.member("Carla")
	held := map[string]int64{anna.ID: 3}
	var asked []string
	members := membership.NewMembers(f.store, membership.MembersOptions{Now: f.clock.Now,
		HeldShares: func(_ cooperative.Tx, cooperativeID, memberID string) (int64, error) {
			if cooperativeID != f.coop.ID {
				t.Errorf("HeldShares asked for cooperative %s, want %s", cooperativeID, f.coop.ID)
			}
			asked = append(asked, memberID)
			return held[memberID], nil
		}})
	_, err := members.End(f.ctx, board, f.coop.ID, anna.ID, membership.MemberResigned, f.clock.Today(), "")
	wantRule(t, err, cooperative.ERULE, "no_shares_left")
	// Bert holds nothing by HeldShares' account (nor in the register: no shares were issued).
	if m, err := members.End(f.ctx, board, f.coop.ID, bert.ID, membership.MemberExcluded, f.clock.Today(), "Moved away."); err != nil || m.Status != membership.MemberExcluded {
		t.Fatalf("excluding Bert: %+v %v", m, err)
	}
	if _, err := members.End(f.ctx, board, f.coop.ID, carla.ID, membership.MemberDeceased, f.clock.Today(), ""); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || asked[0] != anna.ID || asked[1] != bert.ID {
		t.Fatalf("HeldShares asked for %v, want Anna then Bert", asked)
	}
}
