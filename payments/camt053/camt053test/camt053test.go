// Package camt053test writes camt.053.001.02 bank statements for tests: the statement a
// bank would send after a batch of payouts (one debit per payment, some returned) or
// after members paid by transfer. Its output is valid against the camt.053.001.02 schema
// and is read back by camt053.Parse as written.
//
// Write streams: it sums the lines once for the balances, which come before the entries
// in the document, then writes each line as it goes through a buffered writer, so a
// statement of 100,000 lines costs little memory and time beyond the lines themselves.
package camt053test

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/camt053"
)

// Line is one entry of the statement, with one transaction.
type Line struct {
	// Credit is money in; a debit (false) is an outgoing SEPA credit transfer.
	Credit      bool
	AmountCents int64 // more than 0, in minor units of the statement's currency
	EndToEndID  string
	RFReference string // written as given (up to 35 characters), so a test can give a bad one
	// Name and IBAN are the other party: the creditor of a debit or of a returned
	// payment, the debtor of a credit. Each is left out when "".
	Name, IBAN string
	// ReturnReason (e.g. "AC04", account closed) makes the line a returned payment: a
	// credit with RtrInf/Rsn/Cd, RvslInd false and bank transaction code PMNT/ICDT/RRTN.
	// EndToEndID, Name and IBAN are then those of the original transfer, as banks report
	// them.
	ReturnReason string
	BookedOn     time.Time // booking and value date; the statement's creation date when zero
	// AccountServicerRef is the bank's reference of the entry, by which an import
	// recognises an entry it has seen. When "", one is made from the statement id and
	// the line's position: stable when the same statement is written again, different in
	// a statement with another id. A given one is written as is, so a test can repeat one.
	AccountServicerRef string
}

// Statement is one camt.053 document holding one statement.
type Statement struct {
	MessageID, StatementID string // 1 to 35 characters
	IBAN                   string // the statement's account
	Currency               string // "EUR" when ""
	Created                time.Time
	Lines                  []Line
	// OpeningCents is the opening booked balance, negative when overdrawn; the closing
	// balance is it plus the credits minus the debits.
	OpeningCents int64
}

