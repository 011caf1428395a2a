package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// Offerings (issuance rounds) and subscriptions. Amounts are in cents.

type openOfferingInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		Class              string    `json:"class" maxLength:"20" doc:"A share class of the statutes in force when the offering opens."`
		PriceCents         int64     `json:"priceCents" minimum:"1" doc:"Price per share in cents; at least the nominal value (the rest is share premium)."`
		CapShares          int64     `json:"capShares" minimum:"1" doc:"The most shares the round issues."`
		TargetShares       int64     `json:"targetShares,omitempty" minimum:"0" doc:"What the board hopes to raise, in shares (informative)."`
		MinPerSubscription int64     `json:"minPerSubscription" minimum:"1"`
		MaxPerSubscription int64     `json:"maxPerSubscription" minimum:"1"`
		MaxPerMember       int64     `json:"maxPerMember" minimum:"1" doc:"Per member over the whole round (also bounded by the class maximum of the statutes)."`
		OpensAt            time.Time `json:"opensAt"`
		ClosesAt           time.Time `json:"closesAt"`
	}
}

// offeringBody is an offering as members and applicants see it: the terms. The counters
// (how much was subscribed and paid) are the board's and accountant's.
type offeringBody struct {
	ID                 string            `json:"id"`
	CooperativeID      string            `json:"cooperativeId"`
	Class              string            `json:"class"`
	PriceCents         int64             `json:"priceCents" doc:"Per share, in cents."`
	CapShares          int64             `json:"capShares"`
	TargetShares       int64             `json:"targetShares"`
	MinPerSubscription int64             `json:"minPerSubscription"`
	MaxPerSubscription int64             `json:"maxPerSubscription"`
	MaxPerMember       int64             `json:"maxPerMember"`
	OpensAt            time.Time         `json:"opensAt"`
	ClosesAt           time.Time         `json:"closesAt"`
	Allocation         string            `json:"allocation" enum:"pro_rata,first_come"`
	Status             string            `json:"status" enum:"open,closed"`
	Counters           *offeringCounters `json:"counters,omitempty" doc:"Only for the board and the accountant."`
}

type offeringCounters struct {
	Subscriptions    int64     `json:"subscriptions"`
	SubscribedShares int64     `json:"subscribedShares" doc:"Pending and paid."`
	PaidShares       int64     `json:"paidShares"`
	IssuedShares     int64     `json:"issuedShares"`
	CreatedAt        time.Time `json:"createdAt"`
	ClosedAt         time.Time `json:"closedAt,omitzero"`
}

func offeringOf(o shares.Offering, counters bool) offeringBody {
	b := offeringBody{ID: o.ID, CooperativeID: o.CooperativeID, Class: o.Class, PriceCents: o.PriceCents,
		CapShares: o.CapShares, TargetShares: o.TargetShares, MinPerSubscription: o.MinPerSubscription,
		MaxPerSubscription: o.MaxPerSubscription, MaxPerMember: o.MaxPerMember, OpensAt: o.OpensAt, ClosesAt: o.ClosesAt,
		Allocation: string(o.Allocation), Status: string(o.Status)}
	if counters {
		b.Counters = &offeringCounters{Subscriptions: o.Subscriptions, SubscribedShares: o.SubscribedShare,
			PaidShares: o.PaidShares, IssuedShares: o.IssuedShares, CreatedAt: o.CreatedAt, ClosedAt: o.ClosedAt}
	}
	return b
}

type offeringOutput struct {
	Body offeringBody
}

func (s *Server) openOffering(ctx context.Context, in *openOfferingInput) (*offeringOutput, error) {
	b := in.Body
	o, err := s.registry.OpenOffering(ctx, actorFrom(ctx), shares.NewOffering{CooperativeID: in.CooperativeID,
		Class: b.Class, PriceCents: b.PriceCents, CapShares: b.CapShares, TargetShares: b.TargetShares,
		MinPerSubscription: b.MinPerSubscription, MaxPerSubscription: b.MaxPerSubscription, MaxPerMember: b.MaxPerMember,
		OpensAt: b.OpensAt, ClosesAt: b.ClosesAt})
	if err != nil {
		return nil, err
	}
	return &offeringOutput{Body: offeringOf(o, true)}, nil
}

// isStaff reports whether the caller is the board or the accountant of a cooperative.
func (s *Server) isStaff(ctx context.Context, cooperativeID string) (bool, error) {
	if !cooperative.ValidID(cooperativeID) {
		return false, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
	}
	g, err := s.accounts.GetRoleGrant(ctx, cooperativeID, principalFrom(ctx).ID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return false, nil
	}
	return g.Has(staff()...), err
}

type listOfferingsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Cursor        string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

