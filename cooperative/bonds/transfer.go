package bonds

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
)

// Transfer is a board-approved transfer of bond units between members. Recording it is
// the board's approval: the route that calls Transfer is the board's, with a second
// factor (as for shares).
type Transfer struct {
	ID            string           `json:"id"`
	CooperativeID string           `json:"cooperativeId"`
	IssueID       string           `json:"issueId"`
	From          string           `json:"from"`
	To            string           `json:"to"`
	Units         int64            `json:"units"`
	UnitNumbers   []numbered.Range `json:"unitNumbers"`
	// PrincipalCents is the outstanding principal moved with the units.
	PrincipalCents int64            `json:"principalCents"`
	Date           cooperative.Date `json:"date"`
	Reason         string           `json:"reason,omitempty"`
	ApprovedBy     string           `json:"approvedBy"`
	CreatedAt      time.Time        `json:"createdAt"`
}

const collectionTransfers = "bond_transfers"

func (t Transfer) record() cooperative.Record {
	return cooperative.Record{Collection: collectionTransfers, ID: t.ID, Data: cooperative.Encode(t),
		Index: map[string]string{"issue": t.IssueID}}
}

// TransferRequest asks to move units of an issue from one member to another.
type TransferRequest struct {
	CooperativeID, IssueID, From, To string
	Units                            int64
	Reason                           string // for example "sale" or "inheritance"
}

// Transfer moves units (the giver's lowest numbers first) from one member to another,
// dated today (never before the issue date): the receiver must be an active member and
// stay within the issue's maximum per member; the giver an active or deceased member
// (whose units pass to the heirs) holding the units. The outstanding principal moves
// with the units (PrincipalCents, for the record); the ledger keeps bonds outstanding as
// one account for all holders, so a transfer posts nothing: the register says whose
// the units are.
func (b *Bonds) Transfer(ctx context.Context, actor cooperative.Actor, in TransferRequest) (Transfer, error) {
	if in.Units <= 0 {
		return Transfer{}, cooperative.Errorf(cooperative.EINVALID, "transfer a positive number of units")
	}
	if in.From == in.To {
		return Transfer{}, cooperative.Errorf(cooperative.EINVALID, "a transfer needs two different members")
	}
	reason, err := bondsOptionalText("reason", in.Reason, 500)
	if err != nil {
		return Transfer{}, err
	}
	var t Transfer
	err = b.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		i, err := getIssue(tx, in.CooperativeID, in.IssueID)
		if err != nil {
			return err
		}
		if i.Status != IssueAllocated {
			return cooperative.RuleError("issue_allocated", "units of an issue move once it is allocated")
		}
		from, err := membership.GetMember(tx, in.CooperativeID, in.From)
		if err != nil {
			return err
		}
		to, err := membership.GetMember(tx, in.CooperativeID, in.To)
		if err != nil {
			return err
		}
		if from.Status != membership.MemberActive && from.Status != membership.MemberDeceased {
			return cooperative.RuleError("transfer_from_member", "bonds are transferred from an active or deceased member, not a %s one", from.Status)
		}
		if to.Status != membership.MemberActive {
			return cooperative.RuleError("transfer_to_member", "bonds are transferred to an active member; the receiver is %s", to.Status)
		}
		date := registerDate(i, cooperative.DateOf(now))
		if !date.Before(i.Terms.Maturity()) {
			return cooperative.RuleError("before_maturity", "the issue matured on %s", i.Terms.Maturity())
		}
		src, err := getHolding(tx, i.CooperativeID, i.ID, from.ID)
		if err != nil {
			return err
		}
		dst, err := getHolding(tx, i.CooperativeID, i.ID, to.ID)
		if err != nil {
			return err
		}
		asked, err := requestedUnits(tx, i.ID, from.ID)
		if err != nil {
			return err
		}
		if in.Units > src.Units-asked {
			return cooperative.RuleError("units_held", "the member holds %d units of the issue (less any asked to be redeemed), not %d",
				src.Units, in.Units)
		}
		if dst.Units+in.Units > i.MaxPerMember {
			return cooperative.RuleError("max_per_member", "a member holds at most %d units of this issue", i.MaxPerMember)
		}
		taken, rest := numbered.TakeLowest(src.Ranges, in.Units)
		t = Transfer{ID: cooperative.NewID(), CooperativeID: i.CooperativeID, IssueID: i.ID, From: from.ID, To: to.ID,
			Units: in.Units, UnitNumbers: taken, Date: date, Reason: reason, ApprovedBy: actor.UserID, CreatedAt: now}
		perUnit, err := outstandingPerUnit(i.Terms, date)
		if err != nil {
			return err
		}
		if t.PrincipalCents, err = cooperative.MulMoney(in.Units, perUnit); err != nil {
			return err
		}
		if err := setUnits(tx, &src, rest, date, "transfer:"+t.ID); err != nil {
			return err
		}
		if err := setUnits(tx, &dst, numbered.Add(dst.Ranges, taken), date, "transfer:"+t.ID); err != nil {
			return err
		}
		i.LastRegisterOn = date
		if err := saveIssue(tx, &i); err != nil {
			return err
		}
		if _, err := tx.Insert(t.record()); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, i.CooperativeID, "bonds.transfer", "bond_transfer", t.ID, nil, t, now)
	})
	return t, err
}

// ListTransfers returns a page of an issue's transfers, oldest first.
func (b *Bonds) ListTransfers(ctx context.Context, cooperativeID, issueID, after string, limit int) ([]Transfer, string, error) {
	if err := cooperative.CheckCursor(after); err != nil {
		return nil, "", err
	}
	var (
		list []Transfer
		next string
	)
	err := b.view(ctx, func(tx cooperative.Tx) error {
		if _, err := getIssue(tx, cooperativeID, issueID); err != nil {
			return err
		}
		var err error
		list, next, err = cooperative.FindAs[Transfer](tx, cooperative.Query{Collection: collectionTransfers, Index: "issue",
			Value: issueID, After: after, Limit: limit})
		return err
	})
	return list, next, err
}
