package fund

// Grants: the board awards a counted round's projects (an award outside the result
// needs a recorded reason), for at most the project's budget and what the round still
// has; the award moves the money off the fund (Dr community_fund / Cr grants_payable)
// and counts against the round. A grant is paid in tranches, each a payable through
// payouts to the project's beneficiary; projects report progress. Closing a round frees
// what it did not grant.

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

const (
	grantCollection    = "fund_grants"
	grantCollectionLog = "fund_progress"
	// grantSourceTranche is the payouts source of a tranche: the grant and its number.
	grantSourceTranche = "fund_grant_tranche"
)

// Grant is an award to a project of a round.
type Grant struct {
	ID            string      `json:"id"`
	CooperativeID string      `json:"cooperativeId"`
	RoundID       string      `json:"roundId"`
	ProposalID    string      `json:"proposalId"`
	MemberID      string      `json:"memberId"` // who proposed it: answers for the payables
	Title         string      `json:"title"`
	Beneficiary   Beneficiary `json:"beneficiary"`
	AmountCents   int64       `json:"amountCents"`
	// OwedCents is what its tranches owe so far (payables made); the rest is still on
	// grants payable, for later tranches.
	OwedCents int64 `json:"owedCents,omitempty"`
	// Reason is why a project outside the round's result was awarded: public.
	Reason    string    `json:"reason,omitempty"`
	AwardSeq  int64     `json:"awardSeq"` // the ledger entry of the award
	Tranches  []Tranche `json:"tranches,omitempty"`
	AwardedBy string    `json:"awardedBy"`
	AwardedAt time.Time `json:"awardedAt"`
}

// Tranche is one part of a grant, owed through payouts.
type Tranche struct {
	N           int              `json:"n"`
	AmountCents int64            `json:"amountCents"`
	DueOn       cooperative.Date `json:"dueOn"`
	PayableID   string           `json:"payableId"`
	CreatedBy   string           `json:"createdBy"`
	CreatedAt   time.Time        `json:"createdAt"`
}

// Progress is a project's report: public.
type Progress struct {
	ID            string           `json:"id"`
	CooperativeID string           `json:"cooperativeId"`
	GrantID       string           `json:"grantId"`
	Date          cooperative.Date `json:"date"`
	Text          string           `json:"text"`
	ByRole        string           `json:"byRole"` // member (the proposer) or board
	ReportedBy    string           `json:"reportedBy"`
	ReportedAt    time.Time        `json:"reportedAt"`
}

func (g Grant) record(version int64) cooperative.Record {
	return cooperative.Record{Collection: grantCollection, ID: g.ID, Version: version, Data: cooperative.Encode(g),
		Unique: map[string]string{"proposal": g.ProposalID}, Index: map[string]string{"cooperative": g.CooperativeID}}
}

func (p Progress) record() cooperative.Record {
	return cooperative.Record{Collection: grantCollectionLog, ID: p.ID, Data: cooperative.Encode(p),
		Index: map[string]string{"cooperative": p.CooperativeID, "grant": p.GrantID}}
}

func grantGet(tx cooperative.Tx, cooperativeID, id string) (Grant, int64, error) {
	if !cooperative.ValidID(id) {
		return Grant{}, 0, cooperative.Errorf(cooperative.EINVALID, "%q is not a grant id", id)
	}
	g, rec, err := cooperative.GetAs[Grant](tx, grantCollection, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && g.CooperativeID != cooperativeID) {
		return Grant{}, 0, cooperative.Errorf(cooperative.ENOTFOUND, "grant %s not found", id)
	}
	return g, rec.Version, err
}

// Award is what the board awards: a project of a counted round and an amount.
type Award struct {
	RoundID     string
	ProposalID  string
	AmountCents int64
	// Reason is required when the project is not in the round's result.
	Reason string
}

