package web

import (
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
)

// accountRoutes are the pages of an account: sign up, sign in, the links of mails.
func (w *Web) accountRoutes(r *router) {
	r.get("/signup", w.signupPage)
	r.post("/signup", w.signup)
	r.get("/verify-email", linkPage("verify", "account_verify", "verify.title", tokenData))
	r.post("/verify-email", w.verify)
	r.get("/login", w.loginPage)
	r.post("/login", w.login)
	r.get("/forgot-password", w.forgotPage)
	r.post("/forgot-password", w.forgot)
	r.get("/reset-password", linkPage("reset", "account_reset", "reset.title", tokenData))
	r.post("/reset-password", w.reset)
	r.get("/invitations/accept", linkPage("invitation", "account_invitation", "invitation.title", tokenData))
	r.post("/invitations/accept", w.acceptInvitation)
	r.get("/account", w.accountPage)
	r.get("/account/totp", w.totpPage)
	r.post("/account/totp", w.confirmTOTP)
	r.get("/account/recovery-codes", w.recoveryPage)
	r.post("/account/recovery-codes", w.regenerateRecovery)
	r.get("/account/mail", w.mailPage)
	r.post("/account/mail", w.saveMail)
	r.get("/unsubscribe", w.unsubscribePage)
	r.post("/unsubscribe", w.unsubscribe)
	r.get("/confirm-payout-account", linkPage("payout", "account_payout", "payoutlink.confirm.title",
		func(t string) any { return payoutView{Token: t} }))
	r.post("/confirm-payout-account", w.confirmPayout)
}

// accountErrors are the domain's answers on the account pages that a person acts on at
// one field, with this part's own text for them: the field and the message key. The
// domain's English is written for API clients ("send totpCode"), not for a form.
var accountErrors = map[string]placed{
	"The e-mail address or password is not correct.":                                                           {"", "account.err.credentials"},
	"The TOTP code is not correct.":                                                                            {"code", "account.err.code"},
	"The recovery code is not correct, or was used already.":                                                   {"recovery", "account.err.recovery"},
	"Send either a TOTP code or a recovery code, not both.":                                                    {"recovery", "account.err.both"},
	"Two-factor authentication is not on for this account: enroll first.":                                      {"", "account.err.totp_off"},
	"Confirm your e-mail address first with the link we mailed you, or reset your password to get a new link.": {"", "account.err.unverified"},
	"This account uses two-factor authentication: send totpCode (or, without your authenticator, a recoveryCode) with the e-mail address and password.": {"code", "account.err.code_needed"},
	"An account for this address was made at the same moment; accept again with its password.":                                                          {"password", "account.err.accept_again"},
}

// failAccount puts err on f: where accountErrors says, else beside the field its
// message is about (the e-mail address, the password), else at the top.
func (req *request) failAccount(f *form, err error) error {
	msg := cooperative.ErrorMessage(err)
	if p, ok := accountErrors[msg]; ok && cooperative.ErrorCode(err) != cooperative.EINTERNAL {
		return req.place(f, p)
	}
	field := ""
	switch {
	case strings.HasPrefix(msg, "the password"):
		field = "password"
	case strings.HasPrefix(msg, "the e-mail address"):
		field = "email"
	case strings.HasPrefix(msg, "language"):
		field = "language"
	}
	if _, ok := f.Values[field]; !ok {
		field = ""
	}
	return req.fail(f, field, err)
}

// language is the form's language choice, the page's when none (or another) was made.
func (req *request) languageChoice(f *form) string {
	if l := f.Values["language"]; l == "nl" || l == "en" {
		return l
	}
	return req.lang
}

func (w *Web) signupPage(req *request) error {
	f := newForm()
	f.Values["language"] = req.lang
	return req.render(page{Name: "account_signup", Title: "signup.title", Form: f})
}