// Write writes s as a camt.053.001.02 document to w. It refuses, before writing anything,
// a statement without ids, time or a valid account IBAN, and a line with an amount that
// is not more than 0, a field longer than the schema allows, an IBAN that is not valid, or
// a return reason on a debit.
func Write(w io.Writer, s Statement) error {
	if s.Currency == "" {
		s.Currency = "EUR"
	}
	closing, err := check(&s)
	if err != nil {
		return err
	}
	created := s.Created.Truncate(time.Second).Format(time.RFC3339)
	createdOn := s.Created.Format(time.DateOnly)
	first, last := createdOn, createdOn
	for i, l := range s.Lines {
		if d := bookedOn(l, createdOn); i == 0 || d < first {
			first = d
		}
		if d := bookedOn(l, createdOn); i == 0 || d > last {
			last = d
		}
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	b := make([]byte, 0, 4096)
	b = append(b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<BkToCstmrStmt>
<GrpHdr><MsgId>`...)
	b = appendText(b, s.MessageID)
	b = append(b, "</MsgId><CreDtTm>"...)
	b = append(b, created...)
	b = append(b, "</CreDtTm></GrpHdr>\n<Stmt><Id>"...)
	b = appendText(b, s.StatementID)
	b = append(b, "</Id><CreDtTm>"...)
	b = append(b, created...)
	b = append(b, "</CreDtTm><Acct><Id><IBAN>"...)
	b = append(b, s.IBAN...)
	b = append(b, "</IBAN></Id><Ccy>"...)
	b = append(b, s.Currency...)
	b = append(b, "</Ccy></Acct>\n"...)
	b = appendBalance(b, "OPBD", s.OpeningCents, s.Currency, first)
	b = appendBalance(b, "CLBD", closing, s.Currency, last)
	for i := range s.Lines {
		b = appendLine(b, &s, i, createdOn)
		if len(b) >= 32<<10 {
			if _, err := bw.Write(b); err != nil {
				return fmt.Errorf("camt053test: %w", err)
			}
			b = b[:0]
		}
	}
	b = append(b, "</Stmt>\n</BkToCstmrStmt>\n</Document>\n"...)
	if _, err := bw.Write(b); err != nil {
		return fmt.Errorf("camt053test: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("camt053test: %w", err)
	}
	return nil
}

// check refuses what would make the document invalid, normalises the IBANs, and returns
// the closing balance.
func check(s *Statement) (int64, error) {
	fail := func(format string, args ...any) (int64, error) {
		return 0, fmt.Errorf("camt053test: "+format, args...)
	}
	if err := max35("MessageID", s.MessageID, true); err != nil {
		return fail("%v", err)
	}
	if err := max35("StatementID", s.StatementID, true); err != nil {
		return fail("%v", err)
	}
	if s.Created.IsZero() {
		return fail("Created is missing")
	}
	if len(s.Currency) != 3 || !upper(s.Currency) {
		return fail("Currency %q is not an ISO 4217 code", s.Currency)
	}
	iban, err := cooperative.ParseIBAN(s.IBAN)
	if err != nil {
		return fail("statement IBAN: %s", cooperative.ErrorMessage(err))
	}
	s.IBAN = iban
	// Lines is the caller's slice: IBANs are normalised in a copy.
	lines := make([]Line, len(s.Lines))
	copy(lines, s.Lines)
	s.Lines = lines
	balance := s.OpeningCents
	for i := range lines {
		l := &lines[i]
		n := i + 1
		if l.AmountCents <= 0 {
			return fail("line %d: AmountCents %d must be more than 0", n, l.AmountCents)
		}
		for _, f := range []struct{ name, v string }{
			{"EndToEndID", l.EndToEndID}, {"RFReference", l.RFReference}, {"AccountServicerRef", l.AccountServicerRef},
		} {
			if err := max35(f.name, f.v, false); err != nil {
				return fail("line %d: %v", n, err)
			}
		}
		if utf8.RuneCountInString(l.Name) > 140 {
			return fail("line %d: Name is longer than 140 characters", n)
		}
		if !xmlText(l.Name) || !xmlText(l.ReturnReason) {
			return fail("line %d: Name or ReturnReason holds a character XML cannot carry", n)
		}
		if l.IBAN != "" {
			if l.IBAN, err = cooperative.ParseIBAN(l.IBAN); err != nil {
				return fail("line %d: IBAN: %s", n, cooperative.ErrorMessage(err))
			}
		}
		if l.ReturnReason != "" {
			if !l.Credit {
				return fail("line %d: a ReturnReason belongs on a credit (the money coming back)", n)
			}
			if len(l.ReturnReason) > 4 {
				return fail("line %d: ReturnReason %q is longer than 4 characters", n, l.ReturnReason)
			}
		}
		if l.Credit {
			balance += l.AmountCents
		} else {
			balance -= l.AmountCents
		}
	}
	return balance, nil
}

func max35(name, v string, required bool) error {
	switch {
	case v == "" && required:
		return fmt.Errorf("%s is missing", name)
	case utf8.RuneCountInString(v) > 35:
		return fmt.Errorf("%s %q is longer than 35 characters", name, v)
	case !xmlText(v):
		return fmt.Errorf("%s %q holds a character XML cannot carry", name, v)
	}
	return nil
}

// xmlText reports whether s can be element text: valid UTF-8 without the control
// characters XML 1.0 forbids.
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

func upper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func bookedOn(l Line, createdOn string) string {
	if l.BookedOn.IsZero() {
		return createdOn
	}
	return l.BookedOn.Format(time.DateOnly)
}

func appendBalance(b []byte, typ string, signed int64, ccy, date string) []byte {
	ind := "CRDT"
	if signed < 0 {
		ind, signed = "DBIT", -signed
	}
	b = append(b, "<Bal><Tp><CdOrPrtry><Cd>"...)
	b = append(b, typ...)
	b = append(b, "</Cd></CdOrPrtry></Tp>"...)
	b = appendAmount(b, signed, ccy)
	b = append(b, "<CdtDbtInd>"...)
	b = append(b, ind...)
	b = append(b, "</CdtDbtInd><Dt><Dt>"...)
	b = append(b, date...)
	return append(b, "</Dt></Dt></Bal>\n"...)
}

func appendAmount(b []byte, minor int64, ccy string) []byte {
	b = append(b, `<Amt Ccy="`...)
	b = append(b, ccy...)
	b = append(b, `">`...)
	b = append(b, camt053.Amount{Minor: minor, Currency: ccy}.Decimal()...)
	return append(b, "</Amt>"...)
}

func appendLine(b []byte, s *Statement, i int, createdOn string) []byte {
	l := &s.Lines[i]
	date := bookedOn(*l, createdOn)
	b = append(b, "<Ntry><NtryRef>"...)
	b = strconv.AppendInt(b, int64(i+1), 10)
	b = append(b, "</NtryRef>"...)
	b = appendAmount(b, l.AmountCents, s.Currency)
	family, sub := "ICDT", "ESCT"
	switch {
	case l.ReturnReason != "":
		b = append(b, "<CdtDbtInd>CRDT</CdtDbtInd><RvslInd>false</RvslInd>"...)
		sub = "RRTN"
	case l.Credit:
		b = append(b, "<CdtDbtInd>CRDT</CdtDbtInd>"...)
		family = "RCDT"
	default:
		b = append(b, "<CdtDbtInd>DBIT</CdtDbtInd>"...)
	}
	b = append(b, "<Sts>BOOK</Sts><BookgDt><Dt>"...)
	b = append(b, date...)
	b = append(b, "</Dt></BookgDt><ValDt><Dt>"...)
	b = append(b, date...)
	b = append(b, "</Dt></ValDt><AcctSvcrRef>"...)
	if l.AccountServicerRef != "" {
		b = appendText(b, l.AccountServicerRef)
	} else {
		b = appendGeneratedRef(b, s.StatementID, i+1)
	}
	b = append(b, "</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>"...)
	b = append(b, family...)
	b = append(b, "</Cd><SubFmlyCd>"...)
	b = append(b, sub...)
	b = append(b, "</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls>"...)
	if l.EndToEndID != "" {
		b = append(b, "<Refs><EndToEndId>"...)
		b = appendText(b, l.EndToEndID)
		b = append(b, "</EndToEndId></Refs>"...)
	}
	b = append(b, "<AmtDtls><TxAmt>"...)
	b = appendAmount(b, l.AmountCents, s.Currency)
	b = append(b, "</TxAmt></AmtDtls>"...)
	if l.Name != "" || l.IBAN != "" {
		// The other party: the debtor of money received, otherwise the creditor.
		party, account := "Cdtr", "CdtrAcct"
		if l.Credit && l.ReturnReason == "" {
			party, account = "Dbtr", "DbtrAcct"
		}
		b = append(b, "<RltdPties>"...)
		if l.Name != "" {
			b = append(b, '<')
			b = append(b, party...)
			b = append(b, "><Nm>"...)
			b = appendText(b, l.Name)
			b = append(b, "</Nm></"...)
			b = append(b, party...)
			b = append(b, '>')
		}
		if l.IBAN != "" {
			b = append(b, '<')
			b = append(b, account...)
			b = append(b, "><Id><IBAN>"...)
			b = append(b, l.IBAN...)
			b = append(b, "</IBAN></Id></"...)
			b = append(b, account...)
			b = append(b, '>')
		}
		b = append(b, "</RltdPties>"...)
	}
	if l.RFReference != "" {
		b = append(b, "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>"...)
		b = appendText(b, l.RFReference)
		b = append(b, "</Ref></CdtrRefInf></Strd></RmtInf>"...)
	}
	if l.ReturnReason != "" {
		b = append(b, "<RtrInf><Rsn><Cd>"...)
		b = appendText(b, l.ReturnReason)
		b = append(b, "</Cd></Rsn></RtrInf>"...)
	}
	return append(b, "</TxDtls></NtryDtls></Ntry>\n"...)
}

// appendGeneratedRef writes "<statement id>-<n>", or, when that would not fit in 35
// characters, a hash of the statement id in its place.
func appendGeneratedRef(b []byte, statementID string, n int) []byte {
	num := strconv.Itoa(n)
	if len(statementID)+1+len(num) <= 35 {
		b = appendText(b, statementID)
	} else {
		h := fnv.New64a()
		h.Write([]byte(statementID))
		b = strconv.AppendUint(b, h.Sum64(), 36)
	}
	b = append(b, '-')
	return append(b, num...)
}

// appendText escapes s for element content.
func appendText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '"':
			b = append(b, "&quot;"...)
		case '\r':
			b = append(b, "&#xD;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}
