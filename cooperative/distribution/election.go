package distribution

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// A member's election says what is done with their net amount of every distribution:
// paid out, reinvested in shares, or donated to the community fund. It counts for a
// distribution when it was made before the distribution's record date, so a member
// cannot change it once the figures are known; one who made none gets the
// cooperative's default (Settings.DefaultElection).

// ElectionChange is one election a member made, and when.
type ElectionChange struct {
	Election Election         `json:"election"`
	SetOn    cooperative.Date `json:"setOn"` // counts for record dates after it
	SetAt    time.Time        `json:"setAt"`
	SetBy    string           `json:"setBy,omitempty"` // the account
}

// MemberElection is a member's elections over time, the last one the one in force.
type MemberElection struct {
	CooperativeID string           `json:"cooperativeId"`
	MemberID      string           `json:"memberId"`
	History       []ElectionChange `json:"history"`
	version       int64
}

// ElectionView is a member's election as it stands: the member's own, or the default.
type ElectionView struct {
	MemberID string           `json:"memberId"`
	Election Election         `json:"election"`
	Default  bool             `json:"default"` // the member made none: the cooperative's default
	SetOn    cooperative.Date `json:"setOn,omitempty"`
}

const collectionElections = "distribution_elections"

func (e MemberElection) record() cooperative.Record {
	return cooperative.Record{Collection: collectionElections, ID: e.MemberID, Version: e.version, Data: cooperative.Encode(e),
		Index: map[string]string{"cooperative": e.CooperativeID}}
}

// on is the election in force for a record date: the last one made before it.
func (e MemberElection) on(recordDate cooperative.Date) (ElectionChange, bool) {
	for i := len(e.History) - 1; i >= 0; i-- {
		if e.History[i].SetOn.Before(recordDate) {
			return e.History[i], true
		}
	}
	return ElectionChange{}, false
}

func regGetElection(tx cooperative.Tx, cooperativeID, memberID string) (MemberElection, error) {
	e, rec, err := cooperative.GetAs[MemberElection](tx, collectionElections, memberID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && e.CooperativeID != cooperativeID) {
		return MemberElection{CooperativeID: cooperativeID, MemberID: memberID}, nil
	}
	e.version = rec.Version
	return e, err
}

// SetElection records a member's election from today on (the member, for their own
// record: the route checks the account). Only an active member elects; reinvesting needs
// the cooperative to offer it (Settings.ReinvestClass; rule reinvest_unavailable). Two
// elections on one day keep the last.
func (d *Distributions) SetElection(ctx context.Context, actor cooperative.Actor, cooperativeID, memberID string, election Election) (ElectionView, error) {
	if err := regValidElection("election", election); err != nil {
		return ElectionView{}, err
	}
	var out ElectionView
	err := d.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		m, err := membership.GetMember(tx, cooperativeID, memberID)
		if err != nil {
			return err
		}
		if m.Status != membership.MemberActive {
			return cooperative.RuleError("member_active", "an active member elects; this member is %s", m.Status)
		}
		s, err := SettingsOf(tx, cooperativeID)
		if err != nil {
			return err
		}
		if election == ElectReinvest && s.ReinvestClass == "" {
			return cooperative.RuleError("reinvest_unavailable", "the cooperative does not offer reinvesting in shares")
		}
		e, err := regGetElection(tx, cooperativeID, memberID)
		if err != nil {
			return err
		}
		today := cooperative.DateOf(now)
		c := ElectionChange{Election: election, SetOn: today, SetAt: now, SetBy: actor.UserID}
		if n := len(e.History); n > 0 && e.History[n-1].SetOn == today {
			e.History[n-1] = c
		} else {
			e.History = append(e.History, c)
		}
		if _, err := cooperative.Put(tx, e.record()); err != nil {
			return err
		}
		out = ElectionView{MemberID: memberID, Election: election, SetOn: today}
		return nil
	})
	return out, err
}

// ElectionOf returns a member's election as it stands now.
func (d *Distributions) ElectionOf(ctx context.Context, cooperativeID, memberID string) (ElectionView, error) {
	var out ElectionView
	err := d.view(ctx, func(tx cooperative.Tx) error {
		if _, err := membership.GetMember(tx, cooperativeID, memberID); err != nil {
			return err
		}
		e, err := regGetElection(tx, cooperativeID, memberID)
		if err != nil {
			return err
		}
		if n := len(e.History); n > 0 {
			last := e.History[n-1]
			out = ElectionView{MemberID: memberID, Election: last.Election, SetOn: last.SetOn}
			return nil
		}
		s, err := SettingsOf(tx, cooperativeID)
		out = ElectionView{MemberID: memberID, Election: s.DefaultElection, Default: true}
		return err
	})
	return out, err
}

// ListElections returns a page of the elections members made (staff), with their
// history; members who made none have the default and are not listed.
func (d *Distributions) ListElections(ctx context.Context, cooperativeID, after string, limit int) ([]MemberElection, string, error) {
	if err := cooperative.CheckCursor(after); err != nil {
		return nil, "", err
	}
	var (
		list []MemberElection
		next string
	)
	err := d.view(ctx, func(tx cooperative.Tx) (err error) {
		list, next, err = cooperative.FindAs[MemberElection](tx, cooperative.Query{Collection: collectionElections, Index: "cooperative",
			Value: cooperativeID, After: after, Limit: limit})
		return err
	})
	return list, next, err
}

// PayeesOf returns every member of the cooperative who has a number (was admitted),
// by member id, with whether they are a natural person and the election in force for a
// distribution with recordDate: the last they made before it, or the cooperative's
// default. A member who can no longer buy shares (not active), or a cooperative that no
// longer offers reinvesting, gets payout instead of reinvest. Two passes over the
// cooperative's members and elections; no query per member.
func PayeesOf(tx cooperative.Tx, cooperativeID string, recordDate cooperative.Date) (map[string]Payee, error) {
	if _, err := cooperative.ParseDate(string(recordDate)); err != nil {
		return nil, err
	}
	s, err := SettingsOf(tx, cooperativeID)
	if err != nil {
		return nil, err
	}
	out := map[string]Payee{}
	active := map[string]bool{}
	if err := membership.ForEachMember(tx, cooperativeID, func(m membership.Member) error {
		if m.Number > 0 {
			out[m.ID] = Payee{MemberID: m.ID, Number: m.Number, Natural: m.Kind == membership.MemberPerson, Election: s.DefaultElection}
			active[m.ID] = m.Status == membership.MemberActive
		}
		return nil
	}); err != nil {
		return nil, err
	}
	q := cooperative.Query{Collection: collectionElections, Index: "cooperative", Value: cooperativeID, Limit: cooperative.MaxPageSize}
	for {
		list, next, err := cooperative.FindAs[MemberElection](tx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			p, ok := out[e.MemberID]
			if c, made := e.on(recordDate); ok && made {
				p.Election = c.Election
				out[e.MemberID] = p
			}
		}
		if next == "" {
			break
		}
		q.After = next
	}
	for id, p := range out {
		if p.Election == ElectReinvest && (!active[id] || s.ReinvestClass == "") {
			p.Election = ElectPayout
			out[id] = p
		}
	}
	return out, nil
}
