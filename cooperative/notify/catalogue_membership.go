package notify

// The kinds of mail membership brings to the catalogue (catalogue.go lists the parts).

const (
	EventApplicationReceived NotificationEvent = "application_received"
	EventApplicationApproved NotificationEvent = "application_approved"
	EventApplicationRejected NotificationEvent = "application_rejected"
	// EventPayoutAccountConfirmation carries the link that confirms a member's change of
	// payout account, to the address on file.
	EventPayoutAccountConfirmation NotificationEvent = "payout_account_confirmation"
	// EventPayoutAccountChanged tells a member, at the address on file before the change,
	// that the account their payouts go to changed.
	EventPayoutAccountChanged NotificationEvent = "payout_account_changed"
	// EventApplicationSubmitted tells each board member that someone applied for
	// membership (Apply): the board decides it.
	EventApplicationSubmitted NotificationEvent = "application_submitted"
)

var membershipCatalogue = CataloguePart{Owner: "membership", Kinds: []NotificationSpec{
	// A receipt for an application is a courtesy: the legal notice is the board's
	// decision, so this one may be turned off.
	{Event: EventApplicationReceived, Fields: []string{"cooperative"}},
	{Event: EventApplicationApproved, Mandatory: true, Fields: []string{"cooperative", "member_number"},
		Optional: []string{"link"}},
	{Event: EventApplicationRejected, Mandatory: true, Fields: []string{"cooperative"},
		Optional: []string{"reason"}},
	// An answer to the member's own request. iban is the new account masked but for its
	// last four characters, account_holder the name on it.
	{Event: EventPayoutAccountConfirmation, Mandatory: true, Fields: []string{"cooperative", "link", "iban", "account_holder"}},
	// A security notice: a changed IBAN is how payouts are stolen, so the member hears of
	// it whoever changed it. at is when (UTC); changed_by is "board" when the board
	// corrected it, absent when the member did.
	{Event: EventPayoutAccountChanged, Mandatory: true, Fields: []string{"cooperative", "iban", "at"},
		Optional: []string{"changed_by"}},
	// Work for the board, not a notice about the recipient's own money or rights: a
	// cooperative launching gets hundreds of applications in a week, so a board member
	// may turn these off and read the list instead. applicant is the applicant's name,
	// kind "person" or "entity" (an organisation).
	{Event: EventApplicationSubmitted, Fields: []string{"cooperative", "applicant", "kind"}},
}}
