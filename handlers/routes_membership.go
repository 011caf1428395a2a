package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// ownOrStaffDoc describes, in the API document, who may read a member's records: the
// routes of membership and of shares about one member.
const ownOrStaffDoc = "For the account the member record belongs to, and the cooperative's board and accountant; anyone else gets 404, as if it did not exist."

// membershipRoutes declares the routes of statutes and of members and their lifecycle.
// Who a member is comes from the member record, not from a role (see members.go): routes
// about one member's records are "signed in" here and their handlers allow the record's
// own account or the board/accountant, answering 404 to anyone else. Actions of the board
// or accountant that change the register or move money need the second factor.
func (s *Server) membershipRoutes() {
	staffOrOwn := []int{http.StatusNotFound}

	// Statutes are public: an applicant reads them before consenting to them.
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "adopt-statutes", Method: http.MethodPost,
		Path: coopPath + "/statutes", DefaultStatus: http.StatusCreated, Summary: "Adopt a new version of the statutes",
		Tags: []string{"statutes"}, Errors: []int{http.StatusUnprocessableEntity}}, s.adoptStatutes)
	route(s, public(), huma.Operation{OperationID: "list-statutes", Method: http.MethodGet, Path: coopPath + "/statutes",
		Summary: "Every version of the statutes, oldest first", Tags: []string{"statutes"}}, s.listStatutes)
	route(s, public(), huma.Operation{OperationID: "get-statutes", Method: http.MethodGet, Path: coopPath + "/statutes/current",
		Summary: "The statutes in force on a date (today by default)", Tags: []string{"statutes"},
		Errors: []int{http.StatusUnprocessableEntity}}, s.getStatutes)

	// Membership.
	route(s, signedIn(), huma.Operation{OperationID: "apply-for-membership", Method: http.MethodPost, Path: coopPath + "/members",
		DefaultStatus: http.StatusCreated, Summary: "Apply for membership, for yourself or a legal entity you represent",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusTooManyRequests}}, s.apply)
	route(s, signedIn(), huma.Operation{OperationID: "my-members", Method: http.MethodGet, Path: coopPath + "/me/members",
		Summary: "Your member records (and applications) in the cooperative", Tags: []string{"members"}}, s.myMembers)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-members", Method: http.MethodGet,
		Path: coopPath + "/members", Summary: "Members and applicants, in application order", Tags: []string{"members"}}, s.listMembers)
	route(s, signedIn(), huma.Operation{OperationID: "get-member", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}", Summary: "One member record (your own, or any for the board and accountant)",
		Tags: []string{"members"}, Errors: staffOrOwn}, s.getMember)
	route(s, signedIn(), huma.Operation{OperationID: "member-history", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/history", Summary: "Every version of a member record: application, approval, corrections, end",
		Tags: []string{"members"}, Errors: staffOrOwn}, s.memberHistory)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "approve-member", Method: http.MethodPost,
		Path: coopPath + "/members/{memberID}/approve", Summary: "Admit an applicant: the next member number",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.approveMember)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "reject-member", Method: http.MethodPost,
		Path: coopPath + "/members/{memberID}/reject", Summary: "Turn an application down with a reason",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.rejectMember)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "end-membership", Method: http.MethodPost,
		Path: coopPath + "/members/{memberID}/end", Summary: "Record a resignation, exclusion or death",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.endMembership)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "correct-member", Method: http.MethodPost,
		Path: coopPath + "/members/{memberID}/corrections", Summary: "Correct personal data (the previous version stays in the history)",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound}}, s.correctMember)

	// The payout account. Changing it is the member's own (staff: 403), with the second
	// factor in the body or else by a link mailed to the address on file, which the public
	// route below takes, as a password reset's.
	route(s, signedIn(), huma.Operation{OperationID: "change-payout-account", Method: http.MethodPost,
		Path: coopPath + "/members/{memberID}/payout-account", Summary: "Change your payout account (IBAN and the name on it)",
		Description: "For the account the member record belongs to; the board and accountant get 403 (the board corrects it with a correction), anyone else 404. " +
			"With two-factor authentication on and a current totpCode (or a recoveryCode) the change applies at once; otherwise a link to confirm it is mailed to the member's address on file. " +
			"Either way the member is mailed there when it changes. A wrong code counts towards the sign-in lock-out.",
		Tags: []string{"members"}, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests}}, s.changePayoutAccount)
	route(s, public(), huma.Operation{OperationID: "confirm-payout-account", Method: http.MethodPost, Path: "/v1/payout-account/confirm",
		Summary: "Apply a change of payout account with the token of the mailed link (once, within 24 hours, the latest request only)",
		Tags:    []string{"members"}}, s.confirmPayoutAccount)
}
