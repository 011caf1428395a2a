package notify

// The kinds of mail payouts brings to the catalogue (catalogue.go lists the parts).

// EventPayoutReturned tells a member that the bank sent a payout to them back (the
// account closed, a wrong number, …): the amount is owed still, and is paid again once
// they give an account that works.
const EventPayoutReturned NotificationEvent = "payout_returned"

var payoutsCatalogue = CataloguePart{Owner: "payouts", Kinds: []NotificationSpec{
	// Money owed to the member that did not reach them: mandatory. amount in the mail's
	// language, iban masked to its last four characters, reason the bank's
	// code with its meaning ("AC04: the account is closed").
	{Event: EventPayoutReturned, Mandatory: true, Fields: []string{"cooperative", "amount", "iban", "reason"}},
}}
