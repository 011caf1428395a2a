package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// identityRoutes declares the routes of identity: sign-up and sign-in, sessions,
// passwords, TOTP and recovery codes, invitations (a platform admin's of a board member,
// the board's of anyone) and roles in a cooperative.
func (s *Server) identityRoutes() {
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

	// Invitations and roles.
	route(s, platformAdmin().withMFA(), huma.Operation{OperationID: "admin-invite-board-member", Method: http.MethodPost,
		Path: "/v1/admin/cooperatives/{cooperativeID}/invitations", DefaultStatus: http.StatusCreated,
		Summary: "Invite a cooperative's board member by mail", Tags: []string{"admin"},
		Errors: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests}}, s.inviteBoardMember)
	route(s, public(), huma.Operation{OperationID: "accept-invitation", Method: http.MethodPost, Path: "/v1/invitations/accept",
		Summary: "Accept an invitation: creates the account, or links yours with its password", Tags: []string{"roles"},
		Errors: []int{http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusTooManyRequests}}, s.acceptInvitation)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "invite", Method: http.MethodPost,
		Path: "/v1/cooperatives/{cooperativeID}/invitations", DefaultStatus: http.StatusCreated,
		Summary: "Invite someone into the cooperative with a role", Tags: []string{"roles"},
		Errors: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests}}, s.invite)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "list-roles", Method: http.MethodGet,
		Path: "/v1/cooperatives/{cooperativeID}/roles", Summary: "Who holds which roles in the cooperative",
		Tags: []string{"roles"}}, s.listRoles)
	route(s, inCooperative(roleBoard, roleAccountant).orSelf(), huma.Operation{OperationID: "get-roles", Method: http.MethodGet,
		Path: "/v1/cooperatives/{cooperativeID}/roles/{userID}", Summary: "One person's roles in the cooperative",
		Tags: []string{"roles"}, Errors: []int{http.StatusNotFound}}, s.getRoles)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "set-roles", Method: http.MethodPut,
		Path: "/v1/cooperatives/{cooperativeID}/roles/{userID}", Summary: "Change one person's roles in the cooperative",
		Tags: []string{"roles"}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.setRoles)
}
