package camt053

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kracht-coop/kracht/payments/rfref"
)

const xsdDir = "../../../shared/testdata/iso20022/xsd"

// generated describes a statement made by writeStatement.
type generated struct {
	entries         int
	opening         int64 // minor units, signed
	sum             int64 // signed sum of all entries
	credits         int
	firstCreditRef  rfref.Reference
	lastCreditMinor int64
}

// writeStatement writes a camt.053.001.02 document with n entries that is valid against
// the schema: every even entry is a credit with an RF reference in Strd/CdtrRefInf, every
// odd one a debit with free text. Amounts vary so that sums are meaningful.
func writeStatement(w io.Writer, n int) (generated, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	g := generated{entries: n, opening: 100000}
	for i := 0; i < n; i++ {
		minor := int64(i%99991 + 1)
		if i%2 == 0 {
			g.sum += minor
		} else {
			g.sum -= minor
		}
	}
	closing := g.opening + g.sum
	closingInd := "CRDT"
	if closing < 0 {
		closingInd, closing = "DBIT", -closing
	}
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<BkToCstmrStmt>
<GrpHdr><MsgId>KRACHT-GEN-%d</MsgId><CreDtTm>2025-01-31T18:00:00+01:00</CreDtTm></GrpHdr>
<Stmt>
<Id>GEN-STMT-1</Id><ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>2025-01-31T18:00:00+01:00</CreDtTm>
<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-01-30</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Dt><Dt>2025-01-31</Dt></Dt></Bal>
`, n, Amount{g.opening, "EUR"}.Decimal(), Amount{closing, "EUR"}.Decimal(), closingInd)
	for i := 0; i < n; i++ {
		a := Amount{int64(i%99991 + 1), "EUR"}
		if i%2 == 0 {
			ref, err := rfref.New(fmt.Sprintf("KR%09d", i))
			if err != nil {
				return g, err
			}
			if g.credits == 0 {
				g.firstCreditRef = ref
			}
			g.credits++
			g.lastCreditMinor = a.Minor
			fmt.Fprintf(bw, `<Ntry><NtryRef>%d</NtryRef><Amt Ccy="EUR">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>`+
				`<BookgDt><Dt>2025-01-31</Dt></BookgDt><ValDt><Dt>2025-01-31</Dt></ValDt><AcctSvcrRef>BANK-%d</AcctSvcrRef>`+
				`<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>`+
				`<NtryDtls><TxDtls><Refs><EndToEndId>E2E-%d</EndToEndId></Refs>`+
				`<AmtDtls><TxAmt><Amt Ccy="EUR">%s</Amt></TxAmt></AmtDtls>`+
				`<RltdPties><Dbtr><Nm>Member %d</Nm></Dbtr><DbtrAcct><Id><IBAN>NL02ABNA0123456789</IBAN></Id></DbtrAcct></RltdPties>`+
				`<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>%s</Ref></CdtrRefInf></Strd></RmtInf>`+
				"</TxDtls></NtryDtls></Ntry>\n", i, a.Decimal(), i, i, a.Decimal(), i, ref)
		} else {
			fmt.Fprintf(bw, `<Ntry><NtryRef>%d</NtryRef><Amt Ccy="EUR">%s</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>`+
				`<BookgDt><Dt>2025-01-31</Dt></BookgDt><ValDt><Dt>2025-01-31</Dt></ValDt><AcctSvcrRef>BANK-%d</AcctSvcrRef>`+
				`<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>`+
				`<NtryDtls><TxDtls><Refs><EndToEndId>PAYOUT-%d</EndToEndId></Refs>`+
				`<RltdPties><Cdtr><Nm>Supplier %d</Nm></Cdtr><CdtrAcct><Id><IBAN>NL39RABO0300065264</IBAN></Id></CdtrAcct></RltdPties>`+
				`<RmtInf><Ustrd>Invoice %d, project De Zonnewijde</Ustrd></RmtInf>`+
				"</TxDtls></NtryDtls></Ntry>\n", i, a.Decimal(), i, i, i, i)
		}
	}
	fmt.Fprint(bw, "<AddtlStmtInf>generated</AddtlStmtInf>\n</Stmt>\n</BkToCstmrStmt>\n</Document>\n")
	return g, bw.Flush()
}

// TestGeneratedValidatesAgainstSchema checks the generator against the camt.053.001.02
// schema, so that the large statements below are real camt.053.
func TestGeneratedValidatesAgainstSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmllint is missing; .ci/run installs libxml2-utils")
		}
		t.Skip("xmllint is not installed (apt-get install libxml2-utils)")
	}
	path := filepath.Join(t.TempDir(), "statement.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writeStatement(f, 4); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join(xsdDir, "camt.053.001.02.xsd"), path).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
}

// TestGeneratedStatement reads a generated statement whole and checks the sums: the
// entries must add up to the difference of the closing and opening balances.
func TestGeneratedStatement(t *testing.T) {
	var buf bytes.Buffer
	g, err := writeStatement(&buf, 2001)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, doc)
	st := doc.Statements[0]
	if len(st.Entries) != g.entries {
		t.Fatalf("%d entries, want %d", len(st.Entries), g.entries)
	}
	var sum int64
	var credits int
	for _, e := range st.Entries {
		sum += e.Signed()
		if e.Indicator == Credit {
			credits++
			ref, ok := e.Transactions[0].RFReference()
			if !ok || ref != rfref.Reference(e.Transactions[0].CreditorReferences[0].Ref) {
				t.Fatalf("entry %s: RF reference %q, %v", e.Reference, ref, ok)
			}
			if e.Transactions[0].Amount != e.Amount {
				t.Fatalf("entry %s: transaction amount %v, entry %v", e.Reference, e.Transactions[0].Amount, e.Amount)
			}
		}
	}
	open, _ := st.OpeningBalance()
	closing, _ := st.ClosingBalance()
	if sum != g.sum || closing.Signed()-open.Signed() != sum || credits != g.credits {
		t.Errorf("sum %d, credits %d; want %d = %d - %d and %d credits", sum, credits, g.sum, closing.Signed(), open.Signed(), g.credits)
	}
	if ref, _ := st.Entries[0].Transactions[0].RFReference(); ref != g.firstCreditRef {
		t.Errorf("first reference %s, want %s", ref, g.firstCreditRef)
	}
	if st.AdditionalInfo != "generated" {
		t.Errorf("AddtlStmtInf %q", st.AdditionalInfo)
	}
}

// TestDecoderStreamsInConstantMemory streams a statement from a pipe, so the document is
// never in memory, and checks that the live heap stays small while entries go by.
func TestDecoderStreamsInConstantMemory(t *testing.T) {
	const n = 20000
	pr, pw := io.Pipe()
	done := make(chan generated, 1)
	go func() {
		g, err := writeStatement(pw, n)
		pw.CloseWithError(err)
		done <- g
	}()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var maxLive uint64
	dec := NewDecoder(pr)
	var count int
	var sum int64
	for dec.NextStatement() {
		for dec.NextEntry() {
			count++
			sum += dec.Entry().Signed()
			if count%5000 == 0 {
				var m runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m)
				maxLive = max(maxLive, m.HeapAlloc)
			}
		}
	}
	if err := dec.Err(); err != nil {
		t.Fatal(err)
	}
	g := <-done
	if count != n || sum != g.sum {
		t.Fatalf("%d entries summing to %d, want %d and %d", count, sum, n, g.sum)
	}
	const limit = 8 << 20
	if maxLive > before.HeapAlloc+limit {
		t.Errorf("live heap grew from %d to %d bytes while streaming; want less than %d more", before.HeapAlloc, maxLive, limit)
	}
	t.Logf("live heap %d KiB before, at most %d KiB while streaming %d entries", before.HeapAlloc>>10, maxLive>>10, n)
}

// BenchmarkParse100kEntries reads a statement of 100,000 entries whole with Parse.
// Reproduce with:
//
//	go test -run '^$' -bench 100kEntries -benchtime 3x ./payments/camt053
func BenchmarkParse100kEntries(b *testing.B) {
	benchmark100k(b, func(r io.Reader) (int, error) {
		doc, err := Parse(r)
		if err != nil {
			return 0, err
		}
		return len(doc.Statements[0].Entries), nil
	})
}

// BenchmarkDecoder100kEntries streams the same statement entry by entry.
func BenchmarkDecoder100kEntries(b *testing.B) {
	benchmark100k(b, func(r io.Reader) (int, error) {
		dec := NewDecoder(r)
		var n int
		for dec.NextStatement() {
			for dec.NextEntry() {
				n++
			}
		}
		return n, dec.Err()
	})
}

func benchmark100k(b *testing.B, read func(io.Reader) (int, error)) {
	const n = 100000
	var buf bytes.Buffer
	if _, err := writeStatement(&buf, n); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := read(bytes.NewReader(data))
		if err != nil || got != n {
			b.Fatalf("read %d entries, %v", got, err)
		}
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(n*b.N)/secs, "entries/s")
	b.ReportMetric(secs/float64(b.N), "s/statement")
	b.ReportMetric(float64(len(data))/(1<<20), "MiB/statement")
}
