package bonds_test

import (
	"reflect"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// MemberSchedule is MemberSchedules' entry of one issue; a member without units of it
// finds nothing (ENOTFOUND), as for an issue that is not there.
func TestMemberScheduleOfOneIssue(t *testing.T) {
	f := newFixture(t)
	issue, ann, bob := f.allocated()
	carl := f.member("Carl Vos")
	all, err := f.bonds.MemberSchedules(f.ctx, f.coop, ann)
	if err != nil || len(all) != 1 {
		t.Fatalf("schedules: %+v %v", all, err)
	}
	one, err := f.bonds.MemberSchedule(f.ctx, f.coop, ann, issue.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, all[0]) || one.Units != 10 || len(one.Payments) != 5 {
		t.Fatalf("one issue: %+v\nall: %+v", one, all[0])
	}
	if bobs, err := f.bonds.MemberSchedule(f.ctx, f.coop, bob, issue.ID); err != nil || bobs.Units != 4 {
		t.Fatalf("bob: %+v %v", bobs, err)
	}
	for _, c := range []struct{ member, issue string }{{carl, issue.ID}, {ann, cooperative.NewID()}} {
		if _, err := f.bonds.MemberSchedule(f.ctx, f.coop, c.member, c.issue); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
			t.Errorf("%s of %s: %v, want ENOTFOUND", c.member, c.issue, err)
		}
	}
}