// signup makes the account and mails the link. Its answer is the same whether the
// address had an account (identity mails that one a reset link instead), so the page
// cannot be used to find out who is registered.
func (w *Web) signup(req *request) error {
	f := req.values("email", "password", "language")
	f.Values["language"] = req.languageChoice(f)
	req.require(f, "email", "password")
	if !f.Invalid() {
		err := w.opts.Accounts.SignUp(req.ctx(), identity.SignUp{Email: f.Values["email"], Password: req.c.FormValue("password"),
			Language: f.Values["language"], ClientIP: w.opts.ClientIP(req.c)})
		if err == nil {
			return req.render(page{Name: "account_sent", Title: "signup.sent.title",
				Data: sentView{Email: f.Values["email"], Lead: "signup.sent.lead"}})
		}
		if err := req.failAccount(f, err); err != nil {
			return err
		}
	}
	return req.render(page{Name: "account_signup", Title: "signup.title", Form: f})
}

// sentView is the "check your mail" page.
type sentView struct {
	Email string
	Lead  string
}

// tokenView is a page about the link of a mail: the token goes back in a hidden field,
// so the link is spent only by the button (mail scanners fetch every link).
type tokenView struct {
	Token string
}

func tokenData(t string) any { return tokenView{Token: t} }

// linkView explains a link that cannot be used (unknown, used or expired: the domain
// does not say which) and what to do: Kind names the link (verify, reset, invitation,
// unsubscribe, payout).
type linkView struct {
	Kind string
}

// badLink answers a link the domain refused with a page that says what to do next
// (4xx); any other error goes to the error page.
func (req *request) badLink(kind string, err error) error {
	if cooperative.ErrorCode(err) != cooperative.EINVALID {
		return err
	}
	return req.render(page{Name: "account_link", Title: "badlink.title", Status: statusOf(err), Data: linkView{Kind: kind}})
}

// token reads a link's token: from the query on GET, from the hidden field on POST.
func (req *request) token() string {
	if t := req.form("token"); t != "" {
		return t
	}
	return strings.TrimSpace(req.c.Query("token"))
}

// linkPage is the page of a mail's link (kind as badLink names it): what the button
// will do, data(token) carrying the token on; a link without one is a bad link.
func linkPage(kind, name, title string, data func(token string) any) pageFunc {
	return func(req *request) error {
		t := req.token()
		if t == "" {
			return req.badLink(kind, cooperative.Errorf(cooperative.EINVALID, "no token"))
		}
		return req.render(page{Name: name, Title: title, Data: data(t), Form: newForm()})
	}
}

// passwordLink answers the form of a link that takes a password (reset, invitation),
// the page name and title: the password is required; use spends the link with it, and
// done answers when it did. A link that is not valid gets the link's page; a person's
// mistake is put on the form (failLink), shown again.
func (w *Web) passwordLink(req *request, kind, name, title string, known map[string]placed,
	use func(pw string) error, done func() error) error {
	f := newForm()
	f.Values["password"] = ""
	if pw := req.c.FormValue("password"); pw == "" {
		f.Errors["password"] = w.msgs.text(req.lang, "form.required")
	} else if err := use(pw); err == nil {
		return done()
	} else if identity.IsInvalidLink(err) {
		return req.badLink(kind, err)
	} else if err := req.failLink(f, err, known); err != nil {
		return err
	}
	return req.render(page{Name: name, Title: title, Data: tokenView{Token: req.token()}, Form: f})
}

func (w *Web) verify(req *request) error {
	if err := w.opts.Accounts.VerifyEmail(req.ctx(), req.token()); err != nil {
		return req.badLink("verify", err)
	}
	return req.redirect("/login", "flash.verified")
}

// loginView carries where to go after signing in.
type loginView struct {
	Next string
}

func (w *Web) loginPage(req *request) error {
	next := localPath(req.c.Query("next"), "")
	if req.user != nil {
		return req.c.Redirect(localPath(next, "/me"), 303)
	}
	return req.render(page{Name: "account_login", Title: "login.title", Data: loginView{Next: next}, Form: newForm()})
}

