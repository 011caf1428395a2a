package payments

import (
	"context"
	"slices"
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
)

// The accountant's view of payments: to assign an unmatched bank credit to a payment
// they must find its id, by subscription, reference, status or method.

// Payment methods, as the list filters them: how the money came (Channel), or none
// while nothing has been received.
const (
	MethodStripe   = "stripe"
	MethodTransfer = "transfer"
	MethodNone     = "none"
)

// Method is how the payment's money came, or MethodNone while nothing has.
func (p Payment) Method() string {
	if p.Channel == "" {
		return MethodNone
	}
	return p.Channel
}

// PaymentFilter narrows ListPayments; zero fields do not filter.
type PaymentFilter struct {
	Status         PaymentStatus
	Method         string
	Reference      string // as the member quoted it: case and spaces do not matter
	SubscriptionID string
}

var paymentStatuses = []PaymentStatus{PaymentPending, PaymentProcessing, PaymentPaid, PaymentFailed, PaymentReversed,
	PaymentRefunded, PaymentDisputed, PaymentWithdrawn, PaymentDisputeLost}

// ListPayments returns a page of a cooperative's payments in the order they were made.
// A reference or a subscription is looked up by its index; status and method filter the
// cooperative's payments, reading a bounded number per page (see findWhere), so a page
// may be short and still have a next cursor.
func (ps *Payments) ListPayments(ctx context.Context, cooperativeID string, f PaymentFilter, after string, limit int) ([]Payment, string, error) {
	if err := cooperative.CheckCursor(after); err != nil {
		return nil, "", err
	}
	if f.Status != "" && !slices.Contains(paymentStatuses, f.Status) {
		return nil, "", cooperative.Errorf(cooperative.EINVALID, "status %q is not a payment status", f.Status)
	}
	switch f.Method {
	case "", MethodStripe, MethodTransfer, MethodNone:
	default:
		return nil, "", cooperative.Errorf(cooperative.EINVALID, "method must be stripe, transfer or none")
	}
	q := cooperative.Query{Collection: collectionPayments, Index: "cooperative", Value: cooperativeID, After: after}
	switch {
	case f.Reference != "":
		ref := strings.ToUpper(strings.Join(strings.Fields(f.Reference), ""))
		if !plausibleRF(ref) {
			return nil, "", cooperative.Errorf(cooperative.EINVALID, "reference must be an RF creditor reference, e.g. RF18 5390 0754 7034")
		}
		q.Index, q.Value = "reference", ref
	case f.SubscriptionID != "":
		if !cooperative.ValidID(f.SubscriptionID) {
			return nil, "", cooperative.Errorf(cooperative.EINVALID, "%q is not a subscription id", f.SubscriptionID)
		}
		q.Index, q.Value = "subscription", f.SubscriptionID
	}
	var (
		list []Payment
		next string
	)
	err := ps.run.View(ctx, func(tx cooperative.Tx) (err error) {
		list, next, err = cooperative.FindWhere(tx, q, limit, func(p Payment) bool {
			return p.CooperativeID == cooperativeID && (f.Status == "" || p.Status == f.Status) &&
				(f.Method == "" || p.Method() == f.Method) && (f.SubscriptionID == "" || p.SubscriptionID == f.SubscriptionID)
		})
		return err
	})
	return list, next, err
}
