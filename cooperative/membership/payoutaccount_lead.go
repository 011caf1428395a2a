package membership

// TEMPORARY stand-in until the payee branch is merged; replaced by payoutaccount.go.

import (
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

type PayoutAccount struct {
	IBAN    string
	Holder  string
	Suspect string
}

func PayoutAccountOf(tx cooperative.Tx, cooperativeID, memberID string) (Member, PayoutAccount, error) {
	m, err := GetMember(tx, cooperativeID, memberID)
	if err != nil {
		return m, PayoutAccount{}, err
	}
	return m, PayoutAccount{IBAN: m.IBAN, Holder: m.Name}, nil
}

func MarkPayoutAccountSuspect(tx cooperative.Tx, actor cooperative.Actor, cooperativeID, memberID, iban, reason string, now time.Time) error {
	return nil
}
