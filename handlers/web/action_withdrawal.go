package web

import (
	"strconv"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// A member asks to have shares redeemed (shares.RequestWithdrawal): the board decides
// once the statutes' notice period has run, and pays back the nominal value.

type withdrawalData struct {
	own
	Holdings    []heldClass
	Withdrawals []shares.Withdrawal
	NoticeDays  int
	// Today and Earliest: the day a request made now is made, and the first day the
	// board may approve it.
	Today, Earliest cooperative.Date
	// Single is the one class held, whose code the form sends hidden.
	Single string
}

// heldClass is what the member holds of one class, and what its shares are worth back.
type heldClass struct {
	Class   membership.ShareClass
	Shares  int64
	Nominal int64 // Shares × the nominal value, cents
}

func (w *Web) withdrawalPage(req *request) error {
	o, err := req.own()
	if err != nil {
		return err
	}
	d, err := w.withdrawalData(req, o)
	if err != nil {
		return err
	}
	return req.render(page{Name: "action_withdrawal", Title: "action.withdrawal.title", Data: d, Form: newForm()})
}

func (w *Web) withdrawalData(req *request, o own) (withdrawalData, error) {
	today := cooperative.DateOf(w.now())
	d := withdrawalData{own: o, Today: today, Earliest: today}
	st, err := w.opts.Members.StatutesOn(req.ctx(), o.Coop.ID, today)
	if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		return d, err
	}
	d.NoticeDays, d.Earliest = st.NoticePeriodDays, today.AddDays(st.NoticePeriodDays)
	held, err := w.opts.Registry.MemberHoldings(req.ctx(), o.Coop.ID, o.M.ID)
	if err != nil {
		return d, err
	}
	for _, h := range held {
		c, ok := st.Class(h.Class)
		if !ok {
			c = membership.ShareClass{Code: h.Class, Name: h.Class}
		}
		value, err := cooperative.MulMoney(h.Shares, c.NominalCents)
		if err != nil {
			return d, err
		}
		d.Holdings = append(d.Holdings, heldClass{Class: c, Shares: h.Shares, Nominal: value})
	}
	if len(d.Holdings) == 1 {
		d.Single = d.Holdings[0].Class.Code
	}
	// The member's own requests: by their own member id, never one from the URL.
	for after := ""; ; {
		list, next, err := w.opts.Registry.ListWithdrawals(req.ctx(), o.Coop.ID, "", o.M.ID, after, cooperative.MaxPageSize)
		if err != nil {
			return d, err
		}
		d.Withdrawals = append(d.Withdrawals, list...)
		if next == "" {
			break
		}
		after = next
	}
	return d, nil
}

// withdrawalErrors place the domain's refusals beside the field they are about.
var withdrawalErrors = map[string]placed{
	"shares_held":                 {"shares", "action.withdrawal.shares_held"},
	"min_per_member":              {"shares", "action.withdrawal.min_per_member"},
	"membership_minimum":          {"shares", "action.withdrawal.membership_minimum"},
	"no_shares_left":              {"end_membership", "action.withdrawal.no_shares_left"},
	"member_active":               {"", "action.member_active"},
	"invalid:withdraw a positive": {"shares", "action.withdrawal.positive"},
}

func (w *Web) requestWithdrawal(req *request) error {
	o, err := req.own()
	if err != nil {
		return err
	}
	f := req.values("class", "shares", "end_membership")
	req.require(f, "class", "shares")
	n, perr := strconv.ParseInt(f.Values["shares"], 10, 64)
	if f.Errors["shares"] == "" && (perr != nil || n < 1) {
		f.Errors["shares"] = w.msgs.text(req.lang, "action.withdrawal.positive")
	}
	end := f.Values["end_membership"] == "1"
	if !f.Invalid() {
		_, err = w.opts.Registry.RequestWithdrawal(req.ctx(), o.actor, shares.WithdrawalRequest{CooperativeID: o.Coop.ID,
			MemberID: o.M.ID, Class: f.Values["class"], Shares: n, EndMembership: end,
			IdempotencyKey: req.once()})
		if err == nil {
			return req.redirect("/c/"+o.Coop.ID+"/me/withdrawal", "action.withdrawal.done")
		}
		if cooperative.ErrorCode(err) == cooperative.ECONFLICT {
			// This form's key made another request before: a fresh form gets a fresh key.
			return req.redirect("/c/"+o.Coop.ID+"/me/withdrawal", "action.sent_before")
		}
		// A class that is not in the statutes is the class field's.
		field := ""
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || cooperative.ErrorCode(err) == cooperative.EINVALID {
			field = "class"
		}
		if end && ruleOf(err) == "membership_minimum" {
			// Resigning while the rest keeps the membership: the checkbox is at fault.
			err = req.place(f, placed{"end_membership", "action.withdrawal.keeps_membership"})
		} else {
			err = req.failAs(f, field, err, withdrawalErrors)
		}
		if err != nil {
			return err
		}
	}
	d, err := w.withdrawalData(req, o)
	if err != nil {
		return err
	}
	return req.render(page{Name: "action_withdrawal", Title: "action.withdrawal.title", Data: d, Form: f})
}
