package handlers

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
)

// Request types are explicit and closed (unknown fields are refused), so nothing the
// server owns (a role, a status, an id, a timestamp) can be set by a client. Password
// fields are bounded generously in the schema (to cap the work before hashing) and the
// policy's own limits come back as a reason from the domain.

type signUpInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" doc:"The e-mail address; it is verified with a link."`
		Password string `json:"password" maxLength:"1024" doc:"At least 12 characters, at most 128; not your e-mail address; not a common password."`
		Language string `json:"language" enum:"nl,en" doc:"The language of the mails we send you."`
	}
}

// acceptedBody is the one answer to requests whose outcome must not tell whether an
// address is registered.
type acceptedBody struct {
	Message string `json:"message"`
}

type acceptedOutput struct {
	Body acceptedBody
}

func (s *Server) signUp(ctx context.Context, in *signUpInput) (*acceptedOutput, error) {
	err := s.accounts.SignUp(ctx, identity.SignUp{Email: in.Body.Email, Password: in.Body.Password,
		Language: in.Body.Language, ClientIP: clientIPFrom(ctx)})
	if err != nil {
		return nil, err
	}
	return &acceptedOutput{Body: acceptedBody{Message: "Check your mail: we sent a link to confirm the address."}}, nil
}

type linkTokenInput struct {
	Body struct {
		Token string `json:"token" maxLength:"256" doc:"The token from the link in the mail."`
	}
}

func (s *Server) verifyEmail(ctx context.Context, in *linkTokenInput) (*struct{}, error) {
	return nil, s.accounts.VerifyEmail(ctx, in.Body.Token)
}

type loginInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254"`
		Password string `json:"password" maxLength:"1024"`
		TOTPCode string `json:"totpCode,omitempty" maxLength:"10" doc:"The 6-digit code of your authenticator app, once two-factor authentication is on."`
		// Its own field, never totpCode: the two are told apart by what was sent, not
		// by guessing from the value.
		RecoveryCode string `json:"recoveryCode,omitempty" maxLength:"32" doc:"Instead of totpCode, when you have lost your authenticator app: one of your recovery codes. Each works once."`
	}
}

// tokenBody is a sign-in's tokens. The refresh token is shown only here, once.
type tokenBody struct {
	AccessToken      string    `json:"accessToken"`
	TokenType        string    `json:"tokenType" example:"Bearer"`
	ExpiresIn        int       `json:"expiresIn" doc:"Seconds until the access token expires."`
	RefreshToken     string    `json:"refreshToken" doc:"Works once: each refresh returns the next one. Using a spent one ends the session."`
	RefreshExpiresAt time.Time `json:"refreshExpiresAt" doc:"When the session ends, however often it is refreshed."`
	MFA              bool      `json:"mfa" doc:"Whether the session has given a second factor."`
	// Fields are not shared by embedding: huma documents no fields of an unexported
	// embedded type.
	RecoveryCodesLeft *int   `json:"recoveryCodesLeft,omitempty" doc:"Only when a recovery code gave the second factor: how many unused codes are left."`
	Warning           string `json:"warning,omitempty" doc:"Only when that was the last recovery code: make a new set now."`
}

// recoveryNotice is what follows a second factor given with a recovery code: how many
// are left, and a warning when none are (nothing when no recovery code was used).
func recoveryNotice(use identity.RecoveryCodeUse) (left *int, warning string) {
	if !use.Used {
		return nil, ""
	}
	if use.Left == 0 {
		warning = "That was your last recovery code: make a new set now (POST /v1/auth/totp/recovery-codes)."
	}
	return &use.Left, warning
}

type tokenOutput struct {
	// Tokens must not be kept by caches (RFC 6749 §5.1).
	CacheControl string `header:"Cache-Control"`
	Body         tokenBody
}

