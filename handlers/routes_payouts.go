package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// payoutRoutes declares the routes of money out: what the cooperative owes (payables),
// the batches that pay it with four eyes, their bank files, and each member's own
// payouts. Making, cancelling and sending a batch is the accountant's; approving it is
// anyone of the board or the accountants but its maker; every change needs the second
// factor.
func (s *Server) payoutRoutes() {
	staffOrOwn := []int{http.StatusNotFound}
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-payables", Method: http.MethodGet,
		Path: coopPath + "/payables", Summary: "What the cooperative owes members, oldest first; an open one says why it waits, if it does",
		Tags: []string{"payouts"}}, s.listPayables)
	route(s, signedIn(), huma.Operation{OperationID: "member-payouts", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/payouts", Summary: "What the cooperative owes a member and what it paid them",
		Tags: []string{"payouts"}, Errors: staffOrOwn}, s.memberPayouts)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "create-payout-batch", Method: http.MethodPost,
		Path: coopPath + "/payout-batches", DefaultStatus: http.StatusCreated,
		Summary: "Gather due payables into a batch (by reason and due date, or by id) for another person to approve",
		Tags:    []string{"payouts"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.createPayoutBatch)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "refund-subscription-by-payout", Method: http.MethodPost,
		Path: coopPath + "/subscriptions/{subscriptionID}/refund-payout", DefaultStatus: http.StatusCreated,
		Summary: "Hand what a subscription owes back by bank transfer to payouts: a payable, paid with the next batch",
		Tags:    []string{"payouts"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.refundByPayout)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-payout-batches", Method: http.MethodGet,
		Path: coopPath + "/payout-batches", Summary: "The cooperative's payout batches, oldest first", Tags: []string{"payouts"}},
		s.listPayoutBatches)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "get-payout-batch", Method: http.MethodGet,
		Path: coopPath + "/payout-batches/{batchID}", Summary: "One batch, with its payments counted by state",
		Tags: []string{"payouts"}, Errors: []int{http.StatusNotFound}}, s.getPayoutBatch)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-payout-batch-payments", Method: http.MethodGet,
		Path: coopPath + "/payout-batches/{batchID}/payments", Summary: "A batch's payments: payee, account, amount, end-to-end id and state",
		Tags: []string{"payouts"}, Errors: []int{http.StatusNotFound}}, s.listPayoutBatchPayments)
	route(s, inCooperative(roleBoard, roleAccountant).withMFA(), huma.Operation{OperationID: "approve-payout-batch", Method: http.MethodPost,
		Path: coopPath + "/payout-batches/{batchID}/approve", Summary: "Approve a batch someone else made: it is frozen from then on",
		Tags: []string{"payouts"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.approvePayoutBatch)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "cancel-payout-batch", Method: http.MethodPost,
		Path: coopPath + "/payout-batches/{batchID}/cancel", Summary: "Drop a batch not sent to the bank: its payables are open again",
		Tags: []string{"payouts"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.cancelPayoutBatch)
	route(s, inCooperative(roleAccountant), huma.Operation{OperationID: "payout-batch-file", Method: http.MethodGet,
		Path: coopPath + "/payout-batches/{batchID}/pain.001", Summary: "The SEPA credit transfer file of an approved batch, for the bank",
		Tags: []string{"payouts"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Responses: map[string]*huma.Response{"200": {Description: "pain.001.001.09 or .03, as asked.",
			Content: map[string]*huma.MediaType{"application/xml": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		s.payoutBatchFile)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "mark-payout-batch-sent", Method: http.MethodPost,
		Path: coopPath + "/payout-batches/{batchID}/sent", Summary: "Record that the batch's file went to the bank (Dr payables, Cr payouts in transit)",
		Tags: []string{"payouts"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.markPayoutBatchSent)
}
