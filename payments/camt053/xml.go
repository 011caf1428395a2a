package camt053

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The xml* types mirror the parts of camt.053 that Kracht reads. Tags name local names
// only: encoding/xml then matches them in any namespace, and the decoder has already
// checked the document's namespace. Where versions differ, a type holds both shapes
// (Sts as text up to 001.06 and Sts/Cd from 001.07; a party's Nm up to 001.06 and Pty/Nm
// from 001.07). Every value is read as text and converted by hand, so that every
// conversion error says what was wrong.

type xmlGroupHeader struct {
	MsgID    string         `xml:"MsgId"`
	CreDtTm  string         `xml:"CreDtTm"`
	MsgPgntn *xmlPagination `xml:"MsgPgntn"`
	AddtlInf string         `xml:"AddtlInf"`
}

type xmlPagination struct {
	PgNb      string `xml:"PgNb"`
	LastPgInd string `xml:"LastPgInd"`
}

type xmlPeriod struct {
	FrDtTm string `xml:"FrDtTm"`
	ToDtTm string `xml:"ToDtTm"`
}

type xmlAccount struct {
	ID    xmlAccountID `xml:"Id"`
	Ccy   string       `xml:"Ccy"`
	Nm    string       `xml:"Nm"`
	Owner xmlName      `xml:"Ownr"`
}

type xmlAccountID struct {
	IBAN  string  `xml:"IBAN"`
	Other xmlName `xml:"Othr"`
}

// xmlName holds the child that matters of Ownr, Othr (its Id) or Pty (its Nm).
type xmlName struct {
	Nm string `xml:"Nm"`
	ID string `xml:"Id"`
}

type xmlAmount struct {
	Value string `xml:",chardata"`
	Ccy   string `xml:"Ccy,attr"`
}

type xmlDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

type xmlCodeOrProprietary struct {
	Cd    string `xml:"Cd"`
	Prtry string `xml:"Prtry"`
}

type xmlType struct {
	CdOrPrtry xmlCodeOrProprietary `xml:"CdOrPrtry"`
	Issr      string               `xml:"Issr"`
}

type xmlBalance struct {
	Tp        xmlType    `xml:"Tp"`
	Amt       *xmlAmount `xml:"Amt"`
	CdtDbtInd string     `xml:"CdtDbtInd"`
	Dt        xmlDate    `xml:"Dt"`
}

type xmlStatus struct {
	Text  string `xml:",chardata"` // up to 001.06
	Cd    string `xml:"Cd"`        // from 001.07
	Prtry string `xml:"Prtry"`
}

type xmlBankTxCode struct {
	Domn  xmlDomain `xml:"Domn"`
	Prtry struct {
		Cd   string `xml:"Cd"`
		Issr string `xml:"Issr"`
	} `xml:"Prtry"`
}

type xmlDomain struct {
	Cd   string `xml:"Cd"`
	Fmly struct {
		Cd        string `xml:"Cd"`
		SubFmlyCd string `xml:"SubFmlyCd"`
	} `xml:"Fmly"`
}

type xmlEntry struct {
	NtryRef      string            `xml:"NtryRef"`
	Amt          *xmlAmount        `xml:"Amt"`
	CdtDbtInd    string            `xml:"CdtDbtInd"`
	RvslInd      string            `xml:"RvslInd"`
	Sts          xmlStatus         `xml:"Sts"`
	BookgDt      xmlDate           `xml:"BookgDt"`
	ValDt        xmlDate           `xml:"ValDt"`
	AcctSvcrRef  string            `xml:"AcctSvcrRef"`
	BkTxCd       xmlBankTxCode     `xml:"BkTxCd"`
	NtryDtls     []xmlEntryDetails `xml:"NtryDtls"`
	AddtlNtryInf string            `xml:"AddtlNtryInf"`
}

type xmlEntryDetails struct {
	TxDtls []xmlTransaction `xml:"TxDtls"`
}

