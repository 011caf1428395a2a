package fund

// Direct donations: anyone signed in gives to the fund through the existing payment
// flows. A donation is a record saying who gave and whether to name them; its payment
// (purpose donation) is made by the checkout through DonationPayment, a PaymentMaker,
// and its receipt is a LedgerPayable crediting community_fund (shares.StandardPayables),
// so a bank transfer with the RF reference or a Stripe Checkout pays it like a share.

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

const donationCollection = "fund_donations"

// donationMaxCents bounds one donation (€1,000,000): a larger gift is arranged with
// the board, not through a checkout.
const donationMaxCents = 100_000_000

// Donation is a gift to the fund. Only a donor who chose Public is named on the fund's
// page; every other donation shows in its month's total.
type Donation struct {
	ID            string    `json:"id"`
	CooperativeID string    `json:"cooperativeId"`
	AmountCents   int64     `json:"amountCents"`
	Name          string    `json:"name,omitempty"`
	Public        bool      `json:"public,omitempty"`
	Email         string    `json:"email,omitempty"` // who is told when the payment fails: never public
	Language      string    `json:"language,omitempty"`
	UserID        string    `json:"userId,omitempty"`
	PaymentID     string    `json:"paymentId,omitempty"` // set once its payment is made
	CreatedAt     time.Time `json:"createdAt"`
}

func (d Donation) record(version int64) cooperative.Record {
	idx := map[string]string{"cooperative": d.CooperativeID}
	if d.PaymentID != "" {
		idx["payment"] = d.PaymentID
	}
	return cooperative.Record{Collection: donationCollection, ID: d.ID, Version: version, Data: cooperative.Encode(d), Index: idx}
}

// NewDonation is what a donor gives.
type NewDonation struct {
	AmountCents int64
	Name        string // required when Public
	Public      bool
	Email       string
	Language    string
}

// Donate records a donation by actor; pay it through the checkout (transfer
// instructions or a Checkout Session for its id).
func (f *Fund) Donate(ctx context.Context, actor cooperative.Actor, cooperativeID string, in NewDonation) (Donation, error) {
	in.Name, in.Email = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email)
	switch {
	case in.AmountCents < 100 || in.AmountCents > donationMaxCents:
		return Donation{}, cooperative.Errorf(cooperative.EINVALID, "amountCents: a donation is between €1 and €1,000,000")
	case in.Public && in.Name == "":
		return Donation{}, cooperative.Errorf(cooperative.EINVALID, "name: a donor named in public needs a name")
	case utf8.RuneCountInString(in.Name) > 120 || len(in.Email) > 254:
		return Donation{}, cooperative.Errorf(cooperative.EINVALID, "name or email is too long")
	}
	var d Donation
	err := f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if _, err := cooperative.GetCooperativeTx(tx, cooperativeID); err != nil {
			return err
		}
		d = Donation{ID: cooperative.NewID(), CooperativeID: cooperativeID, AmountCents: in.AmountCents, Name: in.Name,
			Public: in.Public, Email: in.Email, Language: in.Language, UserID: actor.UserID, CreatedAt: now.UTC()}
		if _, err := tx.Insert(d.record(0)); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "fund_donation.create", "fund_donation", d.ID, nil, d, now)
	})
	return d, err
}

// donationGet reads a donation of the cooperative and its version.
func donationGet(tx cooperative.Tx, cooperativeID, id string) (Donation, int64, error) {
	if !cooperative.ValidID(id) {
		return Donation{}, 0, cooperative.Errorf(cooperative.ENOTFOUND, "donation %s not found", id)
	}
	d, rec, err := cooperative.GetAs[Donation](tx, donationCollection, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && d.CooperativeID != cooperativeID) {
		return Donation{}, 0, cooperative.Errorf(cooperative.ENOTFOUND, "donation %s not found", id)
	}
	return d, rec.Version, err
}

// GetDonation returns one donation (for its donor).
func (f *Fund) GetDonation(ctx context.Context, cooperativeID, id string) (Donation, error) {
	var d Donation
	err := f.view(ctx, func(tx cooperative.Tx) (err error) {
		d, _, err = donationGet(tx, cooperativeID, id)
		return err
	})
	return d, err
}

// DonationPayment returns the payment of a donation, making it with reference (a new RF
// reference) on first use. It is the checkout's PaymentMaker for donations: an id that
// is not a donation is ENOTFOUND, so the checkout asks the next maker.
func (f *Fund) DonationPayment(ctx context.Context, cooperativeID, donationID, reference string) (payments.Payment, error) {
	var p payments.Payment
	err := f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		d, version, err := donationGet(tx, cooperativeID, donationID)
		if err != nil {
			return err
		}
		existing, ok, err := payments.PaymentOf(tx, cooperativeID, d.ID)
		if err != nil || ok {
			p = existing
			return err
		}
		if p, err = payments.CreatePayment(tx, payments.NewPayment{CooperativeID: cooperativeID, SubscriptionID: d.ID,
			Purpose: payments.PurposeDonation, Amount: d.AmountCents, Currency: "EUR", Reference: reference,
			PayerEmail: d.Email, PayerLanguage: d.Language}, now); err != nil {
			return err
		}
		d.PaymentID = p.ID
		_, err = tx.Replace(d.record(version))
		return err
	})
	return p, err
}

// donationsByPayment reads the cooperative's donations that have a payment, by payment id.
func donationsByPayment(tx cooperative.Tx, cooperativeID string) (map[string]Donation, error) {
	all, err := grantReadAll[Donation](tx, cooperative.Query{Collection: donationCollection, Index: "cooperative", Value: cooperativeID})
	if err != nil {
		return nil, err
	}
	out := make(map[string]Donation, len(all))
	for _, d := range all {
		if _, seen := out[d.PaymentID]; d.PaymentID != "" && !seen {
			out[d.PaymentID] = d
		}
	}
	return out, nil
}
