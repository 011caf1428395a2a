// Package payments is money coming in: a payment per thing paid for, Stripe's events,
// bank statement lines matched by RF reference, the review queue for what is not posted
// on its own, refunds, and the cooperative's Stripe credentials. What the money is for is
// reached only through Payable (payable.go).
package payments
