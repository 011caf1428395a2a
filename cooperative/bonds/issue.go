package bonds

import (
	"context"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// IssueStatus is open (taking subscriptions) until the board closes and allocates it.
type IssueStatus string

const (
	IssueOpen      IssueStatus = "open"
	IssueAllocated IssueStatus = "allocated" // closed: units issued, unpaid subscriptions lapsed, refunds owed
)

// EarlyRedemption is when a holder may ask to have units redeemed before maturity, and
// what it costs. AllowedFrom empty: never. The penalty (months of interest on what is
// redeemed) is stored here and applied by the payment of the redemption.
type EarlyRedemption struct {
	AllowedFrom   cooperative.Date `json:"allowedFrom,omitempty"`
	PenaltyMonths int              `json:"penaltyMonths"`
}

// Issue is a bond issue: its terms, its size in units, the subscription window and the
// rules of who may subscribe for how much. Its counters change in the same transaction
// as each subscription, so the size and the maxima hold under concurrency (two
// subscribers read the same version; one write wins, the other runs again).
type Issue struct {
	ID            string `json:"id"`
	CooperativeID string `json:"cooperativeId"`
	Name          string `json:"name"`
	Project       string `json:"project"` // what the money finances
	Terms         Terms  `json:"terms"`
	SizeUnits     int64  `json:"sizeUnits"`
	// The subscription window; it closes on or before the issue date.
	OpensAt         time.Time                   `json:"opensAt"`
	ClosesAt        time.Time                   `json:"closesAt"`
	MinPerMember    int64                       `json:"minPerMember"` // units, over the whole issue
	MaxPerMember    int64                       `json:"maxPerMember"`
	Allocation      membership.AllocationMethod `json:"allocation"`
	EarlyRedemption EarlyRedemption             `json:"earlyRedemption"`
	WithholdingBP   int64                       `json:"withholdingBp"` // withheld of interest, in basis points
	Status          IssueStatus                 `json:"status"`
	Subscriptions   int64                       `json:"subscriptions"`
	SubscribedUnits int64                       `json:"subscribedUnits"` // pending and paid
	PaidUnits       int64                       `json:"paidUnits"`
	IssuedUnits     int64                       `json:"issuedUnits"`              // numbered 1..IssuedUnits
	RedeemedUnits   int64                       `json:"redeemedUnits"`            // cancelled early
	LastRegisterOn  cooperative.Date            `json:"lastRegisterOn,omitempty"` // the register's dates never go back
	CreatedAt       time.Time                   `json:"createdAt"`
	ClosedAt        time.Time                   `json:"closedAt,omitzero"`
	version         int64
}

// OutstandingUnits is how many units are held now.
func (i Issue) OutstandingUnits() int64 { return i.IssuedUnits - i.RedeemedUnits }

// NewIssue is what the board gives to set up (or, before the first unit is issued,
// change) an issue.
type NewIssue struct {
	CooperativeID     string
	Name, Project     string
	Terms             Terms
	SizeUnits         int64
	OpensAt, ClosesAt time.Time
	MinPerMember      int64
	MaxPerMember      int64
	Allocation        membership.AllocationMethod
	EarlyRedemption   EarlyRedemption
	WithholdingBP     int64
}

// Limits of an issue.
const (
	MaxIssueUnits       = 10_000_000
	MaxPenaltyMonths    = 24
	maxIssueNameRunes   = 200
	maxIssueProjectText = 1000
)

const (
	collectionIssues       = "bond_issues"
	collectionIssueMembers = "bond_issue_members"
)

func (i Issue) record() cooperative.Record {
	return cooperative.Record{Collection: collectionIssues, ID: i.ID, Version: i.version, Data: cooperative.Encode(i),
		Index: map[string]string{"cooperative": i.CooperativeID}}
}

func getIssue(tx cooperative.Tx, cooperativeID, id string) (Issue, error) {
	if !cooperative.ValidID(id) {
		return Issue{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a bond issue id", id)
	}
	i, rec, err := cooperative.GetAs[Issue](tx, collectionIssues, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && i.CooperativeID != cooperativeID) {
		return Issue{}, cooperative.Errorf(cooperative.ENOTFOUND, "bond issue %s not found", id)
	}
	i.version = rec.Version
	return i, err
}

func saveIssue(tx cooperative.Tx, i *Issue) error {
	rec, err := tx.Replace(i.record())
	if err == nil {
		i.version = rec.Version
	}
	return err
}

// check validates what the board gives, naming the rule broken; it changes nothing.
func (n NewIssue) check() (NewIssue, error) {
	var err error
	if n.Name, err = membership.CheckText("name", n.Name, maxIssueNameRunes); err != nil {
		return n, err
	}
	if n.Name == "" {
		return n, cooperative.Errorf(cooperative.EINVALID, "an issue needs a name")
	}
	if n.Project, err = membership.CheckText("project", n.Project, maxIssueProjectText); err != nil {
		return n, err
	}
	if n.Project == "" {
		return n, cooperative.Errorf(cooperative.EINVALID, "say which project the issue finances")
	}
	if err := n.Terms.Validate(); err != nil {
		return n, err
	}
	switch {
	case n.SizeUnits < 1 || n.SizeUnits > MaxIssueUnits:
		return n, cooperative.RuleError("issue_size", "an issue is 1 to %d units, not %d", MaxIssueUnits, n.SizeUnits)
	case n.MinPerMember < 1 || n.MaxPerMember < n.MinPerMember:
		return n, cooperative.RuleError("per_member_limits", "1 ≤ minPerMember ≤ maxPerMember, not %d and %d", n.MinPerMember, n.MaxPerMember)
	case n.MinPerMember > n.SizeUnits:
		return n, cooperative.RuleError("per_member_limits", "minPerMember %d is more than the issue's %d units", n.MinPerMember, n.SizeUnits)
	case n.Allocation != membership.AllocationFirstCome && n.Allocation != membership.AllocationProRata:
		return n, cooperative.Errorf(cooperative.EINVALID, "allocation must be first_come or pro_rata")
	case n.WithholdingBP < 0 || n.WithholdingBP > 10000:
		return n, cooperative.RuleError("withholding_range", "the withholding rate is 0 to 10000 basis points, not %d", n.WithholdingBP)
	case n.EarlyRedemption.PenaltyMonths < 0 || n.EarlyRedemption.PenaltyMonths > MaxPenaltyMonths:
		return n, cooperative.RuleError("penalty_range", "the early-redemption penalty is 0 to %d months of interest", MaxPenaltyMonths)
	case n.OpensAt.IsZero() || !n.OpensAt.Before(n.ClosesAt):
		return n, cooperative.RuleError("subscription_window", "the subscription window must open before it closes")
	case n.Terms.IssueDate.Before(cooperative.DateOf(n.ClosesAt)):
		return n, cooperative.RuleError("subscription_window", "the subscription window closes on or before the issue date %s, not %s",
			n.Terms.IssueDate, cooperative.DateOf(n.ClosesAt))
	}
	if _, err := cooperative.MulMoney(n.SizeUnits, n.Terms.DenominationCents); err != nil {
		return n, err
	}
	if er := n.EarlyRedemption; er.AllowedFrom != "" {
		if _, err := cooperative.ParseDate(string(er.AllowedFrom)); err != nil {
			return n, cooperative.Errorf(cooperative.EINVALID, "earlyRedemption.allowedFrom: %s", cooperative.ErrorMessage(err))
		}
		if !n.Terms.IssueDate.Before(er.AllowedFrom) || !er.AllowedFrom.Before(n.Terms.Maturity()) {
			return n, cooperative.RuleError("early_redemption_terms", "early redemption is allowed from a date after the issue date %s "+
				"and before maturity %s, not %s", n.Terms.IssueDate, n.Terms.Maturity(), er.AllowedFrom)
		}
	} else if er.PenaltyMonths != 0 {
		return n, cooperative.RuleError("early_redemption_terms", "a penalty needs a date from which early redemption is allowed")
	}
	n.OpensAt, n.ClosesAt = n.OpensAt.UTC(), n.ClosesAt.UTC()
	return n, nil
}

// CreateIssue sets up a bond issue (the board, with its second factor). Bad input is
// refused naming the rule, and nothing is written.
func (b *Bonds) CreateIssue(ctx context.Context, actor cooperative.Actor, in NewIssue) (Issue, error) {
	in, err := in.check()
	if err != nil {
		return Issue{}, err
	}
	var out Issue
	err = b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if _, err := cooperative.GetCooperativeTx(tx, in.CooperativeID); err != nil {
			return err
		}
		if !now.Before(in.ClosesAt) {
			return cooperative.RuleError("subscription_window", "the window's closing time has already passed")
		}
		out = Issue{ID: cooperative.NewID(), CreatedAt: now, Status: IssueOpen}
		out.apply(in)
		if _, err := tx.Insert(out.record()); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, in.CooperativeID, "bond_issue.create", "bond_issue", out.ID, nil, out, now)
	})
	return out, err
}

