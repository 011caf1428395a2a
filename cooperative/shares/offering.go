package shares

import (
	"context"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// OfferingStatus is open until the offering is closed and allocated.
type OfferingStatus string

const (
	OfferingOpen   OfferingStatus = "open"
	OfferingClosed OfferingStatus = "closed" // allocated: shares issued, refunds booked
)

// Offering is an issuance round of one share class.
type Offering struct {
	ID                 string    `json:"id"`
	CooperativeID      string    `json:"cooperativeId"`
	Class              string    `json:"class"`
	PriceCents         int64     `json:"priceCents"` // per share; at least the nominal value
	CapShares          int64     `json:"capShares"`
	TargetShares       int64     `json:"targetShares"`
	MinPerSubscription int64     `json:"minPerSubscription"`
	MaxPerSubscription int64     `json:"maxPerSubscription"`
	MaxPerMember       int64     `json:"maxPerMember"`
	OpensAt            time.Time `json:"opensAt"`
	ClosesAt           time.Time `json:"closesAt"`
	// Allocation is the statutes' method, fixed when the offering opens so a later
	// amendment cannot change the rules of a running round.
	Allocation membership.AllocationMethod `json:"allocation"`
	Status     OfferingStatus              `json:"status"`
	// Counters, kept in the same transaction as each subscription: they are what makes
	// the cap hold under concurrency (two subscribers read the same version; one write
	// wins, the other conflicts and runs again against the new count).
	Subscriptions   int64     `json:"subscriptions"`
	SubscribedShare int64     `json:"subscribedShares"` // pending + paid
	PaidShares      int64     `json:"paidShares"`
	IssuedShares    int64     `json:"issuedShares"`
	CreatedAt       time.Time `json:"createdAt"`
	ClosedAt        time.Time `json:"closedAt,omitzero"`
	version         int64
}

// NewOffering is what the board gives to open an offering.
type NewOffering struct {
	CooperativeID      string
	Class              string
	PriceCents         int64
	CapShares          int64
	TargetShares       int64
	MinPerSubscription int64
	MaxPerSubscription int64
	MaxPerMember       int64
	OpensAt, ClosesAt  time.Time
}

// SubscriptionStatus is where a subscription is.
type SubscriptionStatus string

const (
	SubscriptionPending   SubscriptionStatus = "pending"   // waiting for payment
	SubscriptionPaid      SubscriptionStatus = "paid"      // money in, waiting for allocation
	SubscriptionAllocated SubscriptionStatus = "allocated" // shares issued (maybe fewer, rest refunded)
	SubscriptionRefunded  SubscriptionStatus = "refunded"  // paid but nothing allocated: all refundable
	SubscriptionLapsed    SubscriptionStatus = "lapsed"    // not paid when the offering closed
	// SubscriptionCancelled: its payment failed after it looked paid (a SEPA Direct Debit
	// returned days later); the receipt was reversed, and its shares cancelled if they
	// had not moved (see subscriptionPayable.Unwind).
	SubscriptionCancelled SubscriptionStatus = "cancelled"
	// SubscriptionWithdrawn: taken back before allocation, by its member while the
	// offering was open or by the board (see WithdrawSubscription). Its shares no longer
	// count in the offering; money it had received is on refunds payable (RefundCents).
	// Not "cancelled", which keeps meaning a payment that failed late.
	SubscriptionWithdrawn SubscriptionStatus = "withdrawn"
)

// Subscription is one request for shares in an offering.
type Subscription struct {
	ID            string             `json:"id"`
	CooperativeID string             `json:"cooperativeId"`
	OfferingID    string             `json:"offeringId"`
	MemberID      string             `json:"memberId"`
	Class         string             `json:"class"`
	Order         int64              `json:"order"` // 1, 2, 3, … per offering: first come
	Shares        int64              `json:"shares"`
	AmountCents   int64              `json:"amountCents"`
	Status        SubscriptionStatus `json:"status"`
	SubscribedAt  time.Time          `json:"subscribedAt"`
	PaidOn        cooperative.Date   `json:"paidOn,omitempty"`
	BankReference string             `json:"bankReference,omitempty"`
	Allocated     int64              `json:"allocatedShares"`
	RefundCents   int64              `json:"refundCents"`
	ShareNumbers  []ShareRange       `json:"shareNumbers,omitempty"`
	IssuedOn      cooperative.Date   `json:"issuedOn,omitempty"`
	// TransferRefundedCents is what of the money owed back the accountant recorded as
	// paid back by bank transfer (RecordTransferRefund); what is still owed is the rest.
	TransferRefundedCents int64 `json:"transferRefundedCents,omitempty"`
	// PayoutRefundCents is what of the money owed back was handed to payouts, to go out
	// with a payout batch (OweRefundPayout): payouts pays it, and takes it back if the
	// bank returns it.
	PayoutRefundCents int64 `json:"payoutRefundCents,omitempty"`
	// IdempotencyKey is the subscriber's key for retries (unique per member).
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// WithdrawnAt and WithdrawReason say when and why a withdrawn subscription was
	// withdrawn (the audit log says by whom).
	WithdrawnAt    time.Time `json:"withdrawnAt,omitzero"`
	WithdrawReason string    `json:"withdrawReason,omitempty"`
	// WaitingList is set on a first-come subscription made when the cap was already
	// (or by this subscription) subscribed: it is taken, and waits its turn.
	WaitingList *WaitingListPlace `json:"waitingList,omitempty" doc:"Set on a first-come subscription made when the cap was already subscribed: it waits its turn, and closing gives the cap down the list in order to the paid subscriptions that can be allocated; the rest is refunded."`
	version     int64
}

// WaitingListPlace is where a first-come subscription stood when it was made: behind
// SharesAhead subscribed shares, of which CapShares can be allocated. Shares ahead that
// are not paid by closing, are withdrawn, or belong to someone who cannot be allocated
// (an applicant not admitted) are passed over, so the place only moves forward.
type WaitingListPlace struct {
	SharesAhead int64 `json:"sharesAhead" doc:"Shares subscribed before this subscription when it was made."`
	CapShares   int64 `json:"capShares" doc:"The offering's cap."`
}

const (
	collectionOfferings      = "offerings"
	collectionSubscriptions  = "subscriptions"
	collectionOfferingMember = "offering_members"
)

func (o Offering) record() cooperative.Record {
	return cooperative.Record{Collection: collectionOfferings, ID: o.ID, Version: o.version, Data: cooperative.Encode(o),
		Index: map[string]string{"cooperative": o.CooperativeID}}
}

func (s Subscription) record() cooperative.Record {
	rec := cooperative.Record{Collection: collectionSubscriptions, ID: s.ID, Version: s.version, Data: cooperative.Encode(s),
		Index: map[string]string{"offering": s.OfferingID, "member": s.MemberID}}
	if s.IdempotencyKey != "" {
		rec.Unique = map[string]string{"key": s.MemberID + ":" + s.IdempotencyKey}
		rec.Index["key"] = s.MemberID + ":" + s.IdempotencyKey
	}
	return rec
}

func getOffering(tx cooperative.Tx, cooperativeID, id string) (Offering, error) {
	if !cooperative.ValidID(id) {
		return Offering{}, cooperative.Errorf(cooperative.EINVALID, "%q is not an offering id", id)
	}
	o, rec, err := cooperative.GetAs[Offering](tx, collectionOfferings, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && o.CooperativeID != cooperativeID) {
		return Offering{}, cooperative.Errorf(cooperative.ENOTFOUND, "offering %s not found", id)
	}
	o.version = rec.Version
	return o, err
}

func getSubscription(tx cooperative.Tx, cooperativeID, id string) (Subscription, error) {
	if !cooperative.ValidID(id) {
		return Subscription{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a subscription id", id)
	}
	s, rec, err := cooperative.GetAs[Subscription](tx, collectionSubscriptions, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && s.CooperativeID != cooperativeID) {
		return Subscription{}, cooperative.Errorf(cooperative.ENOTFOUND, "subscription %s not found", id)
	}
	s.version = rec.Version
	return s, err
}

// OpenOffering opens an issuance round under the statutes in force when it opens.
func (r *Registry) OpenOffering(ctx context.Context, actor cooperative.Actor, in NewOffering) (Offering, error) {
	if in.CapShares < 1 || in.MinPerSubscription < 1 || in.MaxPerSubscription < in.MinPerSubscription ||
		in.MaxPerMember < in.MinPerSubscription || in.TargetShares < 0 || in.TargetShares > in.CapShares {
		return Offering{}, cooperative.Errorf(cooperative.EINVALID,
			"an offering needs capShares ≥ 1, 1 ≤ minPerSubscription ≤ maxPerSubscription, maxPerMember ≥ minPerSubscription and 0 ≤ targetShares ≤ capShares")
	}
	if !in.OpensAt.Before(in.ClosesAt) {
		return Offering{}, cooperative.Errorf(cooperative.EINVALID, "an offering must open before it closes")
	}
	var o Offering
	err := r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if _, err := cooperative.GetCooperativeTx(tx, in.CooperativeID); err != nil {
			return err
		}
		if !now.Before(in.ClosesAt) {
			return cooperative.RuleError("offering_dates", "the closing time has already passed")
		}
		st, err := membership.StatutesOn(tx, in.CooperativeID, cooperative.DateOf(in.OpensAt))
		if err != nil {
			return err
		}
		class, ok := st.Class(in.Class)
		if !ok {
			return cooperative.Errorf(cooperative.EINVALID, "the statutes have no share class %q", in.Class)
		}
		if in.PriceCents < class.NominalCents {
			return cooperative.RuleError("price_at_least_nominal", "shares cannot be issued below their nominal value of %d", class.NominalCents)
		}
		if _, err := cooperative.MulMoney(in.CapShares, in.PriceCents); err != nil {
			return err
		}
		o = Offering{ID: cooperative.NewID(), CooperativeID: in.CooperativeID, Class: class.Code, PriceCents: in.PriceCents,
			CapShares: in.CapShares, TargetShares: in.TargetShares, MinPerSubscription: in.MinPerSubscription,
			MaxPerSubscription: in.MaxPerSubscription, MaxPerMember: min(in.MaxPerMember, class.MaxPerMember),
			OpensAt: in.OpensAt.UTC(), ClosesAt: in.ClosesAt.UTC(), Allocation: st.Allocation, Status: OfferingOpen,
			CreatedAt: now}
		if _, err := tx.Insert(o.record()); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, in.CooperativeID, "offering.open", "offering", o.ID, nil, o, now)
	})
	return o, err
}

