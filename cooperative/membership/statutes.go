package membership

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"
)

// AllocationMethod is how an oversubscribed offering is allocated.
type AllocationMethod string

const (
	// AllocationProRata accepts every subscription and, when the paid demand that can be
	// allocated exceeds the cap, scales it down in proportion, in whole shares, by
	// largest remainder (see the package documentation).
	AllocationProRata AllocationMethod = "pro_rata"
	// AllocationFirstCome serves subscriptions in the order they came in: once the cap is
	// subscribed, later ones wait on a waiting list, served at closing in order with what
	// earlier ones leave.
	AllocationFirstCome AllocationMethod = "first_come"
)

// ShareClass is a class of shares the statutes create.
type ShareClass struct {
	Code              string `json:"code"`
	Name              string `json:"name"`
	NominalCents      int64  `json:"nominalCents"`
	MinPerMember      int64  `json:"minPerMember"`
	MaxPerMember      int64  `json:"maxPerMember"`
	ConfersMembership bool   `json:"confersMembership"`
}

// Statutes is one version of a cooperative's statutes, in force from EffectiveFrom until
// the next version's EffectiveFrom.
type Statutes struct {
	CooperativeID      string           `json:"cooperativeId"`
	Version            int              `json:"version"`
	EffectiveFrom      cooperative.Date `json:"effectiveFrom"`
	ShareClasses       []ShareClass     `json:"shareClasses"`
	MembershipFeeCents int64            `json:"membershipFeeCents"`
	DividendCapBP      int64            `json:"dividendCapBp"`
	NoticePeriodDays   int              `json:"noticePeriodDays"`
	Allocation         AllocationMethod `json:"allocation"`
	AdoptedAt          time.Time        `json:"adoptedAt"`
}

// Class returns the share class with code.
func (s Statutes) Class(code string) (ShareClass, bool) {
	i := slices.IndexFunc(s.ShareClasses, func(c ShareClass) bool { return c.Code == code })
	if i < 0 {
		return ShareClass{}, false
	}
	return s.ShareClasses[i], true
}

// statutesHistory is every version of one cooperative's statutes, in one record: there
// are few, they are read together (the version in force on a date), and the optimistic
// version of the record makes two concurrent amendments collide instead of both
// becoming version n+1.
type statutesHistory struct {
	CooperativeID string     `json:"cooperativeId"`
	Versions      []Statutes `json:"versions"`
	version       int64
}

const collectionStatutes = "statutes"

var classCodePattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,19}$`)

func (s Statutes) validate() (Statutes, error) {
	if _, err := cooperative.ParseDate(string(s.EffectiveFrom)); err != nil {
		return s, err
	}
	if len(s.ShareClasses) == 0 || len(s.ShareClasses) > 20 {
		return s, cooperative.Errorf(cooperative.EINVALID, "statutes need 1 to 20 share classes")
	}
	membership := false
	for i, c := range s.ShareClasses {
		c.Code = strings.TrimSpace(c.Code)
		c.Name = strings.TrimSpace(c.Name)
		if !classCodePattern.MatchString(c.Code) {
			return s, cooperative.Errorf(cooperative.EINVALID, "share class code %q must be 1 to 20 capitals, digits or _", c.Code)
		}
		if c.Name == "" || utf8.RuneCountInString(c.Name) > 100 {
			return s, cooperative.Errorf(cooperative.EINVALID, "share class %s needs a name of at most 100 characters", c.Code)
		}
		if c.NominalCents <= 0 {
			return s, cooperative.Errorf(cooperative.EINVALID, "share class %s needs a positive nominal value", c.Code)
		}
		if c.MinPerMember < 0 || c.MaxPerMember < 1 || c.MinPerMember > c.MaxPerMember {
			return s, cooperative.Errorf(cooperative.EINVALID, "share class %s needs 0 ≤ minPerMember ≤ maxPerMember, maxPerMember ≥ 1", c.Code)
		}
		if _, err := cooperative.MulMoney(c.MaxPerMember, c.NominalCents); err != nil {
			return s, err
		}
		if slices.ContainsFunc(s.ShareClasses[:i], func(o ShareClass) bool { return o.Code == c.Code }) {
			return s, cooperative.Errorf(cooperative.EINVALID, "share class %s is listed twice", c.Code)
		}
		membership = membership || c.ConfersMembership
		s.ShareClasses[i] = c
	}
	if !membership {
		return s, cooperative.Errorf(cooperative.EINVALID, "at least one share class must confer membership")
	}
	if s.MembershipFeeCents < 0 {
		return s, cooperative.Errorf(cooperative.EINVALID, "the membership fee must not be negative")
	}
	if s.DividendCapBP < 0 || s.DividendCapBP > 10000 {
		return s, cooperative.Errorf(cooperative.EINVALID, "the dividend cap must be 0 to 10000 basis points")
	}
	if s.NoticePeriodDays < 0 || s.NoticePeriodDays > 5*366 {
		return s, cooperative.Errorf(cooperative.EINVALID, "the notice period must be 0 to 5 years")
	}
	if s.Allocation != AllocationProRata && s.Allocation != AllocationFirstCome {
		return s, cooperative.Errorf(cooperative.EINVALID, "allocation must be pro_rata or first_come")
	}
	return s, nil
}

// AdoptStatutes adds a version of a cooperative's statutes. History is never rewritten:
// a new version takes effect after the last one did and not in the past, a class keeps
// its nominal value forever (member capital in the ledger is shares × nominal), and a
// class once created is never dropped (shares of it may still be held). The first
// version may be dated back to the founding.
func (ms *Members) AdoptStatutes(ctx context.Context, actor cooperative.Actor, in Statutes) (Statutes, error) {
	in.ShareClasses = slices.Clone(in.ShareClasses)
	in, err := in.validate()
	if err != nil {
		return Statutes{}, err
	}
	err = ms.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if _, err := cooperative.GetCooperativeTx(tx, in.CooperativeID); err != nil {
			return err
		}
		h, rec, err := cooperative.GetAs[statutesHistory](tx, collectionStatutes, in.CooperativeID)
		switch cooperative.ErrorCode(err) {
		case "":
			h.version = rec.Version
		case cooperative.ENOTFOUND:
			h = statutesHistory{CooperativeID: in.CooperativeID}
		default:
			return err
		}
		if n := len(h.Versions); n > 0 {
			last := h.Versions[n-1]
			if !last.EffectiveFrom.Before(in.EffectiveFrom) {
				return cooperative.RuleError("statutes_history", "a new version must take effect after %s, when version %d did",
					last.EffectiveFrom, last.Version)
			}
			if in.EffectiveFrom.Before(cooperative.DateOf(now)) {
				return cooperative.RuleError("statutes_history", "a new version cannot take effect in the past")
			}
			for _, old := range last.ShareClasses {
				c, ok := in.Class(old.Code)
				if !ok {
					return cooperative.RuleError("share_class_kept", "share class %s cannot be dropped", old.Code)
				}
				if c.NominalCents != old.NominalCents {
					return cooperative.RuleError("nominal_fixed", "the nominal value of share class %s cannot change", old.Code)
				}
			}
		}
		in.Version = len(h.Versions) + 1
		in.AdoptedAt = now
		h.Versions = append(h.Versions, in)
		rec = cooperative.Record{Collection: collectionStatutes, ID: in.CooperativeID, Version: h.version, Data: cooperative.Encode(h)}
		if _, err = cooperative.Put(tx, rec); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, in.CooperativeID, "statutes.adopt", "statutes", in.CooperativeID, nil, in, now)
	})
	return in, err
}

// statutesOn returns the version in force on date.
func StatutesOn(tx cooperative.Tx, cooperativeID string, date cooperative.Date) (Statutes, error) {
	h, _, err := cooperative.GetAs[statutesHistory](tx, collectionStatutes, cooperativeID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return Statutes{}, cooperative.RuleError("statutes_required", "the cooperative has no statutes yet")
	}
	if err != nil {
		return Statutes{}, err
	}
	for i := len(h.Versions) - 1; i >= 0; i-- {
		if !date.Before(h.Versions[i].EffectiveFrom) {
			return h.Versions[i], nil
		}
	}
	return Statutes{}, cooperative.RuleError("statutes_required", "no statutes were in force on %s", date)
}

// classOn returns the statutes in force on date and their share class code, which an
// operation on shares needs both of; a class they do not have is EINVALID.
func ClassOn(tx cooperative.Tx, cooperativeID, code string, date cooperative.Date) (Statutes, ShareClass, error) {
	st, err := StatutesOn(tx, cooperativeID, date)
	if err != nil {
		return st, ShareClass{}, err
	}
	class, ok := st.Class(code)
	if !ok {
		return st, class, cooperative.Errorf(cooperative.EINVALID, "the statutes have no share class %q", code)
	}
	return st, class, nil
}

// latestStatutes is the newest version: a class's nominal value never changes and
// classes are never dropped, so it knows every class that was ever issued.
func LatestStatutes(tx cooperative.Tx, cooperativeID string) (Statutes, error) {
	h, _, err := cooperative.GetAs[statutesHistory](tx, collectionStatutes, cooperativeID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && len(h.Versions) == 0) {
		return Statutes{}, cooperative.RuleError("statutes_required", "the cooperative has no statutes yet")
	}
	if err != nil {
		return Statutes{}, err
	}
	return h.Versions[len(h.Versions)-1], nil
}

// StatutesOn returns the version of the statutes in force on date.
func (ms *Members) StatutesOn(ctx context.Context, cooperativeID string, date cooperative.Date) (Statutes, error) {
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return Statutes{}, err
	}
	var s Statutes
	err := ms.view(ctx, func(tx cooperative.Tx) (err error) {
		s, err = StatutesOn(tx, cooperativeID, date)
		return err
	})
	return s, err
}

// StatutesHistory returns every version, oldest first.
func (ms *Members) StatutesHistory(ctx context.Context, cooperativeID string) ([]Statutes, error) {
	var h statutesHistory
	err := ms.view(ctx, func(tx cooperative.Tx) (err error) {
		h, _, err = cooperative.GetAs[statutesHistory](tx, collectionStatutes, cooperativeID)
		return err
	})
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return []Statutes{}, nil
	}
	return h.Versions, err
}
