package web

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

// Buying shares and bonds, and paying for them. Shares in an offering and bond units
// of an issue are bought and paid the same way, so one set of handlers and templates
// serves both; goods says where they differ (which service, which paths, which words).

// goods is a kind of thing a member buys.
type goods struct {
	// Kind is "shares" or "bonds": the templates' message keys (buy.shares.…) follow it.
	Kind string
	// OfferPath and SubPath are the URL segments of an offer and of a subscription.
	OfferPath, SubPath string
	// offer reads an offer of the cooperative (ENOTFOUND when it has none such).
	offer func(req *request, coopID, id string) (offer, error)
	// subscribe asks for n units of an offer for a member, once per key.
	subscribe func(req *request, coopID, offerID, memberID string, n int64, key string) (string, error)
	// subscription reads a subscription of the cooperative, whoever's it is: the
	// handlers check it is the reader's own (ownSubscription).
	subscription func(req *request, coopID, id string) (payable, error)
}

// offer is an offering or a bond issue as the buying page shows it.
type offer struct {
	ID       string
	Title    string
	Price    int64 // cents per unit
	Min, Max int64 // units per subscription
	Left     int64 // units still under the cap
	ClosesAt time.Time
	Open     bool // taking subscriptions now
	// Coupon and TermMonths are a bond's (Coupon in the reader's format).
	Coupon     string
	TermMonths int
}

// payable is a subscription as the paying pages show it: "a thing to pay".
type payable struct {
	ID       string
	MemberID string
	Units    int64
	Amount   int64 // cents
	Status   string
	// Pending: nothing received yet, so the page offers ways to pay.
	Pending bool
	// Paid: the money arrived (whatever happened after: allocated, refunded).
	Paid bool
}

func (w *Web) buyRoutes(r *router) {
	for _, g := range []goods{w.shareGoods(), w.bondGoods()} {
		offer := "/c/:coop/" + g.OfferPath + "/:offer"
		sub := "/c/:coop/" + g.SubPath + "/:sub"
		r.get(offer, w.buyForm(g))
		r.post(offer, w.buy(g))
		r.get(sub, w.showSubscription(g, "buy_subscription", "buy."+g.Kind+".sub_title"))
		r.post(sub+"/transfer", w.payByTransfer(g))
		r.post(sub+"/checkout", w.payOnline(g))
		// Where Stripe sends the member back: paid, or waiting for Stripe's word (the
		// webhook), which may take a moment.
		r.get(sub+"/return", w.showSubscription(g, "buy_return", "buy.return.title"))
		r.get(sub+"/girocode.png", w.girocode(g))
	}
}

// buyData is the buying page.
type buyData struct {
	coopView
	Goods goods
	Offer offer
	// Member: the reader may subscribe (a member or an applicant); otherwise the page
	// offers to apply first.
	Member bool
	// Total is what the number of units in the form costs, 0 when it is not a number.
	Total int64
}

func (w *Web) buyStart(req *request, g goods) (buyData, membership.Member, error) {
	if _, err := req.signedIn(); err != nil {
		return buyData{}, membership.Member{}, err
	}
	c, err := req.cooperative()
	if err != nil {
		return buyData{}, membership.Member{}, err
	}
	o, err := g.offer(req, c.ID, req.c.Params("offer"))
	if err != nil {
		return buyData{}, membership.Member{}, notFound(err, "offer")
	}
	d := buyData{coopView: w.publicHead(req, c, "about"), Goods: g, Offer: o}
	m, err := req.member(c.ID)
	switch {
	case err == nil:
		d.Member = m.Status == membership.MemberActive || m.Status == membership.MemberApplied
	case !errors.Is(err, errNotMember):
		return d, m, err
	}
	return d, m, nil
}

func (w *Web) buyForm(g goods) pageFunc {
	return func(req *request) error {
		d, _, err := w.buyStart(req, g)
		if err != nil {
			return err
		}
		f := newForm()
		f.Values["units"] = strconv.FormatInt(max(d.Offer.Min, 1), 10)
		d.Total = max(d.Offer.Min, 1) * d.Offer.Price
		return req.render(page{Name: "buy_offer", Title: "buy." + g.Kind + ".title", Data: d, Form: f})
	}
}

