package shares

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/numbered"

	"github.com/kracht-coop/kracht/cooperative/documents"
)

// CertificateKind says what a certificate speaks for.
type CertificateKind string

const (
	// CertificateIssuance is the certificate of one issuance (an allocated subscription),
	// as it was issued. Its number is the register entry of the issue.
	CertificateIssuance CertificateKind = "issuance"
	// CertificateHoldings is the certificate of everything a member held on a date, read
	// from the register. Its number is the last register entry that changed the member's
	// holdings by then, and the member number: the same holdings keep the same number.
	CertificateHoldings CertificateKind = "holdings"
)

// Certificate is the data of a share certificate.
//
// Certificate numbers are unique per cooperative and stable (downloading again gives
// the same number), derived from the register's journal, whose sequence numbers are
// unique per cooperative and never reused: an issuance certificate is numbered by its
// issue entry ("0012"), a holdings certificate by the last entry that changed the
// member's holdings and the member number ("0015-2").
type Certificate struct {
	Kind        CertificateKind         `json:"kind"`
	Number      string                  `json:"number"`
	Cooperative cooperative.Cooperative `json:"cooperative"`
	About       cooperative.About       `json:"about"` // the cooperative's address
	Member      membership.Member       `json:"member"`
	Language    string                  `json:"language"` // nl or en: the member's
	// AsOf is the date the certificate speaks for: the day of issue, or the date whose
	// register a holdings certificate reads.
	AsOf  cooperative.Date  `json:"asOf"`
	Lines []CertificateLine `json:"lines"`
	// Subscription is the issuance's subscription (issuance certificates only).
	Subscription Subscription `json:"subscription"`
	// Superseded is set on an issuance certificate whose shares the member no longer all
	// holds (transferred or withdrawn since): the holdings certificate is the one that
	// counts.
	Superseded bool `json:"superseded"`
}

// CertificateLine is one share class on a certificate.
type CertificateLine struct {
	Class  membership.ShareClass `json:"class"`
	Shares int64                 `json:"shares"`
	Ranges []ShareRange          `json:"ranges"`
	// NominalCents is the shares' nominal value; PaidCents what was paid for them on
	// issue, share premium included.
	NominalCents int64 `json:"nominalCents"`
	PaidCents    int64 `json:"paidCents"`
}

// certificateLanguage is the member's language for documents: nl or en (English for a
// language we have no texts in, or none recorded).
func certificateLanguage(tag string) string {
	l, err := notify.NotificationLanguage(tag)
	if err != nil {
		return notify.LanguageEnglish
	}
	return l
}

// getAboutTx reads the cooperative's About (its address) inside tx; none written is an
// empty one.
func getAboutTx(tx cooperative.Tx, cooperativeID string) (cooperative.About, error) {
	var a cooperative.About
	rec, err := tx.Get(cooperative.CollectionAbout, cooperativeID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return cooperative.About{CooperativeID: cooperativeID}, nil
	}
	if err != nil {
		return a, err
	}
	return a, cooperative.Decode(rec, &a)
}

