package handlers

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/kracht-coop/kracht/cooperative"
)

// routes declares every route of the API. Each is a huma operation, so it is in the
// OpenAPI document; openapi_test.go fails when one is not. Each says who may call it
// (see access.go); authz_test.go fails when one has no row in the authorization matrix.
func (s *Server) routes() {
	const (
		board      = cooperative.RoleBoard
		accountant = cooperative.RoleAccountant
	)
	route(s, public(), huma.Operation{OperationID: "healthz", Method: http.MethodGet, Path: "/healthz",
		Summary: "The process is up", Tags: []string{"operations"}}, s.healthz)
	route(s, public(), huma.Operation{OperationID: "readyz", Method: http.MethodGet, Path: "/readyz",
		Summary: "The store is reachable", Tags: []string{"operations"}}, s.readyz)

	route(s, public(), huma.Operation{OperationID: "list-cooperatives", Method: http.MethodGet, Path: "/v1/cooperatives",
		Summary: "List the cooperatives hosted here (public profiles)", Tags: []string{"cooperatives"}}, s.listCooperatives)
	route(s, public(), huma.Operation{OperationID: "get-cooperative", Method: http.MethodGet, Path: "/v1/cooperatives/{cooperativeID}",
		Summary: "A cooperative's public profile", Tags: []string{"cooperatives"}}, s.getCooperative)

	// Sign-up and sign-in. Answers that could tell whether an address is registered are
	// the same for both.
	route(s, public(), huma.Operation{OperationID: "signup", Method: http.MethodPost, Path: "/v1/auth/signup",
		DefaultStatus: http.StatusAccepted, Summary: "Create an account; a link to confirm the address is mailed",
		Tags: []string{"auth"}, Errors: []int{http.StatusTooManyRequests}}, s.signUp)
	route(s, public(), huma.Operation{OperationID: "verify-email", Method: http.MethodPost, Path: "/v1/auth/verify-email",
		Summary: "Confirm the address with the token of the mailed link", Tags: []string{"auth"}}, s.verifyEmail)
	route(s, public(), huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/v1/auth/login",
		Summary: "Sign in: an access token (15 minutes) and a refresh token", Tags: []string{"auth"},
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests}}, s.login)
	route(s, public(), huma.Operation{OperationID: "refresh", Method: http.MethodPost, Path: "/v1/auth/refresh",
		Summary: "Spend a refresh token for a new access token and the next refresh token", Tags: []string{"auth"},
		Errors: []int{http.StatusUnauthorized}}, s.refresh)
	route(s, signedIn(), huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/v1/auth/logout",
		Summary: "End this session", Tags: []string{"auth"}}, s.logout)
	route(s, public(), huma.Operation{OperationID: "request-password-reset", Method: http.MethodPost,
		Path: "/v1/auth/password-reset/request", DefaultStatus: http.StatusAccepted,
		Summary: "Mail a link to choose a new password (answers the same for unknown addresses)", Tags: []string{"auth"},
		Errors: []int{http.StatusTooManyRequests}}, s.requestPasswordReset)
	route(s, public(), huma.Operation{OperationID: "confirm-password-reset", Method: http.MethodPost,
		Path: "/v1/auth/password-reset/confirm", Summary: "Set a new password with the mailed token; ends every session",
		Tags: []string{"auth"}}, s.confirmPasswordReset)
	route(s, signedIn(), huma.Operation{OperationID: "change-password", Method: http.MethodPost, Path: "/v1/auth/password",
		Summary: "Change the password; ends every session, this one too", Tags: []string{"auth"},
		Errors: []int{http.StatusTooManyRequests}}, s.changePassword)
	route(s, signedIn(), huma.Operation{OperationID: "enroll-totp", Method: http.MethodPost, Path: "/v1/auth/totp/enroll",
		Summary: "Start two-factor authentication: the TOTP secret, shown once", Tags: []string{"auth"}}, s.enrollTOTP)
	route(s, signedIn(), huma.Operation{OperationID: "confirm-totp", Method: http.MethodPost, Path: "/v1/auth/totp/confirm",
		Summary: "Turn two-factor authentication on with a code; returns an access token with the second factor and the recovery codes, shown once",
		Tags:    []string{"auth"}, Errors: []int{http.StatusTooManyRequests}}, s.confirmTOTP)
	route(s, signedIn(), huma.Operation{OperationID: "verify-totp", Method: http.MethodPost, Path: "/v1/auth/totp/verify",
		Summary: "Give the second factor in a session that began without it (a TOTP code or a recovery code)", Tags: []string{"auth"},
		Errors: []int{http.StatusTooManyRequests}}, s.verifyTOTP)
	route(s, signedIn(), huma.Operation{OperationID: "recovery-codes", Method: http.MethodGet, Path: "/v1/auth/totp/recovery-codes",
		Summary: "How many unused recovery codes you have (never the codes)", Tags: []string{"auth"}}, s.recoveryCodeStatus)
	route(s, signedIn().withMFA(), huma.Operation{OperationID: "regenerate-recovery-codes", Method: http.MethodPost,
		Path: "/v1/auth/totp/recovery-codes", Summary: "Replace your recovery codes with a new set, shown once; the old ones stop working",
		Tags: []string{"auth"}, Errors: []int{http.StatusUnprocessableEntity}}, s.regenerateRecoveryCodes)
	// Replacing the authenticator needs the second factor (a recovery code gives it), so
	// whoever only holds a password cannot move it to their own phone.
	route(s, signedIn().withMFA(), huma.Operation{OperationID: "replace-totp", Method: http.MethodPost,
		Path: "/v1/auth/totp/replace", Summary: "Start moving two-factor authentication to a new authenticator app: the new TOTP secret, shown once; the current app keeps working until you confirm",
		Tags: []string{"auth"}, Errors: []int{http.StatusUnprocessableEntity}}, s.replaceTOTP)
	route(s, signedIn().withMFA(), huma.Operation{OperationID: "confirm-totp-replacement", Method: http.MethodPost,
		Path: "/v1/auth/totp/replace/confirm", Summary: "Put the new authenticator app in place of the current one with a code from the new app; the owner is mailed",
		Tags: []string{"auth"}, Errors: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests}}, s.confirmTOTPReplacement)
	route(s, signedIn(), huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/v1/me",
		Summary: "Your account and your roles", Tags: []string{"auth"}}, s.me)

	// Platform functions.
	route(s, platformAdmin().withMFA(), huma.Operation{OperationID: "admin-create-cooperative", Method: http.MethodPost,
		Path: "/v1/admin/cooperatives", DefaultStatus: http.StatusCreated, Summary: "Create a cooperative",
		Tags: []string{"admin"}}, s.createCooperative)
	route(s, platformAdmin().withMFA(), huma.Operation{OperationID: "admin-invite-board-member", Method: http.MethodPost,
		Path: "/v1/admin/cooperatives/{cooperativeID}/invitations", DefaultStatus: http.StatusCreated,
		Summary: "Invite a cooperative's board member by mail", Tags: []string{"admin"},
		Errors: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests}}, s.inviteBoardMember)
	route(s, platformAdmin(), huma.Operation{OperationID: "admin-audit", Method: http.MethodGet, Path: "/v1/admin/audit",
		Summary: "The platform's audit log", Tags: []string{"admin"}}, s.platformAudit)
	route(s, platformAdmin(), huma.Operation{OperationID: "admin-list-dead-mail", Method: http.MethodGet,
		Path: "/v1/admin/outbox/dead", Summary: "Mails the outbox gave up on", Tags: []string{"admin"}}, s.listDeadMail)
	route(s, platformAdmin().withMFA(), huma.Operation{OperationID: "admin-retry-dead-mail", Method: http.MethodPost,
		Path: "/v1/admin/outbox/{id}/retry", Summary: "Send a dead mail again", Tags: []string{"admin"}}, s.retryDeadMail)

	// Inside a cooperative.
	route(s, public(), huma.Operation{OperationID: "accept-invitation", Method: http.MethodPost, Path: "/v1/invitations/accept",
		Summary: "Accept an invitation: creates the account, or links yours with its password", Tags: []string{"roles"},
		Errors: []int{http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusTooManyRequests}}, s.acceptInvitation)
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "invite", Method: http.MethodPost,
		Path: "/v1/cooperatives/{cooperativeID}/invitations", DefaultStatus: http.StatusCreated,
		Summary: "Invite someone into the cooperative with a role", Tags: []string{"roles"},
		Errors: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests}}, s.invite)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "list-roles", Method: http.MethodGet,
		Path: "/v1/cooperatives/{cooperativeID}/roles", Summary: "Who holds which roles in the cooperative",
		Tags: []string{"roles"}}, s.listRoles)
	route(s, inCooperative(board, accountant).orSelf(), huma.Operation{OperationID: "get-roles", Method: http.MethodGet,
		Path: "/v1/cooperatives/{cooperativeID}/roles/{userID}", Summary: "One person's roles in the cooperative",
		Tags: []string{"roles"}, Errors: []int{http.StatusNotFound}}, s.getRoles)
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "set-roles", Method: http.MethodPut,
		Path: "/v1/cooperatives/{cooperativeID}/roles/{userID}", Summary: "Change one person's roles in the cooperative",
		Tags: []string{"roles"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.setRoles)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "audit", Method: http.MethodGet,
		Path: "/v1/cooperatives/{cooperativeID}/audit", Summary: "The cooperative's audit log", Tags: []string{"audit"}},
		s.cooperativeAudit)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "audit-csv", Method: http.MethodGet,
		Path: "/v1/cooperatives/{cooperativeID}/audit.csv", Summary: "The cooperative's audit log as CSV",
		Tags: []string{"audit"}, Responses: map[string]*huma.Response{"200": {Description: "The whole log, oldest first.",
			Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}}}, s.cooperativeAuditCSV)

	// Members, offerings, the share register and the ledger (issue 5).
	s.registryRoutes()

	// Payments in: Stripe, bank statements, the review queue (issue 6, payments.go).
	s.paymentRoutes()
	s.paymentListRoutes() // what staff see of payments (paymentlist.go)

	// Mail preferences.
	route(s, public(), huma.Operation{OperationID: "show-unsubscribe", Method: http.MethodGet, Path: "/v1/unsubscribe",
		Summary: "What an unsubscribe link would stop (changes nothing)", Tags: []string{"notifications"}}, s.showUnsubscribe)
	route(s, public(), huma.Operation{OperationID: "unsubscribe", Method: http.MethodPost, Path: "/v1/unsubscribe",
		Summary: "Unsubscribe with the token of a mail's link (RFC 8058 one-click too)", Tags: []string{"notifications"}},
		s.unsubscribe)
}