func (w *Web) buy(g goods) pageFunc {
	return func(req *request) error {
		d, m, err := w.buyStart(req, g)
		if err != nil {
			return err
		}
		if !d.Member {
			return errNotMember
		}
		f := req.values("units")
		n, err := strconv.ParseInt(f.Values["units"], 10, 64)
		switch {
		case f.Values["units"] == "":
			req.require(f, "units")
		case err != nil || n < 1:
			f.Errors["units"] = w.msgs.text(req.lang, "buy.units.number")
		case n < d.Offer.Min || n > d.Offer.Max:
			f.Errors["units"] = w.msgs.text(req.lang, "buy.units.range", d.Offer.Min, d.Offer.Max)
		default:
			d.Total = n * d.Offer.Price
		}
		if !f.Invalid() {
			id, err := g.subscribe(req, d.Coop.ID, d.Offer.ID, m.ID, n, req.once())
			if err == nil {
				return req.redirect("/c/"+d.Coop.ID+"/"+g.SubPath+"/"+id, "buy.subscribed")
			}
			if err := req.failAs(f, "", err, buyErrors); err != nil {
				return err
			}
		}
		return req.render(page{Name: "buy_offer", Title: "buy." + g.Kind + ".title", Data: d, Form: f})
	}
}

// buyErrors show why a subscription was refused: the rules about the number of units
// beside the field, the others (not open now, not a member) at the top.
var buyErrors = map[string]placed{
	"max_per_member":      {"units", "buy.rule.max_per_member"},
	"membership_share":    {"units", "buy.rule.membership_share"},
	"subscription_size":   {"units", "buy.rule.subscription_size"},
	"remaining_size":      {"units", "buy.rule.remaining_size"},
	"min_per_member":      {"units", "buy.rule.min_per_member"},
	"offering_open":       {"", "buy.rule.offering_open"},
	"subscription_window": {"", "buy.rule.subscription_window"},
	"subscriber_member":   {"", "buy.rule.subscriber_member"},
}

// notFound makes any failure to find what the URL names (an id that is not one, or
// of another cooperative) a page not found.
func notFound(err error, what string) error {
	switch cooperative.ErrorCode(err) {
	case cooperative.EINVALID, cooperative.ENOTFOUND:
		return cooperative.Errorf(cooperative.ENOTFOUND, "%s not found", what)
	}
	return err
}

// ownSubscription reads the subscription of the URL, only when it is the reader's own
// member's (reached through req.own): anyone else's is not found, like one that does
// not exist, as the API answers.
func (w *Web) ownSubscription(req *request, g goods) (cooperative.Cooperative, payable, error) {
	o, err := req.own()
	if err != nil {
		return o.Coop, payable{}, err
	}
	p, err := g.subscription(req, o.Coop.ID, req.c.Params("sub"))
	if err == nil && p.MemberID != o.M.ID {
		err = cooperative.Errorf(cooperative.ENOTFOUND, "subscription not found")
	}
	return o.Coop, p, notFound(err, "subscription")
}

// payData is the subscription's page: what it is and how to pay it.
type payData struct {
	coopView
	Goods goods
	Sub   payable
	Base  string // the subscription's path
	// Transfer is set once the payment exists (POST …/transfer makes it).
	Transfer *payments.TransferInstructions
	// Online: Stripe Checkout can be offered.
	Online bool
	// Paid: the money arrived (the return page after Stripe).
	Paid bool
}

func (w *Web) payData(req *request, g goods, c cooperative.Cooperative, p payable) (payData, error) {
	d := payData{coopView: w.publicHead(req, c, "me"), Goods: g, Sub: p, Base: "/c/" + c.ID + "/" + g.SubPath + "/" + p.ID,
		Online: w.opts.Checkout != nil && p.Pending}
	pay, found, err := w.payment(req, c.ID, p.ID)
	if err != nil {
		return d, err
	}
	if found {
		// What Checkout.TransferInstructions answers, read without writing anything.
		d.Transfer = &payments.TransferInstructions{PaymentID: pay.ID, IBAN: c.IBAN, BIC: c.BIC, Beneficiary: c.Name,
			AmountCents: pay.Amount, Reference: pay.Reference}
		d.Paid = pay.Status == payments.PaymentPaid
	}
	d.Paid = d.Paid || p.Paid
	return d, nil
}

