package distribution

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// AppropriationStatus is where a year's appropriation is:
//
//	proposed → decided → executed
//
// The board changes a proposal freely; the general meeting's decision fixes it; the
// execution (the dry run's figures posted) closes it.
type AppropriationStatus string

const (
	AppropriationProposed AppropriationStatus = "proposed"
	AppropriationDecided  AppropriationStatus = "decided"
	AppropriationExecuted AppropriationStatus = "executed"
)

// Appropriation is the split of one year's distributable result: reserves, the community
// fund and the members' part, divided by Method. What is left of the result stays in
// the cooperative (retained).
type Appropriation struct {
	ID            string `json:"id"` // <cooperative>:<year>: one a year
	CooperativeID string `json:"cooperativeId"`
	Year          int    `json:"year"`
	ResultCents   int64  `json:"resultCents"` // the distributable result
	ReservesCents int64  `json:"reservesCents"`
	FundCents     int64  `json:"fundCents"` // to the community fund
	Method        Method `json:"method"`
	RateBP        int64  `json:"rateBp,omitempty"` // dividend_rate: yearly, on nominal
	// MembersCents is the members' part: the pool divided for dividend_pool and
	// patronage; for dividend_rate the board's estimate, which the dry run makes exact.
	MembersCents int64 `json:"membersCents"`
	// RecordDate: elections made before it count for this distribution.
	RecordDate cooperative.Date    `json:"recordDate"`
	Status     AppropriationStatus `json:"status"`
	// Basis is the patronage basis imported (its figures; the quantities are stored apart).
	Basis      *BasisSummary    `json:"basis,omitempty"`
	Decision   *Decision        `json:"decision,omitempty"`
	ExecutedOn cooperative.Date `json:"executedOn,omitempty"`
	Totals     *Totals          `json:"totals,omitempty"` // as executed
	ProposedBy string           `json:"proposedBy,omitempty"`
	CreatedAt  time.Time        `json:"createdAt"`
	UpdatedAt  time.Time        `json:"updatedAt"`
	version    int64
}

// Decision is the general meeting's decision on an appropriation.
type Decision struct {
	Date         cooperative.Date `json:"date"`
	VotesFor     int64            `json:"votesFor"`
	VotesAgainst int64            `json:"votesAgainst"`
	Abstaining   int64            `json:"abstaining"`
	Minutes      MinutesFile      `json:"minutes"`
	RecordedBy   string           `json:"recordedBy,omitempty"`
	RecordedAt   time.Time        `json:"recordedAt"`
}

// MinutesFile describes the meeting's minutes, stored apart (Distributions.Minutes).
type MinutesFile struct {
	FileName    string `json:"fileName,omitempty"`
	ContentType string `json:"contentType"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256"`
}

// NewAppropriation is what the board proposes.
type NewAppropriation struct {
	CooperativeID string
	Year          int
	ResultCents   int64
	ReservesCents int64
	FundCents     int64
	Method        Method
	RateBP        int64
	MembersCents  int64
	RecordDate    cooperative.Date
}

// DecisionInput is the general meeting's decision as recorded by the board.
type DecisionInput struct {
	Date         cooperative.Date
	VotesFor     int64
	VotesAgainst int64
	Abstaining   int64
	FileName     string
	Minutes      []byte // a PDF
}

// Limits of an appropriation.
const (
	MinYear         = 2000
	MaxYear         = 2200
	MaxMinutesBytes = 5 << 20 // 5 MiB
	maxMinutesName  = 200
)

const (
	collectionAppropriations = "distribution_appropriations"
	collectionMinutes        = "distribution_minutes"
)

func regAppropriationID(cooperativeID string, year int) string {
	return cooperativeID + ":" + strconv.Itoa(year)
}

func (a Appropriation) record() cooperative.Record {
	return cooperative.Record{Collection: collectionAppropriations, ID: a.ID, Version: a.version, Data: cooperative.Encode(a),
		Index: map[string]string{"cooperative": a.CooperativeID}}
}