// registryRoutes declares the routes of statutes, membership, offerings, the share
// register and the ledger. Who a member is comes from the member record, not from a role
// (see members.go): routes about one member's records are "signed in" here and their
// handlers allow the record's own account or the board/accountant, answering 404 to
// anyone else. Actions of the board or accountant that change the register or move money
// need the second factor.
func (s *Server) registryRoutes() {
	const (
		board      = cooperative.RoleBoard
		accountant = cooperative.RoleAccountant
		coop       = "/v1/cooperatives/{cooperativeID}"
	)
	file := func(mediaType, description string) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: description,
			Content: map[string]*huma.MediaType{mediaType: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	}
	staffOrOwn := []int{http.StatusNotFound}
	const (
		ownOrStaffDoc  = "For the account the member record belongs to, and the cooperative's board and accountant; anyone else gets 404, as if it did not exist."
		ownDoc         = "Only for the account the member record belongs to; the board and accountant get 403, anyone else 404."
		certificateDoc = "For the account the member record belongs to, and the board; the accountant gets 403, anyone else 404."
		withdrawDoc    = "For the account the member record belongs to, while the offering is open, and the board until allocation " +
			"(with two-factor authentication and a reason); the accountant gets 403, anyone else 404."
	)

	// Statutes are public: an applicant reads them before consenting to them.
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "adopt-statutes", Method: http.MethodPost,
		Path: coop + "/statutes", DefaultStatus: http.StatusCreated, Summary: "Adopt a new version of the statutes",
		Tags: []string{"statutes"}, Errors: []int{http.StatusUnprocessableEntity}}, s.adoptStatutes)
	route(s, public(), huma.Operation{OperationID: "list-statutes", Method: http.MethodGet, Path: coop + "/statutes",
		Summary: "Every version of the statutes, oldest first", Tags: []string{"statutes"}}, s.listStatutes)
	route(s, public(), huma.Operation{OperationID: "get-statutes", Method: http.MethodGet, Path: coop + "/statutes/current",
		Summary: "The statutes in force on a date (today by default)", Tags: []string{"statutes"},
		Errors: []int{http.StatusUnprocessableEntity}}, s.getStatutes)

	// Membership.
	route(s, signedIn(), huma.Operation{OperationID: "apply-for-membership", Method: http.MethodPost, Path: coop + "/members",
		DefaultStatus: http.StatusCreated, Summary: "Apply for membership, for yourself or a legal entity you represent",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusTooManyRequests}}, s.apply)
	route(s, signedIn(), huma.Operation{OperationID: "my-members", Method: http.MethodGet, Path: coop + "/me/members",
		Summary: "Your member records (and applications) in the cooperative", Tags: []string{"members"}}, s.myMembers)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "list-members", Method: http.MethodGet,
		Path: coop + "/members", Summary: "Members and applicants, in application order", Tags: []string{"members"}}, s.listMembers)
	route(s, signedIn(), huma.Operation{OperationID: "get-member", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coop + "/members/{memberID}", Summary: "One member record (your own, or any for the board and accountant)",
		Tags: []string{"members"}, Errors: staffOrOwn}, s.getMember)
	route(s, signedIn(), huma.Operation{OperationID: "member-history", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coop + "/members/{memberID}/history", Summary: "Every version of a member record: application, approval, corrections, end",
		Tags: []string{"members"}, Errors: staffOrOwn}, s.memberHistory)
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "approve-member", Method: http.MethodPost,
		Path: coop + "/members/{memberID}/approve", Summary: "Admit an applicant: the next member number",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.approveMember)
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "reject-member", Method: http.MethodPost,
		Path: coop + "/members/{memberID}/reject", Summary: "Turn an application down with a reason",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.rejectMember)
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "end-membership", Method: http.MethodPost,
		Path: coop + "/members/{memberID}/end", Summary: "Record a resignation, exclusion or death",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.endMembership)
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "correct-member", Method: http.MethodPost,
		Path: coop + "/members/{memberID}/corrections", Summary: "Correct personal data (the previous version stays in the history)",
		Tags: []string{"members"}, Errors: []int{http.StatusNotFound}}, s.correctMember)

	// Offerings and subscriptions.
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "open-offering", Method: http.MethodPost,
		Path: coop + "/offerings", DefaultStatus: http.StatusCreated, Summary: "Open an issuance round of one share class",
		Tags: []string{"offerings"}, Errors: []int{http.StatusUnprocessableEntity}}, s.openOffering)
	route(s, signedIn(), huma.Operation{OperationID: "list-offerings", Method: http.MethodGet, Path: coop + "/offerings",
		Summary: "The cooperative's offerings (their counters only for the board and accountant)", Tags: []string{"offerings"},
		Description: "Any signed-in account: applicants choose an offering here."}, s.listOfferings)
	route(s, signedIn(), huma.Operation{OperationID: "get-offering", Method: http.MethodGet,
		Path: coop + "/offerings/{offeringID}", Summary: "One offering (its counters only for the board and accountant)",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound}}, s.getOffering)
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "close-offering", Method: http.MethodPost,
		Path: coop + "/offerings/{offeringID}/close", Summary: "Close and allocate: shares issued, pending subscriptions lapse, refunds booked",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.closeOffering)
	route(s, signedIn(), huma.Operation{OperationID: "subscribe", Description: ownDoc, Method: http.MethodPost,
		Path: coop + "/offerings/{offeringID}/subscriptions", DefaultStatus: http.StatusCreated,
		Summary: "Subscribe for shares, for your own member record or application", Tags: []string{"offerings"},
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, s.subscribe)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "list-offering-subscriptions", Method: http.MethodGet,
		Path: coop + "/offerings/{offeringID}/subscriptions", Summary: "An offering's subscriptions",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound}}, s.listOfferingSubscriptions)
	route(s, signedIn(), huma.Operation{OperationID: "list-member-subscriptions", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coop + "/members/{memberID}/subscriptions", Summary: "A member's subscriptions",
		Tags: []string{"offerings"}, Errors: staffOrOwn}, s.listMemberSubscriptions)
	route(s, signedIn(), huma.Operation{OperationID: "get-subscription", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coop + "/subscriptions/{subscriptionID}", Summary: "One subscription", Tags: []string{"offerings"},
		Errors: staffOrOwn}, s.getSubscription)
	route(s, signedIn(), huma.Operation{OperationID: "withdraw-subscription", Description: withdrawDoc, Method: http.MethodPost,
		Path: coop + "/subscriptions/{subscriptionID}/withdraw", Summary: "Withdraw a subscription before allocation: its shares are released, money received is to be refunded",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.withdrawSubscription)
	route(s, inCooperative(accountant).withMFA(), huma.Operation{OperationID: "mark-subscription-paid", Method: http.MethodPost,
		Path: coop + "/subscriptions/{subscriptionID}/payment", Summary: "Record that a subscription's money arrived (bank transfer)",
		Tags: []string{"offerings"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.markPaid)
	route(s, inCooperative(accountant).withMFA(), huma.Operation{OperationID: "record-transfer-refund", Method: http.MethodPost,
		Path: coop + "/subscriptions/{subscriptionID}/transfer-refunds", DefaultStatus: http.StatusCreated,
		Summary: "Record that money a subscription owed back was paid back by bank transfer (Dr refunds payable, Cr bank)",
		Tags:    []string{"payments"}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
		s.recordTransferRefund)
	route(s, signedIn(), huma.Operation{OperationID: "share-certificate", Description: certificateDoc, Method: http.MethodGet,
		Path: coop + "/subscriptions/{subscriptionID}/certificate.pdf", Summary: "The share certificate of an allocated subscription",
		Tags: []string{"register"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Responses: file("application/pdf", "The certificate, A4.")}, s.certificate)

	// The share register.
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "transfer-shares", Method: http.MethodPost,
		Path: coop + "/transfers", DefaultStatus: http.StatusCreated, Summary: "Transfer shares between members (recording it is the board's approval)",
		Tags: []string{"register"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.transferShares)
	route(s, signedIn(), huma.Operation{OperationID: "request-withdrawal", Description: ownDoc, Method: http.MethodPost,
		Path: coop + "/members/{memberID}/withdrawals", DefaultStatus: http.StatusCreated,
		Summary: "Ask to have your shares redeemed at nominal value", Tags: []string{"register"},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.requestWithdrawal)
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "decide-withdrawal", Method: http.MethodPost,
		Path: coop + "/withdrawals/{withdrawalID}/decision", Summary: "Approve (after the notice period) or reject a withdrawal",
		Tags: []string{"register"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.decideWithdrawal)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "list-withdrawals", Method: http.MethodGet,
		Path: coop + "/withdrawals", Summary: "Withdrawal requests, oldest first (filter by status, member)",
		Tags: []string{"register"}}, s.listWithdrawals)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "list-holdings", Method: http.MethodGet,
		Path: coop + "/holdings", Summary: "Who holds which shares, now or on a date", Tags: []string{"register"}}, s.listHoldings)
	route(s, signedIn(), huma.Operation{OperationID: "member-holdings", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coop + "/members/{memberID}/holdings", Summary: "A member's current holdings with share numbers",
		Tags: []string{"register"}, Errors: staffOrOwn}, s.memberHoldings)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "register-events", Method: http.MethodGet,
		Path: coop + "/register/events", Summary: "The register's journal: every issue, transfer and withdrawal",
		Tags: []string{"register"}}, s.registerEvents)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "export-register-csv", Method: http.MethodGet,
		Path: coop + "/register.csv", Summary: "The register on a date as CSV", Tags: []string{"register"},
		Responses: file("text/csv", "One row per member and class, in member-number order.")}, s.exportRegisterCSV)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "export-register-xlsx", Method: http.MethodGet,
		Path: coop + "/register.xlsx", Summary: "The register on a date as an Excel workbook", Tags: []string{"register"},
		Responses: file(xlsxContentType, "One sheet, Register: one row per member and class.")}, s.exportRegisterXLSX)

	// The ledger.
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "trial-balance", Method: http.MethodGet,
		Path: coop + "/ledger/trial-balance", Summary: "Every account's balance at the end of a day", Tags: []string{"ledger"}},
		s.trialBalance)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "ledger-entries", Method: http.MethodGet,
		Path: coop + "/ledger/entries", Summary: "The journal, in posting order", Tags: []string{"ledger"}}, s.ledgerEntries)
}

