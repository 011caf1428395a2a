package handlers

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"

	"github.com/kracht-coop/kracht/cooperative"
)

// Bond issues, subscriptions, the bond register, transfers and early redemptions.
// Amounts are in cents; the rules are the domain's (cooperative/bonds).

// The domain's values as the API shows them, under names of their own (huma names a
// schema by its Go type's name, and payouts and shares have a Transfer, a Holding, …).
type (
	bondIssue        bonds.Issue
	bondSubscription bonds.Subscription
	bondHolding      bonds.Holding
	bondTransfer     bonds.Transfer
	bondRedemption   bonds.Redemption
)

type bondTermsBody struct {
	DenominationCents int64  `json:"denominationCents" minimum:"1" doc:"The face value of one unit, in cents."`
	CouponBP          int64  `json:"couponBp" doc:"Yearly interest in basis points (450 = 4.5%); 0 to 2500."`
	TermMonths        int    `json:"termMonths" doc:"A whole number of payment periods; 1 to 600."`
	Amortisation      string `json:"amortisation" enum:"bullet,linear,annuity"`
	Frequency         int    `json:"frequency" enum:"1,2,4,12" doc:"Payment dates a year."`
	DayCount          string `json:"dayCount" enum:"30E/360,ACT/365F,ACT/ACT-ISDA"`
	IssueDate         string `json:"issueDate" format:"date" doc:"Interest accrues from here; the units enter the register on it."`
	FirstPaymentDate  string `json:"firstPaymentDate" format:"date" doc:"After the issue date and less than two periods after it (a broken first period)."`
}

type bondIssueInputBody struct {
	Name            string        `json:"name" maxLength:"200"`
	Project         string        `json:"project" maxLength:"1000" doc:"The project the issue finances."`
	Terms           bondTermsBody `json:"terms"`
	SizeUnits       int64         `json:"sizeUnits" doc:"The number of units issued at most."`
	OpensAt         time.Time     `json:"opensAt"`
	ClosesAt        time.Time     `json:"closesAt" doc:"On or before the issue date."`
	MinPerMember    int64         `json:"minPerMember" doc:"Units a member subscribes at least, over the issue."`
	MaxPerMember    int64         `json:"maxPerMember" doc:"Units a member subscribes or holds at most."`
	Allocation      string        `json:"allocation" enum:"first_come,pro_rata"`
	EarlyRedemption struct {
		AllowedFrom   string `json:"allowedFrom,omitempty" format:"date" doc:"From this date a holder may ask for early redemption; leave out for never."`
		PenaltyMonths int    `json:"penaltyMonths,omitempty" doc:"Months of interest the holder pays for it; 0 to 24."`
	} `json:"earlyRedemption,omitempty"`
	WithholdingBP int64 `json:"withholdingBp,omitempty" doc:"Withheld of interest for the tax authority, in basis points; 0 by default."`
}

func (b bondIssueInputBody) issue(cooperativeID string) bonds.NewIssue {
	t := b.Terms
	return bonds.NewIssue{CooperativeID: cooperativeID, Name: b.Name, Project: b.Project,
		Terms: bonds.Terms{DenominationCents: t.DenominationCents, CouponBP: t.CouponBP, TermMonths: t.TermMonths,
			Amortisation: bonds.Amortisation(t.Amortisation), Frequency: bonds.Frequency(t.Frequency), DayCount: bonds.DayCount(t.DayCount),
			IssueDate: cooperative.Date(t.IssueDate), FirstPaymentDate: cooperative.Date(t.FirstPaymentDate)},
		SizeUnits: b.SizeUnits, OpensAt: b.OpensAt, ClosesAt: b.ClosesAt, MinPerMember: b.MinPerMember, MaxPerMember: b.MaxPerMember,
		Allocation:      membership.AllocationMethod(b.Allocation),
		EarlyRedemption: bonds.EarlyRedemption{AllowedFrom: cooperative.Date(b.EarlyRedemption.AllowedFrom), PenaltyMonths: b.EarlyRedemption.PenaltyMonths},
		WithholdingBP:   b.WithholdingBP}
}

type createBondIssueInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          bondIssueInputBody
}

type bondIssueOutput struct{ Body bondIssue }