// AppropriationFor returns a cooperative's appropriation of year, or ENOTFOUND.
func AppropriationFor(tx cooperative.Tx, cooperativeID string, year int) (Appropriation, error) {
	if year < MinYear || year > MaxYear {
		return Appropriation{}, cooperative.Errorf(cooperative.EINVALID, "the year is %d to %d, not %d", MinYear, MaxYear, year)
	}
	a, rec, err := cooperative.GetAs[Appropriation](tx, collectionAppropriations, regAppropriationID(cooperativeID, year))
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return Appropriation{}, cooperative.Errorf(cooperative.ENOTFOUND, "no appropriation of %d", year)
	}
	a.version = rec.Version
	return a, err
}

func regSaveAppropriation(tx cooperative.Tx, a *Appropriation) error {
	rec, err := cooperative.Put(tx, a.record())
	if err == nil {
		a.version = rec.Version
	}
	return err
}

// regYearEnd is the last day of year.
func regYearEnd(year int) cooperative.Date {
	return cooperative.Date(strconv.Itoa(year) + "-12-31")
}

// regCheckCap refuses a rate over the dividend cap of the statutes in force at the
// year's end.
func regCheckCap(tx cooperative.Tx, cooperativeID string, year int, rateBP int64) error {
	st, err := membership.StatutesOn(tx, cooperativeID, regYearEnd(year))
	if err != nil {
		return err
	}
	if rateBP > st.DividendCapBP {
		return cooperative.RuleError("dividend_cap", "the statutes cap the dividend at %d basis points; %d is more", st.DividendCapBP, rateBP)
	}
	return nil
}

// check validates a proposal on its own, naming the rule broken.
func (n NewAppropriation) check() error {
	if n.Year < MinYear || n.Year > MaxYear {
		return cooperative.Errorf(cooperative.EINVALID, "the year is %d to %d, not %d", MinYear, MaxYear, n.Year)
	}
	if n.ResultCents <= 0 || n.ResultCents > MaxAmountCents {
		return cooperative.Errorf(cooperative.EINVALID, "the distributable result is 1 to %d cents, not %d", int64(MaxAmountCents), n.ResultCents)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"reservesCents", n.ReservesCents}, {"fundCents", n.FundCents}, {"membersCents", n.MembersCents}} {
		if err := regCheckAmount(f.name, f.v); err != nil {
			return err
		}
	}
	if _, err := cooperative.ParseDate(string(n.RecordDate)); err != nil {
		return cooperative.Errorf(cooperative.EINVALID, "recordDate: %s", cooperative.ErrorMessage(err))
	}
	if !regYearEnd(n.Year).Before(n.RecordDate) {
		return cooperative.RuleError("record_date", "the record date of %d's distribution comes after the year, not on %s", n.Year, n.RecordDate)
	}
	split := n.ReservesCents + n.FundCents
	switch n.Method {
	case DividendRate:
		if n.RateBP <= 0 || n.RateBP > 10000 {
			return cooperative.Errorf(cooperative.EINVALID, "a dividend rate is 1 to 10000 basis points, not %d", n.RateBP)
		}
		// The members' part of a rate is an estimate the dry run makes exact: what the
		// board fixes is reserves and fund.
	case DividendPool, Patronage:
		if n.RateBP != 0 {
			return cooperative.Errorf(cooperative.EINVALID, "rateBp is for dividend_rate; %s divides membersCents", n.Method)
		}
		if n.MembersCents <= 0 {
			return cooperative.Errorf(cooperative.EINVALID, "%s divides membersCents: give a positive amount", n.Method)
		}
		split += n.MembersCents
	default:
		return cooperative.Errorf(cooperative.EINVALID, "method must be dividend_rate, dividend_pool or patronage, not %q", n.Method)
	}
	if split > n.ResultCents {
		return cooperative.RuleError("split_over_result", "reserves, fund and the members' part (%d cents) are more than the result (%d cents)",
			split, n.ResultCents)
	}
	return nil
}