// register adds an operation whose handler returns domain errors; they become problems
// here, in one place. A throttled request gets Retry-After, a refused credential
// WWW-Authenticate (RFC 6750).
func register[I, O any](s *Server, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	op.Errors = append(op.Errors, http.StatusBadRequest, http.StatusInternalServerError)
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = s.maxBodyBytes(op.Method, op.Path) // huma's own default is 1 MiB for all
	}
	s.documentProblems(&op, reflect.TypeFor[I]())
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := handler(ctx, in)
		if err != nil {
			p := s.problemFor(ctx, err)
			headers := http.Header{}
			var throttled *cooperative.ThrottledError
			if errors.As(err, &throttled) {
				headers.Set("Retry-After", strconv.Itoa(int(throttled.RetryAfter.Seconds())))
			}
			if p.Status == http.StatusUnauthorized {
				headers.Set("WWW-Authenticate", `Bearer realm="kracht"`)
			}
			if len(headers) > 0 {
				return nil, huma.ErrorWithHeaders(p, headers)
			}
			return nil, p
		}
		return out, nil
	})
	item := s.api.OpenAPI().Paths[op.Path]
	s.boundInputStrings(map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post,
		http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete}[op.Method])
}

// maxInputString is the longest string a request may carry where its field declares no
// maxLength of its own (an id, a cursor, a date, an address line): long enough for any
// of them, short enough that no field can hold a megabyte.
const maxInputString = 256