// GetCertificate gathers the certificate of one issuance; only allocated subscriptions
// have one. It is marked superseded when the member no longer holds all its shares.
func (r *Registry) GetCertificate(ctx context.Context, cooperativeID, subscriptionID string) (Certificate, error) {
	c := Certificate{Kind: CertificateIssuance}
	err := r.view(ctx, func(tx cooperative.Tx) error {
		var err error
		if c.Subscription, err = getSubscription(tx, cooperativeID, subscriptionID); err != nil {
			return err
		}
		s := c.Subscription
		if s.Status != SubscriptionAllocated {
			return cooperative.RuleError("shares_issued", "no shares were issued for this subscription (it is %s)", s.Status)
		}
		if c.Cooperative, err = cooperative.GetCooperativeTx(tx, cooperativeID); err != nil {
			return err
		}
		if c.About, err = getAboutTx(tx, cooperativeID); err != nil {
			return err
		}
		if c.Member, err = membership.GetMember(tx, cooperativeID, s.MemberID); err != nil {
			return err
		}
		st, err := membership.LatestStatutes(tx, cooperativeID)
		if err != nil {
			return err
		}
		class, _ := st.Class(s.Class)
		je, err := tx.JournalEntryByKey(RegisterJournal(cooperativeID), "issue:"+s.ID /* issueShares' key */)
		if err != nil {
			return err
		}
		held, err := getHolding(tx, cooperativeID, s.MemberID, s.Class)
		if err != nil {
			return err
		}
		_, stillHeld := numbered.Remove(held.Ranges, s.ShareNumbers)
		nominal, err := cooperative.MulMoney(s.Allocated, class.NominalCents)
		if err != nil {
			return err
		}
		c.Number, c.AsOf, c.Superseded = fmt.Sprintf("%04d", je.Seq), s.IssuedOn, !stillHeld
		c.Language = certificateLanguage(c.Member.Language)
		// What was paid for the shares issued: the amount less the refund, which is
		// allocated × price, premium included.
		c.Lines = []CertificateLine{{Class: class, Shares: s.Allocated, Ranges: s.ShareNumbers, NominalCents: nominal,
			PaidCents: s.AmountCents - s.RefundCents}}
		return nil
	})
	return c, err
}