func (s *Server) tokensFor(g identity.SessionGrant) (*tokenOutput, error) {
	access, exp, err := s.tokens.issue(g.UserID, g.SessionID, g.MFA)
	if err != nil {
		return nil, err
	}
	body := tokenBody{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(exp.Sub(s.now()).Seconds()),
		RefreshToken: g.RefreshToken, RefreshExpiresAt: g.RefreshExpiresAt, MFA: g.MFA}
	body.RecoveryCodesLeft, body.Warning = recoveryNotice(g.Recovery)
	return &tokenOutput{CacheControl: "no-store", Body: body}, nil
}

func (s *Server) login(ctx context.Context, in *loginInput) (*tokenOutput, error) {
	g, err := s.accounts.Login(ctx, identity.Login{Email: in.Body.Email, Password: in.Body.Password,
		TOTPCode: in.Body.TOTPCode, RecoveryCode: in.Body.RecoveryCode, ClientIP: clientIPFrom(ctx),
		RequestID: requestIDFrom(ctx)})
	if err != nil {
		return nil, err
	}
	return s.tokensFor(g)
}

type refreshInput struct {
	Body struct {
		RefreshToken string `json:"refreshToken" maxLength:"256"`
	}
}

func (s *Server) refresh(ctx context.Context, in *refreshInput) (*tokenOutput, error) {
	g, err := s.accounts.Refresh(ctx, in.Body.RefreshToken)
	if err != nil {
		return nil, err
	}
	return s.tokensFor(g)
}

func (s *Server) logout(ctx context.Context, _ *struct{}) (*struct{}, error) {
	return nil, s.accounts.Logout(ctx, principalFrom(ctx).SessionID)
}

type resetRequestInput struct {
	Body struct {
		Email string `json:"email" maxLength:"254"`
	}
}

func (s *Server) requestPasswordReset(ctx context.Context, in *resetRequestInput) (*acceptedOutput, error) {
	if err := s.accounts.RequestPasswordReset(ctx, in.Body.Email, clientIPFrom(ctx)); err != nil {
		return nil, err
	}
	return &acceptedOutput{Body: acceptedBody{
		Message: "If this address has an account, we sent it a link to choose a new password."}}, nil
}

type resetConfirmInput struct {
	Body struct {
		Token       string `json:"token" maxLength:"256"`
		NewPassword string `json:"newPassword" maxLength:"1024"`
	}
}

func (s *Server) confirmPasswordReset(ctx context.Context, in *resetConfirmInput) (*struct{}, error) {
	return nil, s.accounts.ConfirmPasswordReset(ctx, in.Body.Token, in.Body.NewPassword, requestIDFrom(ctx))
}

type changePasswordInput struct {
	Body struct {
		CurrentPassword string `json:"currentPassword" maxLength:"1024"`
		NewPassword     string `json:"newPassword" maxLength:"1024"`
	}
}

func (s *Server) changePassword(ctx context.Context, in *changePasswordInput) (*struct{}, error) {
	p := principalFrom(ctx)
	return nil, s.accounts.ChangePassword(ctx, p.ID, in.Body.CurrentPassword, in.Body.NewPassword, clientIPFrom(ctx), requestIDFrom(ctx))
}

type totpEnrollBody struct {
	Secret     string `json:"secret" doc:"Base32; shown only now. Put it in your authenticator app, then confirm with a code."`
	OTPAuthURL string `json:"otpauthUrl" doc:"The same as an otpauth:// URL, for a QR code."`
}

type totpEnrollOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         totpEnrollBody
}

func (s *Server) enrollTOTP(ctx context.Context, _ *struct{}) (*totpEnrollOutput, error) {
	return enrollmentOutput(s.accounts.EnrollTOTP(ctx, principalFrom(ctx).ID))
}

// enrollmentOutput shows a new secret, once: caches must not keep it.
func enrollmentOutput(e identity.TOTPEnrollment, err error) (*totpEnrollOutput, error) {
	if err != nil {
		return nil, err
	}
	return &totpEnrollOutput{CacheControl: "no-store", Body: totpEnrollBody{Secret: e.Secret, OTPAuthURL: e.URL}}, nil
}

