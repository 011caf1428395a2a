package bonds

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kracht-coop/kracht/cooperative/documents"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// The yearly statement: what a holder needs for a Dutch tax return (box 3 asks for the
// value of a claim on 1 January; the interest received is the year's income): per
// issue, the principal outstanding at the start of 1 January and at the end of 31
// December, and what the year's payment runs paid: interest, principal repaid,
// withholding.

// YearStatement is one holder's statement of a calendar year.
type YearStatement struct {
	Year        int                     `json:"year"`
	Cooperative cooperative.Cooperative `json:"cooperative"`
	Member      StatementMember         `json:"member"`
	Issues      []StatementIssue        `json:"issues"`
	Totals      StatementIssue          `json:"totals"` // the sums; its issue fields are empty
	Language    string                  `json:"language"`
}

// StatementMember is who the statement is for.
type StatementMember struct {
	ID      string             `json:"id"`
	Number  int64              `json:"number,omitempty"`
	Name    string             `json:"name"`
	Address membership.Address `json:"address"`
}

// StatementIssue is one issue on a statement.
type StatementIssue struct {
	IssueID string `json:"issueId,omitempty"`
	Name    string `json:"name,omitempty"`
	// Units and the principal outstanding on them at the start of 1 January and at the end
	// of 31 December.
	UnitsStart       int64 `json:"unitsStart"`
	OutstandingStart int64 `json:"outstandingStartCents"`
	UnitsEnd         int64 `json:"unitsEnd"`
	OutstandingEnd   int64 `json:"outstandingEndCents"`
	InterestCents    int64 `json:"interestCents"`
	PrincipalCents   int64 `json:"principalCents"`
	WithholdingCents int64 `json:"withholdingCents"`
	NetCents         int64 `json:"netCents"`
}

// UnitOutstandingBefore is one unit's principal outstanding before the payments of day
// d: after every payment dated before d.
func UnitOutstandingBefore(unit []Period, denomination int64, d cooperative.Date) int64 {
	out := denomination
	for _, p := range unit {
		if !p.Date.Before(d) {
			break
		}
		out = p.OutstandingCents
	}
	return out
}

// YearStatement gathers memberID's statement of year from the register and the runs
// posted. A member who held nothing and was paid nothing that year gets a statement
// with no issues (ENOTFOUND only for a member not of the cooperative).
func (b *Bonds) YearStatement(ctx context.Context, cooperativeID, memberID string, year int) (YearStatement, error) {
	if year < 2000 || year > 2200 {
		return YearStatement{}, cooperative.Errorf(cooperative.EINVALID, "year must be from 2000 to 2200")
	}
	jan1 := cooperative.Date(strconv.Itoa(year) + "-01-01")
	nextJan1 := cooperative.Date(strconv.Itoa(year+1) + "-01-01")
	lastDec31, dec31 := jan1.AddDays(-1), nextJan1.AddDays(-1)
	s := YearStatement{Year: year, Issues: []StatementIssue{}}
	err := b.view(ctx, func(tx cooperative.Tx) error {
		m, err := membership.GetMember(tx, cooperativeID, memberID)
		if err != nil {
			return err
		}
		if s.Cooperative, err = cooperative.GetCooperativeTx(tx, cooperativeID); err != nil {
			return err
		}
		s.Member = StatementMember{ID: m.ID, Number: m.Number, Name: m.Name, Address: m.Address}
		if s.Language, err = notify.NotificationLanguage(m.Language); err != nil {
			s.Language = notify.LanguageEnglish
		}
		byIssue := map[string]*StatementIssue{}
		err = bondsReadAll(tx, cooperative.Query{Collection: collectionRunLines, Index: "member", Value: cooperativeID + ":" + memberID},
			func(l runLineRecord, _ cooperative.Record) error {
				if l.Date.Before(jan1) || !l.Date.Before(nextJan1) {
					return nil
				}
				si := byIssue[l.IssueID]
				if si == nil {
					si = &StatementIssue{IssueID: l.IssueID}
					byIssue[l.IssueID] = si
				}
				si.InterestCents += l.InterestCents
				si.PrincipalCents += l.PrincipalCents
				si.WithholdingCents += l.WithholdingCents
				si.NetCents += l.NetCents
				return nil
			})
		if err != nil {
			return err
		}
		return bondsReadAll(tx, cooperative.Query{Collection: collectionIssues, Index: "cooperative", Value: cooperativeID},
			func(i Issue, _ cooperative.Record) error {
				if i.IssuedUnits == 0 {
					return nil
				}
				si := byIssue[i.ID]
				if si == nil {
					si = &StatementIssue{IssueID: i.ID}
				}
				si.Name = i.Name
				unit, err := i.Terms.UnitSchedule()
				if err != nil {
					return err
				}
				// One read of the register for both ends of the year.
				held, err := holdingsOf(tx, i, lastDec31, dec31)
				if err != nil {
					return err
				}
				si.UnitsStart, si.UnitsEnd = memberUnitsOn(held, memberID, lastDec31), memberUnitsOn(held, memberID, dec31)
				si.OutstandingStart = si.UnitsStart * UnitOutstandingBefore(unit, i.Terms.DenominationCents, jan1)
				si.OutstandingEnd = si.UnitsEnd * UnitOutstandingBefore(unit, i.Terms.DenominationCents, nextJan1)
				if *si != (StatementIssue{IssueID: i.ID, Name: i.Name}) {
					s.Issues = append(s.Issues, *si)
				}
				return nil
			})
	})
	slices.SortFunc(s.Issues, func(a, b StatementIssue) int { return strings.Compare(a.Name+a.IssueID, b.Name+b.IssueID) })
	for _, si := range s.Issues {
		s.Totals.UnitsStart += si.UnitsStart
		s.Totals.OutstandingStart += si.OutstandingStart
		s.Totals.UnitsEnd += si.UnitsEnd
		s.Totals.OutstandingEnd += si.OutstandingEnd
		s.Totals.InterestCents += si.InterestCents
		s.Totals.PrincipalCents += si.PrincipalCents
		s.Totals.WithholdingCents += si.WithholdingCents
		s.Totals.NetCents += si.NetCents
	}
	return s, err
}