func (s *Server) listOfferings(ctx context.Context, in *listOfferingsInput) (*pageOutput[offeringBody], error) {
	counters, err := s.isStaff(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	if in.Cursor != "" && !cooperative.ValidID(in.Cursor) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "%q is not a valid cursor", in.Cursor)
	}
	list, next, err := s.registry.ListOfferings(ctx, in.CooperativeID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, func(o shares.Offering) offeringBody { return offeringOf(o, counters) }), nil
}

type offeringInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	OfferingID    string `path:"offeringID" doc:"The offering's id."`
}

func (s *Server) getOffering(ctx context.Context, in *offeringInput) (*offeringOutput, error) {
	counters, err := s.isStaff(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	o, err := s.registry.GetOffering(ctx, in.CooperativeID, in.OfferingID)
	if err != nil {
		return nil, err
	}
	return &offeringOutput{Body: offeringOf(o, counters)}, nil
}

type allocationBody struct {
	Offering      offeringBody       `json:"offering"`
	Subscriptions []subscriptionBody `json:"subscriptions" doc:"Every subscription of the round after allocation, in the order they came in."`
}

type allocationOutput struct {
	Body allocationBody
}

func (s *Server) closeOffering(ctx context.Context, in *offeringInput) (*allocationOutput, error) {
	res, err := s.registry.CloseOffering(ctx, actorFrom(ctx), in.CooperativeID, in.OfferingID)
	if err != nil {
		return nil, err
	}
	out := &allocationOutput{}
	out.Body.Offering = offeringOf(res.Offering, true)
	out.Body.Subscriptions = subscriptionsOf(res.Subscriptions)
	return out, nil
}

type subscribeInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	OfferingID     string `path:"offeringID" doc:"The offering's id."`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"100" doc:"Optional: a retry with the same key returns the first subscription instead of a second one."`
	Body           struct {
		MemberID string `json:"memberId" doc:"Your member record (or application) in the cooperative."`
		Shares   int64  `json:"shares" minimum:"1"`
	}
}

type subscriptionOutput struct {
	Body subscriptionBody
}

// subscribe: only the account a member record belongs to subscribes for it; the amount,
// the order and the status are the server's.
func (s *Server) subscribe(ctx context.Context, in *subscribeInput) (*subscriptionOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.Body.MemberID, true); err != nil {
		return nil, err
	}
	sub, err := s.registry.Subscribe(ctx, shares.SubscriptionRequest{CooperativeID: in.CooperativeID,
		OfferingID: in.OfferingID, MemberID: in.Body.MemberID, Shares: in.Body.Shares, IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{Body: subscriptionOf(sub)}, nil
}

type subscriptionList = page[subscriptionBody]

type offeringSubscriptionsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	OfferingID    string `path:"offeringID" doc:"The offering's id."`
	Cursor        string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

func (s *Server) listOfferingSubscriptions(ctx context.Context, in *offeringSubscriptionsInput) (*pageOutput[subscriptionBody], error) {
	if _, err := s.registry.GetOffering(ctx, in.CooperativeID, in.OfferingID); err != nil {
		return nil, err
	}
	return s.listSubscriptions(ctx, in.CooperativeID, "offering", in.OfferingID, in.Cursor, in.Limit)
}

func (s *Server) listSubscriptions(ctx context.Context, cooperativeID, by, id, cursor string, limit int) (*pageOutput[subscriptionBody], error) {
	if cursor != "" && !cooperative.ValidID(cursor) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "%q is not a valid cursor", cursor)
	}
	list, next, err := s.registry.ListSubscriptions(ctx, cooperativeID, by, id, cursor, limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, subscriptionOf), nil
}

type memberSubscriptionsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
	Cursor        string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

func (s *Server) listMemberSubscriptions(ctx context.Context, in *memberSubscriptionsInput) (*pageOutput[subscriptionBody], error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	return s.listSubscriptions(ctx, in.CooperativeID, "member", in.MemberID, in.Cursor, in.Limit)
}

type subscriptionInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	SubscriptionID string `path:"subscriptionID" doc:"The subscription's id."`
}

// subscriptionFor loads a subscription the caller may see: their own member's, or with one
// of roles. Someone else's is "not found", like one that does not exist. The actor says
// which allowed it ("member" for the own account).
func (s *Server) subscriptionFor(ctx context.Context, cooperativeID, id string, roles ...identity.Role) (shares.Subscription, cooperative.Actor, error) {
	if !cooperative.ValidID(cooperativeID) {
		return shares.Subscription{}, cooperative.Actor{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
	}
	sub, err := s.registry.GetSubscription(ctx, cooperativeID, id)
	if err != nil {
		return sub, cooperative.Actor{}, err
	}
	m, err := s.members.GetMember(ctx, cooperativeID, sub.MemberID)
	if err != nil {
		return sub, cooperative.Actor{}, err
	}
	actor, err := s.allowMember(ctx, m, true, roles...)
	if err != nil {
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			err = cooperative.Errorf(cooperative.ENOTFOUND, "subscription %s not found", id)
		}
		return sub, actor, err
	}
	return sub, actor, nil
}

func (s *Server) getSubscription(ctx context.Context, in *subscriptionInput) (*subscriptionDetailOutput, error) {
	sub, actor, err := s.subscriptionFor(ctx, in.CooperativeID, in.SubscriptionID, staff()...)
	if err != nil {
		return nil, err
	}
	out := &subscriptionDetailOutput{Body: subscriptionDetail{SubscriptionBody: subscriptionOf(sub)}}
	if actor.Role != string(identity.RoleMember) {
		if out.Body.Payments, err = s.subscriptionPayments(ctx, in.CooperativeID, sub.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type withdrawSubscriptionInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	SubscriptionID string `path:"subscriptionID" doc:"The subscription's id."`
	Body           struct {
		Reason string `json:"reason,omitempty" maxLength:"1000" doc:"Why. Required when the board withdraws a subscription; the member may leave it out."`
	}
}

// withdrawSubscription takes a subscription back before allocation: its member's own
// account while the offering is open, or the board (with the second factor, as
// allowMember demands of staff writes: a paid subscription's money moves to refunds
// payable). The rules are the domain's
// (Registry.WithdrawSubscription); who acts as what is decided here. Once the
// withdrawal has committed, an open Checkout Session of its payment is expired.
func (s *Server) withdrawSubscription(ctx context.Context, in *withdrawSubscriptionInput) (*subscriptionOutput, error) {
	_, actor, err := s.subscriptionFor(ctx, in.CooperativeID, in.SubscriptionID, identity.RoleBoard)
	if err != nil {
		return nil, err
	}
	sub, err := s.registry.WithdrawSubscription(ctx, actor, in.CooperativeID, in.SubscriptionID, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	s.stopCheckout(ctx, in.CooperativeID, sub.ID)
	return &subscriptionOutput{Body: subscriptionOf(sub)}, nil
}

// checkoutExpiryTimeout bounds the call to Stripe after a withdrawal: the member waits
// for it, and the withdrawal stands whatever it answers.
const checkoutExpiryTimeout = 10 * time.Second

// stopCheckout expires the open Checkout Session of a withdrawn subscription's payment,
// so Stripe takes no more money for it. The withdrawal has committed and stands: a
// session left open only lets money come that the domain already posts to refunds
// payable with an item for review, and it expires by itself within a day. So a failure
// is logged (Stripe's errors carry no key), not answered. The call is detached from the
// request, so a member who closes the page does not cut it off halfway.
func (s *Server) stopCheckout(ctx context.Context, cooperativeID, subscriptionID string) {
	if s.pay.Checkout == nil {
		return // no session was made here
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkoutExpiryTimeout)
	defer cancel()
	if err := s.pay.Checkout.ExpireWithdrawn(ctx, cooperativeID, subscriptionID); err != nil {
		logFrom(ctx, s.log).Warn("expiring the Checkout Session of a withdrawn subscription failed",
			slog.String("cooperative_id", cooperativeID), slog.String("subscription_id", subscriptionID),
			slog.String("code", cooperative.ErrorCode(err)), slog.Any("error", err))
	}
}

type markPaidInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	SubscriptionID string `path:"subscriptionID" doc:"The subscription's id."`
	Body           struct {
		BankReference string `json:"bankReference" minLength:"1" maxLength:"140" doc:"The bank's reference of the incoming transfer. Marking paid again with the same reference is harmless."`
		PaidOn        string `json:"paidOn" format:"date" doc:"The day the money arrived; not in the future."`
	}
}

func (s *Server) markPaid(ctx context.Context, in *markPaidInput) (*subscriptionOutput, error) {
	sub, err := s.registry.MarkPaid(ctx, actorFrom(ctx), in.CooperativeID, in.SubscriptionID, in.Body.BankReference,
		cooperative.Date(in.Body.PaidOn))
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{Body: subscriptionOf(sub)}, nil
}

// certificate renders the share certificate of an allocated subscription for its member
// or the board.
func (s *Server) certificate(ctx context.Context, in *subscriptionInput) (*fileOutput, error) {
	if _, _, err := s.subscriptionFor(ctx, in.CooperativeID, in.SubscriptionID, identity.RoleBoard); err != nil {
		return nil, err
	}
	c, err := s.registry.GetCertificate(ctx, in.CooperativeID, in.SubscriptionID)
	if err != nil {
		return nil, err
	}
	pdf, err := c.PDF()
	if err != nil {
		return nil, err
	}
	return privateAttachment("application/pdf", "certificate-"+in.SubscriptionID+".pdf", pdf), nil
}