// GetHoldingsCertificate gathers the certificate of what a member held at the end of
// date, read from the register's journal. A member who held nothing then has none (a
// rule error); a date after today is refused.
//
// The journal is read from its start: the price each held share was issued at is on
// its issue entry's subscription, and a share may have come by transfer from anyone.
// Shares issued other than by subscription (a dividend reinvested) count at nominal
// value. A certificate is asked for now and then, so the whole read is affordable.
func (r *Registry) GetHoldingsCertificate(ctx context.Context, cooperativeID, memberID string, date cooperative.Date) (Certificate, error) {
	c := Certificate{Kind: CertificateHoldings, AsOf: date}
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return c, err
	}
	if today := cooperative.DateOf(r.run.Now()); today.Before(date) {
		return c, cooperative.Errorf(cooperative.EINVALID, "a certificate speaks for today (%s) or an earlier day, not %s", today, date)
	}
	err := r.view(ctx, func(tx cooperative.Tx) error {
		var err error
		if c.Cooperative, err = cooperative.GetCooperativeTx(tx, cooperativeID); err != nil {
			return err
		}
		if c.Member, err = membership.GetMember(tx, cooperativeID, memberID); err != nil {
			return err
		}
		if c.About, err = getAboutTx(tx, cooperativeID); err != nil {
			return err
		}
		held := map[string][]ShareRange{}
		var last int64
		err = foldRegister(tx, cooperativeID, 0, func(ev RegisterEvent) (bool, error) {
			if date.Before(ev.Date) {
				return false, nil
			}
			if ev.From == memberID {
				rest, ok := numbered.Remove(held[ev.Class], ev.Ranges)
				if !ok {
					return false, cooperative.Errorf(cooperative.EINTERNAL, "register entry %d moves shares the member does not hold", ev.Seq)
				}
				held[ev.Class], last = rest, ev.Seq
			}
			if ev.To == memberID {
				held[ev.Class], last = numbered.Add(held[ev.Class], ev.Ranges), ev.Seq
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		st, err := membership.LatestStatutes(tx, cooperativeID)
		if err != nil {
			return err
		}
		// What was paid: each share at the price of the offering that issued it (the
		// register export's rule), at nominal when a distribution issued it.
		prices, err := issuePrices(tx, cooperativeID)
		if err != nil {
			return err
		}
		for _, sc := range st.ShareClasses { // in the statutes' order
			rs := held[sc.Code]
			n := numbered.Count(rs)
			if n == 0 {
				continue
			}
			line := CertificateLine{Class: sc, Shares: n, Ranges: rs}
			if line.NominalCents, err = cooperative.MulMoney(n, sc.NominalCents); err != nil {
				return err
			}
			if line.PaidCents, err = paidFor(rs, prices[sc.Code], sc.NominalCents); err != nil {
				return err
			}
			c.Lines = append(c.Lines, line)
		}
		if len(c.Lines) == 0 {
			return cooperative.RuleError("shares_held", "member %d held no shares on %s", c.Member.Number, date)
		}
		c.Number = fmt.Sprintf("%04d-%d", last, c.Member.Number)
		c.Language = certificateLanguage(c.Member.Language)
		return nil
	})
	return c, err
}

// certificateTexts are the certificate's words per language.
var certificateTexts = map[string]map[string]string{
	"nl": {
		"title": "Aandeelbewijs", "number": "Nr.", "registration": "Ingeschreven in het handelsregister onder nummer %s",
		"certifies": "Het bestuur van %s verklaart dat", "member": "lidnummer %d",
		"holds":  "op %s in het register van aandelen staat ingeschreven als houder van",
		"issued": "op %s in het register van aandelen is ingeschreven als houder van",
		"class":  "Soort aandeel", "shares": "Aantal", "numbers": "Nummers", "nominal": "Nominale waarde", "paid": "Betaald",
		"total": "Totaal", "paidnote": "Het betaalde bedrag is wat bij uitgifte voor de aandelen is betaald, agio inbegrepen.",
		"superseded": "Vervallen: %s houdt niet meer al deze aandelen (overgedragen of ingetrokken). " +
			"Het bewijs van de huidige aandelen is het geldende; u downloadt het in het ledenportaal.",
		"place": "%s, %s", "chair": "Voorzitter", "secretary": "Secretaris",
		"footer": "Dit bewijs geeft de inschrijving in het register van aandelen weer op de genoemde datum. " +
			"Het register zelf, niet dit bewijs, is bepalend voor wie welke aandelen houdt.",
	},
	"en": {
		"title": "Share certificate", "number": "No.", "registration": "Registered in the trade register under number %s",
		"certifies": "The board of %s certifies that", "member": "member number %d",
		"holds":  "is entered in the share register on %s as the holder of",
		"issued": "was entered in the share register on %s as the holder of",
		"class":  "Class", "shares": "Shares", "numbers": "Numbers", "nominal": "Nominal value", "paid": "Paid",
		"total": "Total", "paidnote": "The amount paid is what was paid for the shares on issue, share premium included.",
		"superseded": "Superseded: %s no longer holds all of these shares (transferred or withdrawn). " +
			"The certificate of current holdings is the one that counts; download it from the member portal.",
		"place": "%s, %s", "chair": "Chair", "secretary": "Secretary",
		"footer": "This certificate shows the entry in the share register on the date stated. " +
			"The register itself, not this certificate, is the record of who holds which shares.",
	},
}

var certificateMonths = map[string][12]string{
	"nl": {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// longDate writes d as "3 maart 2025" or "3 March 2025".
func longDate(d cooperative.Date, lang string) string {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return string(d)
	}
	return fmt.Sprintf("%d %s %d", t.Day(), certificateMonths[lang][t.Month()-1], t.Year())
}

// formatCertificateRanges writes share numbers as a reader does: "1–5, 9" (an en dash,
// thousands grouped).
func formatCertificateRanges(rs []ShareRange, lang string) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = cooperative.GroupThousands(r.First, lang)
		if r.Last != r.First {
			parts[i] += "–" + cooperative.GroupThousands(r.Last, lang)
		}
	}
	return strings.Join(parts, ", ")
}

// isASCII reports whether s is plain ASCII, which PDF metadata can hold as it is.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// PDF renders the certificate: A4 portrait inside a double border, the cooperative's
// name as its heading, the statement of the board, the shares in a small table, and
// two lines for the board's signatures.
func (c Certificate) PDF() ([]byte, error) {
	lang := c.Language
	if _, ok := certificateTexts[lang]; !ok {
		lang = notify.LanguageEnglish
	}
	w := certificateTexts[lang]
	// Set in documents' Unicode font, so a member's name prints as written.
	pdf := documents.NewA4()
	title := w["title"] + " " + c.Number + " - " + c.Member.Name
	pdf.SetTitle(title, !isASCII(title))
	pdf.SetAuthor(c.Cooperative.Name, !isASCII(c.Cooperative.Name))
	pdf.SetSubject(w["title"], !isASCII(w["title"]))
	pdf.SetLang(lang)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(28, 20, 28)
	pdf.AddPage()

	const pageW, pageH = 210.0, 297.0
	ink := [3]int{33, 54, 74}     // a deep blue-grey: the border, the heading, the rules
	muted := [3]int{96, 104, 112} // secondary text
	pdf.SetDrawColor(ink[0], ink[1], ink[2])
	pdf.SetLineWidth(0.9)
	pdf.Rect(12, 12, pageW-24, pageH-24, "D")
	pdf.SetLineWidth(0.25)
	pdf.Rect(15, 15, pageW-30, pageH-30, "D")

	center := func(size float64, style string, color [3]int, h float64, s string) {
		pdf.SetFont(documents.Font, style, size)
		pdf.SetTextColor(color[0], color[1], color[2])
		pdf.MultiCell(0, h, s, "", "C", false)
	}
	black := [3]int{20, 20, 20}
	rule := func(y, half float64) {
		pdf.SetLineWidth(0.3)
		pdf.Line(pageW/2-half, y, pageW/2+half, y)
	}

	// The cooperative.
	pdf.SetY(30)
	center(24, "B", ink, 11, c.Cooperative.Name)
	pdf.Ln(1)
	var addr []string
	if c.About.Street != "" {
		addr = append(addr, c.About.Street)
	}
	if pc := strings.TrimSpace(c.About.Postcode + "  " + c.About.City); pc != "" {
		addr = append(addr, pc)
	}
	if len(addr) > 0 {
		center(9.5, "", muted, 5, strings.Join(addr, " · "))
	}
	if c.Cooperative.RegistrationNumber != "" {
		center(9.5, "", muted, 5, fmt.Sprintf(w["registration"], c.Cooperative.RegistrationNumber))
	}
	pdf.Ln(7)
	rule(pdf.GetY(), 30)

	// The title and number.
	pdf.Ln(9)
	center(19, "B", ink, 9, strings.ToUpper(w["title"]))
	center(11, "", muted, 6, w["number"]+" "+c.Number)
	pdf.Ln(10)

	// The statement.
	center(11.5, "", black, 6, fmt.Sprintf(w["certifies"], c.Cooperative.Name))
	pdf.Ln(4)
	center(20, "B", black, 10, c.Member.Name)
	if c.Member.Number > 0 {
		center(10, "", muted, 5.5, fmt.Sprintf(w["member"], c.Member.Number))
	}
	pdf.Ln(4)
	verb := w["holds"]
	if c.Kind == CertificateIssuance {
		verb = w["issued"]
	}
	center(11.5, "", black, 6, fmt.Sprintf(verb, longDate(c.AsOf, lang)))
	pdf.Ln(8)

	// The shares.
	cols := []struct {
		w     float64
		head  string
		align string
	}{{38, w["class"], "L"}, {18, w["shares"], "R"}, {40, "    " + w["numbers"], "L"}, {29, w["nominal"], "R"}, {29, w["paid"], "R"}}
	var tableW float64
	for _, col := range cols {
		tableW += col.w
	}
	left := (pageW - tableW) / 2
	pdf.SetLineWidth(0.3)
	pdf.SetX(left)
	pdf.SetFont(documents.Font, "B", 9)
	pdf.SetTextColor(muted[0], muted[1], muted[2])
	for _, col := range cols {
		pdf.CellFormat(col.w, 7, col.head, "B", 0, col.align, false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetTextColor(black[0], black[1], black[2])
	var total CertificateLine
	for _, l := range c.Lines {
		cells := []string{l.Class.Name + " (" + l.Class.Code + ")", cooperative.GroupThousands(l.Shares, lang),
			formatCertificateRanges(l.Ranges, lang), cooperative.FormatEuro(l.NominalCents, lang), cooperative.FormatEuro(l.PaidCents, lang)}
		// The numbers may wrap; the row is as tall as they need.
		pdf.SetFont(documents.Font, "", 10)
		lines := len(pdf.SplitText(cells[2], cols[2].w-6))
		h := 6.5 * float64(max(lines, 1))
		y := pdf.GetY()
		x := left
		for i, col := range cols {
			pdf.SetXY(x, y+1)
			if i == 2 { // set off from the count by a small gap
				pdf.SetX(x + 4)
				pdf.MultiCell(col.w-4, 6.5, cells[i], "", col.align, false)
			} else {
				pdf.CellFormat(col.w, 6.5, cells[i], "", 0, col.align, false, 0, "")
			}
			x += col.w
		}
		pdf.SetXY(left, y+h+1)
		total.Shares += l.Shares
		total.NominalCents += l.NominalCents
		total.PaidCents += l.PaidCents
	}
	pdf.Line(left, pdf.GetY()+1, left+tableW, pdf.GetY()+1)
	if len(c.Lines) > 1 {
		pdf.SetXY(left, pdf.GetY()+2)
		pdf.SetFont(documents.Font, "B", 10)
		pdf.CellFormat(cols[0].w, 6.5, w["total"], "", 0, "L", false, 0, "")
		pdf.CellFormat(cols[1].w, 6.5, cooperative.GroupThousands(total.Shares, lang), "", 0, "R", false, 0, "")
		pdf.CellFormat(cols[2].w, 6.5, "", "", 0, "L", false, 0, "")
		pdf.CellFormat(cols[3].w, 6.5, cooperative.FormatEuro(total.NominalCents, lang), "", 0, "R", false, 0, "")
		pdf.CellFormat(cols[4].w, 6.5, cooperative.FormatEuro(total.PaidCents, lang), "", 1, "R", false, 0, "")
	}
	pdf.Ln(5)
	pdf.SetX(left)
	pdf.SetFont(documents.Font, "", 8.5)
	pdf.SetTextColor(muted[0], muted[1], muted[2])
	pdf.MultiCell(tableW, 4.5, w["paidnote"], "", "L", false)

	if c.Superseded {
		pdf.Ln(6)
		pdf.SetX(left)
		pdf.SetDrawColor(150, 40, 30)
		pdf.SetTextColor(150, 40, 30)
		pdf.SetFont(documents.Font, "B", 10)
		pdf.MultiCell(tableW, 5.5, fmt.Sprintf(w["superseded"], c.Member.Name), "1", "C", false)
		pdf.SetDrawColor(ink[0], ink[1], ink[2])
	}

	// Place, date and the board's signatures, at a fixed height near the foot.
	place := c.About.City
	if place == "" {
		place = c.Cooperative.Name
	}
	pdf.SetXY(28, 212)
	pdf.SetFont(documents.Font, "", 10.5)
	pdf.SetTextColor(black[0], black[1], black[2])
	pdf.CellFormat(0, 6, fmt.Sprintf(w["place"], place, longDate(c.AsOf, lang)), "", 1, "L", false, 0, "")
	const sigY, sigW = 246.0, 62.0
	pdf.SetLineWidth(0.3)
	for i, role := range []string{w["chair"], w["secretary"]} {
		x := 28 + float64(i)*(pageW-56-sigW)
		pdf.Line(x, sigY, x+sigW, sigY)
		pdf.SetXY(x, sigY+1.5)
		pdf.SetFont(documents.Font, "", 9.5)
		pdf.SetTextColor(muted[0], muted[1], muted[2])
		pdf.CellFormat(sigW, 5, role, "", 0, "L", false, 0, "")
	}

	// The register is the legal record.
	pdf.SetXY(28, 262)
	pdf.SetFont(documents.Font, "", 7.5)
	pdf.MultiCell(0, 3.8, w["footer"], "", "C", false)

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, cooperative.WrapError(cooperative.EINTERNAL, err, "the certificate could not be rendered")
	}
	return buf.Bytes(), nil
}
