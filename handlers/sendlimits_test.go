package handlers

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"

	"github.com/kracht-coop/kracht/cooperative"
)

// wantThrottled: 429 problem+json with a Retry-After of at most the window.
func wantThrottled(t *testing.T, r response, window time.Duration) {
	t.Helper()
	wantProblem(t, r, 429, cooperative.ETOOMANY)
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs <= 0 || time.Duration(secs)*time.Second > window {
		t.Fatalf("Retry-After %q, want 1 to %v", r.header.Get("Retry-After"), window)
	}
}

// TestInvitationsAndApplicationsAreLimited: with the production limits, one account
// sends at most 20 invitations and files at most 5 membership applications an hour, and
// one address gets at most 3 invitations or application receipts an hour, whoever sends
// them. What is refused is not mailed; an hour later the limits lift.
func TestInvitationsAndApplicationsAreLimited(t *testing.T) {
	limits := identity.DefaultSendLimits()
	as := newAuthServer(t)
	admin := as.admin(t, "ops@kracht.test")
	id := as.newCooperative(t, admin, "Zonnepark De Kracht")
	as.join(t, admin, id, "chair@example.org", "board")
	sc := &scenario{as: as, id: id, coop: "/v1/cooperatives/" + id, chair: as.signIn(t, "chair@example.org")}
	as.turnOnTOTP(t, sc.chair)
	sc.adopt(t, 20)
	invite := func(inviter *session, path, email string) response {
		body := map[string]string{"email": email, "language": "en", "role": "member"}
		if inviter == admin {
			delete(body, "role")
		}
		return as.call(t, "POST", path, inviter.tokens.AccessToken, body)
	}
	boardPath, adminPath := sc.coop+"/invitations", "/v1/admin/cooperatives/"+id+"/invitations"

	// Per recipient: the fourth invitation to one address is refused, whoever sends it.
	for range limits.PerRecipient {
		wantStatus(t, invite(sc.chair, boardPath, "eve@example.org"), 201)
	}
	wantThrottled(t, invite(sc.chair, boardPath, "eve@example.org"), limits.Window)
	wantThrottled(t, invite(admin, adminPath, "eve@example.org"), limits.Window)
	if n := as.mailCount(t, "eve@example.org"); n != limits.PerRecipient {
		t.Fatalf("eve got %d mails, want %d", n, limits.PerRecipient)
	}
	// Per inviter: the chair's 21st invitation of the hour is refused.
	for i := limits.PerRecipient; i < limits.InvitationsPerActor; i++ {
		wantStatus(t, invite(sc.chair, boardPath, fmt.Sprintf("person%d@example.org", i)), 201)
	}
	wantThrottled(t, invite(sc.chair, boardPath, "one-more@example.org"), limits.Window)
	if n := as.mailCount(t, "one-more@example.org"); n != 0 {
		t.Fatalf("a refused invitation was mailed")
	}
	// The admin's own count is apart from the chair's.
	wantStatus(t, invite(admin, adminPath, "second-chair@example.org"), 201)

	// Applications: someone naming another person's address gets 3 receipts to it, then
	// 429; with other addresses they file 5 in all.
	as.signUp(t, "mallory@example.org")
	mallory := as.signIn(t, "mallory@example.org")
	apply := func(email string) response {
		body := applicationBody("Victim", "NL91 ABNA 0417 1643 00")
		body["email"] = email
		return as.call(t, "POST", sc.coop+"/members", mallory.tokens.AccessToken, body)
	}
	for range limits.PerRecipient {
		wantStatus(t, apply("victim@example.org"), 201)
	}
	wantThrottled(t, apply("victim@example.org"), limits.Window)
	for i := limits.PerRecipient; i < limits.ApplicationsPerActor; i++ {
		wantStatus(t, apply(fmt.Sprintf("other%d@example.org", i)), 201)
	}
	wantThrottled(t, apply("someone-else@example.org"), limits.Window)
	if n := as.mailCount(t, "victim@example.org"); n != limits.PerRecipient {
		t.Fatalf("victim got %d receipts, want %d", n, limits.PerRecipient)
	}

	// An hour on, the windows have passed.
	as.clock.advance(limits.Window)
	sc.chair = as.signInMFA(t, sc.chair)
	mallory = as.signIn(t, "mallory@example.org")
	wantStatus(t, invite(sc.chair, boardPath, "eve@example.org"), 201)
	wantStatus(t, apply("victim@example.org"), 201)
}