type xmlTransaction struct {
	Refs       xmlRefs       `xml:"Refs"`
	Amt        *xmlAmount    `xml:"Amt"` // from 001.03
	AmtDtls    xmlAmtDtls    `xml:"AmtDtls"`
	CdtDbtInd  string        `xml:"CdtDbtInd"`
	BkTxCd     xmlBankTxCode `xml:"BkTxCd"`
	RltdPties  xmlParties    `xml:"RltdPties"`
	RmtInf     xmlRemittance `xml:"RmtInf"`
	RtrInf     xmlReturn     `xml:"RtrInf"`
	AddtlTxInf string        `xml:"AddtlTxInf"`
}

type xmlRefs struct {
	MsgID       string `xml:"MsgId"`
	AcctSvcrRef string `xml:"AcctSvcrRef"`
	PmtInfID    string `xml:"PmtInfId"`
	InstrID     string `xml:"InstrId"`
	EndToEndID  string `xml:"EndToEndId"`
	TxID        string `xml:"TxId"`
	MndtID      string `xml:"MndtId"`
}

type xmlAmtDtls struct {
	TxAmt struct {
		Amt *xmlAmount `xml:"Amt"`
	} `xml:"TxAmt"`
}

type xmlParties struct {
	Dbtr      xmlParty   `xml:"Dbtr"`
	DbtrAcct  xmlAccount `xml:"DbtrAcct"`
	UltmtDbtr xmlParty   `xml:"UltmtDbtr"`
	Cdtr      xmlParty   `xml:"Cdtr"`
	CdtrAcct  xmlAccount `xml:"CdtrAcct"`
	UltmtCdtr xmlParty   `xml:"UltmtCdtr"`
}

type xmlParty struct {
	Nm  string  `xml:"Nm"`  // up to 001.06
	Pty xmlName `xml:"Pty"` // from 001.07
}

type xmlRemittance struct {
	Ustrd []string  `xml:"Ustrd"`
	Strd  []xmlStrd `xml:"Strd"`
}

type xmlStrd struct {
	CdtrRefInf *xmlCreditorRef `xml:"CdtrRefInf"`
}

type xmlCreditorRef struct {
	Tp  xmlType `xml:"Tp"`
	Ref string  `xml:"Ref"`
}

type xmlReturn struct {
	Rsn xmlCodeOrProprietary `xml:"Rsn"`
}

// xmlSpace is the white space XML allows around values.
const xmlSpace = " \t\r\n"

func trim(s string) string { return strings.Trim(s, xmlSpace) }

