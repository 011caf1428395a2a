package distribution

import (
	"context"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// The dry run and the execution. Both compute the table the same way (compute): the
// appropriation, the share register over the year, the members' elections as of the
// record date, the settings, the patronage basis. The execution posts it in steps, each
// its own transaction, so 100,000 members do not hold the store for seconds in one
// write and a crash halfway resumes where it stopped:
//
//  1. start: the table is fixed (kept in pages of ChunkLines lines) and the appropriation
//     is posted: Dr result for appropriation / Cr reserves, Cr community fund, Cr
//     dividends payable (the members' net), Cr withholding tax payable;
//  2. one step per page: the reinvested shares are issued in the register and posted (Dr
//     dividends payable / Cr member capital of each member), the donations go to the fund
//     (Dr dividends payable / Cr community fund), and a payable is made for each payout;
//  3. finish: the appropriation is marked executed.
//
// Executing again once it is done recomputes the table: the same figures are a no-op,
// other figures (the register changed since) are refused.

// ChunkLines is how many members one step of an execution takes.
const ChunkLines = 5000

// Table is a year's distribution: the dry run, or the execution's figures.
type Table struct {
	Year          int           `json:"year"`
	Appropriation Appropriation `json:"appropriation"`
	Terms         Terms         `json:"terms"`
	Lines         []Line        `json:"lines"`
	Totals        Totals        `json:"totals"`
	// RetainedCents is what of the result is not appropriated (stays, carried forward).
	RetainedCents int64 `json:"retainedCents"`
}

// yearBounds is 1 January of year and of the year after.
func yearBounds(year int) (cooperative.Date, cooperative.Date) {
	return cooperative.Date(strconv.Itoa(year) + "-01-01"), cooperative.Date(strconv.Itoa(year+1) + "-01-01")
}

// compute is the table of cooperativeID's year, with the register's periods it used.
func compute(tx cooperative.Tx, cooperativeID string, year int) (Table, []shares.SharePeriod, error) {
	a, err := AppropriationFor(tx, cooperativeID, year)
	if err != nil {
		return Table{}, nil, err
	}
	s, err := SettingsOf(tx, cooperativeID)
	if err != nil {
		return Table{}, nil, err
	}
	from, to := yearBounds(year)
	st, err := membership.StatutesOn(tx, cooperativeID, to.AddDays(-1))
	if err != nil {
		return Table{}, nil, err
	}
	terms := Terms{Year: year, Method: a.Method, RateBP: a.RateBP, Nominal: map[string]int64{},
		WithholdingBP: s.WithholdingBP, ExemptionCents: s.ExemptionCents, ThresholdCents: s.ThresholdCents}
	if a.Method != DividendRate {
		terms.PoolCents = a.MembersCents
	}
	for _, c := range st.ShareClasses {
		terms.Nominal[c.Code] = c.NominalCents
	}
	if s.ReinvestClass != "" {
		// Reinvested shares are bought at their nominal value: no premium, no price to argue.
		terms.ReinvestClass, terms.SharePriceCents = s.ReinvestClass, terms.Nominal[s.ReinvestClass]
	}
	periods, err := shares.SharePeriods(tx, cooperativeID, from, to)
	if err != nil {
		return Table{}, nil, err
	}
	held := make([]Held, 0, len(periods))
	for _, p := range periods {
		if p.Shares > 0 {
			held = append(held, Held{MemberID: p.MemberID, Class: p.Class, Shares: p.Shares, From: p.From, To: p.To})
		}
	}
	payees, err := PayeesOf(tx, cooperativeID, a.RecordDate)
	if err != nil {
		return Table{}, nil, err
	}
	var basis map[string]int64
	if a.Method == Patronage {
		if basis, err = BasisFor(tx, cooperativeID, year); err != nil {
			return Table{}, nil, err
		}
	}
	lines, totals, err := Compute(terms, held, basis, payees)
	if err != nil {
		return Table{}, nil, err
	}
	t := Table{Year: year, Appropriation: a, Terms: terms, Lines: lines, Totals: totals}
	appropriated := a.ReservesCents + a.FundCents + totals.GrossCents
	if appropriated > a.ResultCents {
		return t, nil, cooperative.RuleError("split_over_result", "reserves %s, the fund %s and the members' %s come to more than the "+
			"result of %s", cooperative.FormatEuro(a.ReservesCents, "en"), cooperative.FormatEuro(a.FundCents, "en"),
			cooperative.FormatEuro(totals.GrossCents, "en"), cooperative.FormatEuro(a.ResultCents, "en"))
	}
	t.RetainedCents = a.ResultCents - appropriated
	return t, periods, nil
}

// DryRun is the table the execution would post, writing nothing.
func (d *Distributions) DryRun(ctx context.Context, cooperativeID string, year int) (Table, error) {
	var t Table
	err := d.view(ctx, func(tx cooperative.Tx) (err error) {
		t, _, err = compute(tx, cooperativeID, year)
		return err
	})
	return t, err
}

// ExecutionStatus is where an execution is.
type ExecutionStatus string

const (
	ExecutionRunning ExecutionStatus = "running"
	ExecutionDone    ExecutionStatus = "done"
)

// Execution is the progress and outcome of executing a year's distribution.
type Execution struct {
	ID            string           `json:"id"`
	CooperativeID string           `json:"cooperativeId"`
	Year          int              `json:"year"`
	Status        ExecutionStatus  `json:"status"`
	ExecutedOn    cooperative.Date `json:"executedOn"`
	Lines         int              `json:"lines"`
	DoneLines     int              `json:"doneLines"`
	Chunks        int              `json:"chunks"`
	DoneChunks    int              `json:"doneChunks"`
	Totals        Totals           `json:"totals"`
	EntrySeq      int64            `json:"entrySeq"` // the appropriation's entry
	StartedBy     string           `json:"startedBy"`
	StartedAt     time.Time        `json:"startedAt"`
	UpdatedAt     time.Time        `json:"updatedAt"`
	FinishedAt    time.Time        `json:"finishedAt,omitzero"`
	// Replayed: executing again found it done with the same figures; nothing was written.
	Replayed bool `json:"replayed,omitempty"`
	version  int64
}

// executionChunk is one page of an execution's lines, fixed when it starts.
type executionChunk struct {
	CooperativeID string `json:"cooperativeId"`
	Year          int    `json:"year"`
	Index         int    `json:"index"`
	Lines         []Line `json:"lines"`
	changed       bool   // a line was paid out instead of reinvested (executeChunk)
}

const (
	collectionExecutions = "distribution_executions"
	collectionChunks     = "distribution_lines"
)

func (e Execution) record() cooperative.Record {
	return cooperative.Record{Collection: collectionExecutions, ID: e.ID, Version: e.version, Data: cooperative.Encode(e),
		Index: map[string]string{"cooperative": e.CooperativeID}}
}

func chunkID(cooperativeID string, year, k int) string {
	return regAppropriationID(cooperativeID, year) + ":" + strconv.Itoa(k)
}

func (c executionChunk) record() cooperative.Record {
	return cooperative.Record{Collection: collectionChunks, ID: chunkID(c.CooperativeID, c.Year, c.Index), Data: cooperative.Encode(c)}
}

func getExecution(tx cooperative.Tx, cooperativeID string, year int) (Execution, bool, error) {
	e, rec, err := cooperative.GetAs[Execution](tx, collectionExecutions, regAppropriationID(cooperativeID, year))
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return Execution{}, false, nil
	}
	e.version = rec.Version
	return e, err == nil, err
}