// GetOffering returns one offering.
func (r *Registry) GetOffering(ctx context.Context, cooperativeID, id string) (Offering, error) {
	var o Offering
	err := r.view(ctx, func(tx cooperative.Tx) (err error) { o, err = getOffering(tx, cooperativeID, id); return err })
	return o, err
}

// ListOfferings returns a page of a cooperative's offerings, oldest first.
func (r *Registry) ListOfferings(ctx context.Context, cooperativeID, after string, limit int) ([]Offering, string, error) {
	var (
		list []Offering
		next string
	)
	err := r.view(ctx, func(tx cooperative.Tx) (err error) {
		list, next, err = cooperative.FindAs[Offering](tx, cooperative.Query{Collection: collectionOfferings, Index: "cooperative",
			Value: cooperativeID, After: after, Limit: limit})
		return err
	})
	return list, next, err
}

// SubscriptionRequest asks for shares in an offering.
type SubscriptionRequest struct {
	CooperativeID, OfferingID, MemberID string
	Shares                              int64
	// IdempotencyKey (optional) makes a retried request return the first subscription.
	IdempotencyKey string
}

// offeringMember counts what one member has subscribed in one offering, so the
// per-member maximum holds under concurrency like the cap does.
type offeringMember struct {
	Subscribed int64 `json:"subscribed"`
}

