package fund

import (
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
)

// balanceOfFund is the credit balance of community_fund: what the fund holds, awarded
// grants already taken off.
func balanceOfFund(tx cooperative.Tx, cooperativeID string) (int64, error) {
	all, err := ledger.AccountBalances(tx, cooperativeID, roundBalanceAsOfDate)
	if err != nil {
		return 0, err
	}
	return -all[string(ledger.AccountCommunityFund)], nil
}

// balanceReserved is what rounds not closed still hold: their budgets less what they
// granted.
func balanceReserved(rounds []Round) (int64, error) {
	var reserved int64
	for _, r := range rounds {
		if r.Status == RoundClosed {
			continue
		}
		var err error
		if reserved, err = cooperative.AddMoney(reserved, r.BudgetCents-r.GrantedCents); err != nil {
			return 0, err
		}
	}
	return reserved, nil
}
