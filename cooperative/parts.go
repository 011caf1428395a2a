package cooperative

// What the capabilities bring to the shared tables: their accounts to the chart of
// accounts and their kinds of mail to the catalogue. Each capability declares its part
// beside its code (parts_<capability>.go); this file is the one place that lists them,
// one line per capability, so adding one (bonds, payouts) adds a part file and a line
// here. The parts are fixed tables, not state: nothing registers itself at init and
// nothing changes them; the functions below hand out copies. At the package split the
// lists move to cmd/kracht, which hands them to the ledger and the outbox.

import (
	"fmt"
	"slices"
)

// ChartPart is the accounts one capability brings to the chart.
type ChartPart struct {
	Owner    string
	Accounts []Account
}

// CataloguePart is the kinds of mail one capability brings to the catalogue.
type CataloguePart struct {
	Owner string
	Kinds []NotificationSpec
}

// chartParts is the chart of accounts, one part per capability.
func chartParts() []ChartPart {
	return []ChartPart{
		paymentsChart,
		sharesChart,
		membershipChart,
	}
}

// catalogueParts is the mail catalogue, one part per capability.
func catalogueParts() []CataloguePart {
	return []CataloguePart{
		identityCatalogue,
		membershipCatalogue,
		sharesCatalogue,
		paymentsCatalogue,
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

// NotificationEvents returns the catalogue: every capability's kinds, in the order of
// catalogueParts.
func NotificationEvents() []NotificationSpec {
	var out []NotificationSpec
	for _, p := range catalogueParts() {
		for _, s := range p.Kinds {
			out = append(out, s.clone())
		}
	}
	return out
}

// Spec returns the catalogue entry of e, and false for an unknown event.
func (e NotificationEvent) Spec() (NotificationSpec, bool) {
	for _, p := range catalogueParts() {
		for _, s := range p.Kinds {
			if s.Event == e {
				return s.clone(), true
			}
		}
	}
	return NotificationSpec{}, false
}

// clone copies the field lists, so a caller cannot change the catalogue's table.
func (s NotificationSpec) clone() NotificationSpec {
	s.Fields, s.Optional = slices.Clone(s.Fields), slices.Clone(s.Optional)
	return s
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

// checkCatalogue refuses parts that declare a kind of mail twice, one named like the
// unsubscribe scope AllNotifications, or one without a name.
func checkCatalogue(parts []CataloguePart) error {
	owner := map[NotificationEvent]string{AllNotifications: "the unsubscribe scope"}
	for _, p := range parts {
		for _, s := range p.Kinds {
			if s.Event == "" {
				return fmt.Errorf("%s declares a kind of mail without a name", p.Owner)
			}
			if o, dup := owner[s.Event]; dup {
				return fmt.Errorf("mail %s is declared by %s and by %s", s.Event, o, p.Owner)
			}
			owner[s.Event] = p.Owner
		}
	}
	return nil
}
