package bonds

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/numbered"
)

// The bond register is the legal record of who held which units of an issue from when
// to when. It is kept as holding periods: each is one member's units (numbered ranges)
// from a date (the first day held) to a date (the first day no longer held; empty while
// held). Every change of a member's units (allocation, transfer, redemption) closes the
// member's open period on the day of the change and opens one with what they hold
// after it, in the same transaction as the change. A current-holding record per member
// and issue, read with its version, points at the open period: two changes of one
// member's units at once collide, and one runs again.
//
// Units are numbered 1..N per issue at allocation, in subscription order, and never
// reused; a transfer or a redemption takes the holder's lowest numbers first.

// HoldingPeriod is one member's units of an issue held from From (included) to To (excluded;
// empty while still held).
type HoldingPeriod struct {
	ID            string           `json:"id"`
	CooperativeID string           `json:"cooperativeId"`
	IssueID       string           `json:"issueId"`
	MemberID      string           `json:"memberId"`
	Units         int64            `json:"units"`
	Ranges        []numbered.Range `json:"ranges"`
	From          cooperative.Date `json:"from"`
	To            cooperative.Date `json:"to,omitempty"`
	// Cause is what opened it: "allocation:<subscription>", "transfer:<id>",
	// "redemption:<id>".
	Cause   string `json:"cause"`
	version int64
}

// Holding is what a member holds of an issue now.
type Holding struct {
	CooperativeID string           `json:"cooperativeId"`
	IssueID       string           `json:"issueId"`
	MemberID      string           `json:"memberId"`
	Units         int64            `json:"units"`
	Ranges        []numbered.Range `json:"ranges"`
	Since         cooperative.Date `json:"since,omitempty"` // since when this many units are held
	PeriodID      string           `json:"periodId,omitempty"`
	version       int64
}

const (
	collectionPeriods  = "bond_periods"
	collectionHoldings = "bond_holdings"
)

func (p HoldingPeriod) record() cooperative.Record {
	return cooperative.Record{Collection: collectionPeriods, ID: p.ID, Version: p.version, Data: cooperative.Encode(p),
		Index: map[string]string{"issue": p.IssueID}}
}

func holdingKey(issueID, memberID string) string { return issueID + ":" + memberID }

func (h Holding) record() cooperative.Record {
	return cooperative.Record{Collection: collectionHoldings, ID: holdingKey(h.IssueID, h.MemberID), Version: h.version,
		Data: cooperative.Encode(h), Index: map[string]string{"member": h.CooperativeID + ":" + h.MemberID, "issue": h.IssueID}}
}

func getHolding(tx cooperative.Tx, cooperativeID, issueID, memberID string) (Holding, error) {
	h, rec, err := cooperative.GetAs[Holding](tx, collectionHoldings, holdingKey(issueID, memberID))
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return Holding{CooperativeID: cooperativeID, IssueID: issueID, MemberID: memberID, Ranges: []numbered.Range{}}, nil
	}
	h.version = rec.Version
	return h, err
}

// registerDate is the date a change of the register takes: today, but never before
// the issue date (units exist from it) nor before the issue's last change (a clock
// stepping back cannot reorder the register).
func registerDate(i Issue, today cooperative.Date) cooperative.Date {
	return max(today, i.Terms.IssueDate, i.LastRegisterOn)
}

// setUnits makes ranges what h's member holds from date on: it closes the open period
// (on date) and opens one with ranges (none when nothing is left), and saves h.
func setUnits(tx cooperative.Tx, h *Holding, ranges []numbered.Range, date cooperative.Date, cause string) error {
	if h.PeriodID != "" {
		p, rec, err := cooperative.GetAs[HoldingPeriod](tx, collectionPeriods, h.PeriodID)
		if err != nil {
			return err
		}
		p.version, p.To = rec.Version, date
		if _, err := tx.Replace(p.record()); err != nil {
			return err
		}
	}
	if ranges == nil {
		ranges = []numbered.Range{}
	}
	h.Ranges, h.Units, h.Since, h.PeriodID = ranges, numbered.Count(ranges), date, ""
	if h.Units > 0 {
		p := HoldingPeriod{ID: cooperative.NewID(), CooperativeID: h.CooperativeID, IssueID: h.IssueID, MemberID: h.MemberID,
			Units: h.Units, Ranges: ranges, From: date, Cause: cause}
		if _, err := tx.Insert(p.record()); err != nil {
			return err
		}
		h.PeriodID = p.ID
	}
	rec, err := cooperative.Put(tx, h.record())
	if err == nil {
		h.version = rec.Version
	}
	return err
}

