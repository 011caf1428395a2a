package handlers

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/kracht-coop/kracht/cooperative"
)

// Payments as the board and the accountant see them: to assign an unmatched bank credit
// they need the payment's id, which otherwise only the member's own answers show.

// paymentBody is what staff see of a payment: what was asked, how it came and what of it
// is posted; not the payer's address nor Stripe's internals beyond the ids to look up.
type paymentBody struct {
	ID                string                 `json:"id"`
	SubscriptionID    string                 `json:"subscriptionId"`
	Purpose           string                 `json:"purpose" enum:"shares,bonds,membership_fee"`
	Method            string                 `json:"method" enum:"stripe,transfer,none" doc:"How the money came; none while nothing has been received."`
	Reference         string                 `json:"reference" doc:"The RF creditor reference the member quotes with a bank transfer."`
	Status            payments.PaymentStatus `json:"status"`
	Currency          string                 `json:"currency"`
	AmountCents       int64                  `json:"amountCents" doc:"What is asked."`
	ReceivedCents     int64                  `json:"receivedCents" doc:"What is received and posted."`
	RefundedCents     int64                  `json:"refundedCents" doc:"What is refunded and posted."`
	DisputedCents     int64                  `json:"disputedCents,omitempty" doc:"What a dispute holds or took."`
	RefundDueCents    int64                  `json:"refundDueCents,omitempty" doc:"What Kracht asked Stripe to refund."`
	SuspenseCents     int64                  `json:"suspenseCents,omitempty" doc:"Bank money received for it but not applied (part payments, a surplus)."`
	CheckoutSessionID string                 `json:"checkoutSessionId,omitempty"`
	PaymentIntentID   string                 `json:"paymentIntentId,omitempty"`
	CreatedAt         time.Time              `json:"createdAt"`
	UpdatedAt         time.Time              `json:"updatedAt"`
}

func paymentView(p payments.Payment) paymentBody {
	return paymentBody{ID: p.ID, SubscriptionID: p.SubscriptionID, Purpose: p.Purpose, Method: p.Method(),
		Reference: p.Reference, Status: p.Status, Currency: p.Currency, AmountCents: p.Amount,
		ReceivedCents: p.PostedReceived, RefundedCents: p.PostedRefunded, DisputedCents: p.PostedDisputed,
		RefundDueCents: p.RefundDue, SuspenseCents: p.Suspense, CheckoutSessionID: p.CheckoutSessionID,
		PaymentIntentID: p.PaymentIntentID, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

type paymentList = page[paymentBody]

type listPaymentsInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	Status         string `query:"status" enum:"pending,processing,paid,failed,reversed,refunded,disputed,withdrawn,dispute_lost" doc:"Only payments in this state."`
	Method         string `query:"method" enum:"stripe,transfer,none" doc:"Only payments whose money came this way (none: nothing received yet)."`
	Reference      string `query:"reference" maxLength:"40" doc:"The payment with this RF reference, as quoted on a bank transfer (case and spaces do not matter)."`
	SubscriptionID string `query:"subscriptionId" maxLength:"64" doc:"Only this subscription's payments."`
	Cursor         string `query:"cursor" maxLength:"64" doc:"The next cursor of the previous page; empty for the first page."`
	Limit          int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size. A filtered page may hold fewer items and still have a next cursor."`
}

func (s *Server) listPayments(ctx context.Context, in *listPaymentsInput) (*pageOutput[paymentBody], error) {
	list, next, err := s.payments.ListPayments(ctx, in.CooperativeID, payments.PaymentFilter{
		Status: payments.PaymentStatus(in.Status), Method: in.Method, Reference: in.Reference,
		SubscriptionID: in.SubscriptionID}, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, paymentView), nil
}

// subscriptionPayments returns the payments of a subscription of the cooperative.
func (s *Server) subscriptionPayments(ctx context.Context, cooperativeID, subscriptionID string) ([]paymentBody, error) {
	list, _, err := s.payments.ListPayments(ctx, cooperativeID, payments.PaymentFilter{SubscriptionID: subscriptionID},
		"", cooperative.MaxPageSize)
	if err != nil {
		return nil, err
	}
	return pageOf(list, "", paymentView).Body.Items, nil
}

func (s *Server) listSubscriptionPayments(ctx context.Context, in *subscriptionPathInput) (*pageOutput[paymentBody], error) {
	if _, err := s.registry.GetSubscription(ctx, in.CooperativeID, in.SubscriptionID); err != nil {
		return nil, err
	}
	items, err := s.subscriptionPayments(ctx, in.CooperativeID, in.SubscriptionID)
	if err != nil {
		return nil, err
	}
	return &pageOutput[paymentBody]{Body: page[paymentBody]{Items: items}}, nil
}

// subscriptionDetail is one subscription, with its payments for the board and the
// accountant.
type subscriptionDetail struct {
	SubscriptionBody
	Payments []paymentBody `json:"payments,omitempty" doc:"Its payments (id, method, reference, status, amounts): for the board and the accountant only."`
}

type subscriptionDetailOutput struct {
	Body subscriptionDetail
}
