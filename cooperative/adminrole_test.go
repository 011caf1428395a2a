package cooperative_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/identity"

	"github.com/google/uuid"
	"github.com/kracht-coop/kracht/cooperative"
)

// TestAdminGrantFromBeforeTheRule: a platform admin who made itself board before the
// rule existed gets nothing from that grant, cannot be given more roles, and the board
// can take the grant's roles away.
func TestAdminGrantFromBeforeTheRule(t *testing.T) {
	w := newSweepWorld(t)
	ctx := context.Background()
	coop := w.invite(t) // cas@example.org accepted the board invitation
	w.admin(t, "ops@example.org")
	ops := w.login(t, "ops@example.org")
	grantFromAnOlderRelease(t, w, coop, ops.UserID, "ops@example.org")
	p, err := w.accounts.Authenticate(ctx, ops.UserID, ops.SessionID, coop)
	if err != nil || len(p.Roles) != 0 {
		t.Fatalf("the admin's roles: %v (%v)", p.Roles, err)
	}
	board := cooperative.Actor{Role: "board"}
	_, err = w.accounts.SetRoles(ctx, board, coop, ops.UserID, []identity.Role{identity.RoleBoard, identity.RoleMember})
	if cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("more roles for an admin: %v", err)
	}
	g, err := w.accounts.SetRoles(ctx, board, coop, ops.UserID, nil)
	if err != nil || len(g.Roles) != 0 {
		t.Fatalf("taking the roles away: %+v %v", g, err)
	}
}

// grantFromAnOlderRelease writes a board grant as a release from before the rule wrote
// it: the stored record (its id, keys and data, as the stored-format golden pins them)
// straight through the store, past every rule of today.
func grantFromAnOlderRelease(t *testing.T, w *sweepWorld, coop, userID, email string) {
	t.Helper()
	g := identity.RoleGrant{CooperativeID: coop, UserID: userID, Email: email,
		Roles: []identity.Role{identity.RoleBoard}, CreatedAt: w.now, UpdatedAt: w.now}
	data, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.NewSHA1(uuid.NameSpaceOID, []byte("kracht role grant\n"+coop+"\n"+userID)).String()
	err = w.store.Update(context.Background(), func(tx cooperative.Tx) error {
		_, err := tx.Insert(cooperative.Record{Collection: "role_grants", ID: id, Data: data,
			Index: map[string]string{"cooperative": coop, "user": userID, "board": coop}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
