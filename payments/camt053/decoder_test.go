package camt053

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kracht-coop/kracht/cooperative"
)

// A small valid statement in parts, so that tests can break one part at a time.
const (
	testNS     = `urn:iso:std:iso:20022:tech:xsd:camt.053.001.02`
	testHeader = `<GrpHdr><MsgId>M1</MsgId><CreDtTm>2025-01-31T18:00:00</CreDtTm></GrpHdr>`
	testStmt   = `<Id>S1</Id><CreDtTm>2025-01-31T18:00:00+01:00</CreDtTm>` +
		`<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>` +
		`<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-01-30</Dt></Dt></Bal>`
	testEntry = `<Ntry><Amt Ccy="EUR">8.85</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>` +
		`<BookgDt><Dt>2025-01-31</Dt></BookgDt><BkTxCd/></Ntry>`
)

func testDoc(ns, body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="` + ns + `"><BkToCstmrStmt>` +
		testHeader + body + `</BkToCstmrStmt></Document>`
}

func stmtWith(parts ...string) string {
	return "<Stmt>" + strings.Join(parts, "") + "</Stmt>"
}

func entryWith(amount, rest string) string {
	return `<Ntry><Amt Ccy="EUR">` + amount + `</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>` + rest + `</Ntry>`
}

func TestParseRefuses(t *testing.T) {
	deep := strings.Repeat("<X>", MaxDepth) + strings.Repeat("</X>", MaxDepth)
	tests := []struct {
		name, doc, msg string
	}{
		{"empty", "", "the document is empty"},
		{"white space", "  \n ", "the document is empty"},
		{"not XML", "Date;Amount\n2025-01-31;8.85\n", "unexpected text"},
		{"JSON", `{"entries": []}`, "unexpected text"},
		{"truncated", testDoc(testNS, stmtWith(testStmt, testEntry))[:200], "ends too early"},
		{"mismatched tags", strings.Replace(testDoc(testNS, stmtWith(testStmt, testEntry)), "</Ntry>", "</Entry>", 1), "not well-formed XML at line 1"},
		{"other root", `<Invoice xmlns="` + testNS + `"/>`, "does not start with <Document>"},
		{"no namespace", testDoc("", stmtWith(testStmt)), "has no namespace"},
		{"pain.001", testDoc("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03", stmtWith(testStmt)), "not that of a camt.053"},
		{"camt.054", testDoc("urn:iso:std:iso:20022:tech:xsd:camt.054.001.02", stmtWith(testStmt)), "not that of a camt.053"},
		{"version 01", testDoc(nsPrefix+"001.01", stmtWith(testStmt)), `version "001.01" is not supported`},
		{"version 13", testDoc(nsPrefix+"001.13", stmtWith(testStmt)), `version "001.13" is not supported`},
		{"report not statement", `<Document xmlns="` + testNS + `"><BkToCstmrAcctRpt/></Document>`, "holds <BkToCstmrAcctRpt> where <BkToCstmrStmt> belongs"},
		{"no header", `<Document xmlns="` + testNS + `"><BkToCstmrStmt>` + stmtWith(testStmt) + `</BkToCstmrStmt></Document>`, "holds <Stmt> where <GrpHdr> belongs"},
		{"no MsgId", strings.Replace(testDoc(testNS, stmtWith(testStmt)), "<MsgId>M1</MsgId>", "", 1), "GrpHdr has no MsgId"},
		{"bad CreDtTm", strings.Replace(testDoc(testNS, stmtWith(testStmt)), "2025-01-31T18:00:00</CreDtTm></GrpHdr>", "31-01-2025</CreDtTm></GrpHdr>", 1), `GrpHdr/CreDtTm "31-01-2025" is not a date and time`},
		{"no statement", testDoc(testNS, ""), "no statement (Stmt)"},
		{"statement without id", testDoc(testNS, stmtWith(strings.Replace(testStmt, "<Id>S1</Id>", "", 1))), "statement 1: the statement has no Id"},
		{"statement without account", testDoc(testNS, stmtWith(`<Id>S1</Id><CreDtTm>2025-01-31T18:00:00</CreDtTm>`)), `statement 1 ("S1"): the statement has no account`},
		{"statement without CreDtTm", testDoc(testNS, stmtWith(`<Id>S1</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>`)), "has no CreDtTm"},
		{"more decimals than EUR", testDoc(testNS, stmtWith(testStmt, entryWith("8.855", ""))), `statement 1 ("S1"), entry 1: entry: amount "8.855" has more decimals than EUR has (2)`},
		{"six decimals", testDoc(testNS, stmtWith(testStmt, entryWith("8.850000", ""))), "has 6 decimals; ISO 20022 allows at most 5"},
		{"decimals on JPY", testDoc(testNS, stmtWith(testStmt, strings.Replace(entryWith("2700.5", ""), "EUR", "JPY", 1))), "more decimals than JPY has (0)"},
		{"negative", testDoc(testNS, stmtWith(testStmt, entryWith("-8.85", ""))), "is negative"},
		{"comma", testDoc(testNS, stmtWith(testStmt, entryWith("8,85", ""))), `"8,85" is not a decimal number`},
		{"float syntax", testDoc(testNS, stmtWith(testStmt, entryWith("8.85e2", ""))), "is not a decimal number"},
		{"empty amount", testDoc(testNS, stmtWith(testStmt, entryWith("", ""))), "is not a decimal number"},
		{"huge amount", testDoc(testNS, stmtWith(testStmt, entryWith("99999999999999999999", ""))), "is too large"},
		{"bad currency", testDoc(testNS, stmtWith(testStmt, strings.Replace(entryWith("1", ""), `"EUR"`, `"euro"`, 1))), `currency "euro" is not an ISO 4217 code`},
		{"no amount", testDoc(testNS, stmtWith(testStmt, `<Ntry><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>`)), "entry has no Amt"},
		{"no direction", testDoc(testNS, stmtWith(testStmt, `<Ntry><Amt Ccy="EUR">1</Amt><Sts>BOOK</Sts></Ntry>`)), "CdtDbtInd is missing"},
		{"bad direction", testDoc(testNS, stmtWith(testStmt, `<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CREDIT</CdtDbtInd><Sts>BOOK</Sts></Ntry>`)), `CdtDbtInd is "CREDIT"`},
		{"no status", testDoc(testNS, stmtWith(testStmt, `<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>`)), "entry has no status"},
		{"bad date", testDoc(testNS, stmtWith(testStmt, entryWith("1", "<BookgDt><Dt>2025-02-30</Dt></BookgDt>"))), `BookgDt "2025-02-30" is not a date`},
		{"bad reversal", testDoc(testNS, stmtWith(testStmt, entryWith("1", "<RvslInd>yes</RvslInd>"))), `RvslInd is "yes"`},
		{"bad transaction", testDoc(testNS, stmtWith(testStmt, entryWith("1", `<NtryDtls><TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">1.001</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls>`))), "entry 1: transaction 1: transaction: amount"},
		{"second entry bad", testDoc(testNS, stmtWith(testStmt, testEntry, entryWith("x", ""))), "entry 2:"},
		{"balance after entries", testDoc(testNS, stmtWith(testStmt, testEntry, "<Bal/>")), "<Bal> comes after the entries"},
		{"bad balance", testDoc(testNS, stmtWith(strings.Replace(testStmt, "10.00", "10.001", 1))), "balance OPBD: amount"},
		{"balance without type", testDoc(testNS, stmtWith(testStmt, `<Bal><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>`)), "balance has no type"},
		{"text between elements", testDoc(testNS, stmtWith(testStmt)+"hello"), `unexpected text "hello"`},
		{"second root", testDoc(testNS, stmtWith(testStmt)) + "<Document/>", "camt.053: there is more after </Document>"},
		{"doctype", `<!DOCTYPE Document [<!ENTITY x "y">]>` + testDoc(testNS, stmtWith(testStmt)), "<!DOCTYPE>"},
		{"Latin-1", strings.Replace(testDoc(testNS, stmtWith(testStmt)), "UTF-8", "ISO-8859-1", 1), `encoded as "ISO-8859-1"; ISO 20022 requires UTF-8`},
		{"invalid UTF-8", testDoc(testNS, stmtWith(testStmt, entryWith("1", "<AddtlNtryInf>\xff</AddtlNtryInf>"))), "invalid UTF-8"},
		{"too deep", testDoc(testNS, stmtWith(testStmt, entryWith("1", deep))), "nested more than 64 deep"},
		{"long text", testDoc(testNS, stmtWith(testStmt, entryWith("1", "<AddtlNtryInf>"+strings.Repeat("a", MaxTokenBytes)+"</AddtlNtryInf>"))), "longer than 1 MiB"},
		{"long white space", testDoc(testNS, stmtWith(testStmt)+strings.Repeat(" ", MaxTokenBytes+1)), "longer than 1 MiB"},
		{"second GrpHdr", testDoc(testNS, stmtWith(testStmt)+testHeader), "camt.053: the message has a second GrpHdr"},
		{"undefined entity", testDoc(testNS, stmtWith(testStmt, entryWith("1", "<AddtlNtryInf>&foo;</AddtlNtryInf>"))), "invalid character entity &foo;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.doc))
			assertInvalid(t, err, tt.msg)
			if err != nil && !strings.HasPrefix(cooperative.ErrorMessage(err), "camt.053: ") {
				t.Errorf("message %q does not say it is about camt.053", cooperative.ErrorMessage(err))
			}
		})
	}
}

