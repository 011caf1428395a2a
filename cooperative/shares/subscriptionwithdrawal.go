package shares

// Withdrawing a subscription before allocation: the member changes their mind while the
// offering is open, or the board takes a subscription out (a subscriber who does not
// qualify, a mistake). Not to be confused with a withdrawal of shares (transfer.go),
// which redeems shares already issued.

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

// WithdrawSubscription withdraws a subscription before allocation, in one transaction
// with its ledger entry and its audit entry.
//
// Who, and when:
//   - the member (actor.Role "member", acting as the account of the subscription's
//     member record) may withdraw their own subscription while the offering is open.
//     Once its closing time has passed, the round is the board's to allocate, and
//     others' allocations may already be planned on it;
//   - the board (actor.Role "board") may withdraw any subscription until it is
//     allocated, and must give a reason: it acts on someone else's money, and the
//     reason stays on the subscription. A member's reason is optional;
//   - anyone else is refused (EFORBIDDEN): the handlers decide who acts as what.
//
// Only a pending or paid subscription can be withdrawn. An allocated one has shares
// (redeeming them is a withdrawal of shares, RequestWithdrawal); a refunded, lapsed,
// cancelled or withdrawn one has nothing left to take back. Withdrawing twice is
// therefore an ERULE error, and changes nothing.
//
// What it does:
//   - the shares are released from the offering's counters (subscribed, paid for a paid
//     one, and the member's own count), so the cap and the per-member maximum can be
//     used by others;
//   - a paid subscription's money moves from subscriptions received in advance to
//     refunds payable (the same entry as for a rejected applicant, takeOutOfOffering),
//     and RefundCents is all of it: refunded through Stripe (PrepareRefund) when it came
//     that way, else paid back by the board by bank transfer;
//   - a pending subscription's payment is marked withdrawn (see WithdrawPayment): no new
//     Checkout Session or transfer instructions are made for it, and money that still
//     comes is never applied to the subscription but posted to refunds payable, with an
//     item in the review queue, as for a subscription that lapsed;
//   - the member is told, by a mail enqueued in the same transaction (tellWithdrawn).
//
// An open Stripe Checkout Session of the payment is not expired here: that is a call
// to Stripe, which the caller makes once this transaction has committed.
func (r *Registry) WithdrawSubscription(ctx context.Context, actor cooperative.Actor, cooperativeID, subscriptionID, reason string) (Subscription, error) {
	reason, err := withdrawReason(actor, reason)
	if err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	err = r.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		var err error
		if sub, err = getSubscription(tx, cooperativeID, subscriptionID); err != nil {
			return err
		}
		before := sub
		o, err := getOffering(tx, cooperativeID, sub.OfferingID)
		if err != nil {
			return err
		}
		if err := mayWithdraw(tx, actor, sub, o, now); err != nil {
			return err
		}
		if sub.Status == SubscriptionPending {
			if sub.RefundCents, err = payments.WithdrawPayment(tx, cooperativeID, sub.ID, "subscription "+sub.ID, now); err != nil {
				return err
			}
		}
		sub.WithdrawnAt, sub.WithdrawReason = now.UTC(), reason
		if err := takeOutOfOffering(tx, o, &sub, SubscriptionWithdrawn, "withdrawn", now); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, actor, cooperativeID, "subscription.withdraw", "subscription", sub.ID, before, sub, now); err != nil {
			return err
		}
		return tellWithdrawn(tx, actor, sub, o)
	})
	return sub, err
}

// withdrawReason checks the reason given: required from the board, optional from the
// member.
func withdrawReason(actor cooperative.Actor, reason string) (string, error) {
	if strings.TrimSpace(reason) == "" {
		if identity.Role(actor.Role) == identity.RoleBoard {
			return "", cooperative.Errorf(cooperative.EINVALID, "say why the board withdraws the subscription: a reason is required")
		}
		return "", nil
	}
	return membership.CheckText("reason", reason, 1000)
}

// mayWithdraw applies the rules of WithdrawSubscription: who the actor is first (so a
// stranger learns nothing of the subscription), then its status, then, for the member,
// whether the offering is still open.
func mayWithdraw(tx cooperative.Tx, actor cooperative.Actor, sub Subscription, o Offering, now time.Time) error {
	member := false
	switch identity.Role(actor.Role) {
	case identity.RoleBoard:
	case identity.RoleMember:
		m, err := membership.GetMember(tx, sub.CooperativeID, sub.MemberID)
		if err != nil {
			return err
		}
		if m.UserID == "" || m.UserID != actor.UserID {
			return cooperative.Errorf(cooperative.ENOTFOUND, "subscription %s not found", sub.ID)
		}
		member = true
	default:
		return cooperative.Errorf(cooperative.EFORBIDDEN, "only the subscription's member or the board can withdraw it")
	}
	switch sub.Status {
	case SubscriptionPending, SubscriptionPaid:
	case SubscriptionWithdrawn:
		return cooperative.RuleError("withdrawable", "the subscription was already withdrawn on %s", cooperative.DateOf(sub.WithdrawnAt))
	case SubscriptionAllocated:
		return cooperative.RuleError("withdrawable", "the subscription is allocated and its shares are issued; ask to withdraw shares instead")
	default:
		return cooperative.RuleError("withdrawable", "a %s subscription can no longer be withdrawn", sub.Status)
	}
	if member && (o.Status != OfferingOpen || !now.Before(o.ClosesAt)) {
		return cooperative.RuleError("offering_open", "the offering closed at %s; only the board can withdraw the subscription now",
			o.ClosesAt.Format(time.RFC3339))
	}
	return nil
}

