package notify

import (
	"reflect"
	"strings"
	"testing"
)

func TestTheCataloguePartsDeclareNothingTwice(t *testing.T) {
	if err := checkCatalogue(catalogueParts()); err != nil {
		t.Fatal(err)
	}
}

func TestCheckCatalogueRefusesAKindDeclaredTwice(t *testing.T) {
	for name, tc := range map[string]struct {
		parts []CataloguePart
		want  string
	}{
		"in two parts": {[]CataloguePart{identityCatalogue, {Owner: "bonds", Kinds: []NotificationSpec{{Event: EventInvitation}}}},
			"mail invitation is declared by identity and by bonds"},
		"as the unsubscribe scope": {[]CataloguePart{{Owner: "bonds", Kinds: []NotificationSpec{{Event: AllNotifications}}}},
			"mail all is declared by the unsubscribe scope and by bonds"},
		"without a name": {[]CataloguePart{{Owner: "bonds", Kinds: []NotificationSpec{{Mandatory: true}}}},
			"bonds declares a kind of mail without a name"},
	} {
		err := checkCatalogue(tc.parts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

// The chart as ledger.go listed it before the capabilities brought their own parts:
// the union must be exactly these accounts, codes, types and per-member flags, or
// stored journals and balances would no longer validate.

func TestTheCatalogueIsTheOneOutboxGoListed(t *testing.T) {
	want := map[NotificationEvent]NotificationSpec{}
	for _, s := range []NotificationSpec{
		{Event: "email_verification", Mandatory: true, Fields: []string{"link"}},
		{Event: "password_reset", Mandatory: true, Fields: []string{"link"}},
		{Event: "application_received", Fields: []string{"cooperative"}},
		{Event: "application_approved", Mandatory: true, Fields: []string{"cooperative", "member_number"}, Optional: []string{"link"}},
		{Event: "application_rejected", Mandatory: true, Fields: []string{"cooperative"}, Optional: []string{"reason"}},
		{Event: "invitation", Mandatory: true, Fields: []string{"link", "cooperative", "role"}},
		{Event: "role_granted", Mandatory: true, Fields: []string{"cooperative", "person", "role", "via"}, Optional: []string{"by"}},
		{Event: "recovery_code_used", Mandatory: true, Fields: []string{"remaining"}},
		{Event: "recovery_codes_replaced", Mandatory: true},
		{Event: "authenticator_replaced", Mandatory: true},
		{Event: "payment_failed", Mandatory: true, Fields: []string{"cooperative", "amount", "reference"}, Optional: []string{"reason", "shares_cancelled"}},
		{Event: "subscription_withdrawn", Mandatory: true, Fields: []string{"cooperative", "offering", "shares", "amount", "withdrawn_by"},
			Optional: []string{"reason", "refund_online", "refund_transfer"}},
		{Event: "withdrawal_requested", Mandatory: true, Fields: []string{"cooperative", "member", "member_number", "class", "shares", "amount", "earliest"},
			Optional: []string{"ends_membership"}},
		{Event: "payout_account_confirmation", Mandatory: true, Fields: []string{"cooperative", "link", "iban", "account_holder"}},
		{Event: "payout_account_changed", Mandatory: true, Fields: []string{"cooperative", "iban", "at"}, Optional: []string{"changed_by"}},
		{Event: "payout_returned", Mandatory: true, Fields: []string{"cooperative", "amount", "iban", "reason"}},
		{Event: "application_submitted", Fields: []string{"cooperative", "applicant", "kind"}},
		{Event: "payment_received", Mandatory: true, Fields: []string{"cooperative", "offering", "shares", "amount", "reference", "paid_on"},
			Optional: []string{"link"}},
		{Event: "allocation_result", Mandatory: true, Fields: []string{"cooperative", "offering", "asked", "allocated", "amount"},
			Optional: []string{"share_numbers", "refund", "refund_online", "link"}},
		{Event: "withdrawal_decided", Mandatory: true, Fields: []string{"cooperative", "decision", "class", "shares", "amount"},
			Optional: []string{"share_numbers", "ends_membership", "reason", "link"}},
		{Event: "shares_transferred", Mandatory: true,
			Fields:   []string{"cooperative", "direction", "counterparty", "class", "shares", "share_numbers", "amount", "date"},
			Optional: []string{"link"}},
	} {
		want[s.Event] = s
	}
	got := map[NotificationEvent]NotificationSpec{}
	for _, s := range NotificationEvents() {
		got[s.Event] = s
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("catalogue:\n got %+v\nwant %+v", got, want)
	}
	if EventApplicationReceived.Mandatory() || !NotificationEvent("no_such_mail").Mandatory() || !EventInvitation.Mandatory() {
		t.Fatal("Mandatory: application_received may be turned off; invitation and unknown kinds may not")
	}
}

// The tables are handed out as copies: a caller changing what it got changes nothing.

func TestTheCatalogueCannotBeChangedThroughWhatItHandsOut(t *testing.T) {
	s, _ := EventInvitation.Spec()
	s.Fields[0] = "changed"
	NotificationEvents()[0].Fields[0] = "changed"
	if s, _ := EventInvitation.Spec(); s.Fields[0] != "link" {
		t.Fatalf("invitation's fields became %v", s.Fields)
	}
	if err := checkCatalogue(catalogueParts()); err != nil || identityCatalogue.Kinds[0].Fields[0] != "link" {
		t.Fatalf("the catalogue changed: %v %v", err, identityCatalogue.Kinds[0])
	}
}
