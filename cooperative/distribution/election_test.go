package distribution_test

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

func TestElections(t *testing.T) {
	f := newDregFixture(t)
	ann := f.member(f.coop, "Ann Veld", membership.MemberPerson, true)
	firm := f.member(f.coop, "Zonnebouw BV", membership.MemberEntity, true)
	cas := f.member(f.coop, "Cas Dijk", membership.MemberPerson, true)
	applicant := f.member(f.coop, "Dirk Nog", membership.MemberPerson, false)
	annActor := cooperative.Actor{UserID: "user-ann", Role: "self"}

	v, err := f.dist.ElectionOf(f.ctx, f.coop, ann.ID)
	if err != nil || v.Election != distribution.ElectPayout || !v.Default {
		t.Fatalf("before electing: %+v %v, want the default payout", v, err)
	}
	// Reinvesting is not offered until the board names the class.
	_, err = f.dist.SetElection(f.ctx, annActor, f.coop, ann.ID, distribution.ElectReinvest)
	dregWant(t, err, cooperative.ERULE, "reinvest_unavailable")
	if _, err := f.dist.SetSettings(f.ctx, dregBoard, distribution.Settings{CooperativeID: f.coop, DefaultElection: distribution.ElectDonate,
		ReinvestClass: "A"}); err != nil {
		t.Fatal(err)
	}
	// 2026-03-01: Ann reinvests (counted for record dates from 2026-03-02 on).
	if v, err = f.dist.SetElection(f.ctx, annActor, f.coop, ann.ID, distribution.ElectReinvest); err != nil || v.SetOn != "2026-03-01" {
		t.Fatalf("set: %+v %v", v, err)
	}
	if _, err := f.dist.SetElection(f.ctx, annActor, f.coop, firm.ID, distribution.ElectPayout); err != nil {
		t.Fatal(err)
	}
	// 2026-04-10: Ann changes her mind twice that day; the last one counts.
	f.clock.Set(time.Date(2026, 4, 10, 8, 0, 0, 0, time.UTC))
	for _, e := range []distribution.Election{distribution.ElectPayout, distribution.ElectDonate} {
		if _, err := f.dist.SetElection(f.ctx, annActor, f.coop, ann.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	for name, c := range map[string]struct {
		member     string
		election   distribution.Election
		code, rule string
	}{
		"not an election": {ann.ID, "keep", cooperative.EINVALID, "election"},
		"not admitted":    {applicant.ID, distribution.ElectPayout, cooperative.ERULE, "member_active"},
		"no such member":  {cooperative.NewID(), distribution.ElectPayout, cooperative.ENOTFOUND, ""},
	} {
		_, err := f.dist.SetElection(f.ctx, annActor, f.coop, c.member, c.election)
		if cooperative.ErrorCode(err) != c.code {
			t.Errorf("%s: want %s %s, got %v", name, c.code, c.rule, err)
		}
	}
	list, _, err := f.dist.ListElections(f.ctx, f.coop, "", 50)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %+v %v, want Ann's and the firm's", list, err)
	}
	for _, e := range list {
		if e.MemberID == ann.ID && len(e.History) != 2 {
			t.Fatalf("Ann's history %+v, want two days", e.History)
		}
	}
	payees := func(record cooperative.Date) map[string]distribution.Payee {
		t.Helper()
		var p map[string]distribution.Payee
		if err := f.run.View(f.ctx, func(tx cooperative.Tx) (err error) { p, err = distribution.PayeesOf(tx, f.coop, record); return err }); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for record, want := range map[cooperative.Date]map[string]distribution.Election{
		"2026-03-01": {ann.ID: distribution.ElectDonate, firm.ID: distribution.ElectDonate, cas.ID: distribution.ElectDonate}, // set that day: not yet
		"2026-03-02": {ann.ID: distribution.ElectReinvest, firm.ID: distribution.ElectPayout, cas.ID: distribution.ElectDonate},
		"2026-04-10": {ann.ID: distribution.ElectReinvest, firm.ID: distribution.ElectPayout, cas.ID: distribution.ElectDonate},
		"2026-04-11": {ann.ID: distribution.ElectDonate, firm.ID: distribution.ElectPayout, cas.ID: distribution.ElectDonate},
	} {
		p := payees(record)
		if len(p) != 3 {
			t.Fatalf("record date %s: %d payees, want the 3 admitted members (not the applicant)", record, len(p))
		}
		for id, e := range want {
			if p[id].Election != e {
				t.Errorf("record date %s: %s elects %s, want %s", record, id, p[id].Election, e)
			}
		}
	}
	p := payees("2026-06-01")
	if !p[ann.ID].Natural || p[firm.ID].Natural || p[ann.ID].Number != ann.Number || p[ann.ID].MemberID != ann.ID {
		t.Fatalf("payees %+v: Ann is a person with her number, the firm is not", p)
	}
	// Ann reinvests again; she leaves: she can no longer buy shares, so she is paid out.
	f.clock.Set(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	if _, err := f.dist.SetElection(f.ctx, annActor, f.coop, ann.ID, distribution.ElectReinvest); err != nil {
		t.Fatal(err)
	}
	if p := payees("2026-06-01"); p[ann.ID].Election != distribution.ElectReinvest {
		t.Fatalf("Ann reinvests: %+v", p[ann.ID])
	}
	if _, err := f.members.End(f.ctx, dregBoard, f.coop, ann.ID, membership.MemberResigned, "2026-05-01", ""); err != nil {
		t.Fatal(err)
	}
	if p := payees("2026-06-01"); p[ann.ID].Election != distribution.ElectPayout {
		t.Fatalf("Ann left: %+v, want payout", p[ann.ID])
	}
	v, err = f.dist.ElectionOf(f.ctx, f.coop, cas.ID)
	if err != nil || v.Election != distribution.ElectDonate || !v.Default {
		t.Fatalf("Cas: %+v %v, want the new default", v, err)
	}
	if _, err := f.dist.ElectionOf(f.ctx, f.cooperative("Wind van Zee", "23456789"), ann.ID); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("another cooperative's member: want ENOTFOUND, got %v", err)
	}
	var pe map[string]distribution.Payee
	err = f.run.View(f.ctx, func(tx cooperative.Tx) (err error) { pe, err = distribution.PayeesOf(tx, f.coop, "soon"); return err })
	if cooperative.ErrorCode(err) != cooperative.EINVALID || pe != nil {
		t.Fatalf("a record date that is no date: %v", err)
	}
}
