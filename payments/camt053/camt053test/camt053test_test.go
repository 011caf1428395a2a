package camt053test_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/payments/camt053"
	"github.com/kracht-coop/kracht/payments/camt053/camt053test"
	"github.com/kracht-coop/kracht/payments/rfref"
)

var xsd = filepath.Join("..", "..", "..", "..", "shared", "testdata", "iso20022", "xsd", "camt.053.001.02.xsd")

// validate checks a file against the camt.053.001.02 schema; a missing xmllint or schema
// fails the test, since CI installs both.
func validate(t *testing.T, data []byte) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing (apt-get install libxml2-utils); statements must be checked against the schema")
	}
	if _, err := os.Stat(xsd); err != nil {
		t.Fatalf("schema: %v (the repository must be cloned with ../shared beside it)", err)
	}
	path := filepath.Join(t.TempDir(), "statement.xml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
}

func rf(t *testing.T, base string) string {
	t.Helper()
	ref, err := rfref.New(base)
	if err != nil {
		t.Fatal(err)
	}
	return string(ref)
}

var (
	created = time.Date(2025, 3, 18, 18, 0, 0, 0, time.FixedZone("CET", 3600))
	day1    = time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC)
	day2    = time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)
)

func sample(t *testing.T) camt053test.Statement {
	return camt053test.Statement{
		MessageID: "STMT-MSG-1", StatementID: "2025-03-18-001", IBAN: "NL91 ABNA 0417 1643 00",
		Created: created, OpeningCents: -500,
		Lines: []camt053test.Line{
			{AmountCents: 12345, EndToEndID: "KR-P0000001", Name: "Jan de Vries", IBAN: "NL39RABO0300065264", BookedOn: day1},
			{AmountCents: 1, EndToEndID: "KR-P0000002", Name: "Zoë & <Söhne> \"quoted\"", BookedOn: day2},
			{Credit: true, AmountCents: 5000, RFReference: rf(t, "KR0001"), Name: "Piet Jansen", IBAN: "NL02ABNA0123456789"},
			{Credit: true, AmountCents: 12345, EndToEndID: "KR-P0000001", ReturnReason: "AC04", Name: "Jan de Vries", IBAN: "NL39RABO0300065264", BookedOn: day2},
			{Credit: true, AmountCents: 777, RFReference: "RF00NOTVALID", AccountServicerRef: "BANK-REF-7"},
			{AmountCents: 99_999_999_999, EndToEndID: "KR-P0000003"},
		},
	}
}

