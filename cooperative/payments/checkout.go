package payments

import (
	"context"

	"github.com/kracht-coop/kracht/cooperative"
)

// Starting a payment: the steps that make a member's subscription payable online
// (a Stripe Checkout Session) or by bank transfer (an RF reference and the account to
// pay to). They are the domain's, not a handler's, so a web page or a job starts a
// payment with one call. The domain does not import Stripe: it says what it needs from
// it (CheckoutSessions), and payments/stripeclient provides it.
//
// Who may pay which subscription is the caller's to decide before calling.

// CheckoutSessionRequest asks for a Checkout Session for one payment of Kracht.
type CheckoutSessionRequest struct {
	CooperativeID  string
	PaymentID      string // Kracht's payment: client_reference_id and metadata, so every event leads back to it
	SubscriptionID string // what is paid (a share or bond subscription, a membership fee)
	Purpose        string // e.g. "shares", "bonds", "membership_fee"; metadata only
	// Attempt counts the sessions made for this payment (1, 2, …): a member who lets a
	// session expire gets a new one, while a retried request gets the same one.
	Attempt       int
	Description   string // the line item's name, shown on Stripe's page
	Amount        int64  // minor units (cents)
	Currency      string // "eur"
	CustomerEmail string
	SuccessURL    string
	CancelURL     string
}

// CheckoutSession is what the provider made.
type CheckoutSession struct {
	ID  string
	URL string // where to send the member
}

// CheckoutSessions is the port to Stripe's Checkout Sessions, for one cooperative (its
// own key). Create is idempotent per payment and attempt; Expire is idempotent and
// treats a session that is no longer open as expired.
type CheckoutSessions interface {
	CreateCheckoutSession(ctx context.Context, r CheckoutSessionRequest) (CheckoutSession, error)
	ExpireCheckoutSession(ctx context.Context, sessionID string) error
}

// PaymentMaker returns the payment of what a member subscribed to, making it with
// reference on first use (Registry.SubscriptionPayment for shares). Payments start
// through it, so they do not depend on what is paid for.
type PaymentMaker func(ctx context.Context, cooperativeID, subscriptionID, reference string) (Payment, error)

// PaymentMakers asks makers in turn, passing to the next while one does not know the
// subscription (ENOTFOUND), so one checkout pays share and bond subscriptions alike
// (their ids are unique across both).
func PaymentMakers(makers ...PaymentMaker) PaymentMaker {
	return func(ctx context.Context, cooperativeID, subscriptionID, reference string) (Payment, error) {
		var err error = cooperative.Errorf(cooperative.ENOTFOUND, "subscription %s not found", subscriptionID)
		for _, m := range makers {
			var p Payment
			if p, err = m(ctx, cooperativeID, subscriptionID, reference); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
				return p, err
			}
		}
		return Payment{}, err
	}
}

// CheckoutDeps are a Checkout's dependencies. Run, PaymentOf and NewReference are
// required.
type CheckoutDeps struct {
	// Run writes the checkout's notes on a payment, with its clock.
	Run *cooperative.Runner
	// PaymentOf finds or makes the payment of a subscription.
	PaymentOf PaymentMaker
	// Secrets opens the cooperatives' Stripe credentials. With Secrets or Sessions nil,
	// Stripe is not configured on this server: paying online is EUNAVAILABLE, paying by
	// transfer still works.
	Secrets *cooperative.SecretBox
	// Sessions opens Stripe with one cooperative's secret key
	// (stripeclient.CheckoutSessionsFor).
	Sessions func(secretKey string) (CheckoutSessions, error)
	// NewReference makes a new RF creditor reference in electronic form
	// (bankimport.NewReference). It is injected because payments/rfref imports this
	// package for its errors.
	NewReference func() (string, error)
}

// Checkout starts the payments of subscriptions. Build it with NewCheckout.
type Checkout struct{ d CheckoutDeps }

// NewCheckout returns the checkout service. It panics when a required dependency is
// missing: that is a wiring mistake, found at start-up.
func NewCheckout(d CheckoutDeps) *Checkout {
	if d.Run == nil || d.PaymentOf == nil || d.NewReference == nil {
		panic("cooperative: NewCheckout needs a runner, a payment maker and a reference maker")
	}
	return &Checkout{d: d}
}

// Payment returns the payment of a subscription, making it on first use with a new RF
// reference (the reference made for a call that finds the payment is dropped).
func (c *Checkout) Payment(ctx context.Context, cooperativeID, subscriptionID string) (Payment, error) {
	ref, err := c.d.NewReference()
	if err != nil {
		return Payment{}, err
	}
	return c.d.PaymentOf(ctx, cooperativeID, subscriptionID, ref)
}

