package bonds

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

// Payment runs. On a payment date the accountant creates the issue's run: every holder's
// interest, principal and withholding (runLines), one balanced journal entry for all of
// them, and a payable per holder for the payouts. The dry run (PreviewRun) shows the same
// table and writes nothing. A run is named by its issue and date, so creating it again
// returns the run made the first time and writes nothing.

// Run is one payment date of an issue, as posted.
type Run struct {
	ID            string           `json:"id"`
	CooperativeID string           `json:"cooperativeId"`
	IssueID       string           `json:"issueId"`
	Date          cooperative.Date `json:"date"`
	PeriodStart   cooperative.Date `json:"periodStart"`
	RunTotals
	EntrySeq  int64     `json:"entrySeq,omitempty"` // Dr interest, Dr bonds outstanding / Cr withholding, Cr payable to holders
	CreatedBy string    `json:"createdBy,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	version   int64
}

// RunTable is a run with its lines: the dry run, or a posted run read back.
type RunTable struct {
	Run   Run       `json:"run"`
	Lines []RunLine `json:"lines"`
	// Posted says whether the run exists; Replayed that this call found it made before.
	Posted   bool `json:"posted"`
	Replayed bool `json:"replayed,omitempty"`
}

// runLineRecord is one holder's line of a posted run, found by the run and by the member
// (for the yearly statement).
type runLineRecord struct {
	RunID         string           `json:"runId"`
	CooperativeID string           `json:"cooperativeId"`
	IssueID       string           `json:"issueId"`
	Date          cooperative.Date `json:"date"`
	RunLine
}

const (
	collectionRuns     = "bond_runs"
	collectionRunLines = "bond_run_lines"
)

func runID(issueID string, date cooperative.Date) string {
	return cooperative.NameID("bond-run:" + issueID + ":" + string(date))
}

func (r Run) record() cooperative.Record {
	return cooperative.Record{Collection: collectionRuns, ID: r.ID, Version: r.version, Data: cooperative.Encode(r),
		Index: map[string]string{"issue": r.IssueID}}
}

func (l runLineRecord) record() cooperative.Record {
	return cooperative.Record{Collection: collectionRunLines, ID: l.RunID + ":" + l.MemberID, Data: cooperative.Encode(l),
		Index: map[string]string{"run": l.RunID, "member": l.CooperativeID + ":" + l.MemberID}}
}

// computeRun is the run of issueID on date, not posted: the issue's terms, the register
// over the period, the table.
func computeRun(tx cooperative.Tx, cooperativeID, issueID string, date cooperative.Date) (Issue, RunTable, error) {
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return Issue{}, RunTable{}, err
	}
	i, err := getIssue(tx, cooperativeID, issueID)
	if err != nil {
		return i, RunTable{}, err
	}
	if i.IssuedUnits == 0 {
		return i, RunTable{}, cooperative.RuleError("nothing_due", "no unit of the issue was issued: nothing is due on %s", date)
	}
	start, ok := i.Terms.periodOf(date)
	if !ok {
		return i, RunTable{}, errNothingDue(i.Terms, date)
	}
	unit, err := i.Terms.UnitSchedule()
	if err != nil {
		return i, RunTable{}, err
	}
	held, err := holdingsOf(tx, i, start, date)
	if err != nil {
		return i, RunTable{}, err
	}
	lines, tot, err := i.Terms.runLines(unit, i.WithholdingBP, date, held)
	if err != nil {
		return i, RunTable{}, err
	}
	if tot.Holders == 0 {
		return i, RunTable{}, cooperative.RuleError("nothing_due", "no holder is owed anything on %s", date)
	}
	return i, RunTable{Run: Run{ID: runID(issueID, date), CooperativeID: cooperativeID, IssueID: issueID, Date: date,
		PeriodStart: start, RunTotals: tot}, Lines: lines}, nil
}

// PreviewRun is the dry run: the table a run on date would post, writing nothing. A run
// already posted is shown as it was posted.
func (b *Bonds) PreviewRun(ctx context.Context, cooperativeID, issueID string, date cooperative.Date) (RunTable, error) {
	var out RunTable
	err := b.view(ctx, func(tx cooperative.Tx) (err error) {
		if posted, ok, err := postedRun(tx, cooperativeID, issueID, date); err != nil || ok {
			out = posted
			return err
		}
		_, out, err = computeRun(tx, cooperativeID, issueID, date)
		return err
	})
	return out, err
}

// CreateRun posts the run of issueID on date (a payment date with something due): one
// journal entry (Dr bond interest expense, Dr bonds outstanding / Cr withholding tax
// payable, Cr bond payments payable), a payable per holder of their net amount (reason
// bond_principal when it repays principal, bond_interest otherwise) on bond payments
// payable, due on the date, the lines, and one audit entry. A run made before is
// returned as it is (Replayed), and nothing is written.
func (b *Bonds) CreateRun(ctx context.Context, actor cooperative.Actor, cooperativeID, issueID string, date cooperative.Date) (RunTable, error) {
	var out RunTable
	err := b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if posted, ok, err := postedRun(tx, cooperativeID, issueID, date); err != nil || ok {
			out, out.Replayed = posted, ok
			return err
		}
		i, table, err := computeRun(tx, cooperativeID, issueID, date)
		if err != nil {
			return err
		}
		r := table.Run
		r.CreatedBy, r.CreatedAt = actor.UserID, now.UTC()
		desc := "Bond " + i.Name + ": payment of " + string(date) + " to " + strconv.Itoa(r.Holders) + " holders"
		lines := []ledger.Line{}
		add := func(account ledger.AccountCode, amount int64) {
			if amount != 0 {
				lines = append(lines, ledger.Line{Account: string(account), Amount: amount})
			}
		}
		add(ledger.AccountBondInterestExpense, r.InterestCents)
		add(ledger.AccountBondsOutstanding, r.PrincipalCents)
		add(ledger.AccountWithholdingTaxPayable, -r.WithholdingCents)
		add(ledger.AccountBondPaymentsPayable, -r.NetCents)
		e, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: cooperativeID, Key: "bond-run:" + r.ID, BookingDate: date,
			Description: desc, Source: ledger.Source{Type: "bond_run", ID: r.ID}, Lines: lines})
		if err != nil {
			return err
		}
		r.EntrySeq = e.Seq
		owed := make([]payouts.Owed, 0, len(table.Lines))
		for _, l := range table.Lines {
			if l.NetCents <= 0 {
				continue // all withheld: nothing to pay
			}
			reason, text := payouts.ReasonBondInterest, "Interest "+i.Name+" "+string(date)
			if l.PrincipalCents > 0 {
				reason, text = payouts.ReasonBondPrincipal, "Interest and repayment "+i.Name+" "+string(date)
			}
			owed = append(owed, payouts.Owed{CooperativeID: cooperativeID, MemberID: l.MemberID, Reason: reason,
				Account: string(ledger.AccountBondPaymentsPayable), AmountCents: l.NetCents, DueOn: date, Text: text,
				SourceType: "bond_run", SourceID: r.ID + ":" + l.MemberID})
		}
		payables, err := payouts.OweAll(tx, actor, cooperativeID, "bond_run", r.ID, owed, now)
		if err != nil {
			return err
		}
		byMember := make(map[string]string, len(payables))
		for _, p := range payables {
			byMember[p.MemberID] = p.ID
		}
		for k := range table.Lines {
			table.Lines[k].PayableID = byMember[table.Lines[k].MemberID]
			rec := runLineRecord{RunID: r.ID, CooperativeID: cooperativeID, IssueID: issueID, Date: date, RunLine: table.Lines[k]}
			if _, err := tx.Insert(rec.record()); err != nil {
				return err
			}
		}
		if _, err := tx.Insert(r.record()); err != nil {
			return err
		}
		out = RunTable{Run: r, Lines: table.Lines, Posted: true}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "bond_run.create", "bond_run", r.ID, nil, r, now)
	})
	return out, err
}

// postedRun reads the run of issueID on date with its lines, if it was posted.
func postedRun(tx cooperative.Tx, cooperativeID, issueID string, date cooperative.Date) (RunTable, bool, error) {
	r, rec, err := cooperative.GetAs[Run](tx, collectionRuns, runID(issueID, date))
	switch {
	case cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && r.CooperativeID != cooperativeID):
		return RunTable{}, false, nil
	case err != nil:
		return RunTable{}, false, err
	}
	r.version = rec.Version
	t := RunTable{Run: r, Posted: true, Lines: make([]RunLine, 0, r.Holders)}
	err = bondsReadAll(tx, cooperative.Query{Collection: collectionRunLines, Index: "run", Value: r.ID},
		func(l runLineRecord, _ cooperative.Record) error {
			t.Lines = append(t.Lines, l.RunLine)
			return nil
		})
	return t, true, err
}

// ListRuns returns an issue's runs, by date (an issue has at most a few hundred).
func (b *Bonds) ListRuns(ctx context.Context, cooperativeID, issueID string) ([]Run, error) {
	out := []Run{}
	err := b.view(ctx, func(tx cooperative.Tx) error {
		if _, err := getIssue(tx, cooperativeID, issueID); err != nil {
			return err
		}
		return bondsReadAll(tx, cooperative.Query{Collection: collectionRuns, Index: "issue", Value: issueID},
			func(r Run, _ cooperative.Record) error {
				if r.CooperativeID == cooperativeID {
					out = append(out, r)
				}
				return nil
			})
	})
	slices.SortFunc(out, func(a, b Run) int { return strings.Compare(string(a.Date), string(b.Date)) })
	return out, err
}