// TestWriteValidatesAndReadsBack: the statement is valid camt.053.001.02, and the repo's
// parser reads every line back as written, with consistent balances.
func TestWriteValidatesAndReadsBack(t *testing.T) {
	s := sample(t)
	var buf bytes.Buffer
	if err := camt053test.Write(&buf, s); err != nil {
		t.Fatal(err)
	}
	validate(t, buf.Bytes())
	doc, err := camt053.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != "001.02" || doc.Header.MessageID != s.MessageID || len(doc.Statements) != 1 {
		t.Fatalf("version %s, header %+v, %d statements", doc.Version, doc.Header, len(doc.Statements))
	}
	st := doc.Statements[0]
	if st.ID != s.StatementID || st.Account.IBAN != "NL91ABNA0417164300" || st.Account.Currency != "EUR" || !st.Created.Equal(created) {
		t.Errorf("statement %s, account %+v, created %v", st.ID, st.Account, st.Created)
	}
	if len(st.Entries) != len(s.Lines) {
		t.Fatalf("%d entries, want %d", len(st.Entries), len(s.Lines))
	}
	var sum int64
	refs := map[string]bool{}
	for i, e := range st.Entries {
		l := s.Lines[i]
		sum += e.Signed()
		if (e.Indicator == camt053.Credit) != l.Credit || e.Amount.Minor != l.AmountCents || e.Amount.Currency != "EUR" ||
			e.Status != camt053.Booked || e.Reversal {
			t.Errorf("line %d: entry %+v", i+1, e)
		}
		if refs[e.AccountServicerRef] || e.AccountServicerRef == "" {
			t.Errorf("line %d: AcctSvcrRef %q is empty or repeated", i+1, e.AccountServicerRef)
		}
		refs[e.AccountServicerRef] = true
		if l.AccountServicerRef != "" && e.AccountServicerRef != l.AccountServicerRef {
			t.Errorf("line %d: AcctSvcrRef %q, want %q", i+1, e.AccountServicerRef, l.AccountServicerRef)
		}
		want := l.BookedOn
		if want.IsZero() {
			want = time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)
		}
		if !e.BookingDate.Equal(want) || !e.ValueDate.Equal(want) {
			t.Errorf("line %d: booked %v, value %v, want %v", i+1, e.BookingDate, e.ValueDate, want)
		}
		code := e.BankTransactionCode
		wantCode := map[bool]string{false: "PMNT/ICDT/ESCT", true: "PMNT/RCDT/ESCT"}[l.Credit]
		if l.ReturnReason != "" {
			wantCode = "PMNT/ICDT/RRTN"
		}
		if got := code.Domain + "/" + code.Family + "/" + code.SubFamily; got != wantCode {
			t.Errorf("line %d: code %s, want %s", i+1, got, wantCode)
		}
		if len(e.Transactions) != 1 {
			t.Fatalf("line %d: %d transactions", i+1, len(e.Transactions))
		}
		tx := e.Transactions[0]
		if tx.References.EndToEndID != l.EndToEndID || tx.ReturnReason != l.ReturnReason || tx.Amount != e.Amount {
			t.Errorf("line %d: EndToEndId %q, return reason %q, amount %v", i+1, tx.References.EndToEndID, tx.ReturnReason, tx.Amount)
		}
		ref, ok := tx.RFReference()
		if _, err := rfref.Parse(l.RFReference); err == nil && (!ok || string(ref) != l.RFReference) {
			t.Errorf("line %d: RF reference %q, %v; want %q", i+1, ref, ok, l.RFReference)
		} else if err != nil && ok {
			t.Errorf("line %d: invalid reference %q read as %q", i+1, l.RFReference, ref)
		}
		if l.RFReference != "" && (len(tx.CreditorReferences) != 1 || tx.CreditorReferences[0].Ref != l.RFReference) {
			t.Errorf("line %d: creditor references %+v", i+1, tx.CreditorReferences)
		}
		party := tx.Creditor
		if l.Credit && l.ReturnReason == "" {
			party = tx.Debtor
		}
		if party.Name != l.Name || party.Account.IBAN != strings.ReplaceAll(l.IBAN, " ", "") {
			t.Errorf("line %d: party %+v, want %q %q", i+1, party, l.Name, l.IBAN)
		}
	}
	open, _ := st.OpeningBalance()
	closing, _ := st.ClosingBalance()
	if open.Signed() != s.OpeningCents || closing.Signed()-open.Signed() != sum {
		t.Errorf("opening %d, closing %d, entries %d", open.Signed(), closing.Signed(), sum)
	}
	if !open.Date.Equal(day1) || !closing.Date.Equal(day2) {
		t.Errorf("balance dates %v and %v", open.Date, closing.Date)
	}
}

// TestGeneratedRefsAreStable: writing the same statement twice gives the same entry
// references (so a re-import is recognised), another statement id other ones.
func TestGeneratedRefsAreStable(t *testing.T) {
	refs := func(s camt053test.Statement) []string {
		var buf bytes.Buffer
		if err := camt053test.Write(&buf, s); err != nil {
			t.Fatal(err)
		}
		doc, err := camt053.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range doc.Statements[0].Entries {
			out = append(out, e.AccountServicerRef)
		}
		return out
	}
	s := sample(t)
	a, b := refs(s), refs(s)
	s.StatementID = strings.Repeat("S", 35) // too long to prefix: hashed
	c := refs(s)
	for i := range a {
		if a[i] != b[i] || (s.Lines[i].AccountServicerRef == "" && (a[i] == c[i] || len(c[i]) > 35)) {
			t.Errorf("line %d: refs %q, %q, %q", i+1, a[i], b[i], c[i])
		}
	}
}

