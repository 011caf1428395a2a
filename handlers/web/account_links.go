package web

import (
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// The pages of the links in mails that need no sign-in: unsubscribe, and confirming a
// new payout account. GET shows what the button will do; only POST does it.

// unsubscribeView is what an unsubscribe link stops: one kind of mail, or every mail
// that can be turned off (Event "all").
type unsubscribeView struct {
	Token   string
	Address string
	Event   string
	Done    bool
}

// unsubscribeSecret is the key of the links, which cmd always configures.
func (w *Web) unsubscribeSecret() ([]byte, error) {
	if len(w.opts.UnsubscribeSecret) < notify.MinUnsubscribeSecret {
		return nil, cooperative.Errorf(cooperative.EUNAVAILABLE, "Unsubscribe links are not configured on this server.")
	}
	return w.opts.UnsubscribeSecret, nil
}

func (w *Web) unsubscribePage(req *request) error {
	secret, err := w.unsubscribeSecret()
	if err != nil {
		return err
	}
	t := req.token()
	address, event, err := notify.VerifyUnsubscribeToken(secret, t)
	if err != nil {
		return req.badLink("unsubscribe", err)
	}
	return req.render(page{Name: "account_unsubscribe", Title: "unsubscribe.title",
		Data: unsubscribeView{Token: t, Address: address, Event: string(event)}})
}

func (w *Web) unsubscribe(req *request) error {
	secret, err := w.unsubscribeSecret()
	if err != nil {
		return err
	}
	address, event, err := notify.Unsubscribe(req.ctx(), w.opts.Store, secret, req.token(), w.now())
	if err != nil {
		return req.badLink("unsubscribe", err)
	}
	return req.render(page{Name: "account_unsubscribe", Title: "unsubscribe.done.title",
		Data: unsubscribeView{Address: address, Event: string(event), Done: true}})
}

// payoutView is the confirmation of a new payout account: before (Token) and after.
type payoutView struct {
	Token  string
	Done   bool
	IBAN   string // masked
	Holder string
}

func (w *Web) confirmPayout(req *request) error {
	m, err := w.opts.Members.ConfirmPayoutAccountChange(req.ctx(), req.token(), requestID(req.c))
	if err != nil {
		return req.badLink("payout", err)
	}
	return req.render(page{Name: "account_payout", Title: "payoutlink.confirmed.title",
		Data: payoutView{Done: true, IBAN: membership.MaskIBAN(m.IBAN), Holder: m.AccountHolder}})
}
