package shares

// The member's mails about their shares: a receipt for a subscription's payment, the
// result of an allocation, the board's decision on a withdrawal, a transfer. Each is
// enqueued in the transaction of the change it announces and keyed by what it
// announces, so a retried transaction (or a repeated, harmless call) mails once.

import (
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

// memberPage is the member's page of the cooperative under linkBase, "" without one.
func memberPage(linkBase, cooperativeID string) string {
	if linkBase == "" {
		return ""
	}
	return linkBase + "/c/" + cooperativeID + "/me"
}

// mailMember enqueues a mail of event to a member, in their language, with the
// cooperative's name and (when linkBase is set) the link to their page added to data.
func mailMember(tx cooperative.Tx, linkBase string, m membership.Member, event notify.NotificationEvent, key string,
	data func(lang string) (map[string]string, error), at time.Time) error {
	c, err := cooperative.GetCooperativeTx(tx, m.CooperativeID)
	if err != nil {
		return err
	}
	lang, err := notify.NotificationLanguage(m.Language)
	if err != nil {
		return err
	}
	d, err := data(lang)
	if err != nil {
		return err
	}
	d["cooperative"] = c.Name
	if link := memberPage(linkBase, c.ID); link != "" {
		d["link"] = link
	}
	return notify.Enqueue(tx, notify.Notification{DedupeKey: string(event) + ":" + key, Event: event, CooperativeID: c.ID,
		To: m.Email, ToName: m.Name, Language: lang, Data: d, CreatedAt: at})
}

// tellPaid is the member's receipt for sub's payment, keyed by the subscription: it is
// paid once (markSubscriptionPaid).
func tellPaid(tx cooperative.Tx, linkBase string, o Offering, sub Subscription, now time.Time) error {
	m, err := membership.GetMember(tx, sub.CooperativeID, sub.MemberID)
	if err != nil {
		return err
	}
	name, err := offeringName(tx, o)
	if err != nil {
		return err
	}
	return mailMember(tx, linkBase, m, notify.EventPaymentReceived, sub.ID, func(lang string) (map[string]string, error) {
		return map[string]string{"offering": name, "shares": strconv.FormatInt(sub.Shares, 10),
			"amount": cooperative.FormatEuro(sub.AmountCents, lang), "reference": sub.BankReference,
			"paid_on": string(sub.PaidOn)}, nil
	}, now)
}

// tellAllocated tells the member what the closing of o gave sub (allocated or refunded
// in full), and how any money not used comes back: through the payment provider that
// brought it, or by the board's transfer (the split of withdrawnMailData). name is the
// offering's (offeringName), read once by the caller for all its subscriptions.
func tellAllocated(tx cooperative.Tx, linkBase string, name string, sub Subscription, now time.Time) error {
	m, err := membership.GetMember(tx, sub.CooperativeID, sub.MemberID)
	if err != nil {
		return err
	}
	return mailMember(tx, linkBase, m, notify.EventAllocationResult, sub.ID, func(lang string) (map[string]string, error) {
		d := map[string]string{"offering": name, "asked": strconv.FormatInt(sub.Shares, 10),
			"allocated": strconv.FormatInt(sub.Allocated, 10), "amount": cooperative.FormatEuro(sub.AmountCents, lang)}
		if len(sub.ShareNumbers) > 0 {
			d["share_numbers"] = FormatRanges(sub.ShareNumbers)
		}
		if sub.RefundCents > 0 {
			d["refund"] = cooperative.FormatEuro(sub.RefundCents, lang)
			p, found, err := payments.PaymentOf(tx, sub.CooperativeID, sub.ID)
			if err != nil {
				return nil, err
			}
			if ownViaStripe(p, found) {
				d["refund_online"] = "yes"
			}
		}
		return d, nil
	}, now)
}

// tellWithdrawalDecided tells the member the board's decision on w, keyed by the
// withdrawal: it is decided once (DecideWithdrawal returns early when asked again).
func tellWithdrawalDecided(tx cooperative.Tx, linkBase string, w Withdrawal, now time.Time) error {
	m, err := membership.GetMember(tx, w.CooperativeID, w.MemberID)
	if err != nil {
		return err
	}
	_, class, err := membership.ClassOn(tx, w.CooperativeID, w.Class, w.RequestedOn)
	if err != nil {
		return err
	}
	return mailMember(tx, linkBase, m, notify.EventWithdrawalDecided, w.ID, func(lang string) (map[string]string, error) {
		d := map[string]string{"decision": string(w.Status), "class": classTitle(class), "shares": strconv.FormatInt(w.Shares, 10),
			"amount": cooperative.FormatEuro(w.AmountCents, lang)}
		if w.Reason != "" {
			d["reason"] = w.Reason
		}
		if w.Status == WithdrawalApproved {
			d["share_numbers"] = FormatRanges(w.ShareNumbers)
			if w.EndsMembership {
				d["ends_membership"] = "yes"
			}
		}
		return d, nil
	}, now)
}

// tellTransferred tells both sides of t which shares moved, each keyed by the transfer
// and its side. A deceased giver is not mailed: their shares pass to the heirs, whom
// the board deals with, and a mail to the address of someone who died helps nobody.
func tellTransferred(tx cooperative.Tx, linkBase string, t Transfer, from, to membership.Member, class membership.ShareClass, value int64) error {
	sides := []struct {
		direction     string
		member, other membership.Member
	}{{"given", from, to}, {"received", to, from}}
	for _, s := range sides {
		if s.member.Status == membership.MemberDeceased {
			continue
		}
		if err := mailMember(tx, linkBase, s.member, notify.EventSharesTransferred, t.ID+":"+s.direction, func(lang string) (map[string]string, error) {
			return map[string]string{"direction": s.direction, "counterparty": s.other.Name, "class": classTitle(class),
				"shares": strconv.FormatInt(t.Shares, 10), "share_numbers": FormatRanges(t.ShareNumbers),
				"amount": cooperative.FormatEuro(value, lang), "date": string(t.Date)}, nil
		}, t.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

// classTitle is a share class as members read it: its name, or its code without one.
func classTitle(c membership.ShareClass) string {
	if c.Name != "" {
		return c.Name
	}
	return c.Code
}
