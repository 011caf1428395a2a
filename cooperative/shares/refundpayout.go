package shares

import (
	"context"
	"strconv"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
)

// Refunds by payout. What a subscription owes back by bank transfer (see
// RecordTransferRefund) can be paid by Kracht itself: handed to payouts as a payable, it
// goes out with the next batch and is closed by the bank statement. Recording a
// transfer made outside Kracht stays possible for the rest.

// settledByTransfer is what of a subscription's money owed back by transfer is taken
// care of: recorded as paid back by hand, or handed to payouts.
func (s Subscription) settledByTransfer() int64 { return s.TransferRefundedCents + s.PayoutRefundCents }

// OweRefundPayout hands what subscriptionID still owes back by bank transfer to payouts:
// one payable (reason refund, on refunds payable, due today) for the whole amount. A
// subscription that owes nothing back by transfer, whose money came through Stripe, or
// that waits for allocation is refused (ERULE), as RecordTransferRefund refuses them;
// a paid subscription of a rejected applicant is taken out of its offering first.
func (reg *Registry) OweRefundPayout(ctx context.Context, actor cooperative.Actor, cooperativeID, subscriptionID string) (payouts.Payable, error) {
	var out payouts.Payable
	err := reg.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		sub, err := getSubscription(tx, cooperativeID, subscriptionID)
		if err != nil {
			return err
		}
		before := sub
		p, found, err := payments.PaymentOf(tx, sub.CooperativeID, sub.ID)
		if err != nil {
			return err
		}
		if sub.Status == SubscriptionPaid {
			if _, err := takeOutRejected(tx, &sub, now); err != nil {
				return err
			}
		}
		owed, _, err := owedByTransfer(sub, p, found)
		if err != nil {
			return err
		}
		if out, err = payouts.Owe(tx, actor, payouts.Owed{CooperativeID: cooperativeID, MemberID: sub.MemberID,
			Reason: payouts.ReasonRefund, Account: string(ledger.AccountRefundsPayable), AmountCents: owed,
			DueOn: cooperative.DateOf(now), Text: "Refund of subscription " + sub.ID[:8],
			SourceType: "subscription_refund", SourceID: sub.ID + ":" + strconv.FormatInt(sub.PayoutRefundCents, 10)}, now); err != nil {
			return err
		}
		sub.PayoutRefundCents += owed
		rec, err := tx.Replace(sub.record())
		if err != nil {
			return err
		}
		sub.version = rec.Version
		return cooperative.AppendAudit(tx, actor, cooperativeID, "subscription.refund_payout", "subscription", sub.ID, before, sub, now)
	})
	return out, err
}