// StartCheckout asks for a Checkout Session: where Stripe sends the member afterwards.
type StartCheckout struct {
	CooperativeID  string
	SubscriptionID string
	SuccessURL     string
	CancelURL      string
}

// CheckoutStarted is a Checkout Session made for a payment.
type CheckoutStarted struct {
	URL       string // send the member here
	SessionID string
	Payment   Payment // with the RF reference, should the member rather pay by transfer
}

// Start makes (or finds) the subscription's payment, counts a new attempt and asks
// Stripe for a Checkout Session keyed by payment and attempt, then remembers the
// session on the payment (so a withdrawal can expire it). Each call is a new attempt,
// so a member who let a session expire gets a new one; the provider's own retries of
// one call reuse the attempt's key and get the same session.
func (c *Checkout) Start(ctx context.Context, r StartCheckout) (CheckoutStarted, error) {
	p, err := c.Payment(ctx, r.CooperativeID, r.SubscriptionID)
	if err != nil {
		return CheckoutStarted{}, err
	}
	sessions, err := c.sessions(ctx, r.CooperativeID)
	if err != nil {
		return CheckoutStarted{}, err
	}
	if p, err = c.NoteCheckoutAttempt(ctx, r.CooperativeID, p.ID); err != nil {
		return CheckoutStarted{}, err
	}
	cs, err := sessions.CreateCheckoutSession(ctx, CheckoutSessionRequest{CooperativeID: r.CooperativeID, PaymentID: p.ID,
		SubscriptionID: p.SubscriptionID, Purpose: p.Purpose, Attempt: p.CheckoutAttempts,
		Description: "Subscription " + p.SubscriptionID, Amount: p.Amount, Currency: "eur", CustomerEmail: p.PayerEmail,
		SuccessURL: r.SuccessURL, CancelURL: r.CancelURL})
	if err != nil {
		return CheckoutStarted{}, err
	}
	if err := c.RecordCheckoutSession(ctx, p.ID, cs.ID); err != nil {
		return CheckoutStarted{}, err
	}
	p.CheckoutSessionID = cs.ID
	return CheckoutStarted{URL: cs.URL, SessionID: cs.ID, Payment: p}, nil
}

// TransferInstructions are what a member quotes to pay by bank transfer.
type TransferInstructions struct {
	PaymentID   string
	IBAN        string // the cooperative's account
	BIC         string
	Beneficiary string // the cooperative's name
	AmountCents int64
	Reference   string // the RF reference (ISO 11649), electronic form
}

// TransferInstructions makes (or finds) the subscription's payment and says where to
// pay it and which reference to quote.
func (c *Checkout) TransferInstructions(ctx context.Context, cooperativeID, subscriptionID string) (TransferInstructions, error) {
	p, err := c.Payment(ctx, cooperativeID, subscriptionID)
	if err != nil {
		return TransferInstructions{}, err
	}
	coop, err := cooperative.GetCooperative(ctx, c.d.Run.Store(), cooperativeID)
	if err != nil {
		return TransferInstructions{}, err
	}
	return TransferInstructions{PaymentID: p.ID, IBAN: coop.IBAN, BIC: coop.BIC, Beneficiary: coop.Name,
		AmountCents: p.Amount, Reference: p.Reference}, nil
}

// ExpireWithdrawn asks Stripe to expire the Checkout Session of a withdrawn
// subscription's payment, if it has one and its cooperative has Stripe connected, so
// Stripe takes no more money for it. A payment still under way (a SEPA debit) or
// already paid keeps its status when its subscription is withdrawn: its session is
// complete, and there is nothing to expire.
func (c *Checkout) ExpireWithdrawn(ctx context.Context, cooperativeID, subscriptionID string) error {
	p, err := paymentForSubscription(ctx, c.d.Run, cooperativeID, subscriptionID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return nil
	}
	if err != nil || p.Status != PaymentWithdrawn || p.CheckoutSessionID == "" {
		return err
	}
	st, err := stripeAccountStatus(ctx, c.d.Run, cooperativeID)
	if err != nil || !st.Connected {
		return err
	}
	sessions, err := c.sessions(ctx, cooperativeID)
	if err != nil {
		return err
	}
	return sessions.ExpireCheckoutSession(ctx, p.CheckoutSessionID)
}

// sessions opens Stripe with the cooperative's own key.
func (c *Checkout) sessions(ctx context.Context, cooperativeID string) (CheckoutSessions, error) {
	if c.d.Secrets == nil || c.d.Sessions == nil {
		return nil, cooperative.Errorf(cooperative.EUNAVAILABLE, "Stripe is not configured on this server.")
	}
	creds, err := stripeCredentialsFor(ctx, c.d.Run, c.d.Secrets, cooperativeID)
	if err != nil {
		return nil, err
	}
	return c.d.Sessions(creds.SecretKey)
}
