// Package payouts is money going out: every amount the cooperative owes a person is a
// Payable (a share redemption, a refund, bond interest or principal, a dividend, a
// grant), made in the transaction that posts the liability by the capability that owes
// it (Owe). An accountant gathers due payables into a Batch; a second person approves
// it, and from then on it is frozen; its file (pain.001, written by payments/sepa from
// Instruction) goes to the bank; marking it sent moves the money to payouts in transit.
// The bank statement closes the loop: payments hands every booked line that carries
// one of Kracht's end-to-end ids to Statement, which posts a debit out of transit and
// a return back onto the payable, reopened.
//
// The ledger, per payout of amount A on liability L (a payable sits on L from the
// moment it is owed):
//
//	batch marked sent     Dr L             / Cr payouts in transit   (one entry per batch, per account)
//	debits on a statement Dr in transit    / Cr bank                 (one entry per booking date and batch of lines)
//	payment returned      Dr bank          / Cr L                    (the payable is open again)
//
// Debits are posted together, as a bank books a batch, and each payout keeps the
// statement line that paid it. Each entry is keyed, so each is made once whatever the
// order in which statements are imported: a return booked before its debit leaves transit and bank where they
// should be once both are in. No amount is ever split or rounded: a payout is its
// payable's amount to the cent, and a batch's control sum is the sum of its payments.
package payouts
