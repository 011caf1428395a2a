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
	// EventPaymentReceived is the member's receipt for a share subscription's payment,
	// however it came (Stripe, a matched bank transfer, the accountant's record).
	EventPaymentReceived NotificationEvent = "payment_received"
	// EventAllocationResult tells a member who paid for a subscription what the closing
	// of its offering gave them: how many of the shares asked for, and the refund.
	EventAllocationResult NotificationEvent = "allocation_result"
	// EventWithdrawalDecided tells a member the board's decision on their withdrawal
	// request (DecideWithdrawal).
	EventWithdrawalDecided NotificationEvent = "withdrawal_decided"
	// EventSharesTransferred tells each side of a transfer (Transfer) which shares moved.
	EventSharesTransferred NotificationEvent = "shares_transferred"
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
	// Receipts of money are mandatory: the member must be able to keep one for every
	// euro. offering is the share class's name, amount written out, paid_on
	// YYYY-MM-DD; link is the member's page when the public URL is known.
	{Event: EventPaymentReceived, Mandatory: true,
		Fields:   []string{"cooperative", "offering", "shares", "amount", "reference", "paid_on"},
		Optional: []string{"link"}},
	// The outcome of the member's money: mandatory. asked and allocated are numbers
	// ("0" when nothing could be allocated); share_numbers ("1-10, 15") when some were;
	// refund written out when less than paid was used, refund_online "yes" when it goes
	// back through the payment provider (else the board pays it back by transfer).
	{Event: EventAllocationResult, Mandatory: true,
		Fields:   []string{"cooperative", "offering", "asked", "allocated", "amount"},
		Optional: []string{"share_numbers", "refund", "refund_online", "link"}},
	// A decision on the member's money: mandatory. decision is "approved" or
	// "rejected"; class the share class's name; amount (nominal value) written out;
	// share_numbers the cancelled ones and ends_membership "yes" on an approval that
	// ends the membership; reason the board's, if it gave one.
	{Event: EventWithdrawalDecided, Mandatory: true,
		Fields:   []string{"cooperative", "decision", "class", "shares", "amount"},
		Optional: []string{"share_numbers", "ends_membership", "reason", "link"}},
	// A change of what the member owns: mandatory, to both sides. direction is "given"
	// (to the member who gave them) or "received"; counterparty the other member's
	// name; date YYYY-MM-DD; amount the nominal value written out.
	{Event: EventSharesTransferred, Mandatory: true,
		Fields:   []string{"cooperative", "direction", "counterparty", "class", "shares", "share_numbers", "amount", "date"},
		Optional: []string{"link"}},
}}