func (s *Server) createBondIssue(ctx context.Context, in *createBondIssueInput) (*bondIssueOutput, error) {
	i, err := s.bonds.CreateIssue(ctx, actorFrom(ctx), in.Body.issue(in.CooperativeID))
	if err != nil {
		return nil, err
	}
	return &bondIssueOutput{Body: bondIssue(i)}, nil
}

type changeBondIssueInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	IssueID       string `path:"issueID" doc:"The bond issue's id."`
	Body          bondIssueInputBody
}

func (s *Server) changeBondIssue(ctx context.Context, in *changeBondIssueInput) (*bondIssueOutput, error) {
	i, err := s.bonds.ChangeIssue(ctx, actorFrom(ctx), in.IssueID, in.Body.issue(in.CooperativeID))
	if err != nil {
		return nil, err
	}
	return &bondIssueOutput{Body: bondIssue(i)}, nil
}

type bondIssueInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	IssueID       string `path:"issueID" doc:"The bond issue's id."`
}

func (s *Server) getBondIssue(ctx context.Context, in *bondIssueInput) (*bondIssueOutput, error) {
	if !cooperative.ValidID(in.CooperativeID) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", in.CooperativeID)
	}
	i, err := s.bonds.GetIssue(ctx, in.CooperativeID, in.IssueID)
	if err != nil {
		return nil, err
	}
	return &bondIssueOutput{Body: bondIssue(i)}, nil
}

func (s *Server) listBondIssues(ctx context.Context, in *listOfferingsInput) (*pageOutput[bondIssue], error) {
	list, next, err := s.bonds.ListIssues(ctx, in.CooperativeID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, func(i bonds.Issue) bondIssue { return bondIssue(i) }), nil
}

type bondAllocationBody struct {
	Issue         bondIssue          `json:"issue"`
	Subscriptions []bondSubscription `json:"subscriptions" doc:"Every subscription of the issue after allocation, in the order they came in."`
}

type bondAllocationOutput struct{ Body bondAllocationBody }

func (s *Server) closeBondIssue(ctx context.Context, in *bondIssueInput) (*bondAllocationOutput, error) {
	res, err := s.bonds.CloseIssue(ctx, actorFrom(ctx), in.CooperativeID, in.IssueID)
	if err != nil {
		return nil, err
	}
	out := &bondAllocationOutput{Body: bondAllocationBody{Issue: bondIssue(res.Issue), Subscriptions: []bondSubscription{}}}
	for _, sub := range res.Subscriptions {
		out.Body.Subscriptions = append(out.Body.Subscriptions, bondSubscription(sub))
	}
	return out, nil
}

type subscribeBondsInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	IssueID        string `path:"issueID" doc:"The bond issue's id."`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"100" doc:"Optional: a retry with the same key returns the first subscription instead of a second one."`
	Body           struct {
		MemberID string `json:"memberId" doc:"Your member record in the cooperative."`
		Units    int64  `json:"units" minimum:"1"`
	}
}

type bondSubscriptionOutput struct{ Body bondSubscription }

// subscribeBonds: only the account a member record belongs to subscribes for it.
func (s *Server) subscribeBonds(ctx context.Context, in *subscribeBondsInput) (*bondSubscriptionOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.Body.MemberID, true); err != nil {
		return nil, err
	}
	sub, err := s.bonds.Subscribe(ctx, bonds.SubscriptionRequest{CooperativeID: in.CooperativeID, IssueID: in.IssueID,
		MemberID: in.Body.MemberID, Units: in.Body.Units, IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return nil, err
	}
	return &bondSubscriptionOutput{Body: bondSubscription(sub)}, nil
}

type bondIssuePageInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	IssueID       string `path:"issueID" doc:"The bond issue's id."`
	Cursor        string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

func (s *Server) listBondIssueSubscriptions(ctx context.Context, in *bondIssuePageInput) (*pageOutput[bondSubscription], error) {
	if _, err := s.bonds.GetIssue(ctx, in.CooperativeID, in.IssueID); err != nil {
		return nil, err
	}
	list, next, err := s.bonds.ListSubscriptions(ctx, in.CooperativeID, "issue", in.IssueID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, bondSubscriptionView), nil
}

func (s *Server) listBondTransfers(ctx context.Context, in *bondIssuePageInput) (*pageOutput[bondTransfer], error) {
	list, next, err := s.bonds.ListTransfers(ctx, in.CooperativeID, in.IssueID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, bondTransferView), nil
}

func (s *Server) listMemberBondSubscriptions(ctx context.Context, in *memberSubscriptionsInput) (*pageOutput[bondSubscription], error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	list, next, err := s.bonds.ListSubscriptions(ctx, in.CooperativeID, "member", in.MemberID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, bondSubscriptionView), nil
}

type bondRegisterInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	IssueID       string `path:"issueID" doc:"The bond issue's id."`
	Date          string `query:"date" format:"date" doc:"Who held which units at the end of this day; today when left out."`
}

type bondRegisterBody struct {
	IssueID string                `json:"issueId"`
	Date    cooperative.Date      `json:"date"`
	Holders []bonds.RegisterEntry `json:"holders"`
}

type bondRegisterOutput struct{ Body bondRegisterBody }

func (s *Server) bondRegister(ctx context.Context, in *bondRegisterInput) (*bondRegisterOutput, error) {
	date := s.dateOr(in.Date)
	list, err := s.bonds.RegisterOn(ctx, in.CooperativeID, in.IssueID, date)
	if err != nil {
		return nil, err
	}
	return &bondRegisterOutput{Body: bondRegisterBody{IssueID: in.IssueID, Date: date, Holders: list}}, nil
}

type memberPathInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
}

type bondHoldingsOutput struct {
	Body struct {
		Items []bondHolding `json:"items"`
	}
}

func (s *Server) memberBondHoldings(ctx context.Context, in *memberPathInput) (*bondHoldingsOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	list, err := s.bonds.MemberHoldings(ctx, in.CooperativeID, in.MemberID)
	if err != nil {
		return nil, err
	}
	out := &bondHoldingsOutput{}
	out.Body.Items = make([]bondHolding, len(list))
	for i, h := range list {
		out.Body.Items[i] = bondHolding(h)
	}
	return out, nil
}

type transferBondsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	IssueID       string `path:"issueID" doc:"The bond issue's id."`
	Body          struct {
		From   string `json:"from" doc:"The member who gives the units (lowest numbers first)."`
		To     string `json:"to" doc:"The member who receives them."`
		Units  int64  `json:"units" minimum:"1"`
		Reason string `json:"reason,omitempty" maxLength:"500"`
	}
}

type bondTransferOutput struct{ Body bondTransfer }

func (s *Server) transferBonds(ctx context.Context, in *transferBondsInput) (*bondTransferOutput, error) {
	t, err := s.bonds.Transfer(ctx, actorFrom(ctx), bonds.TransferRequest{CooperativeID: in.CooperativeID, IssueID: in.IssueID,
		From: in.Body.From, To: in.Body.To, Units: in.Body.Units, Reason: in.Body.Reason})
	if err != nil {
		return nil, err
	}
	return &bondTransferOutput{Body: bondTransfer(t)}, nil
}

type requestBondRedemptionInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"Your member record."`
	Body          struct {
		IssueID string `json:"issueId"`
		Units   int64  `json:"units" minimum:"1"`
	}
}

type bondRedemptionOutput struct{ Body bondRedemption }

// requestBondRedemption: the holder's own account only.
func (s *Server) requestBondRedemption(ctx context.Context, in *requestBondRedemptionInput) (*bondRedemptionOutput, error) {
	_, actor, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true)
	if err != nil {
		return nil, err
	}
	r, err := s.bonds.RequestRedemption(ctx, actor, bonds.RedemptionRequest{CooperativeID: in.CooperativeID, IssueID: in.Body.IssueID,
		MemberID: in.MemberID, Units: in.Body.Units})
	if err != nil {
		return nil, err
	}
	return &bondRedemptionOutput{Body: bondRedemption(r)}, nil
}

func (s *Server) listMemberBondRedemptions(ctx context.Context, in *memberSubscriptionsInput) (*pageOutput[bondRedemption], error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	list, next, err := s.bonds.ListRedemptions(ctx, in.CooperativeID, in.MemberID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, bondRedemptionView), nil
}

func (s *Server) listBondRedemptions(ctx context.Context, in *listOfferingsInput) (*pageOutput[bondRedemption], error) {
	list, next, err := s.bonds.ListRedemptions(ctx, in.CooperativeID, "", in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, bondRedemptionView), nil
}

type decideBondRedemptionInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	RedemptionID  string `path:"redemptionID" doc:"The redemption request's id."`
	Body          struct {
		Approve bool   `json:"approve" doc:"Approve (within the terms, today) or reject."`
		Reason  string `json:"reason,omitempty" maxLength:"1000" doc:"Required to reject."`
	}
}

func (s *Server) decideBondRedemption(ctx context.Context, in *decideBondRedemptionInput) (*bondRedemptionOutput, error) {
	r, err := s.bonds.DecideRedemption(ctx, actorFrom(ctx), in.CooperativeID, in.RedemptionID,
		bonds.RedemptionDecision{Approve: in.Body.Approve, Reason: in.Body.Reason})
	if err != nil {
		return nil, err
	}
	return &bondRedemptionOutput{Body: bondRedemption(r)}, nil
}

type bondSubscriptionInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	SubscriptionID string `path:"subscriptionID" doc:"The bond subscription's id."`
}

// bondSubscriptionFor loads a bond subscription the caller may see: their own member's,
// or with one of roles; someone else's is "not found".
func (s *Server) bondSubscriptionFor(ctx context.Context, cooperativeID, id string, roles ...identity.Role) (bonds.Subscription, cooperative.Actor, error) {
	if !cooperative.ValidID(cooperativeID) {
		return bonds.Subscription{}, cooperative.Actor{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
	}
	sub, err := s.bonds.GetSubscription(ctx, cooperativeID, id)
	if err != nil {
		return sub, cooperative.Actor{}, err
	}
	_, actor, err := s.memberFor(ctx, cooperativeID, sub.MemberID, true, roles...)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		err = cooperative.Errorf(cooperative.ENOTFOUND, "bond subscription %s not found", id)
	}
	return sub, actor, err
}

func (s *Server) getBondSubscription(ctx context.Context, in *bondSubscriptionInput) (*bondSubscriptionOutput, error) {
	sub, _, err := s.bondSubscriptionFor(ctx, in.CooperativeID, in.SubscriptionID, staff()...)
	if err != nil {
		return nil, err
	}
	return &bondSubscriptionOutput{Body: bondSubscription(sub)}, nil
}

type markBondPaidInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	SubscriptionID string `path:"subscriptionID" doc:"The bond subscription's id."`
	Body           struct {
		BankReference string `json:"bankReference" minLength:"1" maxLength:"140" doc:"The bank's reference of the incoming transfer. Marking paid again with the same reference is harmless."`
		PaidOn        string `json:"paidOn" format:"date" doc:"The day the money arrived; not in the future."`
	}
}

func (s *Server) markBondSubscriptionPaid(ctx context.Context, in *markBondPaidInput) (*bondSubscriptionOutput, error) {
	sub, err := s.bonds.MarkPaid(ctx, actorFrom(ctx), in.CooperativeID, in.SubscriptionID, in.Body.BankReference, cooperative.Date(in.Body.PaidOn))
	if err != nil {
		return nil, err
	}
	return &bondSubscriptionOutput{Body: bondSubscription(sub)}, nil
}

// bondTransferInstructions: the member's own subscription; the payment is the
// checkout's, made through its payment makers (bonds' SubscriptionPayment).
func (s *Server) bondTransferInstructions(ctx context.Context, in *bondSubscriptionInput) (*transferInstructionsOutput, error) {
	if _, _, err := s.bondSubscriptionFor(ctx, in.CooperativeID, in.SubscriptionID); err != nil {
		return nil, err
	}
	return s.transferInstructionsOf(ctx, in.CooperativeID, in.SubscriptionID)
}

func (s *Server) bondCheckout(ctx context.Context, in *checkoutInput) (*checkoutOutput, error) {
	if _, _, err := s.bondSubscriptionFor(ctx, in.CooperativeID, in.SubscriptionID); err != nil {
		return nil, err
	}
	return s.startCheckout(ctx, in.CooperativeID, in.SubscriptionID, in.Body.SuccessURL, in.Body.CancelURL)
}

func bondSubscriptionView(s bonds.Subscription) bondSubscription { return bondSubscription(s) }
func bondTransferView(t bonds.Transfer) bondTransfer             { return bondTransfer(t) }
func bondRedemptionView(r bonds.Redemption) bondRedemption       { return bondRedemption(r) }
