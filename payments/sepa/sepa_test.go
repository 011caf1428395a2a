package sepa

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// xsdDir is where the ISO 20022 schemas are: the repository is cloned with ../shared
// beside it.
var xsdDir = filepath.Join("..", "..", "..", "shared", "testdata", "iso20022", "xsd")

// validate runs xmllint against the schema of v on every file; a missing xmllint or
// schema fails the test, since CI installs both.
func validate(t *testing.T, v Version, files ...string) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing (apt-get install libxml2-utils); the files must be checked against the schema")
	}
	xsd := filepath.Join(xsdDir, string(v)+".xsd")
	if _, err := os.Stat(xsd); err != nil {
		t.Fatalf("schema %s: %v (the repository must be cloned with ../shared beside it)", xsd, err)
	}
	args := append([]string{"--noout", "--schema", xsd}, files...)
	if out, err := exec.Command(xmllint, args...).CombinedOutput(); err != nil {
		t.Fatalf("xmllint %s: %v\n%s", v, err, out)
	}
}

// ibanNL makes a valid Dutch IBAN from a bank code and an account number.
func ibanNL(bank string, account int) string {
	bban := fmt.Sprintf("%s%010d", bank, account)
	rem := 0
	for _, c := range bban + "NL00" {
		if c >= 'A' && c <= 'Z' {
			rem = (rem*100 + int(c-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	return fmt.Sprintf("NL%02d%s", 98-rem, bban)
}

var (
	created   = time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, time.FixedZone("CET", 3600))
	execution = time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC)
)

func transfer(n int, bics bool) Transfer {
	t := Transfer{
		MessageID:     "KRACHT-PAYOUT-2025-0001",
		PaymentInfoID: "BATCH-0001",
		Created:       created,
		ExecutionDate: execution,
		Debtor:        Party{Name: "Coöperatie Zonnewijde & Co U.A.", IBAN: "NL91 ABNA 0417 1643 00"},
	}
	if bics {
		t.Debtor.BIC = "ABNANL2A"
	}
	names := []string{
		"Jan de Vries",
		"Zoë Müller-Lüdenscheidt 😀🌞 & Söhne",
		"Ørsted Æbeltoft Łukasz Straße " + strings.Repeat("Wéll ", 20), // over 70 once reduced
		"O'Brien, Siobhán",
		"日本 Tanaka <b>&amp;</b>",
	}
	for i := range n {
		p := Payment{
			EndToEndID:  fmt.Sprintf("KR-P%07d", i+1),
			AmountCents: int64(i*7919%100000 + 1),
			Creditor:    Party{Name: names[i%len(names)], IBAN: ibanNL("RABO", 300000000+i)},
			Remittance:  fmt.Sprintf("Terugbetaling aandelen nr. %d – “Zonnewijde” ☀ ", i) + strings.Repeat("ä", i%3*100),
		}
		if i%4 == 3 {
			p.Remittance = "" // no remittance: RmtInf is left out
		}
		if bics {
			p.Creditor.BIC = []string{"RABONL2U", "INGBNL2AXXX"}[i%2]
		}
		t.Payments = append(t.Payments, p)
	}
	return t
}

// pain001 is what the tests read back from a file; tags match both versions.
type pain001 struct {
	XMLName xml.Name
	GrpHdr  struct {
		MsgID    string `xml:"MsgId"`
		CreDtTm  string `xml:"CreDtTm"`
		NbOfTxs  string `xml:"NbOfTxs"`
		CtrlSum  string `xml:"CtrlSum"`
		InitgPty string `xml:"InitgPty>Nm"`
	} `xml:"CstmrCdtTrfInitn>GrpHdr"`
	PmtInf []struct {
		PmtInfID    string `xml:"PmtInfId"`
		PmtMtd      string `xml:"PmtMtd"`
		BtchBookg   string `xml:"BtchBookg"`
		NbOfTxs     string `xml:"NbOfTxs"`
		CtrlSum     string `xml:"CtrlSum"`
		SvcLvl      string `xml:"PmtTpInf>SvcLvl>Cd"`
		ReqdExctnDt struct {
			Text string `xml:",chardata"`
			Dt   string `xml:"Dt"`
		} `xml:"ReqdExctnDt"`
		Dbtr     string `xml:"Dbtr>Nm"`
		DbtrIBAN string `xml:"DbtrAcct>Id>IBAN"`
		DbtrAgt  agent  `xml:"DbtrAgt>FinInstnId"`
		ChrgBr   string `xml:"ChrgBr"`
		Tx       []struct {
			EndToEndID string `xml:"PmtId>EndToEndId"`
			Amt        struct {
				Value string `xml:",chardata"`
				Ccy   string `xml:"Ccy,attr"`
			} `xml:"Amt>InstdAmt"`
			CdtrAgt *agent  `xml:"CdtrAgt>FinInstnId"`
			Cdtr    string  `xml:"Cdtr>Nm"`
			IBAN    string  `xml:"CdtrAcct>Id>IBAN"`
			Ustrd   *string `xml:"RmtInf>Ustrd"`
		} `xml:"CdtTrfTxInf"`
	} `xml:"CstmrCdtTrfInitn>PmtInf"`
}

type agent struct {
	BICFI string `xml:"BICFI"`
	BIC   string `xml:"BIC"`
	Othr  string `xml:"Othr>Id"`
}

// cents reads a decimal with two places exactly, without a float.
func cents(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 2 {
		t.Fatalf("amount %q does not have two decimals", s)
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 || f < 0 {
		t.Fatalf("amount %q is not a decimal", s)
	}
	return w*100 + f
}

func readBack(t *testing.T, data []byte) pain001 {
	t.Helper()
	var doc pain001
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the file does not parse: %v", err)
	}
	return doc
}

// check compares a file read back with the transfer it was made from.
func check(t *testing.T, v Version, tr Transfer, doc pain001) {
	t.Helper()
	if doc.XMLName.Space != "urn:iso:std:iso:20022:tech:xsd:"+string(v) {
		t.Errorf("namespace %q", doc.XMLName.Space)
	}
	if len(doc.PmtInf) != 1 {
		t.Fatalf("%d PmtInf, want 1", len(doc.PmtInf))
	}
	pi := doc.PmtInf[0]
	var sum int64
	for _, p := range tr.Payments {
		sum += p.AmountCents
	}
	n := strconv.Itoa(len(tr.Payments))
	if doc.GrpHdr.NbOfTxs != n || pi.NbOfTxs != n || len(pi.Tx) != len(tr.Payments) {
		t.Errorf("NbOfTxs %s and %s, %d transactions; want %s", doc.GrpHdr.NbOfTxs, pi.NbOfTxs, len(pi.Tx), n)
	}
	if cents(t, doc.GrpHdr.CtrlSum) != sum || cents(t, pi.CtrlSum) != sum {
		t.Errorf("CtrlSum %s and %s, want %d cents", doc.GrpHdr.CtrlSum, pi.CtrlSum, sum)
	}
	debtor := Text(tr.Debtor.Name, 70)
	if doc.GrpHdr.MsgID != tr.MessageID || doc.GrpHdr.InitgPty != debtor || pi.Dbtr != debtor || pi.PmtInfID != tr.PaymentInfoID {
		t.Errorf("header %+v, debtor %q", doc.GrpHdr, pi.Dbtr)
	}
	if doc.GrpHdr.CreDtTm != "2025-03-14T09:26:53+01:00" {
		t.Errorf("CreDtTm %q", doc.GrpHdr.CreDtTm)
	}
	if pi.PmtMtd != "TRF" || pi.BtchBookg != "false" || pi.SvcLvl != "SEPA" || pi.ChrgBr != "SLEV" {
		t.Errorf("PmtMtd %q, BtchBookg %q, SvcLvl %q, ChrgBr %q", pi.PmtMtd, pi.BtchBookg, pi.SvcLvl, pi.ChrgBr)
	}
	date := pi.ReqdExctnDt.Dt
	if v == Pain00100103 {
		date = pi.ReqdExctnDt.Text
	}
	if date != "2025-03-17" {
		t.Errorf("ReqdExctnDt %+v", pi.ReqdExctnDt)
	}
	if iban, _ := cooperative.ParseIBAN(tr.Debtor.IBAN); pi.DbtrIBAN != iban {
		t.Errorf("DbtrAcct %q", pi.DbtrIBAN)
	}
	checkAgent(t, v, tr.Debtor.BIC, &pi.DbtrAgt, true)
	seen := map[string]bool{}
	for i, tx := range pi.Tx {
		p := tr.Payments[i]
		if seen[tx.EndToEndID] || tx.EndToEndID != p.EndToEndID {
			t.Errorf("payment %d: EndToEndId %q (duplicate: %v)", i, tx.EndToEndID, seen[tx.EndToEndID])
		}
		seen[tx.EndToEndID] = true
		if tx.Amt.Ccy != "EUR" || cents(t, tx.Amt.Value) != p.AmountCents {
			t.Errorf("payment %d: amount %s %s, want %d cents", i, tx.Amt.Value, tx.Amt.Ccy, p.AmountCents)
		}
		if want := Text(p.Creditor.Name, 70); tx.Cdtr != want || len(tx.Cdtr) > 70 || tx.Cdtr == "" {
			t.Errorf("payment %d: creditor %q, want %q", i, tx.Cdtr, want)
		}
		if iban, _ := cooperative.ParseIBAN(p.Creditor.IBAN); tx.IBAN != iban {
			t.Errorf("payment %d: IBAN %q", i, tx.IBAN)
		}
		want := Text(p.Remittance, 140)
		switch {
		case want == "" && tx.Ustrd != nil:
			t.Errorf("payment %d: empty remittance written as %q", i, *tx.Ustrd)
		case want != "" && (tx.Ustrd == nil || *tx.Ustrd != want || len(*tx.Ustrd) > 140):
			t.Errorf("payment %d: remittance %v, want %q", i, tx.Ustrd, want)
		}
		if p.Creditor.BIC == "" {
			if tx.CdtrAgt != nil {
				t.Errorf("payment %d: CdtrAgt %+v without a BIC", i, *tx.CdtrAgt)
			}
		} else if tx.CdtrAgt == nil {
			t.Errorf("payment %d: no CdtrAgt for BIC %s", i, p.Creditor.BIC)
		} else {
			checkAgent(t, v, p.Creditor.BIC, tx.CdtrAgt, false)
		}
	}
}

func checkAgent(t *testing.T, v Version, bic string, a *agent, debtor bool) {
	t.Helper()
	want := agent{}
	switch {
	case bic == "" && debtor:
		want.Othr = "NOTPROVIDED"
	case v == Pain00100109:
		want.BICFI = bic
	default:
		want.BIC = bic
	}
	if *a != want {
		t.Errorf("agent %+v, want %+v", *a, want)
	}
}

// TestWriteValidates writes both versions, with and without BICs, with one and many
// payments whose names and texts need reducing and cutting, and checks every file
// against its schema and against the transfer.
func TestWriteValidates(t *testing.T) {
	dir := t.TempDir()
	files := map[Version][]string{}
	for _, v := range []Version{Pain00100109, Pain00100103} {
		for _, bics := range []bool{true, false} {
			for _, n := range []int{1, 2, 250} {
				tr := transfer(n, bics)
				var buf bytes.Buffer
				if err := Write(&buf, v, tr); err != nil {
					t.Fatalf("%s, BICs %v, %d payments: %v", v, bics, n, err)
				}
				check(t, v, tr, readBack(t, buf.Bytes()))
				path := filepath.Join(dir, fmt.Sprintf("%s-%v-%d.xml", v, bics, n))
				if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
				files[v] = append(files[v], path)
			}
		}
	}
	for v, fs := range files {
		validate(t, v, fs...)
	}
}

// TestWriteExtremes: the largest amount the schema allows, a name and ids at their
// limits, and a BIC that only version 09's schema accepts.
func TestWriteExtremes(t *testing.T) {
	tr := transfer(3, true)
	tr.MessageID = strings.Repeat("M", 35)
	tr.PaymentInfoID = "a/b-c?d:e(f)g.h,i'j+k l"
	tr.Payments[0].AmountCents = MaxAmountCents
	tr.Payments[1].AmountCents = 1
	tr.Payments[2].EndToEndID = strings.Repeat("9", 35)
	tr.Payments[2].Creditor.Name = strings.Repeat("x", 70)
	tr.Payments[2].Remittance = strings.Repeat("y", 140)
	dir := t.TempDir()
	for _, v := range []Version{Pain00100109, Pain00100103} {
		var buf bytes.Buffer
		if err := Write(&buf, v, tr); err != nil {
			t.Fatal(err)
		}
		check(t, v, tr, readBack(t, buf.Bytes()))
		path := filepath.Join(dir, string(v)+".xml")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		validate(t, v, path)
		if !strings.Contains(buf.String(), "<InstdAmt Ccy=\"EUR\">999999999.99</InstdAmt>") || !strings.Contains(buf.String(), ">0.01<") {
			t.Errorf("%s: extreme amounts not written exactly", v)
		}
	}
	// ISO 9362:2014 allows a location code starting with 0; version 03's schema does not.
	tr.Payments[0].Creditor.BIC = "ABNANL0A"
	var buf bytes.Buffer
	if err := Write(&buf, Pain00100109, tr); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bic09.xml")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	validate(t, Pain00100109, path)
	buf.Reset()
	if err := Write(&buf, Pain00100103, tr); cooperative.ErrorCode(err) != cooperative.EINVALID || buf.Len() != 0 {
		t.Errorf("BIC ABNANL0A in version 03: %v, %d bytes written", err, buf.Len())
	}
}

// TestWriteRefuses: every bad input is an EINVALID error naming the payment and the
// field, and nothing is written.
func TestWriteRefuses(t *testing.T) {
	with := func(change func(*Transfer)) Transfer {
		tr := transfer(5, true)
		change(&tr)
		return tr
	}
	cases := map[string]struct {
		v    Version
		tr   Transfer
		want []string // parts of the message
	}{
		"unknown version":      {"pain.001.001.42", transfer(1, true), []string{"version"}},
		"no payments":          {Pain00100109, with(func(t *Transfer) { t.Payments = nil }), []string{"no payments"}},
		"zero amount":          {Pain00100109, with(func(t *Transfer) { t.Payments[2].AmountCents = 0 }), []string{"payment 3", "KR-P0000003", "AmountCents"}},
		"negative amount":      {Pain00100103, with(func(t *Transfer) { t.Payments[0].AmountCents = -100 }), []string{"payment 1", "AmountCents"}},
		"amount over the max":  {Pain00100109, with(func(t *Transfer) { t.Payments[4].AmountCents = MaxAmountCents + 1 }), []string{"payment 5", "AmountCents"}},
		"duplicate EndToEndID": {Pain00100109, with(func(t *Transfer) { t.Payments[3].EndToEndID = t.Payments[1].EndToEndID }), []string{"payment 4", "KR-P0000002", "payment 2", "unique"}},
		"empty EndToEndID":     {Pain00100109, with(func(t *Transfer) { t.Payments[1].EndToEndID = "" }), []string{"payment 2", "EndToEndID", "empty"}},
		"long EndToEndID":      {Pain00100109, with(func(t *Transfer) { t.Payments[1].EndToEndID = strings.Repeat("1", 36) }), []string{"payment 2", "EndToEndID", "35"}},
		"EndToEndID with é":    {Pain00100109, with(func(t *Transfer) { t.Payments[1].EndToEndID = "café" }), []string{"payment 2", "EndToEndID", "SEPA characters"}},
		"EndToEndID with &":    {Pain00100103, with(func(t *Transfer) { t.Payments[1].EndToEndID = "A&B" }), []string{"payment 2", "EndToEndID", "SEPA characters"}},
		"EndToEndID with //":   {Pain00100109, with(func(t *Transfer) { t.Payments[1].EndToEndID = "A//B" }), []string{"payment 2", "EndToEndID", "//"}},
		"EndToEndID leading /": {Pain00100109, with(func(t *Transfer) { t.Payments[1].EndToEndID = "/AB" }), []string{"payment 2", "EndToEndID", "'/'"}},
		"EndToEndID ending /":  {Pain00100109, with(func(t *Transfer) { t.Payments[1].EndToEndID = "AB/" }), []string{"payment 2", "EndToEndID", "'/'"}},
		"EndToEndID space":     {Pain00100109, with(func(t *Transfer) { t.Payments[1].EndToEndID = "AB " }), []string{"payment 2", "EndToEndID", "space"}},
		"bad creditor IBAN":    {Pain00100109, with(func(t *Transfer) { t.Payments[2].Creditor.IBAN = "NL91ABNA0417164301" }), []string{"payment 3", "creditor IBAN", "check digits"}},
		"no creditor IBAN":     {Pain00100109, with(func(t *Transfer) { t.Payments[2].Creditor.IBAN = "" }), []string{"payment 3", "creditor IBAN"}},
		"non-SEPA IBAN":        {Pain00100109, with(func(t *Transfer) { t.Payments[2].Creditor.IBAN = "US64SVBKUS6S3300958879" }), []string{"payment 3", "creditor IBAN", "SEPA"}},
		"bad creditor BIC":     {Pain00100109, with(func(t *Transfer) { t.Payments[0].Creditor.BIC = "RABO2LNU" }), []string{"payment 1", "creditor BIC"}},
		"empty creditor name":  {Pain00100109, with(func(t *Transfer) { t.Payments[4].Creditor.Name = "  " }), []string{"payment 5", "creditor name"}},
		"name only emoji":      {Pain00100103, with(func(t *Transfer) { t.Payments[4].Creditor.Name = "😀 ☀ 日本" }), []string{"payment 5", "creditor name", "empty"}},
		"bad debtor IBAN":      {Pain00100109, with(func(t *Transfer) { t.Debtor.IBAN = "NL00ABNA0417164300" }), []string{"debtor IBAN"}},
		"bad debtor BIC":       {Pain00100109, with(func(t *Transfer) { t.Debtor.BIC = "ABN" }), []string{"debtor BIC"}},
		"empty debtor name":    {Pain00100109, with(func(t *Transfer) { t.Debtor.Name = "\t😀 · ☀\n" }), []string{"debtor name"}},
		"no MessageID":         {Pain00100109, with(func(t *Transfer) { t.MessageID = "" }), []string{"MessageID"}},
		"long MessageID":       {Pain00100109, with(func(t *Transfer) { t.MessageID = strings.Repeat("M", 36) }), []string{"MessageID", "35"}},
		"bad PaymentInfoID":    {Pain00100109, with(func(t *Transfer) { t.PaymentInfoID = "B_1" }), []string{"PaymentInfoID", "SEPA characters"}},
		"no creation time":     {Pain00100109, with(func(t *Transfer) { t.Created = time.Time{} }), []string{"Created"}},
		"no execution date":    {Pain00100109, with(func(t *Transfer) { t.ExecutionDate = time.Time{} }), []string{"ExecutionDate"}},
	}
	for name, c := range cases {
		var buf bytes.Buffer
		err := Write(&buf, c.v, c.tr)
		if cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("%s: %v, want an EINVALID error", name, err)
			continue
		}
		msg := cooperative.ErrorMessage(err)
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q does not say %q", name, msg, w)
			}
		}
		if buf.Len() != 0 {
			t.Errorf("%s: %d bytes written", name, buf.Len())
		}
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// TestWriteReportsWriterError: a failing writer is an error of its own, not EINVALID.
func TestWriteReportsWriterError(t *testing.T) {
	err := Write(&failingWriter{after: 100 << 10}, Pain00100109, transfer(2000, true))
	if err == nil || !strings.Contains(err.Error(), "disk full") || cooperative.ErrorCode(err) != cooperative.EINTERNAL {
		t.Errorf("got %v", err)
	}
}

// TestCtrlSumProperty: for random batches, CtrlSum in both headers equals the sum of the
// amounts, and NbOfTxs their count.
func TestCtrlSumProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2025))
	for round := range 200 {
		n := 1 + rng.IntN(300)
		tr := transfer(n, rng.IntN(2) == 0)
		var sum int64
		for i := range tr.Payments {
			switch rng.IntN(4) {
			case 0:
				tr.Payments[i].AmountCents = 1 + rng.Int64N(100) // cents only
			case 1:
				tr.Payments[i].AmountCents = 1 + rng.Int64N(MaxAmountCents)
			default:
				tr.Payments[i].AmountCents = 100 * (1 + rng.Int64N(5000)) // whole euros
			}
			sum += tr.Payments[i].AmountCents
		}
		v := []Version{Pain00100109, Pain00100103}[round%2]
		var buf bytes.Buffer
		if err := Write(&buf, v, tr); err != nil {
			t.Fatal(err)
		}
		doc := readBack(t, buf.Bytes())
		pi := doc.PmtInf[0]
		var txSum int64
		for _, tx := range pi.Tx {
			txSum += cents(t, tx.Amt.Value)
		}
		if cents(t, doc.GrpHdr.CtrlSum) != sum || cents(t, pi.CtrlSum) != sum || txSum != sum ||
			doc.GrpHdr.NbOfTxs != strconv.Itoa(n) || pi.NbOfTxs != strconv.Itoa(n) {
			t.Fatalf("round %d: CtrlSum %s/%s, payments %d, NbOfTxs %s/%s; want %d cents in %d payments",
				round, doc.GrpHdr.CtrlSum, pi.CtrlSum, txSum, doc.GrpHdr.NbOfTxs, pi.NbOfTxs, sum, n)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{
		"pain.001.001.09": Pain00100109, "09": Pain00100109, " PAIN.001.001.09 ": Pain00100109,
		"pain.001.001.03": Pain00100103, "03": Pain00100103,
	} {
		if got, err := ParseVersion(in); err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "9", "3", "pain.001.001.02", "pain.001.001.10", "camt.053.001.02"} {
		if _, err := ParseVersion(in); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("ParseVersion(%q): %v, want EINVALID", in, err)
		}
	}
}

// BenchmarkWrite100k writes a transfer of 100,000 payments (target: well under 1 s).
// Reproduce with:
//
//	go test -run '^$' -bench Write100k -benchtime 5x ./payments/sepa/
func BenchmarkWrite100k(b *testing.B) {
	tr := transfer(100_000, true)
	for _, v := range []Version{Pain00100109, Pain00100103} {
		b.Run(string(v), func(b *testing.B) {
			var size int64
			b.ReportAllocs()
			for b.Loop() {
				var w countingWriter
				if err := Write(&w, v, tr); err != nil {
					b.Fatal(err)
				}
				size = int64(w)
			}
			b.SetBytes(size)
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/file")
			b.ReportMetric(float64(size)/(1<<20), "MiB/file")
		})
	}
}

type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
