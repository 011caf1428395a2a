// Package shares is the share register: offerings and their subscriptions, allocation,
// the register of who held which shares from when to when (with its checkpoints),
// transfers, withdrawals, certificates and the register export. A share subscription is
// something payments can take money for: it implements payments.Payable
// (subscriptionpayment.go), and StandardPayables lists what Kracht takes payments for.
//
// # Allocating an offering
//
// When an offering closes (Registry.CloseOffering), its cap goes to the subscriptions
// that can be allocated: those paid by then whose subscriber is an active member at
// closing. An applicant admitted before closing takes part; one not admitted, rejected,
// or a member who left does not, and gets all their money back. Pending subscriptions
// lapse. Each subscription can be given at most its shares, and no member more than the
// statutes' maximum per member less what they already hold.
//
// When what can be allocated fits the cap, everyone gets it. Otherwise:
//
//   - first come: in the order the subscriptions came in, each takes what it can of what
//     is left. A full first-come offering keeps taking subscriptions on a waiting list
//     (Subscription.WaitingList says how many shares were ahead), because what is ahead
//     may lapse, be withdrawn or belong to someone who cannot be allocated;
//   - pro rata: first each member gets what they lack of the class minimum (so scaling
//     down leaves no one below it who asked for enough), in subscription order while the
//     cap lasts; the rest of the cap is split in proportion to what each asked beyond
//     that, in whole shares by largest remainder: each gets the whole part of its exact
//     quota, and the shares left over go one each to the largest fractional parts. Ties
//     go to the earlier subscription (its order number, then time, then id), so the same
//     round always allocates the same way, and exactly the cap is issued.
//
// What a subscription paid and was not allocated goes to refunds payable in the same
// entry as its shares: it is refunded through Stripe when it came that way, else paid
// back by bank transfer by the board.
package shares
