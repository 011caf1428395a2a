// Package camt053 reads ISO 20022 camt.053 bank-to-customer statements, the daily
// account statement banks send as XML, into Kracht's own types, so that incoming bank
// transfers can be matched to what they pay for (by RF reference and amount).
//
// Versions 001.02 to 001.08 are read; the namespace of the document says which. Every
// amount is an exact Amount in minor units: the decimal text is parsed digit by digit,
// never through a float, and an amount with more decimals than its currency has is
// refused unless the extra decimals are zeros ("8.850" EUR is 885 cents; "8.855" EUR is
// an error).
//
// Parse reads a whole document into memory. For large statements, Decoder streams: it
// holds one entry at a time, so memory stays flat whatever the number of entries.
//
// Both refuse, with a *cooperative.Error of code EINVALID whose message says why and
// where, a document that is not well-formed XML, not camt.053, of an unsupported version,
// without a statement, lacking what the schema requires and an importer needs (message id
// and time; statement id, time and account; entry amount, direction and status), with a
// malformed amount, date or code, or that breaks a limit: MaxDocumentBytes,
// MaxTokenBytes or MaxDepth. It is not a full schema validation: elements Kracht does not
// read are skipped unchecked.
//
// The decoder stops reading after MaxDocumentBytes by itself. A caller should still wrap
// an untrusted body in io.LimitReader (or http.MaxBytesReader) at MaxDocumentBytes+1:
// nothing more is then ever read, and a body that is too large is still reported as too
// large rather than as cut short. An error from the caller's reader is returned wrapped,
// not as EINVALID.
package camt053

import (
	"io"
	"time"

	"github.com/kracht-coop/kracht/payments/rfref"
)

// Limits. A camt.053 is at most about 14 elements deep and its longest text field is 500
// characters; the document limit leaves room for 100,000 entries of about 2 KiB each.
const (
	MaxDocumentBytes = 256 << 20 // the whole document
	MaxTokenBytes    = 1 << 20   // one tag with its attributes, or one run of text
	MaxDepth         = 64        // nesting of elements
)

// Version is the message version from the namespace, e.g. "001.02" for
// urn:iso:std:iso:20022:tech:xsd:camt.053.001.02.
type Version string

// Indicator says whether an amount is a credit (money in) or a debit (money out).
type Indicator string

// Credit and debit indicators (CdtDbtInd).
const (
	Credit Indicator = "CRDT"
	Debit  Indicator = "DBIT"
)

// Status is the status of an entry (Sts). Only booked entries are final; a pending entry
// may still change or disappear.
type Status string

// Entry statuses. Versions from 001.07 also allow proprietary statuses, which are kept
// as they are.
const (
	Booked  Status = "BOOK"
	Pending Status = "PDNG"
	Info    Status = "INFO"
	Future  Status = "FUTR"
)

// BalanceType is the ISO code of a balance (Tp/CdOrPrtry/Cd), or the bank's own text
// when it gives a proprietary type instead.
type BalanceType string

// Balance types of ISO 20022 (ExternalBalanceType1Code).
const (
	OpeningBooked          BalanceType = "OPBD"
	PreviouslyClosedBooked BalanceType = "PRCD" // what some banks send instead of OPBD
	ClosingBooked          BalanceType = "CLBD"
	OpeningAvailable       BalanceType = "OPAV"
	ClosingAvailable       BalanceType = "CLAV"
	InterimBooked          BalanceType = "ITBD"
	InterimAvailable       BalanceType = "ITAV"
	ForwardAvailable       BalanceType = "FWAV"
	Information            BalanceType = "INFO"
	ExpectedCredit         BalanceType = "XPCD"
	ExpectedDebit          BalanceType = "XPDT"
)

// Document is a whole camt.053 message.
type Document struct {
	Version    Version
	Header     GroupHeader
	Statements []Statement
}

// GroupHeader identifies the message (GrpHdr).
type GroupHeader struct {
	MessageID      string
	Created        time.Time
	Pagination     Pagination
	AdditionalInfo string
}

// Pagination says which page of a message or statement this is. Page is "" when the
// document does not say.
type Pagination struct {
	Page string // PgNb
	Last bool   // LastPgInd
}

// Statement is one account statement (Stmt). Times without an offset in the document
// are read as UTC; a date without a time is midnight UTC of that date. A zero time means
// the document did not give one.
type Statement struct {
	ID               string
	ElectronicSeqNum string // ElctrncSeqNb: the bank's running number of statements, if given
	LegalSeqNum      string // LglSeqNb
	Created          time.Time
	From, To         time.Time // FrToDt
	CopyDuplicate    string    // CpyDplctInd: "CODU", "COPY" or "DUPL" when this is not the original
	Pagination       Pagination
	Account          Account
	Balances         []Balance
	Entries          []Entry // filled by Parse; a Decoder hands entries out one at a time
	AdditionalInfo   string  // AddtlStmtInf
}

// Account is a bank account: the statement's own, or a party's.
type Account struct {
	IBAN     string
	Other    string // Othr/Id when the account is not identified by an IBAN
	Currency string
	Name     string // Nm
	Owner    string // Ownr/Nm (statement account only)
}