// boundInputStrings gives every string of op's parameters and request body
// that declares no maxLength (nor an enum, nor binary content, bounded by the body
// limit) maxInputString, which huma then enforces with a 422 like any other rule of the
// schema and the API description publishes. Schemas are shared between operations:
// each is bounded once.
func (s *Server) boundInputStrings(op *huma.Operation) {
	registry := s.api.OpenAPI().Components.Schemas
	seen := map[*huma.Schema]bool{}
	var bound func(*huma.Schema)
	bound = func(sc *huma.Schema) {
		if sc == nil || seen[sc] {
			return
		}
		seen[sc] = true
		if sc.Ref != "" {
			bound(registry.SchemaFromRef(sc.Ref))
			return
		}
		if sc.Type == huma.TypeString && sc.MaxLength == nil && len(sc.Enum) == 0 && sc.Format != "binary" {
			n := maxInputString
			sc.MaxLength = &n
			sc.PrecomputeMessages()
		}
		for _, p := range sc.Properties {
			bound(p)
		}
		bound(sc.Items)
		if ap, ok := sc.AdditionalProperties.(*huma.Schema); ok {
			bound(ap)
		}
		for _, list := range [][]*huma.Schema{sc.OneOf, sc.AnyOf, sc.AllOf} {
			for _, x := range list {
				bound(x)
			}
		}
		bound(sc.Not)
	}
	for _, p := range op.Parameters {
		bound(p.Schema)
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Content {
			bound(mt.Schema)
		}
	}
}