// memberUnitsOn is how many units memberID held at the end of day d, of the intervals
// held.
func memberUnitsOn(held []HoldingInterval, memberID string, d cooperative.Date) int64 {
	var n int64
	for _, h := range held {
		if h.MemberID == memberID && !d.Before(h.From) && (h.To == "" || d.Before(h.To)) {
			n += h.Units
		}
	}
	return n
}

// statementWords are the labels of the PDF per language.
var statementWords = map[string]map[string]string{
	"en": {"title": "Annual statement of member bonds", "year": "Year", "member": "Member", "number": "Member number",
		"address": "Address", "issue": "Bond", "units_start": "Units on 1 January", "outstanding_start": "Principal on 1 January",
		"units_end": "Units on 31 December", "outstanding_end": "Principal on 31 December", "interest": "Interest paid",
		"principal": "Principal repaid", "withholding": "Withheld", "net": "Paid out", "total": "Total",
		"none": "No bonds were held and nothing was paid in this year.",
		"note": "For your tax return: the principal on 1 January is the value of your claim; the interest is the year's income."},
	"nl": {"title": "Jaaroverzicht obligaties", "year": "Jaar", "member": "Lid", "number": "Lidnummer",
		"address": "Adres", "issue": "Obligatie", "units_start": "Stuks op 1 januari", "outstanding_start": "Hoofdsom op 1 januari",
		"units_end": "Stuks op 31 december", "outstanding_end": "Hoofdsom op 31 december", "interest": "Rente betaald",
		"principal": "Afgelost", "withholding": "Ingehouden", "net": "Uitbetaald", "total": "Totaal",
		"none": "In dit jaar waren er geen obligaties in bezit en is er niets betaald.",
		"note": "Voor uw aangifte: de hoofdsom op 1 januari is de waarde van uw vordering (box 3); de rente is de opbrengst van het jaar."},
}

// PDF renders the statement (A4, in the documents' Unicode font, like the share certificate).
func (s YearStatement) PDF() ([]byte, error) {
	w := statementWords[s.Language]
	if w == nil {
		w = statementWords["en"]
	}
	pdf := documents.NewA4() // a Unicode font: names print as written
	pdf.SetTitle(w["title"]+" "+strconv.Itoa(s.Year), true)
	pdf.AddPage()
	pdf.SetFont(documents.Font, "B", 16)
	pdf.CellFormat(0, 10, w["title"]+" "+strconv.Itoa(s.Year), "", 1, "L", false, 0, "")
	pdf.SetFont(documents.Font, "", 11)
	pdf.CellFormat(0, 7, s.Cooperative.Name+" ("+s.Cooperative.RegistrationNumber+")", "", 1, "L", false, 0, "")
	pdf.Ln(4)
	pdf.SetFont(documents.Font, "", 10)
	for _, r := range [][2]string{{w["member"], s.Member.Name}, {w["number"], strconv.FormatInt(s.Member.Number, 10)},
		{w["address"], s.Member.Address.String()}} {
		pdf.CellFormat(45, 6, r[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 6, r[1], "", 1, "L", false, 0, "")
	}
	pdf.Ln(4)
	if len(s.Issues) == 0 {
		pdf.MultiCell(0, 6, w["none"], "", "L", false)
	}
	rows := func(si StatementIssue) [][2]string {
		return [][2]string{
			{w["units_start"], strconv.FormatInt(si.UnitsStart, 10)}, {w["outstanding_start"], cooperative.FormatEuro(si.OutstandingStart, s.Language)},
			{w["units_end"], strconv.FormatInt(si.UnitsEnd, 10)}, {w["outstanding_end"], cooperative.FormatEuro(si.OutstandingEnd, s.Language)},
			{w["interest"], cooperative.FormatEuro(si.InterestCents, s.Language)}, {w["principal"], cooperative.FormatEuro(si.PrincipalCents, s.Language)},
			{w["withholding"], cooperative.FormatEuro(si.WithholdingCents, s.Language)}, {w["net"], cooperative.FormatEuro(si.NetCents, s.Language)},
		}
	}
	for _, si := range append(slices.Clone(s.Issues), s.Totals) {
		pdf.SetFont(documents.Font, "B", 11)
		name := w["issue"] + ": " + si.Name
		if si.IssueID == "" {
			name = w["total"]
		}
		pdf.CellFormat(0, 8, name, "B", 1, "L", false, 0, "")
		pdf.SetFont(documents.Font, "", 10)
		for _, r := range rows(si) {
			pdf.CellFormat(80, 6, r[0], "", 0, "L", false, 0, "")
			pdf.CellFormat(40, 6, r[1], "", 1, "R", false, 0, "")
		}
		pdf.Ln(3)
		if len(s.Issues) <= 1 {
			break // one issue: its figures are the totals
		}
	}
	pdf.Ln(4)
	pdf.SetFont(documents.Font, "", 9)
	pdf.MultiCell(0, 5, w["note"], "", "L", false)
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, cooperative.WrapError(cooperative.EINTERNAL, err, "cannot render the statement")
	}
	return b.Bytes(), nil
}

