package cooperative_test

import (
	"maps"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestApplicationDecisions: approving and rejecting share one rule. Settling an
// application the same way again changes nothing and mails nothing; settling it the
// other way is refused; each decision leaves one history entry and one mail.
func TestApplicationDecisions(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	approved, err := f.members.Apply(f.ctx, f.application("Anna"))
	if err != nil {
		t.Fatal(err)
	}
	rejected, err := f.members.Apply(f.ctx, f.application("Bert"))
	if err != nil {
		t.Fatal(err)
	}
	queued := f.outboxSize()
	for range 2 {
		if approved, err = f.members.Approve(f.ctx, board, f.coop.ID, approved.ID); err != nil {
			t.Fatal(err)
		}
		if rejected, err = f.members.Reject(f.ctx, board, f.coop.ID, rejected.ID, "Not in the area."); err != nil {
			t.Fatal(err)
		}
	}
	if approved.Status != membership.MemberActive || approved.Number == 0 || approved.AdmittedOn != f.clock.Today() {
		t.Fatalf("approved %+v", approved)
	}
	if rejected.Status != membership.MemberRejected || rejected.Reason != "Not in the area." || rejected.Number != 0 {
		t.Fatalf("rejected %+v", rejected)
	}
	if got := f.outboxSize(); got != queued+2 {
		t.Fatalf("%d messages queued, want %d", got, queued+2)
	}
	for key, want := range map[string]map[string]string{
		"application_approved:" + approved.ID: {"cooperative": "Energie Noord", "member_number": "1"},
		"application_rejected:" + rejected.ID: {"cooperative": "Energie Noord", "reason": "Not in the area."},
	} {
		n, err := notify.NotificationByDedupeKey(f.ctx, f.store, key)
		if err != nil || !maps.Equal(n.Data, want) || !n.CreatedAt.Equal(f.clock.Now()) {
			t.Fatalf("%s: %+v, %v", key, n, err)
		}
	}
	for who, m := range map[string]membership.Member{"approved": approved, "rejected": rejected} {
		h, err := f.members.MemberHistory(f.ctx, f.coop.ID, m.ID)
		if err != nil || len(h) != 2 {
			t.Fatalf("%s: history %+v, %v", who, h, err)
		}
	}
	_, err = f.members.Reject(f.ctx, board, f.coop.ID, approved.ID, "Too late.")
	wantRule(t, err, cooperative.ERULE, "application_open")
	_, err = f.members.Approve(f.ctx, board, f.coop.ID, rejected.ID)
	wantRule(t, err, cooperative.ERULE, "application_open")
}