// ID returns the IBAN, or the other identification when there is no IBAN.
func (a Account) ID() string {
	if a.IBAN != "" {
		return a.IBAN
	}
	return a.Other
}

// Balance is one balance of a statement (Bal).
type Balance struct {
	Type        BalanceType
	Proprietary bool // Type is the bank's own text, not an ISO code
	Amount      Amount
	Indicator   Indicator
	Date        time.Time
}

// Signed returns the balance in minor units, negative when it is a debit (overdrawn).
func (b Balance) Signed() int64 { return signed(b.Amount.Minor, b.Indicator) }

// OpeningBalance returns the opening booked balance: OPBD, or PRCD when the bank gives
// that instead.
func (s Statement) OpeningBalance() (Balance, bool) {
	if b, ok := s.balance(OpeningBooked); ok {
		return b, true
	}
	return s.balance(PreviouslyClosedBooked)
}

// ClosingBalance returns the closing booked balance (CLBD).
func (s Statement) ClosingBalance() (Balance, bool) { return s.balance(ClosingBooked) }

func (s Statement) balance(t BalanceType) (Balance, bool) {
	for _, b := range s.Balances {
		if b.Type == t && !b.Proprietary {
			return b, true
		}
	}
	return Balance{}, false
}

// Entry is one booking on the account (Ntry). A batch booking is one entry with many
// transactions.
type Entry struct {
	Reference           string // NtryRef
	Amount              Amount
	Indicator           Indicator
	Reversal            bool // RvslInd: this entry reverses an earlier one (a return, a failed direct debit)
	Status              Status
	BookingDate         time.Time
	ValueDate           time.Time
	AccountServicerRef  string // AcctSvcrRef: the bank's unique reference for the entry
	BankTransactionCode BankTransactionCode
	AdditionalInfo      string // AddtlNtryInf
	Transactions        []Transaction
}

// Signed returns the amount in minor units, negative for a debit.
func (e Entry) Signed() int64 { return signed(e.Amount.Minor, e.Indicator) }

// BankTransactionCode classifies an entry or transaction, as an ISO domain, family and
// sub-family (e.g. PMNT/RCDT/ESCT for a received SEPA credit transfer) and/or the bank's
// proprietary code.
type BankTransactionCode struct {
	Domain, Family, SubFamily string
	Proprietary               string
	ProprietaryIssuer         string
}

// Transaction is one transaction within an entry (NtryDtls/TxDtls).
type Transaction struct {
	References References
	// Amount is the transaction's own amount; its Currency is "" when the bank gave none,
	// which is common for an entry with one transaction: then the entry's amount applies.
	Amount    Amount
	Indicator Indicator // "" when not given (always so before version 001.03)

	BankTransactionCode BankTransactionCode
	Debtor, Creditor    Party
	UltimateDebtor      Party
	UltimateCreditor    Party
	Unstructured        []string      // RmtInf/Ustrd: free remittance text
	CreditorReferences  []CreditorRef // RmtInf/Strd/CdtrRefInf
	ReturnReason        string        // RtrInf/Rsn: why a payment came back, e.g. "AC04", "MD06"
	AdditionalInfo      string        // AddtlTxInf
}

// References are the identifications of a transaction (Refs).
type References struct {
	MessageID          string
	AccountServicerRef string
	PaymentInfoID      string
	InstructionID      string
	EndToEndID         string
	TransactionID      string
	MandateID          string
}

// Party is a debtor, creditor or ultimate party with its account, as far as given.
type Party struct {
	Name    string
	Account Account // empty for ultimate parties
}

// CreditorRef is a structured creditor reference (Strd/CdtrRefInf).
type CreditorRef struct {
	Type   string // Tp/CdOrPrtry/Cd, e.g. "SCOR", or the proprietary type
	Issuer string // Tp/Issr, e.g. "ISO" for an RF reference
	Ref    string
}

// RFReference returns the ISO 11649 reference the payer gave: the first structured
// creditor reference that is a valid RF reference, or else the first valid one in the
// unstructured remittance text, where payers often type it. Invalid references are
// ignored.
func (t Transaction) RFReference() (rfref.Reference, bool) {
	for _, c := range t.CreditorReferences {
		if ref, err := rfref.Parse(c.Ref); err == nil {
			return ref, true
		}
	}
	for _, u := range t.Unstructured {
		if ref, ok := rfref.Find(u); ok {
			return ref, true
		}
	}
	return "", false
}

func signed(minor int64, ind Indicator) int64 {
	if ind == Debit {
		return -minor
	}
	return minor
}

// Parse reads a whole camt.053 document. See the package documentation for what it
// refuses; use a Decoder for statements too large to hold in memory.
func Parse(r io.Reader) (Document, error) {
	d := NewDecoder(r)
	h, err := d.Header()
	if err != nil {
		return Document{}, err
	}
	doc := Document{Version: d.Version(), Header: h}
	for d.NextStatement() {
		var entries []Entry
		for d.NextEntry() {
			entries = append(entries, d.Entry())
		}
		st := d.Statement()
		st.Entries = entries
		doc.Statements = append(doc.Statements, st)
	}
	if err := d.Err(); err != nil {
		return Document{}, err
	}
	return doc, nil
}