// MemberSchedule is what a member's units of one issue pay, date by date: the periods
// of every interval still held, summed per date.
type MemberSchedule struct {
	IssueID  string   `json:"issueId"`
	Name     string   `json:"name"`
	Units    int64    `json:"units"`
	Payments []Period `json:"payments"`
}

// MemberSchedules returns the schedule of every issue memberID holds units of today:
// what every interval they held pays on each date, from the first day they held units to
// maturity (past dates included, as they were due; an interval ended by a transfer or a
// redemption still pays the interest of its days on the next date).
func (b *Bonds) MemberSchedules(ctx context.Context, cooperativeID, memberID string) ([]MemberSchedule, error) {
	today := cooperative.DateOf(b.run.Now())
	out := []MemberSchedule{}
	err := b.view(ctx, func(tx cooperative.Tx) error {
		if _, err := membership.GetMember(tx, cooperativeID, memberID); err != nil {
			return err
		}
		return bondsReadAll(tx, cooperative.Query{Collection: collectionIssues, Index: "cooperative", Value: cooperativeID},
			func(i Issue, _ cooperative.Record) error {
				ms, err := memberSchedule(tx, i, memberID, today)
				if err == nil && ms.Units > 0 {
					out = append(out, ms)
				}
				return err
			})
	})
	return out, err
}

// MemberSchedule is MemberSchedules for one issue: it reads that issue's register only,
// not every issue's. ENOTFOUND when the member holds no units of it today (or the issue
// is not the cooperative's), as if it did not exist for them.
func (b *Bonds) MemberSchedule(ctx context.Context, cooperativeID, memberID, issueID string) (MemberSchedule, error) {
	today := cooperative.DateOf(b.run.Now())
	var ms MemberSchedule
	err := b.view(ctx, func(tx cooperative.Tx) error {
		if _, err := membership.GetMember(tx, cooperativeID, memberID); err != nil {
			return err
		}
		i, err := getIssue(tx, cooperativeID, issueID)
		if err != nil {
			return err
		}
		if ms, err = memberSchedule(tx, i, memberID, today); err == nil && ms.Units == 0 {
			err = cooperative.Errorf(cooperative.ENOTFOUND, "member %s holds no units of bond issue %s", memberID, issueID)
		}
		return err
	})
	return ms, err
}

// memberSchedule sums what every interval memberID held of issue i pays, per date; Units
// are what they hold today (0: nothing, and no payments worth showing).
func memberSchedule(tx cooperative.Tx, i Issue, memberID string, today cooperative.Date) (MemberSchedule, error) {
	ms := MemberSchedule{IssueID: i.ID, Name: i.Name}
	if i.IssuedUnits == 0 {
		return ms, nil
	}
	held, err := holdingsOf(tx, i, i.Terms.IssueDate, i.Terms.Maturity())
	if err != nil {
		return ms, err
	}
	unit, err := i.Terms.UnitSchedule()
	if err != nil {
		return ms, err
	}
	byDate := map[cooperative.Date]*Period{}
	for _, h := range held {
		if h.MemberID != memberID {
			continue
		}
		if h.To == "" || today.Before(h.To) {
			ms.Units += h.Units
		}
		for _, p := range i.Terms.HoldingSchedule(unit, h.Units, h.From, h.To) {
			q := byDate[p.Date]
			if q == nil {
				q = &Period{Start: p.Start, Date: p.Date}
				byDate[p.Date] = q
			}
			q.Start = min(q.Start, p.Start)
			q.InterestCents += p.InterestCents
			q.PrincipalCents += p.PrincipalCents
			q.OutstandingCents += p.OutstandingCents
		}
	}
	if ms.Units == 0 {
		return ms, nil // nothing held today
	}
	for _, d := range slices.Sorted(maps.Keys(byDate)) {
		ms.Payments = append(ms.Payments, *byDate[d])
	}
	return ms, nil
}