// GetExecution returns the execution of a year, or ENOTFOUND before it started.
func (d *Distributions) GetExecution(ctx context.Context, cooperativeID string, year int) (Execution, error) {
	var e Execution
	err := d.view(ctx, func(tx cooperative.Tx) error {
		var ok bool
		var err error
		if e, ok, err = getExecution(tx, cooperativeID, year); err == nil && !ok {
			err = cooperative.Errorf(cooperative.ENOTFOUND, "the distribution of %d was not executed", year)
		}
		return err
	})
	return e, err
}

// StartExecution begins executing a decided appropriation (step 1), or finds the
// execution begun or done before: done with the same figures is returned as it is
// (Replayed), done when the register now gives other figures is refused
// (already_executed), running is returned for Continue to resume. Errors of the table
// (an undecided appropriation, a split over the result, …) come from here, before any
// step writes.
func (d *Distributions) StartExecution(ctx context.Context, actor cooperative.Actor, cooperativeID string, year int) (Execution, error) {
	var e Execution
	err := d.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		found, ok, err := getExecution(tx, cooperativeID, year)
		if err != nil {
			return err
		}
		if ok && found.Status == ExecutionRunning {
			e = found
			return nil
		}
		t, _, err := compute(tx, cooperativeID, year)
		if err != nil {
			return err
		}
		if ok {
			// What each member is owed, not how it was paid: a reinvestment the register
			// refused at execution was paid out instead (executeChunk).
			same := t.Totals.Members == found.Totals.Members && t.Totals.GrossCents == found.Totals.GrossCents &&
				t.Totals.WithholdingCents == found.Totals.WithholdingCents && t.Totals.NetCents == found.Totals.NetCents
			if !same {
				return cooperative.RuleError("already_executed", "the distribution of %d was executed on %s with %s gross to %d members; "+
					"the register now gives %s to %d: it is not executed again", year, found.ExecutedOn,
					cooperative.FormatEuro(found.Totals.GrossCents, "en"), found.Totals.Members, cooperative.FormatEuro(t.Totals.GrossCents, "en"),
					t.Totals.Members)
			}
			e, e.Replayed = found, true
			return nil
		}
		if t.Appropriation.Status != AppropriationDecided {
			return cooperative.RuleError("appropriation_undecided", "only an appropriation the general meeting decided is executed; "+
				"the one of %d is %s", year, t.Appropriation.Status)
		}
		today := cooperative.DateOf(now)
		a := t.Appropriation
		lines := []ledger.Line{}
		add := func(account ledger.AccountCode, amount int64) {
			if amount != 0 {
				lines = append(lines, ledger.Line{Account: string(account), Amount: amount})
			}
		}
		add(ledger.AccountResultForAppropriation, a.ReservesCents+a.FundCents+t.Totals.GrossCents)
		add(ledger.AccountReserves, -a.ReservesCents)
		add(ledger.AccountCommunityFund, -a.FundCents)
		add(ledger.AccountDividendsPayable, -t.Totals.NetCents)
		add(ledger.AccountWithholdingTaxPayable, -t.Totals.WithholdingCents)
		e = Execution{ID: regAppropriationID(cooperativeID, year), CooperativeID: cooperativeID, Year: year, Status: ExecutionRunning,
			ExecutedOn: today, Lines: len(t.Lines), Totals: t.Totals, StartedBy: actor.UserID, StartedAt: now.UTC(), UpdatedAt: now.UTC()}
		if len(lines) >= 2 {
			entry, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: cooperativeID, Key: "appropriation:" + strconv.Itoa(year),
				BookingDate: today, Description: "Appropriation of the result of " + strconv.Itoa(year) + " as the general meeting decided on " +
					string(a.Decision.Date), Source: ledger.Source{Type: "appropriation", ID: a.ID}, Lines: lines})
			if err != nil {
				return err
			}
			e.EntrySeq = entry.Seq
		}
		for k := 0; k*ChunkLines < len(t.Lines); k++ {
			c := executionChunk{CooperativeID: cooperativeID, Year: year, Index: k, Lines: t.Lines[k*ChunkLines : min(len(t.Lines), (k+1)*ChunkLines)]}
			if _, err := tx.Insert(c.record()); err != nil {
				return err
			}
			e.Chunks++
		}
		if _, err := tx.Insert(e.record()); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "distribution.execute", "appropriation", a.ID, nil, e, now)
	})
	return e, err
}

