package camt053

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// sampleDir holds the sample statements of genkgo/camt with what that parser reads out
// of each (see its README). The path is relative to this package in the main repository,
// with the shared folder beside it, as on every machine and in CI.
const sampleDir = "../../../shared/testdata/iso20022/camt053-genkgo"

// The j* types are the parts of genkgo's JSON dumps that Kracht's types also hold. The
// dumps name PHP getters; an object met before is written "__RECURSIVITY__", so fields
// that may hold such a marker are json.RawMessage.

type jMoney struct {
	Amount   string `json:"getAmount"`
	Currency struct {
		Code string `json:"getCode"`
	} `json:"getCurrency"`
}

type jTime struct {
	Value string `json:"0"`
}

type jAccount struct {
	Class string `json:"__CLASS__"`
	IBAN  *struct {
		IBAN string `json:"getIban"`
	} `json:"getIban"`
	Identification string  `json:"getIdentification"`
	Name           *string `json:"getName"`
}

type jBankTxCode struct {
	Domain *struct {
		Code   string `json:"getCode"`
		Family *struct {
			Code          string `json:"getCode"`
			SubFamilyCode string `json:"getSubFamilyCode"`
		} `json:"getFamily"`
	} `json:"getDomain"`
	Proprietary *struct {
		Code   string `json:"getCode"`
		Issuer string `json:"getIssuer"`
	} `json:"getProprietary"`
}

type jPagination struct {
	Page string `json:"getPageNumber"`
}

type jHeader struct {
	MessageID      string       `json:"getMessageId"`
	Created        *jTime       `json:"getCreatedOn"`
	AdditionalInfo *string      `json:"getAdditionalInformation"`
	Pagination     *jPagination `json:"getPagination"`
}

type jRecord struct {
	ID             string       `json:"getId"`
	Created        *jTime       `json:"getCreatedOn"`
	ElectronicSeq  *string      `json:"getElectronicSequenceNumber"`
	LegalSeq       *string      `json:"getLegalSequenceNumber"`
	From           *jTime       `json:"getFromDate"`
	To             *jTime       `json:"getToDate"`
	CopyDuplicate  *string      `json:"getCopyDuplicateIndicator"`
	Pagination     *jPagination `json:"getPagination"`
	Account        jAccount     `json:"getAccount"`
	AdditionalInfo *string      `json:"getAdditionalInformation"`
	Balances       []struct {
		Amount jMoney `json:"getAmount"`
		Date   *jTime `json:"getDate"`
		Type   string `json:"getType"`
	} `json:"getBalances"`
	Entries []json.RawMessage `json:"getEntries"`
}

type jEntry struct {
	Index              int               `json:"getIndex"`
	Record             json.RawMessage   `json:"getRecord"`
	Amount             jMoney            `json:"getAmount"`
	CreditDebit        string            `json:"getCreditDebitIndicator"`
	Status             string            `json:"getStatus"`
	Reversal           bool              `json:"getReversalIndicator"`
	BookingDate        *jTime            `json:"getBookingDate"`
	ValueDate          *jTime            `json:"getValueDate"`
	AccountServicerRef *string           `json:"getAccountServicerReference"`
	Reference          *string           `json:"getReference"`
	AdditionalInfo     string            `json:"getAdditionalInfo"`
	BankTxCode         *jBankTxCode      `json:"getBankTransactionCode"`
	Detail             *jDetail          `json:"getTransactionDetail"`
	Details            []json.RawMessage `json:"getTransactionDetails"`
}