// AwardGrant awards a grant. Refused: a round not counted (round_counted), a project
// not on its ballot (proposal_admitted), outside the result without a reason
// (award_reason), above the project's budget (grant_budget), above what the round has
// left (grant_remaining) or the fund holds (fund_balance).
func (f *Fund) AwardGrant(ctx context.Context, actor cooperative.Actor, cooperativeID string, in Award) (Grant, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	switch {
	case in.AmountCents <= 0:
		return Grant{}, cooperative.Errorf(cooperative.EINVALID, "amountCents: a grant is a positive amount")
	case utf8.RuneCountInString(in.Reason) > 2000:
		return Grant{}, cooperative.Errorf(cooperative.EINVALID, "reason: at most 2000 characters")
	}
	var g Grant
	err := f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		r, err := roundGet(tx, cooperativeID, in.RoundID)
		if err != nil {
			return err
		}
		p, err := proposalGet(tx, cooperativeID, in.ProposalID)
		if err != nil || p.RoundID != r.ID {
			return cooperative.Errorf(cooperative.ENOTFOUND, "proposal %s not found in round %s", in.ProposalID, r.ID)
		}
		switch {
		case r.Status != RoundCounted:
			return cooperative.RuleError("round_counted", "round %s is %s: grants are awarded once it is counted and before it closes", r.ID, r.Status)
		case p.Status == ProposalAwarded:
			return cooperative.RuleError("grant_awarded", "project %s has a grant already", p.ID)
		case p.Status != ProposalAdmitted:
			return cooperative.RuleError("proposal_admitted", "project %s is %s, not on the ballot", p.ID, p.Status)
		case !slices.Contains(r.Result, p.ID) && in.Reason == "":
			return cooperative.RuleError("award_reason", "project %s is not in the round's result: an award outside it needs a reason", p.ID)
		case in.AmountCents > p.BudgetCents:
			return cooperative.RuleError("grant_budget", "%s is more than the project's budget of %s",
				cooperative.FormatEuro(in.AmountCents, "en"), cooperative.FormatEuro(p.BudgetCents, "en"))
		case in.AmountCents > r.BudgetCents-r.GrantedCents:
			return cooperative.RuleError("grant_remaining", "%s is more than the round still has (%s)",
				cooperative.FormatEuro(in.AmountCents, "en"), cooperative.FormatEuro(r.BudgetCents-r.GrantedCents, "en"))
		}
		bal, err := balanceOfFund(tx, cooperativeID)
		if err != nil {
			return err
		}
		if in.AmountCents > bal {
			return cooperative.RuleError("fund_balance", "%s is more than the fund holds (%s)",
				cooperative.FormatEuro(in.AmountCents, "en"), cooperative.FormatEuro(bal, "en"))
		}
		g = Grant{ID: cooperative.NewID(), CooperativeID: cooperativeID, RoundID: r.ID, ProposalID: p.ID, MemberID: p.MemberID,
			Title: p.Title, Beneficiary: p.Beneficiary, AmountCents: in.AmountCents, Reason: in.Reason,
			AwardedBy: actor.UserID, AwardedAt: now.UTC()}
		e, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: cooperativeID, Key: "fund-grant:" + g.ID,
			BookingDate: cooperative.DateOf(now), Description: "Grant to " + p.Title + " (round " + r.Title + ")",
			Source: ledger.Source{Type: "fund_grant", ID: g.ID},
			Lines: []ledger.Line{{Account: string(ledger.AccountCommunityFund), Amount: in.AmountCents},
				{Account: string(ledger.AccountGrantsPayable), Amount: -in.AmountCents}}})
		if err != nil {
			return err
		}
		g.AwardSeq = e.Seq
		r.GrantedCents += in.AmountCents
		if err := roundSave(tx, &r); err != nil {
			return err
		}
		p.Status = ProposalAwarded
		if _, err := tx.Replace(p.record()); err != nil {
			return err
		}
		if _, err := tx.Insert(g.record(0)); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "fund_grant.award", "fund_grant", g.ID, nil, g, now)
	})
	return g, err
}

// TrancheInput is one tranche the board pays: DueOn "" is today.
type TrancheInput struct {
	AmountCents int64
	DueOn       cooperative.Date
}

