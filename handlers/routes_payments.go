package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// paymentRoutes declares the routes of money in: paying one's own subscription (Stripe
// Checkout or a bank transfer), the cooperative's Stripe account and webhook, bank
// statement imports, the review queue, refunds, and the payments as staff see them (to
// assign an unmatched bank credit they need the payment's id).
func (s *Server) paymentRoutes() {
	route(s, signedIn(), huma.Operation{OperationID: "create-checkout-session", Method: http.MethodPost,
		Path: coopPath + "/subscriptions/{subscriptionID}/checkout", DefaultStatus: http.StatusCreated,
		Summary: "Pay your own subscription online: a Stripe Checkout Session (iDEAL, SEPA Direct Debit, card, Bancontact)",
		Tags:    []string{"payments"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable}},
		s.createCheckoutSession)
	route(s, signedIn(), huma.Operation{OperationID: "transfer-instructions", Method: http.MethodPost,
		Path:    coopPath + "/subscriptions/{subscriptionID}/transfer-instructions",
		Summary: "Pay your own subscription by bank transfer: the account, the amount and the RF reference to quote",
		Tags:    []string{"payments"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.transferInstructions)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "refund-subscription", Method: http.MethodPost,
		Path: coopPath + "/subscriptions/{subscriptionID}/refund", Summary: "Refund what a subscription got no shares for, through Stripe (posted when Stripe confirms)",
		Tags: []string{"payments"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable}},
		s.refundSubscription)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "get-stripe-account", Method: http.MethodGet,
		Path: coopPath + "/stripe", Summary: "Whether the cooperative's Stripe account is connected (never its secrets)",
		Tags: []string{"payments"}}, s.getStripeAccount)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "connect-stripe-account", Method: http.MethodPut,
		Path: coopPath + "/stripe", Summary: "Connect the cooperative's Stripe account: secret key and webhook signing secret, stored encrypted",
		Tags: []string{"payments"}, Errors: []int{http.StatusNotFound, http.StatusServiceUnavailable}}, s.connectStripeAccount)
	route(s, public(), huma.Operation{OperationID: "stripe-webhook", Method: http.MethodPost, Path: coopPath + "/stripe/webhook",
		Summary: "Stripe's webhook: the signature on the raw body is the authentication", Tags: []string{"payments"},
		Errors: []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusServiceUnavailable}}, s.stripeWebhook)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "import-bank-statement", Method: http.MethodPost,
		Path: coopPath + "/bank-statements", Summary: "Import a camt.053 bank statement (the XML file as the body); credits are matched by RF reference",
		RequestBody: statementBody(), Tags: []string{"payments"}, Errors: []int{http.StatusLengthRequired, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}}, s.importBankStatement)
	route(s, inCooperative(roleAccountant), huma.Operation{OperationID: "list-payment-reviews", Method: http.MethodGet,
		Path: coopPath + "/payment-reviews", Summary: "Money waiting for the accountant: unmatched credits, odd Stripe events, disputes",
		Tags: []string{"payments"}}, s.listPaymentReviews)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "resolve-payment-review", Method: http.MethodPost,
		Path: coopPath + "/payment-reviews/{reviewID}/resolve", Summary: "Resolve an item: assign a credit to a payment (posts it), or record it refunded or ignored",
		Tags: []string{"payments"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.resolvePaymentReview)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "record-transfer-refund", Method: http.MethodPost,
		Path: coopPath + "/subscriptions/{subscriptionID}/transfer-refunds", DefaultStatus: http.StatusCreated,
		Summary: "Record that money a subscription owed back was paid back by bank transfer (Dr refunds payable, Cr bank)",
		Tags:    []string{"payments"}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
		s.recordTransferRefund)

	// What the board and the accountant see of payments.
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-payments", Method: http.MethodGet,
		Path: coopPath + "/payments", Summary: "The cooperative's payments, oldest first (filter by status, method, reference, subscription)",
		Tags: []string{"payments"}}, s.listPayments)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-subscription-payments", Method: http.MethodGet,
		Path: coopPath + "/subscriptions/{subscriptionID}/payments", Summary: "A subscription's payments",
		Tags: []string{"payments"}, Errors: []int{http.StatusNotFound}}, s.listSubscriptionPayments)
}
