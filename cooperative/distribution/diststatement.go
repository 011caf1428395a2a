package distribution

import (
	"context"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// Statement returns a member's statement of a year's distribution: as executed once it
// is, else the dry run's figures (Executed false). A member with no line (held nothing,
// no basis) gets a statement with zero amounts.
func (d *Distributions) Statement(ctx context.Context, cooperativeID, memberID string, year int) (MemberStatement, error) {
	var s MemberStatement
	err := d.view(ctx, func(tx cooperative.Tx) error {
		m, err := membership.GetMember(tx, cooperativeID, memberID)
		if err != nil {
			return err
		}
		c, err := cooperative.GetCooperativeTx(tx, cooperativeID)
		if err != nil {
			return err
		}
		lang, err := notify.NotificationLanguage(m.Language)
		if err != nil {
			lang = notify.LanguageEnglish
		}
		s = MemberStatement{Year: year, Cooperative: c, MemberID: m.ID, Number: m.Number, Name: m.Name, Address: m.Address,
			Language: lang, Holdings: []StatementHolding{}}
		// Executed: the line as it was posted, and the register's periods; the table is not
		// computed again (it would read the whole register for one member).
		e, executed, err := getExecution(tx, cooperativeID, year)
		if err != nil {
			return err
		}
		executed = executed && e.Status == ExecutionDone
		var periods []shares.SharePeriod
		if executed {
			a, err := AppropriationFor(tx, cooperativeID, year)
			if err != nil {
				return err
			}
			s.Method, s.RateBP, s.Executed = a.Method, a.RateBP, true
			from, to := yearBounds(year)
			if periods, err = shares.SharePeriods(tx, cooperativeID, from, to); err != nil {
				return err
			}
			for k := 0; k < e.Chunks; k++ {
				ch, _, err := cooperative.GetAs[executionChunk](tx, collectionChunks, chunkID(cooperativeID, year, k))
				if err != nil {
					return err
				}
				for _, l := range ch.Lines {
					if l.MemberID == memberID {
						s.Line = l
					}
				}
			}
		} else {
			var t Table
			if t, periods, err = compute(tx, cooperativeID, year); err != nil {
				return err
			}
			s.Method, s.RateBP = t.Terms.Method, t.Terms.RateBP
			for _, l := range t.Lines {
				if l.MemberID == memberID {
					s.Line = l
				}
			}
		}
		if s.Line.MemberID == "" {
			s.Line = Line{MemberID: m.ID, Number: m.Number}
		}
		for _, p := range periods {
			if p.MemberID == memberID && p.Shares > 0 {
				days := int64(p.To.Time().Sub(p.From.Time()).Hours() / 24)
				s.Holdings = append(s.Holdings, StatementHolding{Held: Held{MemberID: p.MemberID, Class: p.Class, Shares: p.Shares,
					From: p.From, To: p.To}, Days: days})
			}
		}
		return nil
	})
	return s, err
}
