package notify

// The kinds of mail membership brings to the catalogue (catalogue.go lists the parts).

const (
	EventApplicationReceived NotificationEvent = "application_received"
	EventApplicationApproved NotificationEvent = "application_approved"
	EventApplicationRejected NotificationEvent = "application_rejected"
)

var membershipCatalogue = CataloguePart{Owner: "membership", Kinds: []NotificationSpec{
	// A receipt for an application is a courtesy: the legal notice is the board's
	// decision, so this one may be turned off.
	{Event: EventApplicationReceived, Fields: []string{"cooperative"}},
	{Event: EventApplicationApproved, Mandatory: true, Fields: []string{"cooperative", "member_number"},
		Optional: []string{"link"}},
	{Event: EventApplicationRejected, Mandatory: true, Fields: []string{"cooperative"},
		Optional: []string{"reason"}},
}}
