package handlers

import (
	"time"

	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// Response bodies of the share register and the subscriptions. The domain types are also
// the stored documents (their stored form is pinned by cooperative's golden files), so
// the API shows them through these types: the stored form can stay terse, and a field
// renamed for the API cannot change what is stored.

// shareRange is a run of share numbers. The register stores it as {"f":1,"l":10}.
type shareRange struct {
	First int64 `json:"first" doc:"The first share number of the run."`
	Last  int64 `json:"last" doc:"The last share number of the run (inclusive)."`
}

// shareRangesOf keeps nil as nil, so a list the domain leaves out stays out.
func shareRangesOf(rs []shares.ShareRange) []shareRange {
	if rs == nil {
		return nil
	}
	out := make([]shareRange, len(rs))
	for i, r := range rs {
		out[i] = shareRange{First: r.First, Last: r.Last}
	}
	return out
}

type holdingBody struct {
	CooperativeID string       `json:"cooperativeId"`
	MemberID      string       `json:"memberId"`
	Class         string       `json:"class"`
	Shares        int64        `json:"shares"`
	Ranges        []shareRange `json:"ranges" doc:"The share numbers held, in runs, lowest first."`
}

func holdingOf(h shares.Holding) holdingBody {
	return holdingBody{CooperativeID: h.CooperativeID, MemberID: h.MemberID, Class: h.Class, Shares: h.Shares,
		Ranges: shareRangesOf(h.Ranges)}
}

type transferBody struct {
	ID            string           `json:"id"`
	CooperativeID string           `json:"cooperativeId"`
	From          string           `json:"from"`
	To            string           `json:"to"`
	Class         string           `json:"class"`
	Shares        int64            `json:"shares"`
	ShareNumbers  []shareRange     `json:"shareNumbers"`
	Date          cooperative.Date `json:"date"`
	Reason        string           `json:"reason,omitempty"`
	ApprovedBy    string           `json:"approvedBy,omitempty"`
	CreatedAt     time.Time        `json:"createdAt"`
}

func transferOf(t shares.Transfer) transferBody {
	return transferBody{ID: t.ID, CooperativeID: t.CooperativeID, From: t.From, To: t.To, Class: t.Class,
		Shares: t.Shares, ShareNumbers: shareRangesOf(t.ShareNumbers), Date: t.Date, Reason: t.Reason,
		ApprovedBy: t.ApprovedBy, CreatedAt: t.CreatedAt}
}

type withdrawalBody struct {
	ID             string                  `json:"id"`
	CooperativeID  string                  `json:"cooperativeId"`
	MemberID       string                  `json:"memberId"`
	Class          string                  `json:"class"`
	Shares         int64                   `json:"shares"`
	EndsMembership bool                    `json:"endsMembership,omitempty"`
	RequestedOn    cooperative.Date        `json:"requestedOn"`
	EarliestOn     cooperative.Date        `json:"earliestOn"`
	Status         shares.WithdrawalStatus `json:"status"`
	DecidedOn      cooperative.Date        `json:"decidedOn,omitempty"`
	Reason         string                  `json:"reason,omitempty"`
	AmountCents    int64                   `json:"amountCents" doc:"Payable to the member."`
	ShareNumbers   []shareRange            `json:"shareNumbers,omitempty"`
}

func withdrawalOf(w shares.Withdrawal) withdrawalBody {
	return withdrawalBody{ID: w.ID, CooperativeID: w.CooperativeID, MemberID: w.MemberID, Class: w.Class,
		Shares: w.Shares, EndsMembership: w.EndsMembership, RequestedOn: w.RequestedOn, EarliestOn: w.EarliestOn,
		Status: w.Status, DecidedOn: w.DecidedOn, Reason: w.Reason, AmountCents: w.AmountCents,
		ShareNumbers: shareRangesOf(w.ShareNumbers)}
}

type subscriptionBody struct {
	ID                    string                    `json:"id"`
	CooperativeID         string                    `json:"cooperativeId"`
	OfferingID            string                    `json:"offeringId"`
	MemberID              string                    `json:"memberId"`
	Class                 string                    `json:"class"`
	Order                 int64                     `json:"order" doc:"1, 2, 3, … per offering: first come."`
	Shares                int64                     `json:"shares"`
	AmountCents           int64                     `json:"amountCents"`
	Status                shares.SubscriptionStatus `json:"status"`
	SubscribedAt          time.Time                 `json:"subscribedAt"`
	PaidOn                cooperative.Date          `json:"paidOn,omitempty"`
	BankReference         string                    `json:"bankReference,omitempty"`
	Allocated             int64                     `json:"allocatedShares"`
	RefundCents           int64                     `json:"refundCents"`
	ShareNumbers          []shareRange              `json:"shareNumbers,omitempty"`
	IssuedOn              cooperative.Date          `json:"issuedOn,omitempty"`
	TransferRefundedCents int64                     `json:"transferRefundedCents,omitempty" doc:"What of the money owed back was recorded as paid back by bank transfer."`
	PayoutRefundCents     int64                     `json:"payoutRefundCents,omitempty" doc:"What of the money owed back was handed to payouts, to go out with a payout batch."`
	IdempotencyKey        string                    `json:"idempotencyKey,omitempty"`
	WithdrawnAt           time.Time                 `json:"withdrawnAt,omitzero"`
	WithdrawReason        string                    `json:"withdrawReason,omitempty"`
	WaitingList           *waitingListPlace         `json:"waitingList,omitempty" doc:"Set on a first-come subscription made when the cap was already subscribed: it waits its turn, and closing gives the cap down the list in order to the paid subscriptions that can be allocated; the rest is refunded."`
}

// SubscriptionBody names subscriptionBody for embedding (subscriptionDetail): huma
// documents the fields of an embedded struct only when its name is exported.
type SubscriptionBody = subscriptionBody

type waitingListPlace struct {
	SharesAhead int64 `json:"sharesAhead" doc:"Shares subscribed before this subscription when it was made."`
	CapShares   int64 `json:"capShares" doc:"The offering's cap."`
}

func subscriptionOf(s shares.Subscription) subscriptionBody {
	b := subscriptionBody{ID: s.ID, CooperativeID: s.CooperativeID, OfferingID: s.OfferingID, MemberID: s.MemberID,
		Class: s.Class, Order: s.Order, Shares: s.Shares, AmountCents: s.AmountCents, Status: s.Status,
		SubscribedAt: s.SubscribedAt, PaidOn: s.PaidOn, BankReference: s.BankReference, Allocated: s.Allocated,
		RefundCents: s.RefundCents, ShareNumbers: shareRangesOf(s.ShareNumbers), IssuedOn: s.IssuedOn,
		TransferRefundedCents: s.TransferRefundedCents, PayoutRefundCents: s.PayoutRefundCents, IdempotencyKey: s.IdempotencyKey, WithdrawnAt: s.WithdrawnAt,
		WithdrawReason: s.WithdrawReason}
	if w := s.WaitingList; w != nil {
		b.WaitingList = &waitingListPlace{SharesAhead: w.SharesAhead, CapShares: w.CapShares}
	}
	return b
}

// subscriptionsOf answers a list that is never null.
func subscriptionsOf(list []shares.Subscription) []subscriptionBody {
	out := make([]subscriptionBody, len(list))
	for i, s := range list {
		out[i] = subscriptionOf(s)
	}
	return out
}

// holdingsOf answers a list that is never null.
func holdingsOf(list []shares.Holding) []holdingBody {
	out := make([]holdingBody, len(list))
	for i, h := range list {
		out[i] = holdingOf(h)
	}
	return out
}
