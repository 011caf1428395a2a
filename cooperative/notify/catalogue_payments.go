package notify

// The kinds of mail payments brings to the catalogue (catalogue.go lists the parts).

// EventPaymentFailed tells a member that a payment that looked paid failed after all
// (a SEPA Direct Debit returned days later) and what that did to the subscription.
const EventPaymentFailed NotificationEvent = "payment_failed"

var paymentsCatalogue = CataloguePart{Owner: "payments", Kinds: []NotificationSpec{
	// A late payment failure moves money and may cancel shares: a legal notice.
	// amount is written out in the mail's language (FormatEuro); shares_cancelled
	// is "yes" when the subscription's shares were cancelled.
	{Event: EventPaymentFailed, Mandatory: true, Fields: []string{"cooperative", "amount", "reference"},
		Optional: []string{"reason", "shares_cancelled"}},
}}