// replaceTOTP takes no body, and refuses one with fields, as regenerateInput does.
func (s *Server) replaceTOTP(ctx context.Context, _ *regenerateInput) (*totpEnrollOutput, error) {
	p := principalFrom(ctx)
	return enrollmentOutput(s.accounts.StartTOTPReplacement(ctx, p.ID, p.SessionID))
}

func (s *Server) confirmTOTPReplacement(ctx context.Context, in *totpCodeInput) (*struct{}, error) {
	p := principalFrom(ctx)
	return nil, s.accounts.ConfirmTOTPReplacement(ctx, p.ID, p.SessionID, in.Body.Code, clientIPFrom(ctx), requestIDFrom(ctx))
}

type totpCodeInput struct {
	Body struct {
		Code string `json:"code" minLength:"6" maxLength:"10" doc:"The 6-digit code of your authenticator app."`
	}
}

type stepUpInput struct {
	Body struct {
		Code         string `json:"code,omitempty" minLength:"6" maxLength:"10" doc:"The 6-digit code of your authenticator app."`
		RecoveryCode string `json:"recoveryCode,omitempty" maxLength:"32" doc:"Instead of code, when you have lost your authenticator app: one of your recovery codes. Each works once."`
	}
}

// accessTokenBody is a new access token for the same session, with what the step that
// gave the second factor adds.
type accessTokenBody struct {
	AccessToken       string   `json:"accessToken"`
	TokenType         string   `json:"tokenType" example:"Bearer"`
	ExpiresIn         int      `json:"expiresIn"`
	MFA               bool     `json:"mfa"`
	RecoveryCodes     []string `json:"recoveryCodes,omitempty" doc:"Only when two-factor authentication was just turned on: your recovery codes, shown only now. Keep them somewhere safe, apart from your phone; each works once instead of a TOTP code."`
	RecoveryCodesLeft *int     `json:"recoveryCodesLeft,omitempty" doc:"Only when a recovery code gave the second factor: how many unused codes are left."`
	Warning           string   `json:"warning,omitempty" doc:"Only when that was the last recovery code: make a new set now."`
}

type accessTokenOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         accessTokenBody
}

// secondFactor returns an access token with the second factor after a step-up, in body
// (which holds what else the step gave).
func (s *Server) secondFactor(p identity.Principal, body accessTokenBody) (*accessTokenOutput, error) {
	access, exp, err := s.tokens.issue(p.ID, p.SessionID, true)
	if err != nil {
		return nil, err
	}
	body.AccessToken, body.TokenType, body.ExpiresIn, body.MFA = access, "Bearer", int(exp.Sub(s.now()).Seconds()), true
	return &accessTokenOutput{CacheControl: "no-store", Body: body}, nil
}

func (s *Server) confirmTOTP(ctx context.Context, in *totpCodeInput) (*accessTokenOutput, error) {
	p := principalFrom(ctx)
	codes, err := s.accounts.ConfirmTOTP(ctx, p.ID, p.SessionID, in.Body.Code, clientIPFrom(ctx), requestIDFrom(ctx))
	if err != nil {
		return nil, err
	}
	return s.secondFactor(p, accessTokenBody{RecoveryCodes: codes})
}

func (s *Server) verifyTOTP(ctx context.Context, in *stepUpInput) (*accessTokenOutput, error) {
	p := principalFrom(ctx)
	use, err := s.accounts.StepUp(ctx, p.ID, p.SessionID, identity.SecondFactor{TOTPCode: in.Body.Code,
		RecoveryCode: in.Body.RecoveryCode}, clientIPFrom(ctx), requestIDFrom(ctx))
	if err != nil {
		return nil, err
	}
	body := accessTokenBody{}
	body.RecoveryCodesLeft, body.Warning = recoveryNotice(use)
	return s.secondFactor(p, body)
}