// Subscribe records a pending subscription. Members subscribe; so do applicants, whose
// subscription must be of a class that confers membership (it carries their membership
// share) and at least the class minimum.
func (r *Registry) Subscribe(ctx context.Context, in SubscriptionRequest) (Subscription, error) {
	if len(in.IdempotencyKey) > 100 {
		return Subscription{}, cooperative.Errorf(cooperative.EINVALID, "the idempotency key is at most 100 characters")
	}
	var sub Subscription
	err := r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if in.IdempotencyKey != "" {
			list, _, err := cooperative.FindAs[Subscription](tx, cooperative.Query{Collection: collectionSubscriptions, Index: "key",
				Value: in.MemberID + ":" + in.IdempotencyKey, Limit: 1})
			if err != nil {
				return err
			}
			if len(list) > 0 {
				if list[0].OfferingID != in.OfferingID || list[0].Shares != in.Shares {
					return cooperative.Errorf(cooperative.ECONFLICT, "the idempotency key was used for another subscription")
				}
				sub = list[0]
				return nil
			}
		}
		o, err := getOffering(tx, in.CooperativeID, in.OfferingID)
		if err != nil {
			return err
		}
		m, err := membership.GetMember(tx, in.CooperativeID, in.MemberID)
		if err != nil {
			return err
		}
		if sub, err = r.checkSubscription(tx, o, m, in.Shares, now); err != nil {
			return err
		}
		sub.IdempotencyKey = in.IdempotencyKey
		om, omRec, err := cooperative.GetAs[offeringMember](tx, collectionOfferingMember, o.ID+":"+m.ID)
		if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
			return err
		}
		held, err := getHolding(tx, o.CooperativeID, m.ID, o.Class)
		if err != nil {
			return err
		}
		if om.Subscribed+in.Shares > o.MaxPerMember {
			return cooperative.RuleError("max_per_member", "at most %d shares per member in this offering; %d already subscribed",
				o.MaxPerMember, om.Subscribed)
		}
		st, err := membership.StatutesOn(tx, o.CooperativeID, cooperative.DateOf(now))
		if err != nil {
			return err
		}
		class, _ := st.Class(o.Class)
		if held.Shares+om.Subscribed+in.Shares > class.MaxPerMember {
			return cooperative.RuleError("max_per_member", "a member may hold at most %d shares of class %s", class.MaxPerMember, class.Code)
		}
		if m.Status == membership.MemberApplied && (!class.ConfersMembership || om.Subscribed+in.Shares < max(class.MinPerMember, 1)) {
			return cooperative.RuleError("membership_share", "an applicant's subscription must carry at least %d membership shares",
				max(class.MinPerMember, 1))
		}
		// A full first-come round still takes subscriptions, on a waiting list: what is
		// ahead may lapse unpaid, be withdrawn, or belong to an applicant never admitted,
		// and closing then passes the cap down the list in order.
		if o.Allocation == membership.AllocationFirstCome && o.SubscribedShare+in.Shares > o.CapShares {
			sub.WaitingList = &WaitingListPlace{SharesAhead: o.SubscribedShare, CapShares: o.CapShares}
		}
		o.Subscriptions++
		o.SubscribedShare += in.Shares
		sub.Order = o.Subscriptions
		if _, err := tx.Replace(o.record()); err != nil {
			return err
		}
		om.Subscribed += in.Shares
		omR := cooperative.Record{Collection: collectionOfferingMember, ID: o.ID + ":" + m.ID, Version: omRec.Version, Data: cooperative.Encode(om)}
		_, err = cooperative.Put(tx, omR)
		if err != nil {
			return err
		}
		_, err = tx.Insert(sub.record())
		return err
	})
	return sub, err
}