// Continue runs the steps of a running execution that are not done, then finishes it,
// calling progress after each step with the lines done and the total. Two at once are
// harmless: a step checks it is the next one in its transaction.
func (d *Distributions) Continue(ctx context.Context, actor cooperative.Actor, cooperativeID string, year int, progress func(done, total int)) (Execution, error) {
	for {
		var e Execution
		var finished bool
		err := d.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
			var ok bool
			var err error
			if e, ok, err = getExecution(tx, cooperativeID, year); err != nil {
				return err
			}
			if !ok {
				return cooperative.Errorf(cooperative.ENOTFOUND, "the distribution of %d was not started", year)
			}
			if e.Status == ExecutionDone {
				finished = true
				return nil
			}
			if e.DoneChunks == e.Chunks {
				a, err := AppropriationFor(tx, cooperativeID, year)
				if err != nil {
					return err
				}
				if err := markExecuted(tx, &a, e.ExecutedOn, e.Totals, now); err != nil {
					return err
				}
				e.Status, e.FinishedAt, e.UpdatedAt = ExecutionDone, now.UTC(), now.UTC()
				if _, err := tx.Replace(e.record()); err != nil {
					return err
				}
				finished = true
				return cooperative.AppendAudit(tx, actor, cooperativeID, "distribution.executed", "appropriation", a.ID, nil, e, now)
			}
			c, rec, err := cooperative.GetAs[executionChunk](tx, collectionChunks, chunkID(cooperativeID, year, e.DoneChunks))
			if err != nil {
				return err
			}
			if err := executeChunk(tx, actor, &e, &c, now); err != nil {
				return err
			}
			if c.changed {
				rec.Data = cooperative.Encode(c)
				if _, err := tx.Replace(rec); err != nil {
					return err
				}
			}
			e.DoneChunks++
			e.DoneLines += len(c.Lines)
			e.UpdatedAt = now.UTC()
			_, err = tx.Replace(e.record())
			return err
		})
		if err != nil {
			return e, err
		}
		if progress != nil {
			progress(e.DoneLines, e.Lines)
		}
		if finished {
			return e, nil
		}
	}
}