// PayTranche owes a tranche of a grant to its beneficiary through payouts (reason
// grant, from grants payable, where the award put it). Refused above what the grant has
// left (tranche_remaining).
func (f *Fund) PayTranche(ctx context.Context, actor cooperative.Actor, cooperativeID, grantID string, in TrancheInput) (Grant, payouts.Payable, error) {
	if in.AmountCents <= 0 {
		return Grant{}, payouts.Payable{}, cooperative.Errorf(cooperative.EINVALID, "amountCents: a tranche is a positive amount")
	}
	if in.DueOn != "" {
		if _, err := cooperative.ParseDate(string(in.DueOn)); err != nil {
			return Grant{}, payouts.Payable{}, cooperative.Errorf(cooperative.EINVALID, "dueOn: %s", cooperative.ErrorMessage(err))
		}
	}
	var (
		g   Grant
		pay payouts.Payable
	)
	err := f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		var version int64
		var err error
		if g, version, err = grantGet(tx, cooperativeID, grantID); err != nil {
			return err
		}
		if left := g.AmountCents - g.OwedCents; in.AmountCents > left {
			return cooperative.RuleError("tranche_remaining", "%s is more than the grant has left to pay (%s)",
				cooperative.FormatEuro(in.AmountCents, "en"), cooperative.FormatEuro(left, "en"))
		}
		due := in.DueOn
		if due == "" {
			due = cooperative.DateOf(now)
		}
		n := len(g.Tranches) + 1
		if pay, err = payouts.Owe(tx, actor, payouts.Owed{CooperativeID: cooperativeID, MemberID: g.MemberID, Reason: payouts.ReasonGrant,
			Account: string(ledger.AccountGrantsPayable), AmountCents: in.AmountCents, DueOn: due,
			Text:       grantText(g.Title, n),
			SourceType: grantSourceTranche, SourceID: g.ID + ":" + strconv.Itoa(n),
			Payee: &payouts.Payee{Name: g.Beneficiary.Name, IBAN: g.Beneficiary.IBAN}}, now); err != nil {
			return err
		}
		before := g
		g.OwedCents += in.AmountCents
		g.Tranches = append(slices.Clone(g.Tranches), Tranche{N: n, AmountCents: in.AmountCents, DueOn: due, PayableID: pay.ID,
			CreatedBy: actor.UserID, CreatedAt: now.UTC()})
		if _, err := tx.Replace(g.record(version)); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "fund_grant.tranche", "fund_grant", g.ID, before, g, now)
	})
	return g, pay, err
}

// grantText is the remittance information of a tranche: at most 140 characters.
func grantText(title string, n int) string {
	t := "Grant " + title
	if r := []rune(t); len(r) > 120 {
		t = string(r[:120])
	}
	return t + " tranche " + strconv.Itoa(n)
}

// ProgressInput is a project's report.
type ProgressInput struct {
	Date cooperative.Date // "" is today
	Text string
}

// ReportProgress records a public progress report on a grant. memberID is the
// reporting member's id when a member reports (it must be the grant's proposer, else
// ENOTFOUND), "" when the board does.
func (f *Fund) ReportProgress(ctx context.Context, actor cooperative.Actor, cooperativeID, grantID, memberID string, in ProgressInput) (Progress, error) {
	in.Text = strings.TrimSpace(in.Text)
	if in.Text == "" || utf8.RuneCountInString(in.Text) > 5000 {
		return Progress{}, cooperative.Errorf(cooperative.EINVALID, "text: a report of 1 to 5000 characters")
	}
	if in.Date != "" {
		if _, err := cooperative.ParseDate(string(in.Date)); err != nil {
			return Progress{}, cooperative.Errorf(cooperative.EINVALID, "date: %s", cooperative.ErrorMessage(err))
		}
	}
	var p Progress
	err := f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		g, _, err := grantGet(tx, cooperativeID, grantID)
		if err != nil {
			return err
		}
		role := "board"
		if memberID != "" {
			if memberID != g.MemberID {
				return cooperative.Errorf(cooperative.ENOTFOUND, "grant %s not found", grantID)
			}
			role = "member"
		}
		d := in.Date
		if d == "" {
			d = cooperative.DateOf(now)
		}
		if cooperative.DateOf(now).Before(d) {
			return cooperative.Errorf(cooperative.EINVALID, "date: %s is in the future", d)
		}
		p = Progress{ID: cooperative.NewID(), CooperativeID: cooperativeID, GrantID: g.ID, Date: d, Text: in.Text, ByRole: role,
			ReportedBy: actor.UserID, ReportedAt: now.UTC()}
		if _, err := tx.Insert(p.record()); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "fund_progress.report", "fund_grant", g.ID, nil, p, now)
	})
	return p, err
}

// GetGrant returns one grant.
func (f *Fund) GetGrant(ctx context.Context, cooperativeID, id string) (Grant, error) {
	var g Grant
	err := f.view(ctx, func(tx cooperative.Tx) (err error) {
		g, _, err = grantGet(tx, cooperativeID, id)
		return err
	})
	return g, err
}

// CloseRound closes a counted round: what it did not grant is free again (the fund's
// reserved balance counts only rounds not closed). Closing a closed round is harmless.
func (f *Fund) CloseRound(ctx context.Context, actor cooperative.Actor, cooperativeID, roundID string) (Round, error) {
	var r Round
	err := f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		var err error
		if r, err = roundGet(tx, cooperativeID, roundID); err != nil || r.Status == RoundClosed {
			return err
		}
		if r.Status != RoundCounted {
			return cooperative.RuleError("round_counted", "round %s is %s: a round closes once it is counted", r.ID, r.Status)
		}
		before := r
		r.Status, r.ClosedAt = RoundClosed, now.UTC()
		if err := roundSave(tx, &r); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "fund_round.close", "fund_round", r.ID, before, r, now)
	})
	return r, err
}
