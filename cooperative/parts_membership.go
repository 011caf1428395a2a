package cooperative

// What membership (applications, members and their lifecycle) brings to the chart of
// accounts and the mail catalogue; listed in parts.go.

// AccountMembershipFees is the income of membership fees (a payment with purpose
// PurposeMembershipFee is received to it).
const AccountMembershipFees AccountCode = "membership_fees_income"

var membershipChart = ChartPart{Owner: "membership", Accounts: []Account{
	{Code: AccountMembershipFees, Name: "Membership fees", Type: AccountIncome},
}}

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