// checkSubscription applies the rules that need no counters.
func (r *Registry) checkSubscription(tx cooperative.Tx, o Offering, m membership.Member, shares int64, now time.Time) (Subscription, error) {
	if o.Status != OfferingOpen || !now.Before(o.ClosesAt) {
		return Subscription{}, cooperative.RuleError("offering_open", "the offering closed at %s", o.ClosesAt.Format(time.RFC3339))
	}
	if now.Before(o.OpensAt) {
		return Subscription{}, cooperative.RuleError("offering_open", "the offering opens at %s", o.OpensAt.Format(time.RFC3339))
	}
	if m.Status != membership.MemberActive && m.Status != membership.MemberApplied {
		return Subscription{}, cooperative.RuleError("subscriber_member", "only members and applicants can subscribe; this one is %s", m.Status)
	}
	if shares < o.MinPerSubscription || shares > o.MaxPerSubscription {
		return Subscription{}, cooperative.RuleError("subscription_size", "a subscription is for %d to %d shares",
			o.MinPerSubscription, o.MaxPerSubscription)
	}
	amount, err := cooperative.MulMoney(shares, o.PriceCents)
	if err != nil {
		return Subscription{}, err
	}
	return Subscription{ID: cooperative.NewID(), CooperativeID: o.CooperativeID, OfferingID: o.ID, MemberID: m.ID, Class: o.Class,
		Shares: shares, AmountCents: amount, Status: SubscriptionPending, SubscribedAt: now}, nil
}

