package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// shareRoutes declares the routes of offerings, subscriptions, certificates, the share
// register (transfers, withdrawals, holdings) and its exports. Who may act on a member's
// records is as in membershipRoutes.
func (s *Server) shareRoutes() {
	file := func(mediaType, description string) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: description,
			Content: map[string]*huma.MediaType{mediaType: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	}
	staffOrOwn := []int{http.StatusNotFound}
	const (
		ownDoc         = "Only for the account the member record belongs to; the board and accountant get 403, anyone else 404."
		certificateDoc = "For the account the member record belongs to, and the board; the accountant gets 403, anyone else 404."
		withdrawDoc    = "For the account the member record belongs to, while the offering is open, and the board until allocation " +
			"(with two-factor authentication and a reason); the accountant gets 403, anyone else 404."
	)

	// Offerings and subscriptions.
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "open-offering", Method: http.MethodPost,
		Path: coopPath + "/offerings", DefaultStatus: http.StatusCreated, Summary: "Open an issuance round of one share class",
		Tags: []string{"offerings"}, Errors: []int{http.StatusUnprocessableEntity}}, s.openOffering)
	route(s, signedIn(), huma.Operation{OperationID: "list-offerings", Method: http.MethodGet, Path: coopPath + "/offerings",
		Summary: "The cooperative's offerings (their counters only for the board and accountant)", Tags: []string{"offerings"},
		Description: "Any signed-in account: applicants choose an offering here."}, s.listOfferings)
	route(s, signedIn(), huma.Operation{OperationID: "get-offering", Method: http.MethodGet,
		Path: coopPath + "/offerings/{offeringID}", Summary: "One offering (its counters only for the board and accountant)",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound}}, s.getOffering)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "close-offering", Method: http.MethodPost,
		Path: coopPath + "/offerings/{offeringID}/close", Summary: "Close and allocate: shares issued, pending subscriptions lapse, refunds booked",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.closeOffering)
	route(s, signedIn(), huma.Operation{OperationID: "subscribe", Description: ownDoc, Method: http.MethodPost,
		Path: coopPath + "/offerings/{offeringID}/subscriptions", DefaultStatus: http.StatusCreated,
		Summary: "Subscribe for shares, for your own member record or application", Tags: []string{"offerings"},
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, s.subscribe)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-offering-subscriptions", Method: http.MethodGet,
		Path: coopPath + "/offerings/{offeringID}/subscriptions", Summary: "An offering's subscriptions",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound}}, s.listOfferingSubscriptions)
	route(s, signedIn(), huma.Operation{OperationID: "list-member-subscriptions", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/subscriptions", Summary: "A member's subscriptions",
		Tags: []string{"offerings"}, Errors: staffOrOwn}, s.listMemberSubscriptions)
	route(s, signedIn(), huma.Operation{OperationID: "get-subscription", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/subscriptions/{subscriptionID}", Summary: "One subscription", Tags: []string{"offerings"},
		Errors: staffOrOwn}, s.getSubscription)
	route(s, signedIn(), huma.Operation{OperationID: "withdraw-subscription", Description: withdrawDoc, Method: http.MethodPost,
		Path: coopPath + "/subscriptions/{subscriptionID}/withdraw", Summary: "Withdraw a subscription before allocation: its shares are released, money received is to be refunded",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.withdrawSubscription)
	route(s, inCooperative(roleAccountant).withMFA(), huma.Operation{OperationID: "mark-subscription-paid", Method: http.MethodPost,
		Path: coopPath + "/subscriptions/{subscriptionID}/payment", Summary: "Record that a subscription's money arrived (bank transfer)",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.markPaid)
	route(s, signedIn(), huma.Operation{OperationID: "share-certificate", Description: certificateDoc, Method: http.MethodGet,
		Path: coopPath + "/subscriptions/{subscriptionID}/certificate.pdf", Summary: "The share certificate of an allocated subscription",
		Tags: []string{"register"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Responses: file("application/pdf", "The certificate, A4. Once some of its shares were transferred or withdrawn it says it is superseded.")}, s.certificate)
	route(s, signedIn(), huma.Operation{OperationID: "member-share-certificate", Description: certificateDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/certificate.pdf", Summary: "The share certificate of what a member holds (or held on a date)",
		Tags: []string{"register"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Responses: file("application/pdf", "The certificate of the member's holdings at the end of the date, A4.")}, s.memberCertificate)

	// The share register.
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "transfer-shares", Method: http.MethodPost,
		Path: coopPath + "/transfers", DefaultStatus: http.StatusCreated, Summary: "Transfer shares between members (recording it is the board's approval)",
		Tags: []string{"register"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.transferShares)
	route(s, signedIn(), huma.Operation{OperationID: "request-withdrawal", Description: ownDoc, Method: http.MethodPost,
		Path: coopPath + "/members/{memberID}/withdrawals", DefaultStatus: http.StatusCreated,
		Summary: "Ask to have your shares redeemed at nominal value", Tags: []string{"register"},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.requestWithdrawal)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "decide-withdrawal", Method: http.MethodPost,
		Path: coopPath + "/withdrawals/{withdrawalID}/decision", Summary: "Approve (after the notice period) or reject a withdrawal",
		Tags: []string{"register"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.decideWithdrawal)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-withdrawals", Method: http.MethodGet,
		Path: coopPath + "/withdrawals", Summary: "Withdrawal requests, oldest first (filter by status, member)",
		Tags: []string{"register"}}, s.listWithdrawals)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-holdings", Method: http.MethodGet,
		Path: coopPath + "/holdings", Summary: "Who holds which shares, now or on a date", Tags: []string{"register"}}, s.listHoldings)
	route(s, signedIn(), huma.Operation{OperationID: "member-holdings", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/holdings", Summary: "A member's current holdings with share numbers",
		Tags: []string{"register"}, Errors: staffOrOwn}, s.memberHoldings)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "register-events", Method: http.MethodGet,
		Path: coopPath + "/register/events", Summary: "The register's journal: every issue, transfer and withdrawal",
		Tags: []string{"register"}}, s.registerEvents)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "export-register-csv", Method: http.MethodGet,
		Path: coopPath + "/register.csv", Summary: "The register on a date as CSV", Tags: []string{"register"},
		Responses: file("text/csv", "One row per member and class, in member-number order.")}, s.exportRegisterCSV)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "export-register-xlsx", Method: http.MethodGet,
		Path: coopPath + "/register.xlsx", Summary: "The register on a date as an Excel workbook", Tags: []string{"register"},
		Description: "For people: headings in Dutch or English (`lang`, else your account's language), amounts as euro " +
			"numbers (nominal value, and the amount paid with any premium), dates as dates, a frozen header row with a filter. " +
			"Programs read register.csv, whose columns do not change with the language.",
		Responses: file(xlsxContentType, "One sheet, Register: one row per member and class, in member-number order.")}, s.exportRegisterXLSX)
}
