package shares

import (
	"bytes"
	"context"
	"strconv"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"

	"codeberg.org/go-pdf/fpdf"
)

// Certificate is the data of a share certificate: one per issuance (an allocated
// subscription).
type Certificate struct {
	Cooperative  cooperative.Cooperative `json:"cooperative"`
	Member       membership.Member       `json:"member"`
	Subscription Subscription            `json:"subscription"`
	Class        membership.ShareClass   `json:"class"`
}

// GetCertificate gathers a certificate's data; only allocated subscriptions have one.
func (r *Registry) GetCertificate(ctx context.Context, cooperativeID, subscriptionID string) (Certificate, error) {
	var c Certificate
	err := r.view(ctx, func(tx cooperative.Tx) error {
		var err error
		if c.Subscription, err = getSubscription(tx, cooperativeID, subscriptionID); err != nil {
			return err
		}
		if c.Subscription.Status != SubscriptionAllocated {
			return cooperative.RuleError("shares_issued", "no shares were issued for this subscription (it is %s)", c.Subscription.Status)
		}
		if c.Cooperative, err = cooperative.GetCooperativeTx(tx, cooperativeID); err != nil {
			return err
		}
		if c.Member, err = membership.GetMember(tx, cooperativeID, c.Subscription.MemberID); err != nil {
			return err
		}
		st, err := membership.LatestStatutes(tx, cooperativeID)
		if err != nil {
			return err
		}
		c.Class, _ = st.Class(c.Subscription.Class)
		return nil
	})
	return c, err
}

// PDF renders the certificate (A4, the PDF core font Helvetica with text translated to
// cp1252, which covers the names of Western Europe; no font files to ship). Streams are
// left uncompressed: a certificate is small, and its text stays searchable by simple
// tools.
func (c Certificate) PDF() ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetTitle("Share certificate "+c.Subscription.ID, true)
	pdf.SetCreator("Kracht", true)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 20)
	pdf.CellFormat(0, 14, tr("Share certificate"), "", 1, "C", false, 0, "")
	pdf.SetFont("Helvetica", "", 14)
	pdf.CellFormat(0, 10, tr(c.Cooperative.Name), "", 1, "C", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(0, 6, tr("Registration "+c.Cooperative.RegistrationNumber+", "+c.Cooperative.Country), "", 1, "C", false, 0, "")
	pdf.Ln(10)
	s := c.Subscription
	rows := [][2]string{
		{"Member", c.Member.Name},
		{"Member number", strconv.FormatInt(c.Member.Number, 10)},
		{"Address", c.Member.Address.String()},
		{"Share class", c.Class.Name + " (" + c.Class.Code + ")"},
		{"Number of shares", strconv.FormatInt(s.Allocated, 10)},
		{"Share numbers", FormatRanges(s.ShareNumbers)},
		{"Nominal value per share", "EUR " + formatCents(c.Class.NominalCents)},
		{"Issued on", string(s.IssuedOn)},
		{"Subscription", s.ID},
	}
	for _, r := range rows {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(60, 8, tr(r[0]), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(0, 8, tr(r[1]), "", "L", false)
	}
	pdf.Ln(10)
	pdf.SetFont("Helvetica", "I", 9)
	pdf.MultiCell(0, 5, tr("This certificate records an entry of the cooperative's share register. "+
		"The register, not this document, is the legal record of who holds which shares."), "", "L", false)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, cooperative.WrapError(cooperative.EINTERNAL, err, "the certificate could not be rendered")
	}
	return buf.Bytes(), nil
}