// GetSubscription returns one subscription.
func (r *Registry) GetSubscription(ctx context.Context, cooperativeID, id string) (Subscription, error) {
	var s Subscription
	err := r.view(ctx, func(tx cooperative.Tx) (err error) { s, err = getSubscription(tx, cooperativeID, id); return err })
	return s, err
}

// ListSubscriptions returns a page of an offering's subscriptions (by offering) or a
// member's (by member).
func (r *Registry) ListSubscriptions(ctx context.Context, cooperativeID, by, id, after string, limit int) ([]Subscription, string, error) {
	if by != "offering" && by != "member" {
		return nil, "", cooperative.Errorf(cooperative.EINVALID, "list subscriptions by offering or member")
	}
	var (
		list []Subscription
		next string
	)
	err := r.view(ctx, func(tx cooperative.Tx) (err error) {
		list, next, err = cooperative.FindAs[Subscription](tx, cooperative.Query{Collection: collectionSubscriptions, Index: by, Value: id,
			After: after, Limit: limit})
		return err
	})
	out := list[:0]
	for _, s := range list {
		if s.CooperativeID == cooperativeID {
			out = append(out, s)
		}
	}
	return out, next, err
}

// MarkPaid records that the money of a subscription arrived on the cooperative's bank
// account (the accountant's manual path; the payment flow of a later issue posts the
// same way): Dr bank, Cr subscriptions received in advance. Marking it paid again with
// the same reference is harmless.
func (r *Registry) MarkPaid(ctx context.Context, actor cooperative.Actor, cooperativeID, subscriptionID, bankReference string, paidOn cooperative.Date) (Subscription, error) {
	bankReference, err := membership.CheckText("bankReference", bankReference, 140)
	if err != nil {
		return Subscription{}, err
	}
	if _, err := cooperative.ParseDate(string(paidOn)); err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	err = r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		sub, _, err = markSubscriptionPaid(tx, actor, cooperativeID, subscriptionID, bankReference, paidOn, ledger.AccountBank, r.linkBase, now)
		return err
	})
	return sub, err
}

// markSubscriptionPaid is the one path by which a subscription becomes paid, whoever
// reports the money (the accountant, a matched bank credit, Stripe): the status and
// the offering's counter change with the entry Dr debit (bank, Stripe clearing or the
// transfer suspense account) / Cr subscriptions received in advance, keyed by the
// subscription, so the register and the ledger cannot disagree and a subscription is
// never received twice. Marking it paid again with the same reference changes nothing
// (seq is 0); otherwise seq is the ledger entry of the receipt. Being the one path, it
// writes the audit entry, with the actor who reported the money: an accountant, the bank
// import (role bank_import) or Stripe; and enqueues the member's receipt (tellPaid),
// linking under linkBase.
func markSubscriptionPaid(tx cooperative.Tx, actor cooperative.Actor, cooperativeID, subscriptionID, reference string, paidOn cooperative.Date, debit ledger.AccountCode, linkBase string, now time.Time) (Subscription, int64, error) {
	sub, err := getSubscription(tx, cooperativeID, subscriptionID)
	if err != nil {
		return sub, 0, err
	}
	before := sub
	if sub.Status != SubscriptionPending {
		if sub.BankReference == reference {
			return sub, 0, nil
		}
		return sub, 0, cooperative.RuleError("subscription_pending", "the subscription is %s, not waiting for payment", sub.Status)
	}
	if cooperative.DateOf(now).Before(paidOn) {
		return sub, 0, cooperative.Errorf(cooperative.EINVALID, "paidOn cannot be in the future")
	}
	o, err := getOffering(tx, cooperativeID, sub.OfferingID)
	if err != nil {
		return sub, 0, err
	}
	if o.Status != OfferingOpen {
		return sub, 0, cooperative.RuleError("offering_open", "the offering is closed; the payment must be refunded")
	}
	sub.Status, sub.PaidOn, sub.BankReference = SubscriptionPaid, paidOn, reference
	rec, err := tx.Replace(sub.record())
	if err != nil {
		return sub, 0, err
	}
	sub.version = rec.Version
	o.PaidShares += sub.Shares
	if _, err := tx.Replace(o.record()); err != nil {
		return sub, 0, err
	}
	e, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: cooperativeID, Key: "subscription-paid:" + sub.ID,
		BookingDate: paidOn, Description: "Payment for subscription " + sub.ID + " (" + reference + ")",
		Source: ledger.Source{Type: "subscription", ID: sub.ID},
		Lines: []ledger.Line{{Account: string(debit), Amount: sub.AmountCents},
			{Account: string(ledger.AccountSubscriptionsInAdvance), Amount: -sub.AmountCents}}})
	if err != nil {
		return sub, 0, err
	}
	if err := tellPaid(tx, linkBase, o, sub, now); err != nil {
		return sub, 0, err
	}
	return sub, e.Seq, cooperative.AppendAudit(tx, actor, cooperativeID, "subscription.mark_paid", "subscription", sub.ID, before, sub, now)
}