// Propose records the board's proposal for a year (the board, with its second factor),
// or replaces it while it is only proposed; once the general meeting decided it, it is
// fixed (rule appropriation_decided). A patronage basis imported before is kept.
func (d *Distributions) Propose(ctx context.Context, actor cooperative.Actor, in NewAppropriation) (Appropriation, error) {
	if err := in.check(); err != nil {
		return Appropriation{}, err
	}
	var out Appropriation
	err := d.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if _, err := cooperative.GetCooperativeTx(tx, in.CooperativeID); err != nil {
			return err
		}
		if in.Method == DividendRate {
			if err := regCheckCap(tx, in.CooperativeID, in.Year, in.RateBP); err != nil {
				return err
			}
		}
		a, err := AppropriationFor(tx, in.CooperativeID, in.Year)
		var before any
		switch {
		case cooperative.ErrorCode(err) == cooperative.ENOTFOUND:
			a = Appropriation{ID: regAppropriationID(in.CooperativeID, in.Year), CooperativeID: in.CooperativeID, Year: in.Year,
				Status: AppropriationProposed, CreatedAt: now}
		case err != nil:
			return err
		case a.Status != AppropriationProposed:
			return cooperative.RuleError("appropriation_decided", "the general meeting decided the appropriation of %d: it cannot change", in.Year)
		default:
			before = a
		}
		a.ResultCents, a.ReservesCents, a.FundCents, a.Method = in.ResultCents, in.ReservesCents, in.FundCents, in.Method
		a.RateBP, a.MembersCents, a.RecordDate = in.RateBP, in.MembersCents, in.RecordDate
		a.ProposedBy, a.UpdatedAt = actor.UserID, now
		if err := regSaveAppropriation(tx, &a); err != nil {
			return err
		}
		out = a
		return cooperative.AppendAudit(tx, actor, in.CooperativeID, "appropriation.propose", "appropriation", a.ID, before, a, now)
	})
	return out, err
}

// minutesRecord is the minutes' file, apart from the appropriation that is read often.
type minutesRecord struct {
	CooperativeID string      `json:"cooperativeId"`
	Year          int         `json:"year"`
	File          MinutesFile `json:"file"`
	Content       []byte      `json:"content"`
}

// Decide records the general meeting's decision on the proposal (the board, with its
// second factor): the meeting's date (after the year, not in the future), the votes (a
// majority for it) and the minutes (a PDF of at most 5 MiB, stored with it). A
// patronage refund needs its basis imported first; a rate is checked against the cap of
// the statutes again. Only a proposed appropriation can be decided.
func (d *Distributions) Decide(ctx context.Context, actor cooperative.Actor, cooperativeID string, year int, in DecisionInput) (Appropriation, error) {
	if _, err := cooperative.ParseDate(string(in.Date)); err != nil {
		return Appropriation{}, cooperative.Errorf(cooperative.EINVALID, "date: %s", cooperative.ErrorMessage(err))
	}
	if in.VotesFor < 0 || in.VotesAgainst < 0 || in.Abstaining < 0 {
		return Appropriation{}, cooperative.Errorf(cooperative.EINVALID, "votes are not negative")
	}
	if len(in.Minutes) == 0 {
		return Appropriation{}, cooperative.Errorf(cooperative.EINVALID, "attach the meeting's minutes (a PDF)")
	}
	if len(in.Minutes) > MaxMinutesBytes {
		return Appropriation{}, cooperative.Errorf(cooperative.EINVALID, "the minutes are at most %d MiB", MaxMinutesBytes>>20)
	}
	if !bytes.HasPrefix(in.Minutes, []byte("%PDF-")) {
		return Appropriation{}, cooperative.Errorf(cooperative.EINVALID, "the minutes must be a PDF file")
	}
	name := ""
	if strings.TrimSpace(in.FileName) != "" {
		var err error
		if name, err = membership.CheckText("fileName", in.FileName, maxMinutesName); err != nil {
			return Appropriation{}, err
		}
	}
	var out Appropriation
	err := d.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		a, err := AppropriationFor(tx, cooperativeID, year)
		if err != nil {
			return err
		}
		if a.Status != AppropriationProposed {
			return cooperative.RuleError("appropriation_decided", "the appropriation of %d was decided already", year)
		}
		switch {
		case !regYearEnd(year).Before(in.Date):
			return cooperative.RuleError("decision_date", "the general meeting decides on %d after the year, not on %s", year, in.Date)
		case cooperative.DateOf(now).Before(in.Date):
			return cooperative.RuleError("decision_date", "the meeting of %s has not taken place yet", in.Date)
		case in.VotesFor <= in.VotesAgainst:
			return cooperative.RuleError("majority", "%d votes for and %d against: the meeting did not adopt the proposal", in.VotesFor, in.VotesAgainst)
		case a.Method == Patronage && a.Basis == nil:
			return cooperative.RuleError("basis_required", "a patronage refund is divided over a basis: import it before the decision")
		}
		if a.Method == DividendRate {
			if err := regCheckCap(tx, cooperativeID, year, a.RateBP); err != nil {
				return err
			}
		}
		sum := sha256.Sum256(in.Minutes)
		file := MinutesFile{FileName: name, ContentType: "application/pdf", Bytes: int64(len(in.Minutes)), SHA256: hex.EncodeToString(sum[:])}
		if _, err := cooperative.Put(tx, cooperative.Record{Collection: collectionMinutes, ID: a.ID,
			Data: cooperative.Encode(minutesRecord{CooperativeID: cooperativeID, Year: year, File: file, Content: in.Minutes})}); err != nil {
			return err
		}
		before := a
		a.Status, a.UpdatedAt = AppropriationDecided, now
		a.Decision = &Decision{Date: in.Date, VotesFor: in.VotesFor, VotesAgainst: in.VotesAgainst, Abstaining: in.Abstaining,
			Minutes: file, RecordedBy: actor.UserID, RecordedAt: now}
		if err := regSaveAppropriation(tx, &a); err != nil {
			return err
		}
		out = a
		return cooperative.AppendAudit(tx, actor, cooperativeID, "appropriation.decide", "appropriation", a.ID, before, a, now)
	})
	return out, err
}

