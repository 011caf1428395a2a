package web

import (
	"encoding/base64"
	"html/template"
	"net/url"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// accountView is the account's overview.
type accountView struct {
	Email    string
	Language string
	TOTP     bool
}

func (w *Web) accountPage(req *request) error {
	p, err := req.signedIn()
	if err != nil {
		return err
	}
	return req.render(page{Name: "account_home", Title: "account.title",
		Data: accountView{Email: p.Email, Language: p.Language, TOTP: p.TOTPEnabled}})
}

// totpView is the enrolment: the QR code of the otpauth URL, and its secret to type by
// hand. URL goes back in a hidden field, so a wrong code shows the same QR code again
// (the pending secret is identity's; this is only its picture).
type totpView struct {
	On     bool
	QR     template.URL
	Secret string
	URL    string
}

func (w *Web) totpPage(req *request) error {
	p, err := req.signedIn()
	if err != nil {
		return err
	}
	if p.TOTPEnabled {
		return req.render(page{Name: "account_totp", Title: "twostep.title", Data: totpView{On: true}})
	}
	e, err := w.opts.Accounts.EnrollTOTP(req.ctx(), p.ID)
	if err != nil {
		return err
	}
	v, err := enrolmentView(e.URL)
	if err != nil {
		return err
	}
	return req.render(page{Name: "account_totp", Title: "twostep.title", Data: v, Form: newForm()})
}

// enrolmentView draws the QR code of an otpauth URL (error correction M: readable from
// a screen at an angle, still small).
func enrolmentView(otpauth string) (totpView, error) {
	u, err := url.Parse(otpauth)
	if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") == "" {
		return totpView{}, cooperative.Errorf(cooperative.EINVALID, "not an otpauth URL")
	}
	b, err := qrPNG(otpauth, 220, qr.Auto)
	if err != nil {
		return totpView{}, cooperative.WrapError(cooperative.EINTERNAL, err, "cannot draw the QR code")
	}
	// The secret in groups of four, as people type it.
	return totpView{QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b)),
		Secret: groupsOfFour(u.Query().Get("secret")), URL: otpauth}, nil
}

// codesView shows recovery codes, once.
type codesView struct {
	Codes []string
}

// confirmTOTP turns two-step verification on with a code from the app and shows the
// recovery codes: the only time they are shown.
func (w *Web) confirmTOTP(req *request) error {
	p, err := req.signedIn()
	if err != nil {
		return err
	}
	f := req.values("code")
	req.require(f, "code")
	if !f.Invalid() {
		codes, err := w.opts.Accounts.ConfirmTOTP(req.ctx(), p.ID, p.SessionID, f.Values["code"], w.opts.ClientIP(req.c), requestID(req.c))
		if err == nil {
			return req.render(page{Name: "account_codes", Title: "codes.title", Data: codesView{Codes: codes}})
		}
		if err := req.failAccount(f, err); err != nil {
			return err
		}
	}
	f.Values["code"] = ""
	v, err := enrolmentView(req.form("otpauth"))
	if err != nil {
		// No picture to show again (the field was tampered with): a new enrolment.
		return req.redirect("/account/totp", "")
	}
	return req.render(page{Name: "account_totp", Title: "twostep.title", Data: v, Form: f})
}

// recoveryView is the state of the recovery codes.
type recoveryView struct {
	TOTP      bool
	MFA       bool
	Remaining int
	Next      string
}

func (w *Web) recoveryView(req *request, p identity.Principal) (recoveryView, error) {
	st, err := w.opts.Accounts.RecoveryCodes(req.ctx(), p.ID)
	return recoveryView{TOTP: p.TOTPEnabled, MFA: p.MFA, Remaining: st.Remaining,
		Next: localPath(req.c.Query("next"), "")}, err
}

func (w *Web) recoveryPage(req *request) error {
	p, err := req.signedIn()
	if err != nil {
		return err
	}
	v, err := w.recoveryView(req, p)
	if err != nil {
		return err
	}
	return req.render(page{Name: "account_recovery", Title: "recovery.title", Data: v, Form: newForm()})
}

// regenerateRecovery makes a new set of recovery codes. Only a session that gave the
// second factor may (a password alone must not make codes that stand in for the app):
// one without it gives a code here first (StepUp).
func (w *Web) regenerateRecovery(req *request) error {
	p, err := req.signedIn()
	if err != nil {
		return err
	}
	f := req.values("code", "recovery")
	if p.TOTPEnabled && !p.MFA {
		if f.Values["code"] == "" && f.Values["recovery"] == "" {
			f.Errors["code"] = w.msgs.text(req.lang, "recovery.need_code")
		} else if _, err := w.opts.Accounts.StepUp(req.ctx(), p.ID, p.SessionID, identity.SecondFactor{TOTPCode: f.Values["code"],
			RecoveryCode: f.Values["recovery"]}, w.opts.ClientIP(req.c), requestID(req.c)); err != nil {
			if err := req.failAccount(f, err); err != nil {
				return err
			}
		}
	}
	if !f.Invalid() {
		codes, err := w.opts.Accounts.RegenerateRecoveryCodes(req.ctx(), p.ID, requestID(req.c))
		if err == nil {
			return req.render(page{Name: "account_codes", Title: "codes.title", Data: codesView{Codes: codes}})
		}
		if err := req.failAccount(f, err); err != nil {
			return err
		}
	}
	f.Values["code"], f.Values["recovery"] = "", ""
	v, err := w.recoveryView(req, p)
	if err != nil {
		return err
	}
	return req.render(page{Name: "account_recovery", Title: "recovery.title", Data: v, Form: f})
}

// mailKind is one kind of mail on the preferences page.
type mailKind struct {
	Event     string
	Mandatory bool
	On        bool
}

type mailView struct {
	Email string
	Kinds []mailKind
}

func (w *Web) mailView(req *request, email string) (mailView, error) {
	prefs, err := notify.GetNotificationPreferences(req.ctx(), w.opts.Store, email)
	if err != nil {
		return mailView{}, err
	}
	v := mailView{Email: email}
	for _, s := range notify.NotificationEvents() {
		v.Kinds = append(v.Kinds, mailKind{Event: string(s.Event), Mandatory: s.Mandatory, On: prefs.Wants(s.Event)})
	}
	return v, nil
}

func (w *Web) mailPage(req *request) error {
	p, err := req.signedIn()
	if err != nil {
		return err
	}
	v, err := w.mailView(req, p.Email)
	if err != nil {
		return err
	}
	return req.render(page{Name: "account_mail", Title: "mail.title", Data: v})
}

// saveMail sets every kind of mail that can be turned off to what the form says (a
// checkbox left out is off), in one transaction. Mandatory mails are not in the form.
func (w *Web) saveMail(req *request) error {
	p, err := req.signedIn()
	if err != nil {
		return err
	}
	now := w.now()
	err = cooperative.RunAt(w.opts.Store, now).Update(req.ctx(), func(tx cooperative.Tx, _ time.Time) error {
		// Subscribing to everything clears every opt-out; then the ones left unticked.
		if err := notify.SetNotificationPreference(tx, p.Email, notify.AllNotifications, true, now); err != nil {
			return err
		}
		for _, s := range notify.NotificationEvents() {
			if s.Mandatory || req.c.FormValue("mail_"+string(s.Event)) == "1" {
				continue
			}
			if err := notify.SetNotificationPreference(tx, p.Email, s.Event, false, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return req.redirect("/account/mail", "flash.mail_saved")
}