// AllocationResult summarises a closed offering.
type AllocationResult struct {
	Offering      Offering       `json:"offering"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// CloseOffering closes an offering and allocates it (the board may close early):
// pending subscriptions lapse; the cap goes to the paid subscriptions that can be
// allocated (allocationClaims), in full if their demand fits it, else by the offering's
// method (allocate: pro rata by largest remainder in whole shares, or in order of
// subscription down the waiting list); a paid subscription that cannot be allocated gets
// nothing and is refunded in full; shares are issued with numbers; each allocation posts Dr
// subscriptions received in advance / Cr member capital (nominal) and share premium
// (price above nominal), and money for shares not allocated moves to refunds payable.
// Closing a closed offering returns its result unchanged.
func (r *Registry) CloseOffering(ctx context.Context, actor cooperative.Actor, cooperativeID, offeringID string) (AllocationResult, error) {
	var res AllocationResult
	err := r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		o, err := getOffering(tx, cooperativeID, offeringID)
		if err != nil {
			return err
		}
		subs, err := offeringSubscriptions(tx, o.ID)
		if err != nil {
			return err
		}
		res = AllocationResult{Offering: o, Subscriptions: subs}
		if o.Status == OfferingClosed {
			return nil
		}
		st, err := membership.StatutesOn(tx, cooperativeID, cooperative.DateOf(now))
		if err != nil {
			return err
		}
		class, _ := st.Class(o.Class)
		claimants, claims, err := allocationClaims(tx, o, class, subs)
		if err != nil {
			return err
		}
		alloc, err := allocate(o.Allocation, max(0, o.CapShares-o.IssuedShares), claims)
		if err != nil {
			return err
		}
		given := make(map[int]int64, len(claimants))
		for k, i := range claimants {
			given[i] = alloc[k]
		}
		today := cooperative.DateOf(now)
		name, named := "", false // the offering's name for the mails, read at the first paid subscription
		for i := range subs {
			if s := &subs[i]; s.Status == SubscriptionPaid {
				// Not a claimant: given[i] is 0, and all its money goes to refunds payable.
				if err := allocateSubscription(tx, o, class, s, given[i], today); err != nil {
					return err
				}
				if !named {
					if name, err = offeringName(tx, o); err != nil {
						return err
					}
					named = true
				}
				if err := tellAllocated(tx, r.linkBase, name, *s, now); err != nil {
					return err
				}
				o.IssuedShares += given[i]
			}
		}
		for i := range subs {
			if subs[i].Status == SubscriptionPending {
				subs[i].Status = SubscriptionLapsed
				if _, err := tx.Replace(subs[i].record()); err != nil {
					return err
				}
			}
		}
		o.Status, o.ClosedAt = OfferingClosed, now
		if now.Before(o.ClosesAt) {
			o.ClosesAt = now
		}
		rec, err := tx.Replace(o.record())
		if err != nil {
			return err
		}
		o.version = rec.Version
		res = AllocationResult{Offering: o, Subscriptions: subs}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "offering.close", "offering", o.ID, nil, o, now)
	})
	return res, err
}

// allocationClaims returns the paid subscriptions of subs (in subscription order) that
// can be allocated, by index, with what each can be given. Only a member active at
// closing can be: an applicant admitted before closing is one; an applicant not (yet)
// admitted, a rejected one or a member who left is not, and takes no part of the cap.
// The statutes in force at closing bound each member: no more than the class maximum
// less what they already hold (holdings can have grown since subscribing, through
// another round or a transfer), and what they lack of the class minimum is their floor.
func allocationClaims(tx cooperative.Tx, o Offering, class membership.ShareClass, subs []Subscription) ([]int, []allocationClaim, error) {
	var (
		claimants []int
		claims    []allocationClaim
	)
	room, lacking := map[string]int64{}, map[string]int64{}
	for i, s := range subs {
		if s.Status != SubscriptionPaid {
			continue
		}
		m, err := membership.GetMember(tx, o.CooperativeID, s.MemberID)
		if err != nil {
			return nil, nil, err
		}
		if m.Status != membership.MemberActive {
			continue
		}
		if _, seen := room[m.ID]; !seen {
			h, err := getHolding(tx, o.CooperativeID, m.ID, o.Class)
			if err != nil {
				return nil, nil, err
			}
			room[m.ID], lacking[m.ID] = max(0, class.MaxPerMember-h.Shares), max(0, class.MinPerMember-h.Shares)
		}
		c := allocationClaim{Want: min(s.Shares, room[m.ID])}
		c.Floor = min(c.Want, lacking[m.ID])
		room[m.ID] -= c.Want
		lacking[m.ID] -= c.Floor
		claimants = append(claimants, i)
		claims = append(claims, c)
	}
	return claimants, claims, nil
}

// allocateSubscription issues n shares for a paid subscription and books the money.
func allocateSubscription(tx cooperative.Tx, o Offering, class membership.ShareClass, s *Subscription, n int64, today cooperative.Date) error {
	lines := []ledger.Line{}
	add := func(account string, amount int64) {
		if amount != 0 {
			lines = append(lines, ledger.Line{Account: account, Amount: amount})
		}
	}
	capital, err := cooperative.MulMoney(n, class.NominalCents)
	if err != nil {
		return err
	}
	premium, err := cooperative.MulMoney(n, o.PriceCents-class.NominalCents)
	if err != nil {
		return err
	}
	refund := s.AmountCents - capital - premium
	add(string(ledger.AccountSubscriptionsInAdvance), s.AmountCents)
	add(ledger.MemberAccount(ledger.AccountMemberCapital, s.MemberID), -capital)
	add(string(ledger.AccountSharePremium), -premium)
	add(string(ledger.AccountRefundsPayable), -refund)
	s.Allocated, s.RefundCents, s.Status = n, refund, SubscriptionAllocated
	if n == 0 {
		s.Status = SubscriptionRefunded
	} else {
		ev, err := issueShares(tx, o.CooperativeID, o.Class, s.MemberID, n, today, s.ID)
		if err != nil {
			return err
		}
		s.ShareNumbers, s.IssuedOn = ev.Ranges, ev.Date
	}
	desc := "Allocation of " + strconv.FormatInt(n, 10) + " of " + strconv.FormatInt(s.Shares, 10) +
		" shares " + o.Class + " for subscription " + s.ID
	if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: o.CooperativeID, Key: "allocation:" + s.ID, BookingDate: today,
		Description: desc, Source: ledger.Source{Type: "subscription", ID: s.ID}, Lines: lines}); err != nil {
		return err
	}
	_, err = tx.Replace(s.record())
	return err
}

// offeringSubscriptions reads every subscription of an offering, in subscription order.
func offeringSubscriptions(tx cooperative.Tx, offeringID string) ([]Subscription, error) {
	var out []Subscription
	after := ""
	for {
		page, err := tx.Find(cooperative.Query{Collection: collectionSubscriptions, Index: "offering", Value: offeringID,
			After: after, Limit: cooperative.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, rec := range page.Records {
			var s Subscription
			if err := cooperative.Decode(rec, &s); err != nil {
				return nil, err
			}
			s.version = rec.Version
			out = append(out, s)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	sortBySubscription(out)
	return out, nil
}