type jDetail struct {
	Amount      *jMoney      `json:"getAmount"`
	CreditDebit *string      `json:"getCreditDebitIndicator"`
	BankTxCode  *jBankTxCode `json:"getBankTransactionCode"`
	Reference   *struct {
		EndToEndID         *string `json:"getEndToEndId"`
		AccountServicerRef *string `json:"getAccountServicerReference"`
		InstructionID      *string `json:"getInstructionId"`
		MandateID          *string `json:"getMandateId"`
		MessageID          *string `json:"getMessageId"`
		PaymentInfoID      *string `json:"getPaymentInformationId"`
		TransactionID      *string `json:"getTransactionId"`
	} `json:"getReference"`
	RelatedParties []struct {
		Account *jAccount `json:"getAccount"`
		Party   struct {
			Class string `json:"__CLASS__"`
			Name  string `json:"getName"`
		} `json:"getRelatedPartyType"`
	} `json:"getRelatedParties"`
	Remittance *struct {
		CreditorRef *struct {
			Code string `json:"getCode"`
			Ref  string `json:"getRef"`
		} `json:"getCreditorReferenceInformation"`
		Unstructured *struct {
			Message string `json:"getMessage"`
		} `json:"getUnstructuredBlock"`
		UnstructuredBlocks []json.RawMessage `json:"getUnstructuredBlocks"`
		StructuredBlocks   []json.RawMessage `json:"getStructuredBlocks"`
	} `json:"getRemittanceInformation"`
	AdditionalInfo *string `json:"getAdditionalTransactionInformation"`
}

type jMessage struct {
	Entries []jEntry          `json:"getEntries"`
	Header  jHeader           `json:"getGroupHeader"`
	Records []json.RawMessage `json:"getRecords"`
}

// genkgo names balance types; these are the ISO codes behind the names.
var balanceTypes = map[string][]BalanceType{
	"opening":           {OpeningBooked, PreviouslyClosedBooked},
	"opening_available": {OpeningAvailable},
	"closing":           {ClosingBooked},
	"closing_available": {ClosingAvailable},
	"forward_available": {ForwardAvailable},
	"information":       {Information},
	"interim_available": {InterimAvailable},
	"interim":           {InterimBooked},
	"expected_credit":   {ExpectedCredit},
	"expected_debit":    {ExpectedDebit},
}

func TestSamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sampleDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample statements in %s (%v): the shared test data must be beside the repository", sampleDir, err)
	}
	versions := map[Version]bool{}
	for _, jsonFile := range files {
		name := strings.TrimSuffix(filepath.Base(jsonFile), ".json")
		t.Run(name, func(t *testing.T) {
			var want jMessage
			readJSON(t, jsonFile, &want)
			doc := parseFile(t, strings.TrimSuffix(jsonFile, ".json")+".xml")
			versions[doc.Version] = true
			compareSample(t, want, doc)
			checkConsistent(t, doc)
		})
	}
	for _, v := range []Version{"001.02", "001.03", "001.04", "001.08"} {
		if !versions[v] {
			t.Errorf("no sample of version %s was read", v)
		}
	}
}

func TestWrongSample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sampleDir, "camt053.v2.wrong.xml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(bytes.NewReader(data))
	assertInvalid(t, err, "no statement")
}

func compareSample(t *testing.T, want jMessage, doc Document) {
	t.Helper()
	h := doc.Header
	eq(t, "GrpHdr MsgId", h.MessageID, want.Header.MessageID)
	eqTime(t, "GrpHdr CreDtTm", h.Created, want.Header.Created)
	eqPtr(t, "GrpHdr AddtlInf", h.AdditionalInfo, want.Header.AdditionalInfo)
	if want.Header.Pagination != nil {
		eq(t, "GrpHdr page", h.Pagination.Page, want.Header.Pagination.Page)
	}
	if len(doc.Statements) != len(want.Records) {
		t.Errorf("%d statements, want %d", len(doc.Statements), len(want.Records))
	}

	// The dump writes each statement out in full once, inside the first entry that
	// belongs to it.
	if len(want.Entries) == 0 {
		t.Fatal("the sample has no entries to compare")
	}
	var seenRecords int
	for _, we := range want.Entries {
		var rec jRecord
		if err := json.Unmarshal(we.Record, &rec); err != nil || rec.ID == "" {
			t.Fatalf("entry %d: record is not written out (%s)", we.Index, we.Record)
		}
		st := statementByID(t, doc, rec.ID)
		compareStatement(t, rec, st)
		seenRecords++
		if we.Index >= len(st.Entries) {
			t.Fatalf("statement %s has %d entries; the sample has one at index %d", st.ID, len(st.Entries), we.Index)
		}
		compareEntry(t, we, st.Entries[we.Index])
	}
	if seenRecords == 0 {
		t.Error("no statement compared")
	}
}

