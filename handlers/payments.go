package handlers

import (
	"context"
	"strconv"

	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/stripeclient"
	"github.com/kracht-coop/kracht/payments/stripesync"
)

// Payments in (issue 6): Checkout Sessions for a member's own subscription, the
// cooperative's Stripe connection, the Stripe webhook (webhooks.go), bank statement
// imports and the review queue. Postings happen in the domain (cooperative/payment*.go),
// in the transaction that learns of the money.

// PaymentOptions are what the payment routes need from cmd.
type PaymentOptions struct {
	// Box encrypts the cooperatives' Stripe credentials at rest (KRACHT_SECRETS_KEY).
	// Without it the Stripe routes answer 503.
	Box *cooperative.SecretBox
	// Syncer verifies and stores webhooks; cmd runs its Run loop. Without it the webhook
	// answers 503.
	Syncer *stripesync.Syncer
	// Stripe says how to reach Stripe (BaseURL for stripe-mock in tests), for refunds.
	Stripe stripeclient.Options
	// Checkout starts payments: Checkout Sessions and transfer instructions. cmd builds
	// it; without it those routes answer 503.
	Checkout *payments.Checkout
	// ImportBodyLimit is the largest bank statement accepted, in bytes [the general
	// BodyLimit]. cmd passes DefaultImportBodyLimit. Only the import route reads that
	// much, and only for a caller its access check let through (see checkBody).
	ImportBodyLimit int
}

// DefaultImportBodyLimit is what cmd allows for a bank statement: a camt.053 of about
// 100,000 entries.
const DefaultImportBodyLimit = 128 << 20

func (o PaymentOptions) withDefaults(bodyLimit int) PaymentOptions {
	if o.ImportBodyLimit <= 0 {
		o.ImportBodyLimit = bodyLimit
	}
	return o
}

type subscriptionPathInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	SubscriptionID string `path:"subscriptionID" doc:"The subscription's id."`
}

type checkoutInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	SubscriptionID string `path:"subscriptionID" doc:"The subscription's id."`
	Body           struct {
		SuccessURL string `json:"successUrl" format:"uri" maxLength:"2000" doc:"Where Stripe sends the member after paying."`
		CancelURL  string `json:"cancelUrl" format:"uri" maxLength:"2000" doc:"Where Stripe sends the member who cancels."`
	}
}

type checkoutBody struct {
	URL         string `json:"url" doc:"Send the member here."`
	SessionID   string `json:"sessionId"`
	PaymentID   string `json:"paymentId"`
	Reference   string `json:"reference" doc:"The RF reference, should the member rather pay by transfer."`
	AmountCents int64  `json:"amountCents"`
}

type checkoutOutput struct{ Body checkoutBody }

// createCheckoutSession: the member's own subscription only (subscriptionFor); the
// steps are the domain's (cooperative.Checkout.Start).
func (s *Server) createCheckoutSession(ctx context.Context, in *checkoutInput) (*checkoutOutput, error) {
	if _, _, err := s.subscriptionFor(ctx, in.CooperativeID, in.SubscriptionID); err != nil {
		return nil, err
	}
	return s.startCheckout(ctx, in.CooperativeID, in.SubscriptionID, in.Body.SuccessURL, in.Body.CancelURL)
}

// startCheckout starts the payment of a subscription (of shares or of bonds) the caller
// was allowed to pay.
func (s *Server) startCheckout(ctx context.Context, cooperativeID, subscriptionID, successURL, cancelURL string) (*checkoutOutput, error) {
	c, err := s.checkout()
	if err != nil {
		return nil, err
	}
	cs, err := c.Start(ctx, payments.StartCheckout{CooperativeID: cooperativeID,
		SubscriptionID: subscriptionID, SuccessURL: successURL, CancelURL: cancelURL})
	if err != nil {
		return nil, err
	}
	return &checkoutOutput{Body: checkoutBody{URL: cs.URL, SessionID: cs.SessionID, PaymentID: cs.Payment.ID,
		Reference: cs.Payment.Reference, AmountCents: cs.Payment.Amount}}, nil
}

type transferInstructionsBody struct {
	PaymentID   string `json:"paymentId"`
	IBAN        string `json:"iban" doc:"The cooperative's account."`
	BIC         string `json:"bic"`
	Beneficiary string `json:"beneficiary"`
	AmountCents int64  `json:"amountCents"`
	Reference   string `json:"reference" doc:"Quote exactly this structured creditor reference (ISO 11649)."`
}