// Execute starts (or resumes) a year's execution and runs it to the end.
func (d *Distributions) Execute(ctx context.Context, actor cooperative.Actor, cooperativeID string, year int, progress func(done, total int)) (Execution, error) {
	e, err := d.StartExecution(ctx, actor, cooperativeID, year)
	if err != nil || e.Status == ExecutionDone {
		return e, err
	}
	return d.Continue(ctx, actor, cooperativeID, year, progress)
}

// executeChunk is step 2 for one page of lines: reinvested shares issued and posted to
// each member's capital, donations to the fund, a payable per payout.
//
// A member whose shares the register will not issue now (the class's maximum per member
// reached, no longer active) is paid the amount out instead: the page's line and the
// execution's totals say so, as the member's statement then does.
func executeChunk(tx cooperative.Tx, actor cooperative.Actor, e *Execution, c *executionChunk, now time.Time) error {
	year := strconv.Itoa(e.Year)
	var reinvest, donation int64
	lines := []ledger.Line{}
	owed := []payouts.Owed{}
	s, err := SettingsOf(tx, e.CooperativeID)
	if err != nil {
		return err
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		if l.ReinvestShares > 0 {
			_, err := shares.IssueReinvested(tx, actor, e.CooperativeID, l.MemberID, s.ReinvestClass, l.ReinvestShares,
				l.ReinvestCents/l.ReinvestShares, e.ExecutedOn, "distribution:"+year+":"+l.MemberID)
			switch {
			case cooperative.ErrorCode(err) == cooperative.ERULE:
				e.Totals.PayoutCents += l.ReinvestCents
				e.Totals.ReinvestCents -= l.ReinvestCents
				e.Totals.ReinvestShares -= l.ReinvestShares
				l.PayoutCents += l.ReinvestCents
				l.ReinvestCents, l.ReinvestShares, l.Election = 0, 0, ElectPayout
				c.changed = true
			case err != nil:
				return err
			default:
				lines = append(lines, ledger.Line{Account: ledger.MemberAccount(ledger.AccountMemberCapital, l.MemberID), Amount: -l.ReinvestCents})
				reinvest += l.ReinvestCents
			}
		}
		donation += l.DonationCents
		if l.PayoutCents > 0 {
			owed = append(owed, payouts.Owed{CooperativeID: e.CooperativeID, MemberID: l.MemberID, Reason: payouts.ReasonDividend,
				Account: string(ledger.AccountDividendsPayable), AmountCents: l.PayoutCents, DueOn: e.ExecutedOn,
				Text: "Distribution " + year, SourceType: "distribution", SourceID: year + ":" + l.MemberID})
		}
	}
	if donation > 0 {
		lines = append(lines, ledger.Line{Account: string(ledger.AccountCommunityFund), Amount: -donation})
	}
	if reinvest+donation > 0 {
		lines = append(lines, ledger.Line{Account: string(ledger.AccountDividendsPayable), Amount: reinvest + donation})
		if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: e.CooperativeID, Key: "distribution:" + year + ":" + strconv.Itoa(c.Index),
			BookingDate: e.ExecutedOn, Description: "Distribution " + year + ": reinvested in shares and donated to the community fund (members " +
				strconv.Itoa(c.Index*ChunkLines+1) + " to " + strconv.Itoa(c.Index*ChunkLines+len(c.Lines)) + " of the table)",
			Source: ledger.Source{Type: "distribution", ID: e.ID}, Lines: lines}); err != nil {
			return err
		}
	}
	if len(owed) > 0 {
		if _, err := payouts.OweAll(tx, actor, e.CooperativeID, "distribution", e.ID+":"+strconv.Itoa(c.Index), owed, now); err != nil {
			return err
		}
	}
	return nil
}