// takeOutOfOffering takes a pending or paid subscription out of its offering before
// allocation, leaving it with status (withdrawn; refunded for a rejected applicant): its
// shares no longer count towards the offering's cap or the member's maximum, and a paid
// one's money moves to refunds payable, Dr subscriptions received in advance / Cr
// refunds payable, keyed by the subscription so it is posted once whatever the reason.
// A paid subscription's RefundCents becomes all of its amount. It saves the offering
// and the subscription.
func takeOutOfOffering(tx cooperative.Tx, o Offering, sub *Subscription, status SubscriptionStatus, why string, now time.Time) error {
	if sub.Status != SubscriptionPending && sub.Status != SubscriptionPaid {
		return cooperative.Errorf(cooperative.EINTERNAL, "subscription %s is %s, no longer in its offering", sub.ID, sub.Status)
	}
	if sub.Status == SubscriptionPaid {
		if _, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: sub.CooperativeID, Key: "refund-due:" + sub.ID,
			BookingDate: cooperative.DateOf(now), Description: "Subscription " + sub.ID + " " + why + ": to refund",
			Source: ledger.Source{Type: "subscription", ID: sub.ID},
			Lines: []ledger.Line{{Account: string(ledger.AccountSubscriptionsInAdvance), Amount: sub.AmountCents},
				{Account: string(ledger.AccountRefundsPayable), Amount: -sub.AmountCents}}}); err != nil {
			return err
		}
		sub.RefundCents = sub.AmountCents
	}
	if err := releaseShares(tx, &o, *sub); err != nil {
		return err
	}
	if _, err := tx.Replace(o.record()); err != nil {
		return err
	}
	sub.Status = status
	rec, err := tx.Replace(sub.record())
	if err != nil {
		return err
	}
	sub.version = rec.Version
	return nil
}

// releaseShares undoes what Subscribe and markSubscriptionPaid counted for a pending or
// paid subscription that leaves its offering: the offering's subscribed (and paid)
// shares, which hold the cap, and the member's count, which holds the per-member
// maximum. The caller saves o. The Subscriptions counter stays: it numbers the
// subscriptions (Order), and the subscription is still one of them.
func releaseShares(tx cooperative.Tx, o *Offering, sub Subscription) error {
	o.SubscribedShare -= sub.Shares
	if sub.Status == SubscriptionPaid {
		o.PaidShares -= sub.Shares
	}
	id := o.ID + ":" + sub.MemberID
	om, rec, err := cooperative.GetAs[offeringMember](tx, collectionOfferingMember, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	om.Subscribed = max(0, om.Subscribed-sub.Shares)
	_, err = tx.Replace(cooperative.Record{Collection: collectionOfferingMember, ID: id, Version: rec.Version, Data: cooperative.Encode(om)})
	return err
}

// tellWithdrawn enqueues the member's mail about a withdrawal, in its transaction: a
// rolled-back withdrawal tells nobody. It is keyed by the subscription, which is
// withdrawn once, so a retried transaction enqueues it once.
func tellWithdrawn(tx cooperative.Tx, actor cooperative.Actor, sub Subscription, o Offering) error {
	m, err := membership.GetMember(tx, sub.CooperativeID, sub.MemberID)
	if err != nil {
		return err
	}
	return mailMember(tx, "", m, notify.EventSubscriptionWithdrawn, sub.ID, func(lang string) (map[string]string, error) {
		return withdrawnMailData(tx, actor, sub, o, lang)
	}, sub.WithdrawnAt)
}

// withdrawnMailData is what the mail says of the withdrawal: which shares, who withdrew
// them, and how the money received comes back. The board's reason is given, since the
// member must be able to answer a decision taken on their money; a member's own is not
// repeated to them.
func withdrawnMailData(tx cooperative.Tx, actor cooperative.Actor, sub Subscription, o Offering, lang string) (map[string]string, error) {
	name, err := offeringName(tx, o)
	if err != nil {
		return nil, err
	}
	data := map[string]string{"offering": name, "shares": strconv.FormatInt(sub.Shares, 10),
		"amount": cooperative.FormatEuro(sub.AmountCents, lang), "withdrawn_by": string(identity.RoleMember)}
	if identity.Role(actor.Role) == identity.RoleBoard {
		data["withdrawn_by"], data["reason"] = string(identity.RoleBoard), sub.WithdrawReason
	}
	if sub.RefundCents > 0 {
		p, found, err := payments.PaymentOf(tx, sub.CooperativeID, sub.ID)
		if err != nil {
			return nil, err
		}
		// The same split as owedBack's for the subscription's own money: Stripe refunds
		// what it brought (PrepareRefund); anything else the board pays back by transfer.
		way := "refund_transfer"
		if ownViaStripe(p, found) {
			way = "refund_online"
		}
		data[way] = cooperative.FormatEuro(sub.RefundCents, lang)
	}
	return data, nil
}

// offeringName names an offering for its subscribers: by its share class, as the
// statutes in force when it opened call it (an offering has no name of its own).
func offeringName(tx cooperative.Tx, o Offering) (string, error) {
	st, err := membership.StatutesOn(tx, o.CooperativeID, cooperative.DateOf(o.OpensAt))
	if err != nil {
		return "", err
	}
	if class, ok := st.Class(o.Class); ok && class.Name != "" {
		return class.Name, nil
	}
	return o.Class, nil
}
