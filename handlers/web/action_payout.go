package web

import (
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// The payout account (membership.RequestPayoutAccountChange): with two-factor
// authentication on, a code applies the change at once; without one the domain mails a
// link to the address on file, whose page (/confirm-payout-account) applies it.

type payoutData struct {
	own
	Masked  string // the IBAN on file, all but its last four hidden
	Holder  string
	Suspect bool // payouts are held: a payout to it came back
	Missing bool // no IBAN on file
	// Waiting is a change mailed for confirmation and not expired: its masked IBAN.
	Waiting string
	TOTP    bool
}

func (w *Web) payoutAccountPage(req *request) error {
	o, err := req.own()
	if err != nil {
		return err
	}
	return req.render(page{Name: "action_payout", Title: "action.payout.title", Data: w.payoutData(req, o), Form: newForm()})
}

func (w *Web) payoutData(req *request, o own) payoutData {
	a := o.M.PayoutAccount()
	d := payoutData{own: o, Holder: a.Holder, Missing: o.M.IBAN == "", Suspect: o.M.IBANSuspect != "",
		TOTP: req.user != nil && req.user.TOTPEnabled}
	if !d.Missing {
		d.Masked = membership.MaskIBAN(o.M.IBAN)
	}
	if pc := o.M.PayoutAccountChange; pc != nil && w.now().Before(pc.ExpiresAt) {
		d.Waiting = membership.MaskIBAN(pc.IBAN)
	}
	return d
}

var payoutErrors = map[string]placed{
	"invalid:iban":          {"iban", "action.payout.iban_invalid"},
	"invalid:accountHolder": {"holder", "action.payout.holder_invalid"},
}

func (w *Web) changePayoutAccount(req *request) error {
	o, err := req.own()
	if err != nil {
		return err
	}
	f := req.values("iban", "holder", "code")
	req.require(f, "iban", "holder")
	if !f.Invalid() {
		// Six digits are an authenticator's code; anything longer is a recovery code.
		var second identity.SecondFactor
		if code := strings.ReplaceAll(f.Values["code"], " ", ""); len(code) > 6 {
			second.RecoveryCode = f.Values["code"]
		} else {
			second.TOTPCode = code
		}
		_, outcome, err := w.opts.Members.RequestPayoutAccountChange(req.ctx(), o.actor, membership.PayoutAccountRequest{
			CooperativeID: o.Coop.ID, MemberID: o.M.ID, IBAN: f.Values["iban"], AccountHolder: f.Values["holder"],
			SecondFactor: second, ClientIP: w.opts.ClientIP(req.c)})
		switch {
		case err == nil && outcome == membership.PayoutAccountChanged:
			return req.redirect("/c/"+o.Coop.ID+"/me/payout-account", "action.payout.changed")
		case err == nil:
			return req.redirect("/c/"+o.Coop.ID+"/me/payout-account", "action.payout.mailed")
		}
		// A wrong code counts towards the account's lock-out (as at sign-in); the IBAN and
		// the holder are the domain's to judge.
		code, msg := cooperative.ErrorCode(err), cooperative.ErrorMessage(err)
		switch {
		case code == cooperative.ETOOMANY:
			err = req.fail(f, "code", err)
		case code == cooperative.EINVALID && !strings.HasPrefix(msg, "iban") && !strings.HasPrefix(msg, "accountHolder"):
			err = req.place(f, placed{"code", "action.payout.code_wrong"})
		default:
			err = req.failAs(f, "", err, payoutErrors)
		}
		if err != nil {
			return err
		}
	}
	// A code is never shown again.
	f.Values["code"] = ""
	return req.render(page{Name: "action_payout", Title: "action.payout.title", Data: w.payoutData(req, o), Form: f})
}