// documentProblems publishes the errors op answers with the body they really have,
// Problem. huma would document them with its ErrorModel, whose schema forbids the code
// and requestId every problem carries, so a strict client would refuse every error.
// Beside the errors a route declares, it documents those any route of its kind can
// answer: a body or parameters that huma or checkBody refuse before the handler (413,
// 415, 422), an object in its path that does not exist (404), a write that collides
// (409), and a store that cannot be reached (503).
func (s *Server) documentProblems(op *huma.Operation, input reflect.Type) {
	op.Errors = append(op.Errors, http.StatusServiceUnavailable)
	_, body := input.FieldByName("Body")
	_, raw := input.FieldByName("RawBody")
	if body || raw {
		op.Errors = append(op.Errors, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if body || input.NumField() > 0 {
		op.Errors = append(op.Errors, http.StatusUnprocessableEntity)
	}
	if strings.Contains(op.Path, "{") {
		op.Errors = append(op.Errors, http.StatusNotFound)
	}
	if op.Method != http.MethodGet {
		op.Errors = append(op.Errors, http.StatusConflict)
	}
	schema := s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[Problem](), true, "Problem")
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	slices.Sort(op.Errors)
	for _, status := range slices.Compact(op.Errors) {
		op.Responses[strconv.Itoa(status)] = &huma.Response{Description: http.StatusText(status),
			Content: map[string]*huma.MediaType{"application/problem+json": {Schema: schema}}}
	}
	op.Errors = nil
}
