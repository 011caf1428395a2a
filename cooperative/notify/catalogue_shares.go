package notify

// The kinds of mail shares brings to the catalogue (catalogue.go lists the parts).

const (
	// EventSubscriptionWithdrawn tells a member that a subscription of theirs was
	// withdrawn before allocation (WithdrawSubscription), by whom, and how any money
	// received comes back.
	EventSubscriptionWithdrawn NotificationEvent = "subscription_withdrawn"
	// EventWithdrawalRequested tells each board member that a member asked to have
	// shares redeemed (RequestWithdrawal): the board decides it after the notice period.
	EventWithdrawalRequested NotificationEvent = "withdrawal_requested"
)

var sharesCatalogue = CataloguePart{Owner: "shares", Kinds: []NotificationSpec{
	// A withdrawal releases shares and may owe money back: a legal notice, whoever
	// withdrew. offering is the share class's name; amount and the refunds are
	// written out in the mail's language (FormatEuro); withdrawn_by is "member" or
	// "board", and reason is the board's only (the member knows their own).
	// refund_online is what comes back through the payment provider, refund_transfer
	// what the board pays back by bank transfer: one of them, or neither when nothing
	// was received.
	{Event: EventSubscriptionWithdrawn, Mandatory: true,
		Fields:   []string{"cooperative", "offering", "shares", "amount", "withdrawn_by"},
		Optional: []string{"reason", "refund_online", "refund_transfer"}},
	// A request the board must decide: mandatory for the board. class is the share
	// class's name, amount written out in the mail's language, earliest the first
	// day it may be approved (YYYY-MM-DD); ends_membership is "yes" for a
	// resignation (the member's last shares).
	{Event: EventWithdrawalRequested, Mandatory: true,
		Fields:   []string{"cooperative", "member", "member_number", "class", "shares", "amount", "earliest"},
		Optional: []string{"ends_membership"}},
}}