// login signs in with the password and, when the account has two-step verification,
// a code of the app or a recovery code. A person's mistake keeps the address typed.
func (w *Web) login(req *request) error {
	f := req.values("email", "code", "recovery")
	next := localPath(req.form("next"), "")
	req.require(f, "email")
	if req.c.FormValue("password") == "" {
		f.Errors["password"] = w.msgs.text(req.lang, "form.required")
	}
	if !f.Invalid() {
		grant, err := w.opts.Accounts.Login(req.ctx(), identity.Login{Email: f.Values["email"], Password: req.c.FormValue("password"),
			TOTPCode: f.Values["code"], RecoveryCode: f.Values["recovery"], ClientIP: w.opts.ClientIP(req.c), RequestID: requestID(req.c)})
		if err == nil {
			w.startSession(req, grant)
			if grant.Recovery.Used {
				// Say how many codes are left, where new ones can be made, then go on.
				target := "/account/recovery-codes"
				if next != "" {
					target += "?next=" + urlQueryEscape(next)
				}
				return req.redirect(target, "flash.recovery_used")
			}
			return req.redirect(localPath(next, "/me"), "")
		}
		if err := req.failAccount(f, err); err != nil {
			return err
		}
	}
	// The codes are spent or wrong: never shown again.
	f.Values["code"], f.Values["recovery"] = "", ""
	return req.render(page{Name: "account_login", Title: "login.title", Data: loginView{Next: next}, Form: f})
}

func (w *Web) forgotPage(req *request) error {
	return req.render(page{Name: "account_forgot", Title: "forgot.title", Form: newForm()})
}

// forgot mails a reset link when the address has an account, and answers the same
// either way.
func (w *Web) forgot(req *request) error {
	f := req.values("email")
	req.require(f, "email")
	if !f.Invalid() {
		err := w.opts.Accounts.RequestPasswordReset(req.ctx(), f.Values["email"], w.opts.ClientIP(req.c))
		if err == nil {
			return req.render(page{Name: "account_sent", Title: "forgot.sent.title",
				Data: sentView{Email: f.Values["email"], Lead: "forgot.sent.lead"}})
		}
		if err := req.failAccount(f, err); err != nil {
			return err
		}
	}
	return req.render(page{Name: "account_forgot", Title: "forgot.title", Form: f})
}

// reset sets the new password. identity ends every session of the account (whoever
// knew the old password is out), this browser's too: it signs in again.
func (w *Web) reset(req *request) error {
	return w.passwordLink(req, "reset", "account_reset", "reset.title", nil,
		func(pw string) error {
			return w.opts.Accounts.ConfirmPasswordReset(req.ctx(), req.token(), pw, requestID(req.c))
		},
		func() error {
			w.endSession(req)
			return req.redirect("/login", "flash.password_reset")
		})
}

// failLink puts err on a link's form: as known says (by message), else as failAccount.
func (req *request) failLink(f *form, err error, known map[string]placed) error {
	if p, ok := known[cooperative.ErrorMessage(err)]; ok {
		return req.place(f, p)
	}
	return req.failAccount(f, err)
}

// invitationErrors: a wrong password here is the existing account's, said so.
var invitationErrors = map[string]placed{
	"The e-mail address or password is not correct.": {"password", "account.err.invitation_password"},
}

// acceptInvitation takes the role: with a new password when the address has no account
// yet, with the account's password when it has one (identity knows which).
func (w *Web) acceptInvitation(req *request) error {
	return w.passwordLink(req, "invitation", "account_invitation", "invitation.title", invitationErrors,
		func(pw string) error {
			_, err := w.opts.Accounts.AcceptInvitation(req.ctx(), req.token(), pw, w.opts.ClientIP(req.c))
			return err
		},
		func() error {
			if req.user != nil {
				return req.redirect("/me", "flash.invitation_accepted")
			}
			return req.redirect("/login", "flash.invitation_accepted_login")
		})
}