func (i *Issue) apply(n NewIssue) {
	i.CooperativeID, i.Name, i.Project, i.Terms, i.SizeUnits = n.CooperativeID, n.Name, n.Project, n.Terms, n.SizeUnits
	i.OpensAt, i.ClosesAt, i.MinPerMember, i.MaxPerMember = n.OpensAt, n.ClosesAt, n.MinPerMember, n.MaxPerMember
	i.Allocation, i.EarlyRedemption, i.WithholdingBP = n.Allocation, n.EarlyRedemption, n.WithholdingBP
}

// ChangeIssue replaces what the board set up, while no unit has been issued: the terms
// are fixed from the first unit on (rule terms_fixed). The size cannot drop below what
// is subscribed (issue_size); the price of a unit cannot change while subscriptions
// wait for their money (terms_fixed), since their amounts are owed as they were made.
func (b *Bonds) ChangeIssue(ctx context.Context, actor cooperative.Actor, issueID string, in NewIssue) (Issue, error) {
	in, err := in.check()
	if err != nil {
		return Issue{}, err
	}
	var out Issue
	err = b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		i, err := getIssue(tx, in.CooperativeID, issueID)
		if err != nil {
			return err
		}
		before := i
		switch {
		case i.IssuedUnits > 0 || i.Status != IssueOpen:
			return cooperative.RuleError("terms_fixed", "units of this issue have been issued: its terms are fixed")
		case in.SizeUnits < i.SubscribedUnits:
			return cooperative.RuleError("issue_size", "%d units are subscribed already; the size cannot be less", i.SubscribedUnits)
		case i.Subscriptions > 0 && in.Terms.DenominationCents != i.Terms.DenominationCents:
			return cooperative.RuleError("terms_fixed", "subscriptions were made at a denomination of %d cents; it cannot change now",
				i.Terms.DenominationCents)
		case !now.Before(in.ClosesAt):
			return cooperative.RuleError("subscription_window", "the window's closing time has already passed")
		}
		i.apply(in)
		if err := saveIssue(tx, &i); err != nil {
			return err
		}
		out = i
		return cooperative.AppendAudit(tx, actor, i.CooperativeID, "bond_issue.change", "bond_issue", i.ID, before, i, now)
	})
	return out, err
}

// GetIssue returns one issue.
func (b *Bonds) GetIssue(ctx context.Context, cooperativeID, id string) (Issue, error) {
	var i Issue
	err := b.view(ctx, func(tx cooperative.Tx) (err error) { i, err = getIssue(tx, cooperativeID, id); return err })
	return i, err
}

// ListIssues returns a page of a cooperative's issues, oldest first.
func (b *Bonds) ListIssues(ctx context.Context, cooperativeID, after string, limit int) ([]Issue, string, error) {
	if err := cooperative.CheckCursor(after); err != nil {
		return nil, "", err
	}
	var (
		list []Issue
		next string
	)
	err := b.view(ctx, func(tx cooperative.Tx) (err error) {
		list, next, err = cooperative.FindAs[Issue](tx, cooperative.Query{Collection: collectionIssues, Index: "cooperative",
			Value: cooperativeID, After: after, Limit: limit})
		return err
	})
	return list, next, err
}

// issueName is the issue as a payee reads it on a statement line.
func issueName(i Issue) string {
	name := strings.TrimSpace(i.Name)
	if len([]rune(name)) > 60 {
		name = string([]rune(name)[:60])
	}
	return name
}