func TestWriteRefuses(t *testing.T) {
	with := func(change func(*camt053test.Statement)) camt053test.Statement {
		s := sample(t)
		change(&s)
		return s
	}
	cases := map[string]camt053test.Statement{
		"no message id":         with(func(s *camt053test.Statement) { s.MessageID = "" }),
		"no statement id":       with(func(s *camt053test.Statement) { s.StatementID = "" }),
		"long statement id":     with(func(s *camt053test.Statement) { s.StatementID = strings.Repeat("x", 36) }),
		"no created":            with(func(s *camt053test.Statement) { s.Created = time.Time{} }),
		"bad account":           with(func(s *camt053test.Statement) { s.IBAN = "NL00ABNA0417164300" }),
		"bad currency":          with(func(s *camt053test.Statement) { s.Currency = "eur" }),
		"zero amount":           with(func(s *camt053test.Statement) { s.Lines[1].AmountCents = 0 }),
		"long EndToEndID":       with(func(s *camt053test.Statement) { s.Lines[0].EndToEndID = strings.Repeat("e", 36) }),
		"bad party IBAN":        with(func(s *camt053test.Statement) { s.Lines[0].IBAN = "NL39RABO0300065265" }),
		"return on a debit":     with(func(s *camt053test.Statement) { s.Lines[0].ReturnReason = "AC04" }),
		"long return reason":    with(func(s *camt053test.Statement) { s.Lines[3].ReturnReason = "AC044" }),
		"control char in name":  with(func(s *camt053test.Statement) { s.Lines[0].Name = "a\x00b" }),
		"invalid UTF-8 in e2e":  with(func(s *camt053test.Statement) { s.Lines[0].EndToEndID = "a\xffb" }),
		"long name":             with(func(s *camt053test.Statement) { s.Lines[0].Name = strings.Repeat("n", 141) }),
		"long AccountServicRef": with(func(s *camt053test.Statement) { s.Lines[0].AccountServicerRef = strings.Repeat("r", 36) }),
	}
	for name, s := range cases {
		var buf bytes.Buffer
		if err := camt053test.Write(&buf, s); err == nil || buf.Len() != 0 {
			t.Errorf("%s: %v, %d bytes written", name, err, buf.Len())
		}
	}
	// The caller's lines are not changed by Write.
	s := sample(t)
	if err := camt053test.Write(io.Discard, s); err != nil || s.Lines[0].IBAN != "NL39RABO0300065264" || s.IBAN != "NL91 ABNA 0417 1643 00" {
		t.Errorf("%v; the caller's statement changed: %q %q", err, s.IBAN, s.Lines[0].IBAN)
	}
}

func debits(n int) camt053test.Statement {
	s := camt053test.Statement{MessageID: "BIG", StatementID: "BIG-1", IBAN: "NL91ABNA0417164300", Created: created}
	s.Lines = make([]camt053test.Line, n)
	for i := range s.Lines {
		s.Lines[i] = camt053test.Line{AmountCents: int64(i%100000 + 1), EndToEndID: fmt.Sprintf("KR-P%07d", i+1), Name: "Member", IBAN: "NL39RABO0300065264"}
	}
	return s
}

// TestStreams: a large statement goes through a pipe into the streaming decoder, entry by
// entry, with every debit's EndToEndId in order.
func TestStreams(t *testing.T) {
	const n = 20000
	s := debits(n)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(camt053test.Write(pw, s)) }()
	dec := camt053.NewDecoder(pr)
	count := 0
	for dec.NextStatement() {
		for dec.NextEntry() {
			e := dec.Entry()
			if e.Transactions[0].References.EndToEndID != s.Lines[count].EndToEndID || e.Amount.Minor != s.Lines[count].AmountCents {
				t.Fatalf("entry %d: %+v", count+1, e)
			}
			count++
		}
	}
	if err := dec.Err(); err != nil || count != n {
		t.Fatalf("%d entries, %v", count, err)
	}
}

// BenchmarkWrite100k writes a statement of 100,000 debits.
//
//	go test -run '^$' -bench Write100k -benchtime 5x ./payments/camt053/camt053test/
func BenchmarkWrite100k(b *testing.B) {
	s := debits(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := camt053test.Write(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/statement")
}
