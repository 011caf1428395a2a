package ledger

import "fmt"

// The chart of accounts: the accounts every capability brings (chart_<capability>.go),
// one line per capability in chartParts. Fixed tables, not state: nothing registers
// itself and nothing changes them.

// ChartPart is the accounts one capability brings to the chart.
type ChartPart struct {
	Owner    string
	Accounts []Account
}

// chartParts is the chart of accounts, one part per capability.
func chartParts() []ChartPart {
	return []ChartPart{
		paymentsChart,
		sharesChart,
		membershipChart,
		payoutsChart,
		bondsChart,
		distributionChart,
		fundChart,
	}
}

// ChartOfAccounts returns the chart every cooperative's ledger uses: the accounts of
// every capability, in the order of chartParts. Each cooperative has its own journal, so
// its accounts are its own; the codes are shared so that reports can name them.
func ChartOfAccounts() []Account {
	var out []Account
	for _, p := range chartParts() {
		out = append(out, p.Accounts...)
	}
	return out
}

// chartAccount returns the account of the chart with this code.
func chartAccount(code AccountCode) (Account, bool) {
	for _, p := range chartParts() {
		for _, a := range p.Accounts {
			if a.Code == code {
				return a, true
			}
		}
	}
	return Account{}, false
}

// checkChart refuses parts that declare an account twice, in one part or in two (the
// second would never be found, and two capabilities would post to one account each
// thinking it their own), or an account without a code or type.
func checkChart(parts []ChartPart) error {
	owner := map[AccountCode]string{}
	for _, p := range parts {
		for _, a := range p.Accounts {
			if a.Code == "" || a.Type == "" {
				return fmt.Errorf("%s declares an account without a code or type: %+v", p.Owner, a)
			}
			if o, dup := owner[a.Code]; dup {
				return fmt.Errorf("account %s is declared by %s and by %s", a.Code, o, p.Owner)
			}
			owner[a.Code] = p.Owner
		}
	}
	return nil
}
