package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// bondRoutes declares the routes of bond issues, bond subscriptions and their payment,
// the bond register, transfers and early redemptions. Who may act on a member's records
// is as in membershipRoutes: the member's own account, and staff where said.
func (s *Server) bondRoutes() {
	const (
		ownDoc = "Only for the account the member record belongs to; the board and accountant get 403, anyone else 404."
		tag    = "bonds"
	)
	notFoundOrRule := []int{http.StatusNotFound, http.StatusUnprocessableEntity}
	staffReads := inCooperative(roleBoard, roleAccountant)

	// Issues.
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "create-bond-issue", Method: http.MethodPost,
		Path: coopPath + "/bond-issues", DefaultStatus: http.StatusCreated,
		Summary: "Set up a bond issue: terms, size, subscription window, limits per member, allocation, early redemption, withholding",
		Tags:    []string{tag}, Errors: []int{http.StatusUnprocessableEntity}}, s.createBondIssue)
	route(s, signedIn(), huma.Operation{OperationID: "list-bond-issues", Method: http.MethodGet, Path: coopPath + "/bond-issues",
		Summary: "The cooperative's bond issues", Tags: []string{tag},
		Description: "Any signed-in account: members choose an issue here."}, s.listBondIssues)
	route(s, signedIn(), huma.Operation{OperationID: "get-bond-issue", Method: http.MethodGet, Path: coopPath + "/bond-issues/{issueID}",
		Summary: "One bond issue", Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.getBondIssue)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "change-bond-issue", Method: http.MethodPut,
		Path: coopPath + "/bond-issues/{issueID}", Summary: "Change a bond issue before its first unit is issued (then its terms are fixed)",
		Tags: []string{tag}, Errors: notFoundOrRule}, s.changeBondIssue)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "close-bond-issue", Method: http.MethodPost,
		Path: coopPath + "/bond-issues/{issueID}/close", Summary: "Close and allocate: units numbered and issued, unpaid subscriptions lapse, refunds owed",
		Tags: []string{tag}, Errors: notFoundOrRule}, s.closeBondIssue)

	// Subscriptions and their payment.
	route(s, signedIn(), huma.Operation{OperationID: "subscribe-bonds", Description: ownDoc, Method: http.MethodPost,
		Path: coopPath + "/bond-issues/{issueID}/subscriptions", DefaultStatus: http.StatusCreated,
		Summary: "Subscribe for bond units, for your own member record", Tags: []string{tag},
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, s.subscribeBonds)
	route(s, staffReads, huma.Operation{OperationID: "list-bond-issue-subscriptions", Method: http.MethodGet,
		Path: coopPath + "/bond-issues/{issueID}/subscriptions", Summary: "A bond issue's subscriptions", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.listBondIssueSubscriptions)
	route(s, signedIn(), huma.Operation{OperationID: "list-member-bond-subscriptions", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/bond-subscriptions", Summary: "A member's bond subscriptions", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.listMemberBondSubscriptions)
	route(s, signedIn(), huma.Operation{OperationID: "get-bond-subscription", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/bond-subscriptions/{subscriptionID}", Summary: "One bond subscription", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.getBondSubscription)
	route(s, signedIn(), huma.Operation{OperationID: "bond-transfer-instructions", Description: ownDoc, Method: http.MethodPost,
		Path:    coopPath + "/bond-subscriptions/{subscriptionID}/transfer-instructions",
		Summary: "Pay your own bond subscription by bank transfer: the account, the amount and the RF reference to quote",
		Tags:    []string{tag}, Errors: notFoundOrRule}, s.bondTransferInstructions)
	route(s, signedIn(), huma.Operation{OperationID: "bond-checkout", Description: ownDoc, Method: http.MethodPost,
		Path: coopPath + "/bond-subscriptions/{subscriptionID}/checkout", DefaultStatus: http.StatusCreated,
		Summary: "Pay your own bond subscription online: a Stripe Checkout Session", Tags: []string{tag},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable}}, s.bondCheckout)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "mark-bond-subscription-paid", Method: http.MethodPost,
		Path: coopPath + "/bond-subscriptions/{subscriptionID}/payment", Summary: "Record that a bond subscription's money arrived (bank transfer)",
		Tags: []string{tag}, Errors: notFoundOrRule}, s.markBondSubscriptionPaid)

	// The register, transfers and early redemptions.
	route(s, staffReads, huma.Operation{OperationID: "bond-register", Method: http.MethodGet,
		Path: coopPath + "/bond-issues/{issueID}/register", Summary: "Who held which units of a bond issue on a date",
		Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.bondRegister)
	route(s, signedIn(), huma.Operation{OperationID: "member-bond-holdings", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/bond-holdings", Summary: "A member's bond units now, with their numbers",
		Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.memberBondHoldings)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "transfer-bonds", Method: http.MethodPost,
		Path: coopPath + "/bond-issues/{issueID}/transfers", DefaultStatus: http.StatusCreated,
		Summary: "Transfer bond units between members (recording it is the board's approval)", Tags: []string{tag},
		Errors: notFoundOrRule}, s.transferBonds)
	route(s, staffReads, huma.Operation{OperationID: "list-bond-transfers", Method: http.MethodGet,
		Path: coopPath + "/bond-issues/{issueID}/transfers", Summary: "A bond issue's transfers, oldest first", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.listBondTransfers)
	route(s, signedIn(), huma.Operation{OperationID: "request-bond-redemption", Description: ownDoc, Method: http.MethodPost,
		Path: coopPath + "/members/{memberID}/bond-redemptions", DefaultStatus: http.StatusCreated,
		Summary: "Ask to have your bond units redeemed early, within the issue's terms", Tags: []string{tag},
		Errors: notFoundOrRule}, s.requestBondRedemption)
	route(s, signedIn(), huma.Operation{OperationID: "list-member-bond-redemptions", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/bond-redemptions", Summary: "A member's early redemption requests", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.listMemberBondRedemptions)
	route(s, staffReads, huma.Operation{OperationID: "list-bond-redemptions", Method: http.MethodGet,
		Path: coopPath + "/bond-redemptions", Summary: "Early redemption requests, oldest first", Tags: []string{tag}},
		s.listBondRedemptions)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "decide-bond-redemption", Method: http.MethodPost,
		Path: coopPath + "/bond-redemptions/{redemptionID}/decision", Summary: "Approve (within the terms) or reject an early redemption",
		Tags: []string{tag}, Errors: notFoundOrRule}, s.decideBondRedemption)

	// Payment runs, schedules and yearly statements.
	route(s, staffReads, huma.Operation{OperationID: "list-bond-runs", Method: http.MethodGet,
		Path: coopPath + "/bond-issues/{issueID}/runs", Summary: "The issue's payment runs, by date", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.listBondRuns)
	route(s, staffReads, huma.Operation{OperationID: "preview-bond-run", Method: http.MethodGet,
		Path: coopPath + "/bond-issues/{issueID}/runs/{date}", Summary: "The run of a payment date: the dry run, or the run as posted",
		Tags: []string{tag}, Errors: notFoundOrRule}, s.previewBondRun)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "create-bond-run", Method: http.MethodPost,
		Path: coopPath + "/bond-issues/{issueID}/runs", DefaultStatus: http.StatusCreated,
		Summary: "Post the run of a payment date: one journal entry and a payable per holder (a run made before is returned as it is)",
		Tags:    []string{tag}, Errors: notFoundOrRule}, s.createBondRun)
	route(s, signedIn(), huma.Operation{OperationID: "member-bond-schedules", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/bond-schedules", Summary: "What a member's bond units pay, date by date",
		Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.memberBondSchedules)
	route(s, signedIn(), huma.Operation{OperationID: "member-bond-statement", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/bond-statements/{year}", Summary: "A member's yearly bond statement, for the tax return",
		Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.bondStatement)
	route(s, signedIn(), huma.Operation{OperationID: "member-bond-statement-pdf", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/bond-statements/{year}/statement.pdf", Summary: "The yearly bond statement as a PDF, in the member's language",
		Tags: []string{tag}, Errors: []int{http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "The statement, A4.",
			Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		s.bondStatementPDF)
}
