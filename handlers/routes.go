package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

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
		Summary: "Turn two-factor authentication on with a code; returns an access token with the second factor",
		Tags:    []string{"auth"}, Errors: []int{http.StatusTooManyRequests}}, s.confirmTOTP)
	route(s, signedIn(), huma.Operation{OperationID: "verify-totp", Method: http.MethodPost, Path: "/v1/auth/totp/verify",
		Summary: "Give the second factor in a session that began without it", Tags: []string{"auth"},
		Errors: []int{http.StatusTooManyRequests}}, s.verifyTOTP)
	route(s, signedIn(), huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/v1/me",
		Summary: "Your account and your roles", Tags: []string{"auth"}}, s.me)

	// Platform functions.
	route(s, platformAdmin().withMFA(), huma.Operation{OperationID: "admin-create-cooperative", Method: http.MethodPost,
		Path: "/v1/admin/cooperatives", DefaultStatus: http.StatusCreated, Summary: "Create a cooperative",
		Tags: []string{"admin"}}, s.createCooperative)
	route(s, platformAdmin().withMFA(), huma.Operation{OperationID: "admin-invite-board-member", Method: http.MethodPost,
		Path: "/v1/admin/cooperatives/{cooperativeID}/invitations", DefaultStatus: http.StatusCreated,
		Summary: "Invite a cooperative's board member by mail", Tags: []string{"admin"}}, s.inviteBoardMember)
	route(s, platformAdmin(), huma.Operation{OperationID: "admin-audit", Method: http.MethodGet, Path: "/v1/admin/audit",
		Summary: "The platform's audit log", Tags: []string{"admin"}}, s.platformAudit)
	route(s, platformAdmin(), huma.Operation{OperationID: "admin-list-dead-mail", Method: http.MethodGet,
		Path: "/v1/admin/outbox/dead", Summary: "Mails the outbox gave up on", Tags: []string{"admin"}}, s.listDeadMail)
	route(s, platformAdmin().withMFA(), huma.Operation{OperationID: "admin-retry-dead-mail", Method: http.MethodPost,
		Path: "/v1/admin/outbox/{id}/retry", Summary: "Send a dead mail again", Tags: []string{"admin"}}, s.retryDeadMail)

	// Inside a cooperative.
	route(s, public(), huma.Operation{OperationID: "accept-invitation", Method: http.MethodPost, Path: "/v1/invitations/accept",
		Summary: "Accept an invitation: creates the account, or links yours with its password", Tags: []string{"roles"},
		Errors: []int{http.StatusUnauthorized, http.StatusTooManyRequests}}, s.acceptInvitation)
	route(s, inCooperative(board).withMFA(), huma.Operation{OperationID: "invite", Method: http.MethodPost,
		Path: "/v1/cooperatives/{cooperativeID}/invitations", DefaultStatus: http.StatusCreated,
		Summary: "Invite someone into the cooperative with a role", Tags: []string{"roles"}}, s.invite)
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

	// Mail preferences.
	route(s, public(), huma.Operation{OperationID: "show-unsubscribe", Method: http.MethodGet, Path: "/v1/unsubscribe",
		Summary: "What an unsubscribe link would stop (changes nothing)", Tags: []string{"notifications"}}, s.showUnsubscribe)
	route(s, public(), huma.Operation{OperationID: "unsubscribe", Method: http.MethodPost, Path: "/v1/unsubscribe",
		Summary: "Unsubscribe with the token of a mail's link (RFC 8058 one-click too)", Tags: []string{"notifications"}},
		s.unsubscribe)
}

// register adds an operation whose handler returns domain errors; they become problems
// here, in one place. A throttled request gets Retry-After, a refused credential
// WWW-Authenticate (RFC 6750).
func register[I, O any](s *Server, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	op.Errors = append(op.Errors, http.StatusBadRequest, http.StatusInternalServerError)
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
}