func compareStatement(t *testing.T, want jRecord, st Statement) {
	t.Helper()
	eqTime(t, "Stmt CreDtTm", st.Created, want.Created)
	eqPtr(t, "ElctrncSeqNb", st.ElectronicSeqNum, want.ElectronicSeq)
	eqPtr(t, "LglSeqNb", st.LegalSeqNum, want.LegalSeq)
	eqTime(t, "FrDtTm", st.From, want.From)
	eqTime(t, "ToDtTm", st.To, want.To)
	eqPtr(t, "CpyDplctInd", st.CopyDuplicate, want.CopyDuplicate)
	eqPtr(t, "AddtlStmtInf", st.AdditionalInfo, want.AdditionalInfo)
	if want.Pagination != nil {
		eq(t, "StmtPgntn", st.Pagination.Page, want.Pagination.Page)
	}
	compareAccount(t, "Acct", st.Account, &want.Account)
	if len(st.Entries) != len(want.Entries) {
		t.Errorf("statement %s: %d entries, want %d", st.ID, len(st.Entries), len(want.Entries))
	}
	if len(st.Balances) != len(want.Balances) {
		t.Fatalf("statement %s: %d balances, want %d", st.ID, len(st.Balances), len(want.Balances))
	}
	for i, wb := range want.Balances {
		b := st.Balances[i]
		types, ok := balanceTypes[wb.Type]
		if !ok {
			t.Fatalf("balance %d: unknown type %q in the sample", i, wb.Type)
		}
		if !containsType(types, b.Type) {
			t.Errorf("balance %d: type %s, want one of %v (%s)", i, b.Type, types, wb.Type)
		}
		eqSigned(t, "balance "+string(b.Type), b.Signed(), b.Amount.Currency, wb.Amount)
		eqTime(t, "balance "+string(b.Type)+" date", b.Date, wb.Date)
	}
	if b, ok := st.OpeningBalance(); ok && b.Type != OpeningBooked && b.Type != PreviouslyClosedBooked {
		t.Errorf("OpeningBalance is %s", b.Type)
	}
	if b, ok := st.ClosingBalance(); ok && b.Type != ClosingBooked {
		t.Errorf("ClosingBalance is %s", b.Type)
	}
}

func compareEntry(t *testing.T, want jEntry, e Entry) {
	t.Helper()
	eqSigned(t, "entry amount", e.Signed(), e.Amount.Currency, want.Amount)
	eq(t, "entry CdtDbtInd", string(e.Indicator), want.CreditDebit)
	eq(t, "entry Sts", string(e.Status), want.Status)
	if e.Reversal != want.Reversal {
		t.Errorf("entry RvslInd = %v, want %v", e.Reversal, want.Reversal)
	}
	eqTime(t, "BookgDt", e.BookingDate, want.BookingDate)
	eqTime(t, "ValDt", e.ValueDate, want.ValueDate)
	eqPtr(t, "entry AcctSvcrRef", e.AccountServicerRef, want.AccountServicerRef)
	eqPtr(t, "NtryRef", e.Reference, want.Reference)
	eq(t, "AddtlNtryInf", e.AdditionalInfo, want.AdditionalInfo)
	compareBankTxCode(t, "entry", e.BankTransactionCode, want.BankTxCode)

	if len(e.Transactions) != len(want.Details) {
		t.Fatalf("%d transactions, want %d", len(e.Transactions), len(want.Details))
	}
	for i, raw := range want.Details {
		d := want.Detail // the first is written out as getTransactionDetail
		if i > 0 || string(raw) != `"__RECURSIVITY__"` {
			d = new(jDetail)
			if err := json.Unmarshal(raw, d); err != nil {
				t.Fatalf("transaction %d: %v", i, err)
			}
		}
		compareTransaction(t, *d, e.Transactions[i])
	}
}

