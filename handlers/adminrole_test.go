package handlers

import (
	"slices"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// roleMails returns the role_granted mails collected so far, as "to: person role via by".
func (as *authServer) roleMails(t *testing.T) []string {
	t.Helper()
	as.collectMail(t)
	var out []string
	for _, m := range as.mails {
		if m.Event == "role_granted" {
			out = append(out, m.To+": "+m.Data["person"]+" "+m.Data["role"]+" "+m.Data["via"]+" "+m.Data["by"])
		}
	}
	return out
}

// TestPlatformAdminHoldsNoRole: a platform admin runs the platform, not the cooperatives.
// It may invite a cooperative's first board member, but no invitation, its own or a
// board's, ends with a platform admin's account holding a role; and every role given in
// a cooperative is mailed to that cooperative's board.
func TestPlatformAdminHoldsNoRole(t *testing.T) {
	as := newAuthServer(t)
	ops := as.admin(t, "ops@example.org")
	other := as.admin(t, "ops2@example.org")
	coop := as.newCooperative(t, ops, "Zon op Noord")
	adminInvite := "/v1/admin/cooperatives/" + coop + "/invitations"
	members := "/v1/cooperatives/" + coop + "/members"

	// The admin cannot invite itself, nor another admin.
	for _, email := range []string{"ops@example.org", "OPS2@example.org"} {
		wantRule(t, as.call(t, "POST", adminInvite, ops.tokens.AccessToken,
			map[string]string{"email": email, "language": "en"}), "platform_admin_holds_no_role")
	}

	// The first board member, invited by the admin; the board (just them) hears of it.
	as.join(t, ops, coop, "chair@example.org", "board")
	chair := as.signIn(t, "chair@example.org")
	as.turnOnTOTP(t, chair)
	if got, want := as.roleMails(t), []string{"chair@example.org: chair@example.org board invitation ops@example.org"}; !slices.Equal(got, want) {
		t.Fatalf("role mails %q, want %q", got, want)
	}
	invite := "/v1/cooperatives/" + coop + "/invitations"

	// A board member inviting a platform admin's address is not told whose it is (that
	// would tell who the admins are): the invitation goes out, and accepting it fails.
	wantStatus(t, as.call(t, "POST", invite, chair.tokens.AccessToken,
		map[string]string{"email": "ops2@example.org", "language": "en", "role": "board"}), 201)
	token := as.lastLink(t, "ops2@example.org", "/invitations/accept")
	wantRule(t, as.call(t, "POST", "/v1/invitations/accept", "", map[string]string{"token": token, "password": testPassword}),
		"platform_admin_holds_no_role")
	wantProblem(t, as.call(t, "GET", members, other.tokens.AccessToken, nil), 403, cooperative.EFORBIDDEN)
	// Nor can a board member invite themself.
	wantRule(t, as.call(t, "POST", invite, chair.tokens.AccessToken,
		map[string]string{"email": "chair@example.org", "language": "en", "role": "accountant"}), "invite_someone_else")

	// An accountant by invitation, then on the board too by the chair: each role is
	// mailed to the board as it stands after the change.
	as.join(t, chair, coop, "dirk@example.org", "accountant")
	dirk := as.signIn(t, "dirk@example.org")
	wantStatus(t, as.call(t, "PUT", "/v1/cooperatives/"+coop+"/roles/"+dirk.userID, chair.tokens.AccessToken,
		map[string]any{"roles": []string{"accountant", "board"}}), 200)
	want := []string{
		"chair@example.org: chair@example.org board invitation ops@example.org",
		"chair@example.org: dirk@example.org accountant invitation chair@example.org",
		"chair@example.org: dirk@example.org board board chair@example.org",
		"dirk@example.org: dirk@example.org board board chair@example.org",
	}
	got := as.roleMails(t)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("role mails\n%q, want\n%q", got, want)
	}

	// After all that, neither admin holds a role anywhere.
	for _, admin := range []*session{ops, other} {
		wantProblem(t, as.call(t, "GET", members, admin.tokens.AccessToken, nil), 403, cooperative.EFORBIDDEN)
		if me := decodeBody[meBody](t, as.call(t, "GET", "/v1/me", admin.tokens.AccessToken, nil)); len(me.Roles) != 0 {
			t.Fatalf("%s holds roles %+v", admin.email, me.Roles)
		}
	}
}