// HoldingInterval is a member's units of an issue over a stretch of days: held from
// From (included) to To (excluded), or still held when To is empty. It is what payment
// runs compute interest on.
type HoldingInterval struct {
	MemberID string           `json:"memberId"`
	Units    int64            `json:"units"`
	Ranges   []numbered.Range `json:"ranges"`
	From     cooperative.Date `json:"from"`
	To       cooperative.Date `json:"to,omitempty"`
}

// HoldingsOn returns, inside the caller's transaction, every interval of the issue's
// register held on at least one day of [from, to] (both included), sorted by member and
// start. An interval keeps its own dates (it may start before from or end after to): the
// caller cuts it to its period. It reads the issue's periods in pages, with no query per
// holding.
func HoldingsOn(tx cooperative.Tx, cooperativeID, issueID string, from, to cooperative.Date) ([]HoldingInterval, error) {
	for _, d := range []cooperative.Date{from, to} {
		if _, err := cooperative.ParseDate(string(d)); err != nil {
			return nil, err
		}
	}
	if to.Before(from) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "the period ends (%s) before it starts (%s)", to, from)
	}
	i, err := getIssue(tx, cooperativeID, issueID)
	if err != nil {
		return nil, err
	}
	return holdingsOf(tx, i, from, to)
}

// holdingsOf is HoldingsOn for an issue the caller has read, over a period it knows to
// be valid (from and to are dates, to not before from).
func holdingsOf(tx cooperative.Tx, i Issue, from, to cooperative.Date) ([]HoldingInterval, error) {
	var out []HoldingInterval
	err := bondsReadAll(tx, cooperative.Query{Collection: collectionPeriods, Index: "issue", Value: i.ID},
		func(p HoldingPeriod, _ cooperative.Record) error {
			if p.CooperativeID == i.CooperativeID && p.held() && !to.Before(p.From) && (p.To == "" || from.Before(p.To)) {
				out = append(out, HoldingInterval{MemberID: p.MemberID, Units: p.Units, Ranges: p.Ranges, From: p.From, To: p.To})
			}
			return nil
		})
	slices.SortFunc(out, func(a, b HoldingInterval) int {
		return cmp.Or(strings.Compare(a.MemberID, b.MemberID), strings.Compare(string(a.From), string(b.From)))
	})
	return out, err
}

// held: a period closed on the day it opened held nothing for a day.
func (p HoldingPeriod) held() bool { return p.To == "" || p.From.Before(p.To) }

// RegisterEntry is one holder's units of an issue on a date.
type RegisterEntry struct {
	MemberID string           `json:"memberId"`
	Units    int64            `json:"units"`
	Ranges   []numbered.Range `json:"ranges"`
	Since    cooperative.Date `json:"since" doc:"Held in this number since."`
}

// RegisterOn answers "who held which units of the issue at the end of date", sorted by
// member id.
func (b *Bonds) RegisterOn(ctx context.Context, cooperativeID, issueID string, date cooperative.Date) ([]RegisterEntry, error) {
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return nil, err
	}
	out := []RegisterEntry{}
	err := b.view(ctx, func(tx cooperative.Tx) error {
		list, err := HoldingsOn(tx, cooperativeID, issueID, date, date)
		for _, h := range list {
			out = append(out, RegisterEntry{MemberID: h.MemberID, Units: h.Units, Ranges: h.Ranges, Since: h.From})
		}
		return err
	})
	return out, err
}

// MemberHoldings returns what a member holds now of every issue of the cooperative.
func (b *Bonds) MemberHoldings(ctx context.Context, cooperativeID, memberID string) ([]Holding, error) {
	if !cooperative.ValidID(memberID) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "%q is not a member id", memberID)
	}
	out := []Holding{}
	err := b.view(ctx, func(tx cooperative.Tx) error {
		return bondsReadAll(tx, cooperative.Query{Collection: collectionHoldings, Index: "member", Value: cooperativeID + ":" + memberID},
			func(h Holding, _ cooperative.Record) error {
				if h.Units > 0 {
					out = append(out, h)
				}
				return nil
			})
	})
	return out, err
}
