package distribution

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// The basis of a patronage refund: a quantity per member (kWh supplied, care hours),
// imported as CSV by member number. The quantities are stored apart from the
// appropriation, in one record per year (100,000 members are a few MB).

// BasisSummary is what the appropriation shows of its imported basis.
type BasisSummary struct {
	Members    int       `json:"members"`
	Total      int64     `json:"total"` // the sum of the quantities
	ImportedBy string    `json:"importedBy,omitempty"`
	ImportedAt time.Time `json:"importedAt"`
}

// BasisRefusedError is a basis file with lines that were refused: nothing was imported.
// Its Lines say which and why, by line number.
type BasisRefusedError struct {
	Lines []RefusedLine
}

func (e *BasisRefusedError) Error() string {
	return "rule basis_refused: " + strconv.Itoa(len(e.Lines)) + " lines of the basis were refused; nothing was imported"
}

// RefusedLinesOf returns the refused lines of an import refused for them, nil otherwise.
func RefusedLinesOf(err error) []RefusedLine {
	var e *BasisRefusedError
	if errors.As(err, &e) {
		return e.Lines
	}
	return nil
}

const collectionBases = "distribution_bases"

// regBasisRecord is the quantities of one year's patronage basis, by member id.
type regBasisRecord struct {
	CooperativeID string           `json:"cooperativeId"`
	Year          int              `json:"year"`
	Quantities    map[string]int64 `json:"quantities"`
}

// BasisFor returns the imported patronage basis of a year's appropriation (member id →
// quantity), or ERULE basis_required when none was imported.
func BasisFor(tx cooperative.Tx, cooperativeID string, year int) (map[string]int64, error) {
	b, _, err := cooperative.GetAs[regBasisRecord](tx, collectionBases, regAppropriationID(cooperativeID, year))
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return nil, cooperative.RuleError("basis_required", "no patronage basis was imported for %d", year)
	}
	return b.Quantities, err
}

// ImportBasis reads a patronage basis (CSV: member_number,quantity) for a proposed
// patronage appropriation (the board, with its second factor), replacing one imported
// before. A member number of no member of this cooperative, a bad number or a duplicate
// refuses the file: the error is a *BasisRefusedError listing every refused line
// (ERULE basis_refused), and nothing is imported.
func (d *Distributions) ImportBasis(ctx context.Context, actor cooperative.Actor, cooperativeID string, year int, r io.Reader) (Appropriation, error) {
	// Read before the transaction, which the store may run more than once.
	data, err := readBasis(r)
	if err != nil {
		return Appropriation{}, err
	}
	var out Appropriation
	err = d.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		a, err := AppropriationFor(tx, cooperativeID, year)
		if err != nil {
			return err
		}
		switch {
		case a.Status != AppropriationProposed:
			return cooperative.RuleError("appropriation_decided", "the general meeting decided the appropriation of %d: its basis is fixed", year)
		case a.Method != Patronage:
			return cooperative.RuleError("basis_method", "a basis is for a patronage refund; the proposal of %d is %s", year, a.Method)
		}
		numbers := map[int64]string{}
		if err := membership.ForEachMember(tx, cooperativeID, func(m membership.Member) error {
			if m.Number > 0 {
				numbers[m.Number] = m.ID
			}
			return nil
		}); err != nil {
			return err
		}
		// Refused lines come with an error naming the first; the rule lists them all.
		q, refused, err := parseBasis(data, numbers)
		if len(refused) > 0 {
			return cooperative.WrapError(cooperative.ERULE, &BasisRefusedError{Lines: refused},
				"rule basis_refused: "+strconv.Itoa(len(refused))+" lines of the basis were refused; nothing was imported")
		}
		if err != nil {
			return err
		}
		sum := BasisSummary{Members: len(q), ImportedBy: actor.UserID, ImportedAt: now}
		for _, v := range q {
			if sum.Total, err = cooperative.AddMoney(sum.Total, v); err != nil {
				return err
			}
		}
		if sum.Total == 0 {
			return cooperative.RuleError("basis_empty", "the basis has no quantity to divide the refund over")
		}
		rec, err := tx.Get(collectionBases, a.ID) // only its version: the quantities are not decoded
		if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
			return err
		}
		if _, err := cooperative.Put(tx, cooperative.Record{Collection: collectionBases, ID: a.ID, Version: rec.Version,
			Data: cooperative.Encode(regBasisRecord{CooperativeID: cooperativeID, Year: year, Quantities: q})}); err != nil {
			return err
		}
		before := a
		a.Basis, a.UpdatedAt = &sum, now
		if err := regSaveAppropriation(tx, &a); err != nil {
			return err
		}
		out = a
		return cooperative.AppendAudit(tx, actor, cooperativeID, "appropriation.basis", "appropriation", a.ID, before, a, now)
	})
	return out, err
}
