package notify

// The kinds of mail identity brings to the catalogue (catalogue.go lists the parts).

const (
	EventEmailVerification NotificationEvent = "email_verification"
	EventPasswordReset     NotificationEvent = "password_reset"
	EventInvitation        NotificationEvent = "invitation"
	// EventRoleGranted tells a cooperative's board that someone was given a role there.
	EventRoleGranted NotificationEvent = "role_granted"
	// EventRecoveryCodeUsed tells someone that one of their recovery codes was used to
	// sign in, and how many are left.
	EventRecoveryCodeUsed NotificationEvent = "recovery_code_used"
	// EventRecoveryCodesReplaced tells someone that a new set of recovery codes was made
	// for their account and the old one stopped working.
	EventRecoveryCodesReplaced NotificationEvent = "recovery_codes_replaced"
	// EventAuthenticatorReplaced tells someone that their two-factor authentication was
	// moved to a new authenticator app and the old one stopped working.
	EventAuthenticatorReplaced NotificationEvent = "authenticator_replaced"
)

var identityCatalogue = CataloguePart{Owner: "identity", Kinds: []NotificationSpec{
	{Event: EventEmailVerification, Mandatory: true, Fields: []string{"link"}},
	{Event: EventPasswordReset, Mandatory: true, Fields: []string{"link"}},
	// An invitation to take a role (member, board, accountant) in a cooperative; role
	// is the Role's code, which the templates put into words.
	{Event: EventInvitation, Mandatory: true, Fields: []string{"link", "cooperative", "role"}},
	// A security notice to each board member: who (person, an address) now holds which
	// role, and how: via is "invitation" (accepted one) or "board" (roles changed by a
	// board member); by is the inviter's or that board member's address.
	{Event: EventRoleGranted, Mandatory: true, Fields: []string{"cooperative", "person", "role", "via"},
		Optional: []string{"by"}},
	// A security notice: if someone else used the code, the owner must hear of it.
	// remaining is a number ("0" when none are left).
	{Event: EventRecoveryCodeUsed, Mandatory: true, Fields: []string{"remaining"}},
	// Security notices too: whoever got hold of a session with the second factor must
	// not be able to swap the codes or the authenticator without the owner hearing.
	{Event: EventRecoveryCodesReplaced, Mandatory: true},
	{Event: EventAuthenticatorReplaced, Mandatory: true},
}}