type transferInstructionsOutput struct{ Body transferInstructionsBody }

func (s *Server) transferInstructions(ctx context.Context, in *subscriptionPathInput) (*transferInstructionsOutput, error) {
	if _, _, err := s.subscriptionFor(ctx, in.CooperativeID, in.SubscriptionID); err != nil {
		return nil, err
	}
	return s.transferInstructionsOf(ctx, in.CooperativeID, in.SubscriptionID)
}

// transferInstructionsOf is how to pay a subscription (of shares or of bonds) the caller
// was allowed to pay by bank transfer.
func (s *Server) transferInstructionsOf(ctx context.Context, cooperativeID, subscriptionID string) (*transferInstructionsOutput, error) {
	c, err := s.checkout()
	if err != nil {
		return nil, err
	}
	ti, err := c.TransferInstructions(ctx, cooperativeID, subscriptionID)
	if err != nil {
		return nil, err
	}
	return &transferInstructionsOutput{Body: transferInstructionsBody{PaymentID: ti.PaymentID, IBAN: ti.IBAN, BIC: ti.BIC,
		Beneficiary: ti.Beneficiary, AmountCents: ti.AmountCents, Reference: ti.Reference}}, nil
}

// checkout is the domain's service that starts payments; a server built without one
// (tests of other routes) answers 503.
func (s *Server) checkout() (*payments.Checkout, error) {
	if s.pay.Checkout == nil {
		return nil, cooperative.Errorf(cooperative.EUNAVAILABLE, "Payments are not configured on this server.")
	}
	return s.pay.Checkout, nil
}

// stripeClient opens Stripe with a cooperative's key, for the refund (the checkout's
// calls are cooperative.Checkout's).
func (s *Server) stripeClient(ctx context.Context, cooperativeID string) (*stripeclient.Client, error) {
	if s.pay.Box == nil {
		return nil, cooperative.Errorf(cooperative.EUNAVAILABLE, "Stripe is not configured on this server.")
	}
	creds, err := s.payments.StripeCredentialsFor(ctx, s.pay.Box, cooperativeID)
	if err != nil {
		return nil, err
	}
	return stripeclient.New(creds.SecretKey, s.pay.Stripe)
}

type refundBody struct {
	PaymentID   string `json:"paymentId"`
	AmountCents int64  `json:"amountCents"`
	RefundID    string `json:"refundId"`
	Status      string `json:"status" doc:"Stripe's: the refund is posted when Stripe confirms it."`
}

type refundOutput struct{ Body refundBody }