func TestDocumentSizeLimit(t *testing.T) {
	doc := testDoc(testNS, stmtWith(testStmt, testEntry, testEntry))
	dec := NewDecoder(strings.NewReader(doc))
	dec.src.max = int64(len(doc) - 10)
	for dec.NextStatement() {
		for dec.NextEntry() {
		}
	}
	assertInvalid(t, dec.Err(), "larger than "+size(int64(len(doc)-10)))

	dec = NewDecoder(strings.NewReader(doc))
	dec.src.max = int64(len(doc))
	for dec.NextStatement() {
	}
	if err := dec.Err(); err != nil {
		t.Errorf("a document of exactly the limit: %v", err)
	}
	if size(MaxDocumentBytes) != "256 MiB" {
		t.Errorf("size(MaxDocumentBytes) = %q", size(MaxDocumentBytes))
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name, doc string
		check     func(t *testing.T, d Document)
	}{
		{"prefixed elements", `<c:Document xmlns:c="` + nsPrefix + `001.08"><c:BkToCstmrStmt>` +
			`<c:GrpHdr><c:MsgId>M</c:MsgId><c:CreDtTm>2025-01-31T18:00:00.123Z</c:CreDtTm></c:GrpHdr>` +
			`<c:Stmt><c:Id>S</c:Id><c:CreDtTm>2025-01-31T18:00:00</c:CreDtTm><c:Acct><c:Id><c:Othr><c:Id>123</c:Id></c:Othr></c:Id></c:Acct>` +
			`<c:Ntry><c:Amt Ccy="EUR"> +1.5 </c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd><c:Sts><c:Cd>PDNG</c:Cd></c:Sts></c:Ntry></c:Stmt>` +
			`</c:BkToCstmrStmt></c:Document>`,
			func(t *testing.T, d Document) {
				e := d.Statements[0].Entries[0]
				if d.Version != "001.08" || e.Amount != (Amount{150, "EUR"}) || e.Signed() != -150 || e.Status != Pending || d.Statements[0].Account.ID() != "123" {
					t.Errorf("%+v", d)
				}
				if d.Header.Created.Nanosecond() != 123000000 {
					t.Errorf("CreDtTm %v", d.Header.Created)
				}
			}},
		{"comments, white space and a BOM-less prolog", "\n<!-- from the bank -->\n" + testDoc(testNS, stmtWith(testStmt, "<!-- entries -->", testEntry)) + "\n<!-- end -->\n",
			func(t *testing.T, d Document) {
				if len(d.Statements[0].Entries) != 1 {
					t.Errorf("%+v", d)
				}
			}},
		{"trailing zero decimals", testDoc(testNS, stmtWith(testStmt, entryWith("8.85000", ""), entryWith("0.10", ""), entryWith(".5", ""), entryWith("7.", ""), entryWith("007", ""))),
			func(t *testing.T, d Document) {
				var got []int64
				for _, e := range d.Statements[0].Entries {
					got = append(got, e.Amount.Minor)
				}
				if want := []int64{885, 10, 50, 700, 700}; !equalInts(got, want) {
					t.Errorf("amounts %v, want %v", got, want)
				}
			}},
		{"three-decimal currency", testDoc(testNS, stmtWith(testStmt, strings.Replace(entryWith("1.234", ""), "EUR", "KWD", 1))),
			func(t *testing.T, d Document) {
				if a := d.Statements[0].Entries[0].Amount; a != (Amount{1234, "KWD"}) || a.String() != "1.234 KWD" {
					t.Errorf("%v", a)
				}
			}},
		{"statement without entries", testDoc(testNS, stmtWith(testStmt, "<AddtlStmtInf>none</AddtlStmtInf>")+stmtWith(strings.Replace(testStmt, "S1", "S2", 1), testEntry)),
			func(t *testing.T, d Document) {
				if len(d.Statements) != 2 || len(d.Statements[0].Entries) != 0 || d.Statements[0].AdditionalInfo != "none" || len(d.Statements[1].Entries) != 1 {
					t.Errorf("%+v", d)
				}
			}},
		{"return of a direct debit", testDoc(testNS, stmtWith(testStmt, `<Ntry><Amt Ccy="EUR">25.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts>`+
			`<BkTxCd/><NtryDtls><TxDtls><Refs><EndToEndId>KR-42</EndToEndId><MndtId>M-7</MndtId></Refs>`+
			`<RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>`)),
			func(t *testing.T, d Document) {
				e := d.Statements[0].Entries[0]
				tx := e.Transactions[0]
				if !e.Reversal || tx.ReturnReason != "MD06" || tx.References.EndToEndID != "KR-42" || tx.References.MandateID != "M-7" {
					t.Errorf("%+v", e)
				}
			}},
		{"proprietary balance and status", testDoc(nsPrefix+"001.08", stmtWith(
			strings.Replace(testStmt, "<Cd>OPBD</Cd>", "<Prtry>DAYEND</Prtry>", 1),
			`<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Prtry>HELD</Prtry></Sts></Ntry>`)),
			func(t *testing.T, d Document) {
				st := d.Statements[0]
				if b := st.Balances[0]; b.Type != "DAYEND" || !b.Proprietary {
					t.Errorf("%+v", b)
				}
				if _, ok := st.OpeningBalance(); ok {
					t.Error("a proprietary balance taken as opening balance")
				}
				if st.Entries[0].Status != "HELD" {
					t.Errorf("status %q", st.Entries[0].Status)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(strings.NewReader(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			checkConsistent(t, d)
			tt.check(t, d)
		})
	}
}

func TestDecoderSkipsUnreadEntries(t *testing.T) {
	doc := testDoc(testNS, stmtWith(testStmt, testEntry, testEntry, "<AddtlStmtInf>one</AddtlStmtInf>")+
		stmtWith(strings.Replace(testStmt, "S1", "S2", 1), testEntry))
	dec := NewDecoder(strings.NewReader(doc))
	h, err := dec.Header()
	if err != nil || h.MessageID != "M1" || dec.Version() != "001.02" {
		t.Fatalf("Header() = %+v, %v; version %q", h, err, dec.Version())
	}
	var ids []string
	for dec.NextStatement() {
		ids = append(ids, dec.Statement().ID)
		if !dec.NextEntry() || dec.Entry().Amount.Minor != 885 {
			t.Fatalf("first entry of %s: %+v, %v", dec.Statement().ID, dec.Entry(), dec.Err())
		}
		// The rest of the entries are left unread.
	}
	if err := dec.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "S1,S2" {
		t.Errorf("statements %v", ids)
	}
	if dec.NextStatement() || dec.NextEntry() {
		t.Error("the decoder goes on after the end")
	}
}

func TestDecoderReaderError(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sampleDir, "camt053.v2.minimal.xml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("connection reset")
	r := io.MultiReader(bytes.NewReader(data[:1000]), iotest.ErrReader(broken))
	_, err = Parse(r)
	if !errors.Is(err, broken) {
		t.Fatalf("error %v does not wrap the reader's error", err)
	}
	if code := cooperative.ErrorCode(err); code == cooperative.EINVALID {
		t.Errorf("a failing reader is reported as %s, as if the document were wrong", code)
	}
}

func TestRFReference(t *testing.T) {
	tests := []struct {
		name string
		tx   Transaction
		want string
	}{
		{"structured", Transaction{CreditorReferences: []CreditorRef{{Type: "SCOR", Issuer: "ISO", Ref: "RF18539007547034"}}}, "RF18539007547034"},
		{"structured, printed", Transaction{CreditorReferences: []CreditorRef{{Ref: "RF18 5390 0754 7034"}}}, "RF18539007547034"},
		{"structured not RF, RF in text", Transaction{
			CreditorReferences: []CreditorRef{{Type: "SCOR", Ref: "4654654654654654"}},
			Unstructured:       []string{"shares", "ref RF71 2348 231"},
		}, "RF712348231"},
		{"wrong check digits", Transaction{CreditorReferences: []CreditorRef{{Ref: "RF19539007547034"}}}, ""},
		{"none", Transaction{Unstructured: []string{"Transaction Description"}}, ""},
	}
	for _, tt := range tests {
		ref, ok := tt.tx.RFReference()
		if string(ref) != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: RFReference() = %q, %v; want %q", tt.name, ref, ok, tt.want)
		}
	}
}

func TestAmountDecimal(t *testing.T) {
	tests := []struct {
		a    Amount
		want string
	}{
		{Amount{885, "EUR"}, "8.85"},
		{Amount{5, "EUR"}, "0.05"},
		{Amount{0, "EUR"}, "0.00"},
		{Amount{2700, "JPY"}, "2700"},
		{Amount{1, "KWD"}, "0.001"},
		{Amount{-150, "EUR"}, "-1.50"},
		{Amount{maxMinor, "CLF"}, "922337203685477.5807"},
	}
	for _, tt := range tests {
		if got := tt.a.Decimal(); got != tt.want {
			t.Errorf("%+v.Decimal() = %q, want %q", tt.a, got, tt.want)
		}
		if tt.a.Minor >= 0 {
			back, err := parseAmount(tt.want, tt.a.Currency)
			if err != nil || back != tt.a {
				t.Errorf("parseAmount(%q) = %+v, %v", tt.want, back, err)
			}
		}
	}
	if _, err := parseAmount("9223372036854775808", "JPY"); err == nil {
		t.Error("an amount just over int64 accepted")
	}
	if a, err := parseAmount("9223372036854775807", "JPY"); err != nil || a.Minor != maxMinor {
		t.Errorf("the largest amount: %v, %v", a, err)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzParse feeds Parse anything: it must never panic, and must either refuse with
// EINVALID or return a document whose amounts are consistent (checkConsistent). Run it
// with a short minimization time, or minimizing the large seeds takes most of the run:
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s -fuzzminimizetime 3s ./payments/camt053
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(sampleDir, "*.xml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no samples in %s", sampleDir)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	var gen bytes.Buffer
	if _, err := writeStatement(&gen, 3); err != nil {
		f.Fatal(err)
	}
	f.Add(gen.Bytes())
	for _, doc := range []string{
		testDoc(testNS, stmtWith(testStmt, testEntry)),
		testDoc(nsPrefix+"001.08", stmtWith(testStmt, `<Ntry><Amt Ccy="JPY">2700</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>`+
			`<BookgDt><DtTm>2025-01-31T13:15:00+01:00</DtTm></BookgDt><NtryDtls><TxDtls><Amt Ccy="KWD">1.234</Amt><CdtDbtInd>DBIT</CdtDbtInd>`+
			`<RltdPties><Cdtr><Pty><Nm>N</Nm></Pty></Cdtr></RltdPties><RmtInf><Ustrd>RF18 5390 0754 7034</Ustrd></RmtInf>`+
			`<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>`, "<AddtlStmtInf>x</AddtlStmtInf>")),
		testDoc(testNS, stmtWith(testStmt)+stmtWith(testStmt, entryWith("0.10000", ""))),
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(bytes.NewReader(data))
		if err != nil {
			var e *cooperative.Error
			if !errors.As(err, &e) || e.Code != cooperative.EINVALID || !strings.HasPrefix(e.Message, "camt.053: ") {
				t.Fatalf("error %v is not EINVALID with a camt.053 message", err)
			}
			return
		}
		checkConsistent(t, doc)
	})
}