func compareTransaction(t *testing.T, want jDetail, tx Transaction) {
	t.Helper()
	if want.Amount != nil {
		eqSigned(t, "transaction amount", tx.Amount.Minor, tx.Amount.Currency, *want.Amount)
	} else if tx.Amount != (Amount{}) {
		t.Errorf("transaction amount %v, want none", tx.Amount)
	}
	if want.CreditDebit != nil && tx.Indicator != "" {
		eq(t, "transaction CdtDbtInd", string(tx.Indicator), *want.CreditDebit)
	}
	compareBankTxCode(t, "transaction", tx.BankTransactionCode, want.BankTxCode)
	if r := want.Reference; r != nil {
		eqPtr(t, "EndToEndId", tx.References.EndToEndID, r.EndToEndID)
		eqPtr(t, "tx AcctSvcrRef", tx.References.AccountServicerRef, r.AccountServicerRef)
		eqPtr(t, "InstrId", tx.References.InstructionID, r.InstructionID)
		eqPtr(t, "MndtId", tx.References.MandateID, r.MandateID)
		eqPtr(t, "MsgId", tx.References.MessageID, r.MessageID)
		eqPtr(t, "PmtInfId", tx.References.PaymentInfoID, r.PaymentInfoID)
		eqPtr(t, "TxId", tx.References.TransactionID, r.TransactionID)
	}
	parties := map[string]Party{
		"Debtor": tx.Debtor, "Creditor": tx.Creditor,
		"UltimateDebtor": tx.UltimateDebtor, "UltimateCreditor": tx.UltimateCreditor,
	}
	named := 0
	for _, p := range parties {
		if p.Name != "" {
			named++
		}
	}
	if named != len(want.RelatedParties) {
		t.Errorf("%d named parties, want %d", named, len(want.RelatedParties))
	}
	for _, wp := range want.RelatedParties {
		role := wp.Party.Class[strings.LastIndex(wp.Party.Class, `\`)+1:]
		p, ok := parties[role]
		if !ok {
			t.Errorf("unknown party %s in the sample", wp.Party.Class)
			continue
		}
		eq(t, role+" name", p.Name, wp.Party.Name)
		compareAccount(t, role+" account", p.Account, wp.Account)
	}
	if rm := want.Remittance; rm != nil {
		if len(tx.Unstructured) != len(rm.UnstructuredBlocks) {
			t.Errorf("%d Ustrd, want %d", len(tx.Unstructured), len(rm.UnstructuredBlocks))
		}
		if rm.Unstructured != nil && len(tx.Unstructured) > 0 {
			eq(t, "Ustrd", tx.Unstructured[0], rm.Unstructured.Message)
		}
		if len(tx.CreditorReferences) != len(rm.StructuredBlocks) {
			t.Errorf("%d structured references, want %d", len(tx.CreditorReferences), len(rm.StructuredBlocks))
		}
		if c := rm.CreditorRef; c != nil && len(tx.CreditorReferences) > 0 {
			eq(t, "CdtrRefInf Ref", tx.CreditorReferences[0].Ref, c.Ref)
			eq(t, "CdtrRefInf Cd", tx.CreditorReferences[0].Type, c.Code)
		}
	} else if len(tx.Unstructured)+len(tx.CreditorReferences) > 0 {
		t.Errorf("remittance information %v %v, want none", tx.Unstructured, tx.CreditorReferences)
	}
	eqPtr(t, "AddtlTxInf", tx.AdditionalInfo, want.AdditionalInfo)
}

func compareAccount(t *testing.T, what string, a Account, want *jAccount) {
	t.Helper()
	if want == nil {
		if a.ID() != "" {
			t.Errorf("%s = %q, want none", what, a.ID())
		}
		return
	}
	eq(t, what+" id", a.ID(), want.Identification)
	if want.IBAN != nil {
		eq(t, what+" IBAN", a.IBAN, want.IBAN.IBAN)
	} else if a.IBAN != "" {
		t.Errorf("%s IBAN = %q, want none", what, a.IBAN)
	}
	eqPtr(t, what+" name", a.Name, want.Name)
}

func compareBankTxCode(t *testing.T, what string, c BankTransactionCode, want *jBankTxCode) {
	t.Helper()
	if want == nil {
		return
	}
	var w BankTransactionCode
	if want.Domain != nil {
		w.Domain = want.Domain.Code
		if want.Domain.Family != nil {
			w.Family, w.SubFamily = want.Domain.Family.Code, want.Domain.Family.SubFamilyCode
		}
	}
	if want.Proprietary != nil {
		w.Proprietary, w.ProprietaryIssuer = want.Proprietary.Code, want.Proprietary.Issuer
	}
	if c != w {
		t.Errorf("%s BkTxCd = %+v, want %+v", what, c, w)
	}
}

func statementByID(t *testing.T, doc Document, id string) Statement {
	t.Helper()
	for _, st := range doc.Statements {
		if st.ID == id {
			return st
		}
	}
	t.Fatalf("no statement %q", id)
	return Statement{}
}

func containsType(types []BalanceType, t BalanceType) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// eqSigned compares a signed amount in minor units with genkgo's Money, which carries the
// sign of the credit/debit indicator.
func eqSigned(t *testing.T, what string, minor int64, ccy string, want jMoney) {
	t.Helper()
	w, err := strconv.ParseInt(want.Amount, 10, 64)
	if err != nil {
		t.Fatalf("%s: sample amount %q: %v", what, want.Amount, err)
	}
	if minor != w || ccy != want.Currency.Code {
		t.Errorf("%s = %d %s, want %d %s", what, minor, ccy, w, want.Currency.Code)
	}
}

func eq(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// eqPtr compares with a value the sample may leave null, which means empty.
func eqPtr(t *testing.T, what, got string, want *string) {
	t.Helper()
	var w string
	if want != nil {
		w = *want
	}
	eq(t, what, got, w)
}

func eqTime(t *testing.T, what string, got time.Time, want *jTime) {
	t.Helper()
	if want == nil {
		if !got.IsZero() {
			t.Errorf("%s = %v, want none", what, got)
		}
		return
	}
	w, err := time.Parse(time.RFC3339, want.Value)
	if err != nil {
		t.Fatalf("%s: sample time %q: %v", what, want.Value, err)
	}
	if !got.Equal(w) {
		t.Errorf("%s = %v, want %v", what, got, w)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func parseFile(t *testing.T, path string) Document {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Parse(%s): %v", filepath.Base(path), err)
	}
	return doc
}

func assertInvalid(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", msg)
	}
	var e *cooperative.Error
	if !errors.As(err, &e) || e.Code != cooperative.EINVALID {
		t.Fatalf("error %v is not EINVALID", err)
	}
	if !strings.Contains(e.Message, msg) {
		t.Errorf("message %q does not contain %q", e.Message, msg)
	}
}

// checkConsistent asserts what holds for every document Parse accepts.
func checkConsistent(t *testing.T, doc Document) {
	t.Helper()
	checkAmount := func(what string, a Amount, optional bool) {
		if optional && a == (Amount{}) {
			return
		}
		if a.Minor < 0 || !validCurrency(a.Currency) {
			t.Fatalf("%s: bad amount %+v", what, a)
		}
		back, err := parseAmount(a.Decimal(), a.Currency)
		if err != nil || back != a {
			t.Fatalf("%s: %+v → %q → %+v, %v", what, a, a.Decimal(), back, err)
		}
	}
	checkIndicator := func(what string, ind Indicator, optional bool) {
		if ind != Credit && ind != Debit && !(optional && ind == "") {
			t.Fatalf("%s: indicator %q", what, ind)
		}
	}
	if doc.Version == "" || len(doc.Statements) == 0 || doc.Header.MessageID == "" {
		t.Fatalf("accepted a document without version, statement or message id: %+v", doc)
	}
	for _, st := range doc.Statements {
		if st.ID == "" || st.Account.ID() == "" || st.Created.IsZero() {
			t.Fatalf("accepted a statement without id, account or creation time: %+v", st)
		}
		for _, b := range st.Balances {
			checkAmount("balance", b.Amount, false)
			checkIndicator("balance", b.Indicator, false)
			if b.Signed() != signed(b.Amount.Minor, b.Indicator) || (b.Indicator == Debit) != (b.Signed() < 0) && b.Amount.Minor != 0 {
				t.Fatalf("balance %+v signed %d", b, b.Signed())
			}
		}
		for _, e := range st.Entries {
			checkAmount("entry", e.Amount, false)
			checkIndicator("entry", e.Indicator, false)
			if e.Status == "" {
				t.Fatal("entry without status")
			}
			if (e.Indicator == Debit) != (e.Signed() < 0) && e.Amount.Minor != 0 {
				t.Fatalf("entry %+v signed %d", e, e.Signed())
			}
			for _, tx := range e.Transactions {
				checkAmount("transaction", tx.Amount, true)
				checkIndicator("transaction", tx.Indicator, true)
			}
		}
	}
}
