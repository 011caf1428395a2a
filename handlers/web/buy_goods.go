package web

import (
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// shareGoods are shares in an offering (cooperative/shares).
func (w *Web) shareGoods() goods {
	return goods{Kind: "shares", OfferPath: "offerings", SubPath: "subscriptions",
		offer: func(req *request, coopID, id string) (offer, error) {
			o, err := w.opts.Registry.GetOffering(req.ctx(), coopID, id)
			if err != nil {
				return offer{}, err
			}
			now := w.now()
			open, left := offeringNow(o, now)
			v := offer{ID: o.ID, Title: o.Class, Price: o.PriceCents, Min: o.MinPerSubscription,
				Max: min(o.MaxPerSubscription, o.MaxPerMember), Left: left, ClosesAt: o.ClosesAt, Open: open}
			if st, err := w.opts.Members.StatutesOn(req.ctx(), coopID, cooperative.DateOf(now)); err == nil {
				if c, ok := st.Class(o.Class); ok {
					v.Title = c.Name
				}
			}
			return v, nil
		},
		subscribe: func(req *request, coopID, offerID, memberID string, n int64, key string) (string, error) {
			s, err := w.opts.Registry.Subscribe(req.ctx(), shares.SubscriptionRequest{CooperativeID: coopID,
				OfferingID: offerID, MemberID: memberID, Shares: n, IdempotencyKey: key})
			return s.ID, err
		},
		subscription: func(req *request, coopID, id string) (payable, error) {
			s, err := w.opts.Registry.GetSubscription(req.ctx(), coopID, id)
			paid := s.Status == shares.SubscriptionPaid || s.Status == shares.SubscriptionAllocated ||
				s.Status == shares.SubscriptionRefunded
			return payable{ID: s.ID, MemberID: s.MemberID, Units: s.Shares, Amount: s.AmountCents, Status: string(s.Status),
				Pending: s.Status == shares.SubscriptionPending, Paid: paid}, err
		},
	}
}

// bondGoods are bond units of an issue (cooperative/bonds).
func (w *Web) bondGoods() goods {
	return goods{Kind: "bonds", OfferPath: "bond-issues", SubPath: "bond-subscriptions",
		offer: func(req *request, coopID, id string) (offer, error) {
			i, err := w.opts.Bonds.GetIssue(req.ctx(), coopID, id)
			if err != nil {
				return offer{}, err
			}
			open, left := issueNow(i, w.now())
			return offer{ID: i.ID, Title: i.Name, Price: i.Terms.DenominationCents, Min: max(i.MinPerMember, 1),
				Max: i.MaxPerMember, Left: left, ClosesAt: i.ClosesAt, Open: open,
				Coupon: couponPercent(i.Terms.CouponBP, req.lang), TermMonths: i.Terms.TermMonths}, nil
		},
		subscribe: func(req *request, coopID, issueID, memberID string, n int64, key string) (string, error) {
			s, err := w.opts.Bonds.Subscribe(req.ctx(), bonds.SubscriptionRequest{CooperativeID: coopID,
				IssueID: issueID, MemberID: memberID, Units: n, IdempotencyKey: key})
			return s.ID, err
		},
		subscription: func(req *request, coopID, id string) (payable, error) {
			s, err := w.opts.Bonds.GetSubscription(req.ctx(), coopID, id)
			paid := s.Status == bonds.SubscriptionPaid || s.Status == bonds.SubscriptionAllocated ||
				s.Status == bonds.SubscriptionRefunded
			return payable{ID: s.ID, MemberID: s.MemberID, Units: s.Units, Amount: s.AmountCents, Status: string(s.Status),
				Pending: s.Status == bonds.SubscriptionPending, Paid: paid}, err
		},
	}
}

// offeringNow says whether o takes subscriptions at now, and how many shares are left
// under its cap: the buying page and the cooperative's page agree.
func offeringNow(o shares.Offering, now time.Time) (open bool, left int64) {
	return o.Status == shares.OfferingOpen && !now.Before(o.OpensAt) && now.Before(o.ClosesAt),
		max(o.CapShares-o.SubscribedShare, 0)
}

// issueNow says whether i takes subscriptions at now, and how many units are left.
func issueNow(i bonds.Issue, now time.Time) (open bool, left int64) {
	return i.Status == bonds.IssueOpen && !now.Before(i.OpensAt) && now.Before(i.ClosesAt),
		max(i.SizeUnits-i.SubscribedUnits, 0)
}