// markExecuted closes a decided appropriation with what its execution did, in the
// execution's transaction. The execution (execute.go) checks the figures first; a second
// execution with the same figures does not come here.
func markExecuted(tx cooperative.Tx, a *Appropriation, on cooperative.Date, totals Totals, now time.Time) error {
	if a.Status != AppropriationDecided {
		return cooperative.RuleError("appropriation_undecided", "only a decided appropriation is executed; the one of %d is %s", a.Year, a.Status)
	}
	a.Status, a.ExecutedOn, a.Totals, a.UpdatedAt = AppropriationExecuted, on, &totals, now
	return regSaveAppropriation(tx, a)
}

// Appropriation returns a cooperative's appropriation of year.
func (d *Distributions) Appropriation(ctx context.Context, cooperativeID string, year int) (Appropriation, error) {
	var a Appropriation
	err := d.view(ctx, func(tx cooperative.Tx) (err error) { a, err = AppropriationFor(tx, cooperativeID, year); return err })
	return a, err
}

// ListAppropriations returns a page of a cooperative's appropriations, by year.
func (d *Distributions) ListAppropriations(ctx context.Context, cooperativeID, after string, limit int) ([]Appropriation, string, error) {
	if after != "" && !strings.HasPrefix(after, cooperativeID+":") {
		return nil, "", cooperative.Errorf(cooperative.EINVALID, "%q is not a cursor of this list", after)
	}
	var (
		list []Appropriation
		next string
	)
	err := d.view(ctx, func(tx cooperative.Tx) (err error) {
		list, next, err = cooperative.FindAs[Appropriation](tx, cooperative.Query{Collection: collectionAppropriations,
			Index: "cooperative", Value: cooperativeID, After: after, Limit: limit})
		return err
	})
	return list, next, err
}

// Minutes is the stored minutes of a decided appropriation.
type Minutes struct {
	File    MinutesFile
	Content io.Reader
}

// Minutes returns the minutes of the general meeting that decided year's appropriation.
func (d *Distributions) Minutes(ctx context.Context, cooperativeID string, year int) (Minutes, error) {
	var m minutesRecord
	err := d.view(ctx, func(tx cooperative.Tx) error {
		a, err := AppropriationFor(tx, cooperativeID, year)
		if err != nil {
			return err
		}
		if a.Decision == nil {
			return cooperative.Errorf(cooperative.ENOTFOUND, "the appropriation of %d is not decided: no minutes", year)
		}
		m, _, err = cooperative.GetAs[minutesRecord](tx, collectionMinutes, a.ID)
		return err
	})
	return Minutes{File: m.File, Content: bytes.NewReader(m.Content)}, err
}