// payment is the subscription's payment, if one was made.
func (w *Web) payment(req *request, coopID, subID string) (payments.Payment, bool, error) {
	p, err := w.opts.Payments.PaymentForSubscription(req.ctx(), coopID, subID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return p, false, nil
	}
	return p, err == nil, err
}

// showSubscription is a page about the reader's own subscription and its payment: the
// subscription's own page, or the one Stripe returns to.
func (w *Web) showSubscription(g goods, name, title string) pageFunc {
	return func(req *request) error {
		c, p, err := w.ownSubscription(req, g)
		if err != nil {
			return err
		}
		d, err := w.payData(req, g, c, p)
		if err != nil {
			return err
		}
		return req.render(page{Name: name, Title: title, Data: d})
	}
}

// payFailed shows the subscription's page again with why paying did not start.
func (w *Web) payFailed(req *request, g goods, c cooperative.Cooperative, p payable, err error) error {
	f := newForm()
	switch cooperative.ErrorCode(err) {
	case cooperative.ERULE, cooperative.EUNAVAILABLE:
		// Stripe not connected or not configured, or the subscription no longer payable.
		if strings.Contains(cooperative.ErrorMessage(err), "subscription_pending") {
			f.Error = w.msgs.text(req.lang, "buy.not_pending")
		} else {
			f.Error = w.msgs.text(req.lang, "buy.online_unavailable")
		}
	default:
		if err := req.fail(f, "", err); err != nil {
			return err
		}
	}
	d, derr := w.payData(req, g, c, p)
	if derr != nil {
		return derr
	}
	return req.render(page{Name: "buy_subscription", Title: "buy." + g.Kind + ".sub_title", Data: d, Form: f,
		Status: statusOf(err)})
}

// payByTransfer makes the payment (with its RF reference) and shows the page with
// the bank details.
func (w *Web) payByTransfer(g goods) pageFunc {
	return func(req *request) error {
		c, p, err := w.ownSubscription(req, g)
		if err != nil {
			return err
		}
		if w.opts.Checkout == nil {
			return cooperative.Errorf(cooperative.EUNAVAILABLE, "payments are not configured")
		}
		if _, err := w.opts.Checkout.TransferInstructions(req.ctx(), c.ID, p.ID); err != nil {
			return w.payFailed(req, g, c, p, err)
		}
		return req.redirect("/c/"+c.ID+"/"+g.SubPath+"/"+p.ID+"#transfer", "")
	}
}

// payOnline starts a Stripe Checkout session and sends the member there.
func (w *Web) payOnline(g goods) pageFunc {
	return func(req *request) error {
		c, p, err := w.ownSubscription(req, g)
		if err != nil {
			return err
		}
		if w.opts.Checkout == nil {
			return w.payFailed(req, g, c, p, cooperative.Errorf(cooperative.EUNAVAILABLE, "payments are not configured"))
		}
		base := w.baseURL(req) + "/c/" + c.ID + "/" + g.SubPath + "/" + p.ID
		cs, err := w.opts.Checkout.Start(req.ctx(), payments.StartCheckout{CooperativeID: c.ID, SubscriptionID: p.ID,
			SuccessURL: base + "/return", CancelURL: base})
		if err != nil {
			return w.payFailed(req, g, c, p, err)
		}
		return req.redirect(cs.URL, "")
	}
}

// baseURL is where people reach us: KRACHT_PUBLIC_URL's origin, else the request's.
func (w *Web) baseURL(req *request) string {
	if w.origin != "" {
		return w.origin
	}
	return req.c.BaseURL()
}

// girocode is the EPC QR code of the transfer, once the payment (its reference) exists.
func (w *Web) girocode(g goods) pageFunc {
	return func(req *request) error {
		c, p, err := w.ownSubscription(req, g)
		if err != nil {
			return err
		}
		pay, found, err := w.payment(req, c.ID, p.ID)
		if err != nil {
			return err
		}
		if !found {
			return cooperative.Errorf(cooperative.ENOTFOUND, "no payment yet")
		}
		payload, err := epcPayload(epcTransfer{BIC: c.BIC, Name: c.Name, IBAN: c.IBAN, AmountCents: pay.Amount,
			Reference: pay.Reference})
		if err != nil {
			return err
		}
		png, err := qrPNG(payload, girocodeSize, qr.Unicode)
		if err != nil {
			return err
		}
		req.c.Set("Content-Type", "image/png")
		return req.c.Send(png)
	}
}