func (s *Server) refundSubscription(ctx context.Context, in *subscriptionPathInput) (*refundOutput, error) {
	c, err := s.stripeClient(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	p, due, err := s.registry.PrepareRefund(ctx, actorFrom(ctx), in.CooperativeID, in.SubscriptionID)
	if err != nil {
		return nil, err
	}
	r, err := c.Refund(ctx, stripeclient.RefundRequest{PaymentIntentID: p.PaymentIntentID, Amount: due,
		Key: p.ID + "-" + strconv.FormatInt(due, 10), Reason: "requested_by_customer",
		Meta: stripeclient.Metadata(in.CooperativeID, p.ID, p.SubscriptionID, p.Purpose)})
	if err != nil {
		return nil, err
	}
	return &refundOutput{Body: refundBody{PaymentID: p.ID, AmountCents: due, RefundID: r.ID, Status: r.Status}}, nil
}

type transferRefundInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	SubscriptionID string `path:"subscriptionID" doc:"The subscription's id."`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"100" doc:"Optional: a retry with the same key returns the refund recorded first and posts nothing. Without a key, a refund with the same amount, day, IBAN and reference as one recorded is that refund."`
	Body           struct {
		AmountCents int64  `json:"amountCents" minimum:"1" doc:"What was paid back, in cents: at most what the subscription still owes back by bank transfer; the rest stays owed."`
		PaidOn      string `json:"paidOn" format:"date" doc:"The day the money left the cooperative's account; not in the future, not before the money arrived."`
		IBAN        string `json:"iban" minLength:"1" maxLength:"50" doc:"The account it was paid to."`
		Reference   string `json:"reference,omitempty" maxLength:"140" doc:"Optional: the bank's reference of the outgoing transfer, or a note."`
	}
}

type transferRefundOutput struct {
	Body shares.TransferRefundResult
}

// recordTransferRefund records a refund the board paid from the bank. It is the
// accountant's, with the second factor, as marking a subscription paid is: it books
// money that left the bank. Money that came through Stripe is refunded through Stripe
// (refundSubscription) and refused here.
func (s *Server) recordTransferRefund(ctx context.Context, in *transferRefundInput) (*transferRefundOutput, error) {
	res, err := s.registry.RecordTransferRefund(ctx, actorFrom(ctx), in.CooperativeID, in.SubscriptionID,
		shares.TransferRefund{AmountCents: in.Body.AmountCents, PaidOn: cooperative.Date(in.Body.PaidOn),
			IBAN: in.Body.IBAN, Reference: in.Body.Reference, IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return nil, err
	}
	return &transferRefundOutput{Body: res}, nil
}

type stripeAccountOutput struct {
	Body payments.StripeAccountStatus
}

func (s *Server) getStripeAccount(ctx context.Context, in *cooperativeIDInput) (*stripeAccountOutput, error) {
	st, err := s.payments.GetStripeAccountStatus(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	return &stripeAccountOutput{Body: st}, nil
}

type connectStripeInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		AccountID     string `json:"accountId,omitempty" maxLength:"64" doc:"acct_…, shown back; not secret."`
		SecretKey     string `json:"secretKey" maxLength:"255" doc:"sk_… or a restricted rk_… key. Never returned."`
		WebhookSecret string `json:"webhookSecret" maxLength:"255" doc:"The endpoint's signing secret, whsec_…. Never returned."`
	}
}

func (s *Server) connectStripeAccount(ctx context.Context, in *connectStripeInput) (*stripeAccountOutput, error) {
	if s.pay.Box == nil {
		return nil, cooperative.Errorf(cooperative.EUNAVAILABLE, "Stripe is not configured on this server.")
	}
	actor := actorFrom(ctx)
	st, err := s.payments.ConnectStripe(ctx, s.pay.Box, actor, in.CooperativeID, payments.StripeCredentials{
		AccountID: in.Body.AccountID, SecretKey: in.Body.SecretKey, WebhookSecret: in.Body.WebhookSecret})
	if err != nil {
		return nil, err
	}
	return &stripeAccountOutput{Body: st}, nil
}

type reviewListInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Status        string `query:"status" enum:"open,resolved" default:"open"`
	After         string `query:"after" maxLength:"64" doc:"The cursor: next of the previous page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50"`
}

type reviewListOutput struct {
	Body struct {
		Items []payments.PaymentReview `json:"items"`
		Next  string                   `json:"next,omitempty"`
	}
}

func (s *Server) listPaymentReviews(ctx context.Context, in *reviewListInput) (*reviewListOutput, error) {
	list, next, err := s.payments.ListPaymentReviews(ctx, in.CooperativeID, payments.ReviewStatus(in.Status), in.After, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &reviewListOutput{}
	out.Body.Items, out.Body.Next = list, next
	if out.Body.Items == nil {
		out.Body.Items = []payments.PaymentReview{}
	}
	return out, nil
}

type resolveReviewInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	ReviewID      string `path:"reviewID" doc:"The review item's id."`
	Body          struct {
		Action    string `json:"action" enum:"assign,refunded,ignore"`
		PaymentID string `json:"paymentId,omitempty" doc:"For assign: the payment the credit pays."`
		Note      string `json:"note,omitempty" maxLength:"500" doc:"Why; required for refunded and ignore."`
	}
}

type reviewOutput struct{ Body payments.PaymentReview }

func (s *Server) resolvePaymentReview(ctx context.Context, in *resolveReviewInput) (*reviewOutput, error) {
	r, err := s.payments.ResolvePaymentReview(ctx, in.CooperativeID, in.ReviewID, payments.ReviewResolution{
		Action: in.Body.Action, PaymentID: in.Body.PaymentID, Note: in.Body.Note, By: actorFrom(ctx)})
	if err != nil {
		return nil, err
	}
	return &reviewOutput{Body: r}, nil
}
