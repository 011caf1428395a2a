package cooperative

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is what a cooperative does.
type Kind string

const (
	KindEnergy Kind = "energy"
	KindCare   Kind = "care"
	KindOther  Kind = "other"
)

// Cooperative is one tenant of the platform.
type Cooperative struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Kind               Kind      `json:"kind"`
	Country            string    `json:"country"`  // ISO 3166-1 alpha-2
	Currency           string    `json:"currency"` // ISO 4217; EUR for now
	RegistrationNumber string    `json:"registrationNumber"`
	IBAN               string    `json:"iban"`
	BIC                string    `json:"bic"`
	CreatedAt          time.Time `json:"createdAt"`
}

const CollectionCooperatives = "cooperatives"

// NewCooperative is what a platform admin provides to create a cooperative.
type NewCooperative struct {
	Name               string
	Kind               Kind
	Country            string
	RegistrationNumber string
	IBAN               string
	BIC                string
}

// Validate checks a new cooperative and returns it normalised.
func (n NewCooperative) Validate() (NewCooperative, error) {
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" || utf8.RuneCountInString(n.Name) > 200 {
		return n, Errorf(EINVALID, "name must be 1 to 200 characters")
	}
	switch n.Kind {
	case KindEnergy, KindCare, KindOther:
	default:
		return n, Errorf(EINVALID, "kind must be energy, care or other")
	}
	n.Country = strings.ToUpper(strings.TrimSpace(n.Country))
	if len(n.Country) != 2 || strings.Trim(n.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return n, Errorf(EINVALID, "country must be an ISO 3166 two-letter code")
	}
	n.RegistrationNumber = strings.TrimSpace(n.RegistrationNumber)
	if n.RegistrationNumber == "" || len(n.RegistrationNumber) > 40 {
		return n, Errorf(EINVALID, "registrationNumber must be 1 to 40 characters")
	}
	iban, err := ParseIBAN(n.IBAN)
	if err != nil {
		return n, err
	}
	n.IBAN = iban
	bic, err := ParseBIC(n.BIC)
	if err != nil {
		return n, err
	}
	n.BIC = bic
	return n, nil
}

// CreateCooperative stores a new cooperative inside tx. The registration number is unique
// per country.
func CreateCooperative(tx Tx, n NewCooperative, now time.Time) (Cooperative, error) {
	n, err := n.Validate()
	if err != nil {
		return Cooperative{}, err
	}
	c := Cooperative{
		ID: NewID(), Name: n.Name, Kind: n.Kind, Country: n.Country, Currency: "EUR",
		RegistrationNumber: n.RegistrationNumber, IBAN: n.IBAN, BIC: n.BIC, CreatedAt: now.UTC(),
	}
	_, err = tx.Insert(Record{Collection: CollectionCooperatives, ID: c.ID, Data: Encode(c),
		Unique: map[string]string{"registration": c.Country + ":" + c.RegistrationNumber}})
	if ErrorCode(err) == ECONFLICT {
		return Cooperative{}, Errorf(ECONFLICT, "a cooperative with registration number %s in %s already exists",
			c.RegistrationNumber, c.Country)
	}
	return c, err
}

// GetCooperative returns one cooperative.
func GetCooperative(ctx context.Context, s Store, id string) (Cooperative, error) {
	if !ValidID(id) {
		return Cooperative{}, Errorf(EINVALID, "%q is not a cooperative id", id)
	}
	var c Cooperative
	rec, err := s.Get(ctx, CollectionCooperatives, id)
	if ErrorCode(err) == ENOTFOUND {
		return c, Errorf(ENOTFOUND, "cooperative %s not found", id)
	}
	if err != nil {
		return c, err
	}
	return c, Decode(rec, &c)
}

// ListCooperatives returns one page of cooperatives in creation order, and the cursor of
// the next page ("" when this is the last).
func ListCooperatives(ctx context.Context, s Store, after string, limit int) ([]Cooperative, string, error) {
	return ListPage[Cooperative](ctx, s, Query{Collection: CollectionCooperatives, After: after, Limit: limit})
}

// getCooperativeTx reads a cooperative inside tx with a caller-safe error.
func GetCooperativeTx(tx Tx, id string) (Cooperative, error) {
	if !ValidID(id) {
		return Cooperative{}, Errorf(EINVALID, "%q is not a cooperative id", id)
	}
	c, _, err := GetAs[Cooperative](tx, CollectionCooperatives, id)
	if ErrorCode(err) == ENOTFOUND {
		return c, Errorf(ENOTFOUND, "cooperative %s not found", id)
	}
	return c, err
}