type recoveryCodeStatusBody struct {
	Remaining int       `json:"remaining" doc:"How many of your recovery codes are unused (0 when you have none yet)."`
	CreatedAt time.Time `json:"createdAt,omitzero" doc:"When the set was made; absent when there is none."`
}

type recoveryCodeStatusOutput struct {
	Body recoveryCodeStatusBody
}

func (s *Server) recoveryCodeStatus(ctx context.Context, _ *struct{}) (*recoveryCodeStatusOutput, error) {
	st, err := s.accounts.RecoveryCodes(ctx, principalFrom(ctx).ID)
	if err != nil {
		return nil, err
	}
	return &recoveryCodeStatusOutput{Body: recoveryCodeStatusBody{Remaining: st.Remaining, CreatedAt: st.CreatedAt}}, nil
}

// regenerateInput takes no body, but refuses one with fields: a client that sends some
// expects them to mean something, and must not get its codes (or its authenticator)
// replaced regardless.
type regenerateInput struct {
	Body *struct{}
}

type recoveryCodesBody struct {
	RecoveryCodes []string `json:"recoveryCodes" doc:"Shown only now: keep them somewhere safe, apart from your phone. Each works once, instead of a TOTP code, when you have lost your authenticator app."`
}

type recoveryCodesOutput struct {
	CacheControl string `header:"Cache-Control"` // the codes must not be kept by caches
	Body         recoveryCodesBody
}

func (s *Server) regenerateRecoveryCodes(ctx context.Context, _ *regenerateInput) (*recoveryCodesOutput, error) {
	codes, err := s.accounts.RegenerateRecoveryCodes(ctx, principalFrom(ctx).ID, requestIDFrom(ctx))
	if err != nil {
		return nil, err
	}
	return &recoveryCodesOutput{CacheControl: "no-store", Body: recoveryCodesBody{RecoveryCodes: codes}}, nil
}

type roleGrantBody struct {
	CooperativeID string    `json:"cooperativeId"`
	UserID        string    `json:"userId"`
	Email         string    `json:"email"`
	Roles         []string  `json:"roles"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

func roleGrantOf(g identity.RoleGrant) roleGrantBody {
	roles := make([]string, len(g.Roles))
	for i, r := range g.Roles {
		roles[i] = string(r)
	}
	return roleGrantBody{CooperativeID: g.CooperativeID, UserID: g.UserID, Email: g.Email, Roles: roles, UpdatedAt: g.UpdatedAt}
}

type meBody struct {
	ID            string          `json:"id"`
	Email         string          `json:"email"`
	EmailVerified bool            `json:"emailVerified"`
	Language      string          `json:"language"`
	PlatformAdmin bool            `json:"platformAdmin"`
	TOTPEnabled   bool            `json:"totpEnabled"`
	CreatedAt     time.Time       `json:"createdAt"`
	SessionMFA    bool            `json:"sessionMfa" doc:"Whether this access token carries a second factor."`
	Roles         []roleGrantBody `json:"roles" doc:"The cooperatives you hold roles in."`
}

type meOutput struct {
	Body meBody
}

func (s *Server) me(ctx context.Context, _ *struct{}) (*meOutput, error) {
	p := principalFrom(ctx)
	grants, err := s.accounts.RoleGrantsOf(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	a := p.User
	out := &meOutput{Body: meBody{ID: a.ID, Email: a.Email, EmailVerified: a.EmailVerified, Language: a.Language,
		PlatformAdmin: a.PlatformAdmin, TOTPEnabled: a.TOTPEnabled, CreatedAt: a.CreatedAt, SessionMFA: p.MFA,
		Roles: make([]roleGrantBody, len(grants))}}
	for i, g := range grants {
		out.Body.Roles[i] = roleGrantOf(g)
	}
	return out, nil
}
