package cooperative_test

import (
	"context"
	"testing"

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
	if err := cooperative.GrantRoleUnchecked(ctx, w.store, coop, ops.UserID, cooperative.RoleBoard, w.now); err != nil {
		t.Fatal(err)
	}
	p, err := w.accounts.Authenticate(ctx, ops.UserID, ops.SessionID, coop)
	if err != nil || len(p.Roles) != 0 {
		t.Fatalf("the admin's roles: %v (%v)", p.Roles, err)
	}
	board := cooperative.Actor{Role: "board"}
	_, err = w.accounts.SetRoles(ctx, board, coop, ops.UserID, []cooperative.Role{cooperative.RoleBoard, cooperative.RoleMember})
	if cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("more roles for an admin: %v", err)
	}
	g, err := w.accounts.SetRoles(ctx, board, coop, ops.UserID, nil)
	if err != nil || len(g.Roles) != 0 {
		t.Fatalf("taking the roles away: %+v %v", g, err)
	}
}