// clip shortens text from the document before it goes into an error message.
func clip(s string) string {
	const maxLen = 40
	if len(s) <= maxLen {
		return s
	}
	n := maxLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func (x xmlGroupHeader) header() (GroupHeader, error) {
	h := GroupHeader{MessageID: trim(x.MsgID), AdditionalInfo: trim(x.AddtlInf)}
	if h.MessageID == "" {
		return GroupHeader{}, errors.New("GrpHdr has no MsgId")
	}
	var err error
	if h.Created, err = parseDateTime(x.CreDtTm, "GrpHdr/CreDtTm"); err != nil {
		return GroupHeader{}, err
	}
	if h.Created.IsZero() {
		return GroupHeader{}, errors.New("GrpHdr has no CreDtTm")
	}
	if h.Pagination, err = x.MsgPgntn.pagination(); err != nil {
		return GroupHeader{}, err
	}
	return h, nil
}

func (x *xmlPagination) pagination() (Pagination, error) {
	if x == nil {
		return Pagination{}, nil
	}
	last, err := parseBool(x.LastPgInd, "LastPgInd")
	return Pagination{Page: trim(x.PgNb), Last: last}, err
}

func (x xmlAccount) account() Account {
	return Account{
		IBAN:     trim(x.ID.IBAN),
		Other:    trim(x.ID.Other.ID),
		Currency: trim(x.Ccy),
		Name:     trim(x.Nm),
		Owner:    trim(x.Owner.Nm),
	}
}

func (x xmlBalance) balance() (Balance, error) {
	b := Balance{Type: BalanceType(trim(x.Tp.CdOrPrtry.Cd))}
	if b.Type == "" {
		b.Type, b.Proprietary = BalanceType(trim(x.Tp.CdOrPrtry.Prtry)), true
	}
	if b.Type == "" {
		return Balance{}, errors.New("balance has no type (Tp/CdOrPrtry)")
	}
	name := "balance " + clip(string(b.Type))
	var err error
	if b.Amount, err = x.Amt.amount(name); err != nil {
		return Balance{}, err
	}
	if b.Indicator, err = parseIndicator(x.CdtDbtInd, true); err != nil {
		return Balance{}, fmt.Errorf("%s: %w", name, err)
	}
	if b.Date, err = x.Dt.date(name + " Dt"); err != nil {
		return Balance{}, err
	}
	return b, nil
}

func (x *xmlAmount) amount(what string) (Amount, error) {
	if x == nil {
		return Amount{}, fmt.Errorf("%s has no Amt", what)
	}
	a, err := parseAmount(x.Value, trim(x.Ccy))
	if err != nil {
		return Amount{}, fmt.Errorf("%s: %w", what, err)
	}
	return a, nil
}

func (x xmlBankTxCode) code() BankTransactionCode {
	return BankTransactionCode{
		Domain:            trim(x.Domn.Cd),
		Family:            trim(x.Domn.Fmly.Cd),
		SubFamily:         trim(x.Domn.Fmly.SubFmlyCd),
		Proprietary:       trim(x.Prtry.Cd),
		ProprietaryIssuer: trim(x.Prtry.Issr),
	}
}

func (x xmlEntry) entry() (Entry, error) {
	e := Entry{
		Reference:           trim(x.NtryRef),
		AccountServicerRef:  trim(x.AcctSvcrRef),
		BankTransactionCode: x.BkTxCd.code(),
		AdditionalInfo:      trim(x.AddtlNtryInf),
	}
	var err error
	if e.Amount, err = x.Amt.amount("entry"); err != nil {
		return Entry{}, err
	}
	if e.Indicator, err = parseIndicator(x.CdtDbtInd, true); err != nil {
		return Entry{}, err
	}
	if e.Reversal, err = parseBool(x.RvslInd, "RvslInd"); err != nil {
		return Entry{}, err
	}
	e.Status = Status(trim(x.Sts.Text))
	if e.Status == "" {
		e.Status = Status(trim(x.Sts.Cd))
	}
	if e.Status == "" {
		e.Status = Status(trim(x.Sts.Prtry))
	}
	if e.Status == "" {
		return Entry{}, errors.New("entry has no status (Sts)")
	}
	if e.BookingDate, err = x.BookgDt.date("BookgDt"); err != nil {
		return Entry{}, err
	}
	if e.ValueDate, err = x.ValDt.date("ValDt"); err != nil {
		return Entry{}, err
	}
	for _, d := range x.NtryDtls {
		for _, tx := range d.TxDtls {
			t, err := tx.transaction()
			if err != nil {
				return Entry{}, fmt.Errorf("transaction %d: %w", len(e.Transactions)+1, err)
			}
			e.Transactions = append(e.Transactions, t)
		}
	}
	return e, nil
}

func (x xmlTransaction) transaction() (Transaction, error) {
	p := &x.RltdPties
	t := Transaction{
		References: References{
			MessageID:          trim(x.Refs.MsgID),
			AccountServicerRef: trim(x.Refs.AcctSvcrRef),
			PaymentInfoID:      trim(x.Refs.PmtInfID),
			InstructionID:      trim(x.Refs.InstrID),
			EndToEndID:         trim(x.Refs.EndToEndID),
			TransactionID:      trim(x.Refs.TxID),
			MandateID:          trim(x.Refs.MndtID),
		},
		BankTransactionCode: x.BkTxCd.code(),
		Debtor:              Party{Name: p.Dbtr.name(), Account: p.DbtrAcct.account()},
		Creditor:            Party{Name: p.Cdtr.name(), Account: p.CdtrAcct.account()},
		UltimateDebtor:      Party{Name: p.UltmtDbtr.name()},
		UltimateCreditor:    Party{Name: p.UltmtCdtr.name()},
		ReturnReason:        trim(x.RtrInf.Rsn.Cd),
		AdditionalInfo:      trim(x.AddtlTxInf),
	}
	if t.ReturnReason == "" {
		t.ReturnReason = trim(x.RtrInf.Rsn.Prtry)
	}
	amt := x.Amt
	if amt == nil {
		amt = x.AmtDtls.TxAmt.Amt
	}
	if amt != nil {
		var err error
		if t.Amount, err = amt.amount("transaction"); err != nil {
			return Transaction{}, err
		}
	}
	var err error
	if t.Indicator, err = parseIndicator(x.CdtDbtInd, false); err != nil {
		return Transaction{}, err
	}
	for _, u := range x.RmtInf.Ustrd {
		if u = trim(u); u != "" {
			t.Unstructured = append(t.Unstructured, u)
		}
	}
	for _, s := range x.RmtInf.Strd {
		if s.CdtrRefInf == nil {
			continue
		}
		r := s.CdtrRefInf
		c := CreditorRef{Type: trim(r.Tp.CdOrPrtry.Cd), Issuer: trim(r.Tp.Issr), Ref: trim(r.Ref)}
		if c.Type == "" {
			c.Type = trim(r.Tp.CdOrPrtry.Prtry)
		}
		if c.Ref != "" {
			t.CreditorReferences = append(t.CreditorReferences, c)
		}
	}
	return t, nil
}

func (x xmlParty) name() string {
	if n := trim(x.Nm); n != "" {
		return n
	}
	return trim(x.Pty.Nm)
}

func (x xmlDate) date(what string) (time.Time, error) {
	if dt := trim(x.DtTm); dt != "" {
		return parseDateTime(dt, what)
	}
	return parseDate(x.Dt, what)
}

func parseIndicator(s string, required bool) (Indicator, error) {
	switch ind := Indicator(trim(s)); ind {
	case Credit, Debit:
		return ind, nil
	case "":
		if !required {
			return "", nil
		}
		return "", errors.New("CdtDbtInd is missing")
	default:
		return "", fmt.Errorf("CdtDbtInd is %q; it must be CRDT or DBIT", clip(string(ind)))
	}
}

// parseBool reads an xs:boolean; absent is false.
func parseBool(s, what string) (bool, error) {
	switch trim(s) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, fmt.Errorf("%s is %q; it must be true or false", what, clip(s))
}

// parseDate reads an ISO date (xs:date). A time zone, which the schema allows but banks
// rarely send, is ignored: the calendar date is what counts. Absent is the zero time.
func parseDate(s, what string) (time.Time, error) {
	s = trim(s)
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) > len("2006-01-02") {
		if _, err := time.Parse("Z07:00", s[len("2006-01-02"):]); err != nil {
			return time.Time{}, fmt.Errorf("%s %q is not a date (YYYY-MM-DD)", what, clip(s))
		}
		s = s[:len("2006-01-02")]
	}
	t, err := time.ParseInLocation(time.DateOnly, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a date (YYYY-MM-DD)", what, clip(s))
	}
	return t, nil
}

// parseDateTime reads an ISO date and time (xs:dateTime), with or without fractions of a
// second and an offset; without an offset it is read as UTC. Absent is the zero time.
func parseDateTime(s, what string) (time.Time, error) {
	s = trim(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q is not a date and time (YYYY-MM-DDThh:mm:ss)", what, clip(s))
}
