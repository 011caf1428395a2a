package distribution

import (
	"bytes"
	"strconv"

	"github.com/kracht-coop/kracht/cooperative/documents"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// MemberStatement is one member's part of a year's distribution, as they read it: the
// shares they held and for how many days, gross, withholding, net, and what their
// election did with it.
type MemberStatement struct {
	Year        int                     `json:"year"`
	Cooperative cooperative.Cooperative `json:"cooperative"`
	MemberID    string                  `json:"memberId"`
	Number      int64                   `json:"number"`
	Name        string                  `json:"name"`
	Address     membership.Address      `json:"address"`
	Language    string                  `json:"language"`
	Method      Method                  `json:"method"`
	RateBP      int64                   `json:"rateBp,omitempty"`
	// Holdings are the member's shares over the year, each with its days.
	Holdings []StatementHolding `json:"holdings"`
	Line     Line               `json:"line"`
	// Executed: the distribution was executed and this is what was paid; otherwise it is
	// the dry run's figure, which may still change.
	Executed bool `json:"executed"`
}

// StatementHolding is one stretch of shares of a class, with its days in the year.
type StatementHolding struct {
	Held
	Days int64 `json:"days"`
}

var statementText = map[string]map[string]string{
	"en": {"title": "Distribution statement", "member": "Member", "number": "Member number", "address": "Address",
		"holdings": "Your shares in the year", "class": "Class", "shares": "Shares", "from": "From", "to": "To (excluded)", "days": "Days",
		"share_days": "Share-days", "basis": "Basis", "gross": "Gross", "withholding": "Withheld", "net": "Net",
		"payout": "Paid out to your account", "reinvest": "Reinvested in shares", "reinvest_shares": "New shares",
		"donation": "Donated to the community fund", "below": "Below the cooperative's threshold: the amount goes to the community fund.",
		"draft":         "Draft: the distribution has not been executed yet; figures may change.",
		"dividend_rate": "Dividend on capital, time-weighted: a share counts from its issue date (included) to its withdrawal or transfer date (excluded).",
		"dividend_pool": "Dividend on capital: the amount divided over share-days (times nominal value), to the cent.",
		"patronage":     "Patronage refund: the amount divided by each member's basis, to the cent."},
	"nl": {"title": "Overzicht uitkering", "member": "Lid", "number": "Lidnummer", "address": "Adres",
		"holdings": "Uw aandelen in het jaar", "class": "Soort", "shares": "Aantal", "from": "Van", "to": "Tot (niet inbegrepen)", "days": "Dagen",
		"share_days": "Aandeeldagen", "basis": "Grondslag", "gross": "Bruto", "withholding": "Ingehouden", "net": "Netto",
		"payout": "Uitbetaald op uw rekening", "reinvest": "Herbelegd in aandelen", "reinvest_shares": "Nieuwe aandelen",
		"donation": "Geschonken aan het gemeenschapsfonds", "below": "Onder de drempel van de coöperatie: het bedrag gaat naar het gemeenschapsfonds.",
		"draft":         "Concept: de uitkering is nog niet uitgevoerd; bedragen kunnen nog veranderen.",
		"dividend_rate": "Dividend op kapitaal, naar tijd gewogen: een aandeel telt vanaf de uitgiftedatum (inbegrepen) tot de datum van terugname of overdracht (niet inbegrepen).",
		"dividend_pool": "Dividend op kapitaal: het bedrag verdeeld over aandeeldagen (maal nominale waarde), tot op de cent.",
		"patronage":     "Ledenkorting: het bedrag verdeeld naar de grondslag van ieder lid, tot op de cent."},
}

// PDF renders the statement (A4, in the documents' Unicode font, like the other documents).
func (s MemberStatement) PDF() ([]byte, error) {
	w := statementText[s.Language]
	if w == nil {
		w = statementText["en"]
	}
	eur := func(c int64) string { return cooperative.FormatEuro(c, s.Language) }
	pdf := documents.NewA4() // a Unicode font: names print as written
	pdf.SetTitle(w["title"]+" "+strconv.Itoa(s.Year), true)
	pdf.AddPage()
	pdf.SetFont(documents.Font, "B", 16)
	pdf.CellFormat(0, 10, w["title"]+" "+strconv.Itoa(s.Year), "", 1, "L", false, 0, "")
	pdf.SetFont(documents.Font, "", 11)
	pdf.CellFormat(0, 7, s.Cooperative.Name+" ("+s.Cooperative.RegistrationNumber+")", "", 1, "L", false, 0, "")
	pdf.Ln(3)
	pdf.SetFont(documents.Font, "", 10)
	for _, r := range [][2]string{{w["member"], s.Name}, {w["number"], strconv.FormatInt(s.Number, 10)}, {w["address"], s.Address.String()}} {
		pdf.CellFormat(40, 6, r[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 6, r[1], "", 1, "L", false, 0, "")
	}
	if !s.Executed {
		pdf.Ln(2)
		pdf.SetFont(documents.Font, "B", 10)
		pdf.MultiCell(0, 5, w["draft"], "", "L", false)
	}
	pdf.Ln(3)
	pdf.SetFont(documents.Font, "", 9)
	pdf.MultiCell(0, 5, w[string(s.Method)], "", "L", false)
	if len(s.Holdings) > 0 {
		pdf.Ln(2)
		pdf.SetFont(documents.Font, "B", 11)
		pdf.CellFormat(0, 8, w["holdings"], "B", 1, "L", false, 0, "")
		pdf.SetFont(documents.Font, "B", 9)
		widths := []float64{25, 25, 35, 35, 20}
		for i, h := range []string{w["class"], w["shares"], w["from"], w["to"], w["days"]} {
			pdf.CellFormat(widths[i], 6, h, "", 0, "L", false, 0, "")
		}
		pdf.Ln(6)
		pdf.SetFont(documents.Font, "", 9)
		for _, h := range s.Holdings {
			for i, c := range []string{h.Class, strconv.FormatInt(h.Shares, 10), string(h.From), string(h.To), strconv.FormatInt(h.Days, 10)} {
				pdf.CellFormat(widths[i], 5, c, "", 0, "L", false, 0, "")
			}
			pdf.Ln(5)
		}
	}
	pdf.Ln(4)
	l := s.Line
	rows := [][2]string{{w["share_days"], strconv.FormatInt(l.ShareDays, 10)}}
	if s.Method == Patronage {
		rows = [][2]string{{w["basis"], strconv.FormatInt(l.Basis, 10)}}
	}
	rows = append(rows, [2]string{w["gross"], eur(l.GrossCents)}, [2]string{w["withholding"], eur(l.WithholdingCents)},
		[2]string{w["net"], eur(l.NetCents)})
	if l.PayoutCents > 0 {
		rows = append(rows, [2]string{w["payout"], eur(l.PayoutCents)})
	}
	if l.ReinvestShares > 0 {
		rows = append(rows, [2]string{w["reinvest"], eur(l.ReinvestCents)}, [2]string{w["reinvest_shares"], strconv.FormatInt(l.ReinvestShares, 10)})
	}
	if l.DonationCents > 0 {
		rows = append(rows, [2]string{w["donation"], eur(l.DonationCents)})
	}
	pdf.SetFont(documents.Font, "", 10)
	for _, r := range rows {
		pdf.CellFormat(80, 6, r[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(40, 6, r[1], "", 1, "R", false, 0, "")
	}
	if l.BelowThreshold {
		pdf.Ln(2)
		pdf.SetFont(documents.Font, "", 9)
		pdf.MultiCell(0, 5, w["below"], "", "L", false)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, cooperative.WrapError(cooperative.EINTERNAL, err, "cannot render the statement")
	}
	return b.Bytes(), nil
}
