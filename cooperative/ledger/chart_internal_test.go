package ledger

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

func TestTheChartPartsDeclareNothingTwice(t *testing.T) {
	if err := checkChart(chartParts()); err != nil {
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
		"without a type": {[]ChartPart{{Owner: "bonds", Accounts: []Account{{Code: "bonds_unknown"}}}},
			"bonds declares an account without a code or type"},
	} {
		err := checkChart(tc.parts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

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
		{Code: "payouts_in_transit", Name: "Payouts in transit", Type: AccountLiability},
		{Code: "bond_subscriptions_in_advance", Name: "Bond subscriptions received in advance", Type: AccountLiability},
		{Code: "bonds_outstanding", Name: "Member bonds outstanding", Type: AccountLiability},
		{Code: "bond_payments_payable", Name: "Bond interest and principal payable to holders", Type: AccountLiability},
		{Code: "bond_interest_expense", Name: "Interest on member bonds", Type: AccountExpense},
		{Code: "withholding_tax_payable", Name: "Withholding tax payable", Type: AccountLiability},
		{Code: "bond_redemption_penalties_income", Name: "Early redemption penalties", Type: AccountIncome},
		{Code: "result_for_appropriation", Name: "Result for appropriation", Type: AccountEquity},
		{Code: "reserves", Name: "Reserves", Type: AccountEquity},
		{Code: "community_fund", Name: "Community fund", Type: AccountLiability},
		{Code: "dividends_payable", Name: "Dividends and patronage refunds payable", Type: AccountLiability},
		{Code: "grants_payable", Name: "Grants payable to projects", Type: AccountLiability},
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
	member := cooperative.NewID()
	for account, want := range map[string]string{
		"bank":                             "",
		"member_capital:" + member:         "",
		"refunds_payable":                  "",
		"membership_fees_income":           "",
		"member_capital":                   "account member_capital is kept per member: use member_capital:<member id>",
		"member_capital:no spaces":         "account member_capital is kept per member",
		"bank:" + member:                   "account bank has no sub-accounts",
		"bonds_unknown":                    `account "bonds_unknown" is not in the chart of accounts`,
		"membership_fees_income:" + member: "account membership_fees_income has no sub-accounts",
	} {
		err := checkAccount(account)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", account, err)
		case want != "" && (cooperative.ErrorCode(err) != cooperative.EINVALID || !strings.Contains(cooperative.ErrorMessage(err), want)):
			t.Errorf("%s: %v, want EINVALID %q", account, err, want)
		}
	}
}

// The catalogue as outbox.go listed it before: same kinds, fields and mandatory flags.

// The chart is handed out as a copy: a caller changing what it got changes nothing.
func TestTheChartCannotBeChangedThroughWhatItHandsOut(t *testing.T) {
	ChartOfAccounts()[0].Code = "changed"
	if _, ok := chartAccount(paymentsChart.Accounts[0].Code); !ok || paymentsChart.Accounts[0].Code != AccountBank {
		t.Fatal("the chart changed")
	}
}
