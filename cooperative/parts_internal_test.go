package cooperative

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestTheCapabilitiesPartsDeclareNothingTwice(t *testing.T) {
	if err := checkChart(chartParts()); err != nil {
		t.Fatal(err)
	}
	if err := checkCatalogue(catalogueParts()); err != nil {
		t.Fatal(err)
	}
}

func TestCheckChartRefusesAnAccountDeclaredTwice(t *testing.T) {
	bank := Account{Code: "bank", Name: "Bank", Type: AccountAsset}
	for name, tc := range map[string]struct {
		parts []ChartPart
		want  string
	}{
		"in two parts": {[]ChartPart{paymentsChart, {Owner: "bonds", Accounts: []Account{bank}}},
			"account bank is declared by payments and by bonds"},
		"in one part": {[]ChartPart{{Owner: "bonds", Accounts: []Account{bank, bank}}},
			"account bank is declared by bonds and by bonds"},
		"without a type": {[]ChartPart{{Owner: "bonds", Accounts: []Account{{Code: "bonds_payable"}}}},
			"bonds declares an account without a code or type"},
	} {
		err := checkChart(tc.parts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
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
func TestTheChartIsTheOneLedgerGoListed(t *testing.T) {
	want := []Account{
		{Code: "bank", Name: "Bank", Type: AccountAsset},
		{Code: "stripe_clearing", Name: "Payment provider clearing", Type: AccountAsset},
		{Code: "disputes_held", Name: "Disputed payments held by the payment provider", Type: AccountAsset},
		{Code: "bank_transfer_suspense", Name: "Bank transfers to be matched", Type: AccountLiability},
		{Code: "subscriptions_received_in_advance", Name: "Subscriptions received in advance", Type: AccountLiability},
		{Code: "refunds_payable", Name: "Refunds payable to members", Type: AccountLiability},
		{Code: "member_capital", Name: "Member capital", Type: AccountEquity, PerMember: true},
		{Code: "share_premium", Name: "Share premium", Type: AccountEquity},
		{Code: "membership_fees_income", Name: "Membership fees", Type: AccountIncome},
		{Code: "payment_fees_expense", Name: "Payment fees", Type: AccountExpense},
		{Code: "dispute_losses_expense", Name: "Disputed payments lost", Type: AccountExpense},
	}
	byCode := func(a, b Account) int { return strings.Compare(string(a.Code), string(b.Code)) }
	got := ChartOfAccounts()
	slices.SortFunc(got, byCode)
	slices.SortFunc(want, byCode)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("chart:\n got %+v\nwant %+v", got, want)
	}
}

func TestCheckAccountAgainstTheChart(t *testing.T) {
	member := NewID()
	for account, want := range map[string]string{
		"bank":                             "",
		"member_capital:" + member:         "",
		"refunds_payable":                  "",
		"membership_fees_income":           "",
		"member_capital":                   "account member_capital is kept per member: use member_capital:<member id>",
		"member_capital:no spaces":         "account member_capital is kept per member",
		"bank:" + member:                   "account bank has no sub-accounts",
		"bonds_payable":                    `account "bonds_payable" is not in the chart of accounts`,
		"membership_fees_income:" + member: "account membership_fees_income has no sub-accounts",
	} {
		err := checkAccount(account)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", account, err)
		case want != "" && (ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), want)):
			t.Errorf("%s: %v, want EINVALID %q", account, err, want)
		}
	}
}

// The catalogue as outbox.go listed it before: same kinds, fields and mandatory flags.
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
	ChartOfAccounts()[0].Code = "changed"
	if s, _ := EventInvitation.Spec(); s.Fields[0] != "link" {
		t.Fatalf("invitation's fields became %v", s.Fields)
	}
	if err := checkCatalogue(catalogueParts()); err != nil || identityCatalogue.Kinds[0].Fields[0] != "link" {
		t.Fatalf("the catalogue changed: %v %v", err, identityCatalogue.Kinds[0])
	}
	if _, ok := chartAccount(paymentsChart.Accounts[0].Code); !ok || paymentsChart.Accounts[0].Code != AccountBank {
		t.Fatal("the chart changed")
	}
}
