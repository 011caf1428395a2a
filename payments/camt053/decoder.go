package camt053

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
)

// Decoder reads a camt.053 document as a stream: statement headers (account, balances)
// whole, and entries one at a time, so a statement of any number of entries is read in
// constant memory. Use it like this:
//
//	dec := camt053.NewDecoder(r)
//	for dec.NextStatement() {
//		st := dec.Statement() // id, account, balances; no entries
//		for dec.NextEntry() {
//			e := dec.Entry()
//			...
//		}
//		// dec.Statement() now also has what follows the entries (AdditionalInfo)
//	}
//	if err := dec.Err(); err != nil { ... }
//
// A Decoder stops at the first error. Entries a caller does not ask for (by calling
// NextStatement before NextEntry returned false) are skipped unread and unchecked.
type Decoder struct {
	src   *boundedReader
	raw   *xml.Decoder // tokenizes the bytes; its position is used in messages
	x     *xml.Decoder // the namespace-aware, checked view of raw through a tokenGuard
	state decoderState
	err   error

	version   Version
	header    GroupHeader
	stmt      Statement
	stmtNum   int  // number of the current statement, from 1
	entryNum  int  // number of the current entry within it, from 1
	stmtEnded bool // </Stmt> has been read
	pending   *xml.StartElement
	entry     Entry
}

type decoderState int

const (
	stateStart     decoderState = iota // nothing read yet
	stateBody                          // between statements
	stateStatement                     // in a statement, reading entries
	stateDone                          // at the end, or stopped by an error
)

// nsPrefix is the namespace of camt.053 without its version.
const nsPrefix = "urn:iso:std:iso:20022:tech:xsd:camt.053."

// NewDecoder returns a Decoder that reads from r. It reads nothing until the first call.
func NewDecoder(r io.Reader) *Decoder {
	src := &boundedReader{r: bufio.NewReaderSize(r, 64<<10), max: MaxDocumentBytes}
	raw := xml.NewDecoder(src)
	raw.CharsetReader = refuseCharset
	return &Decoder{src: src, raw: raw, x: xml.NewTokenDecoder(&tokenGuard{raw: raw, src: src})}
}

// Header reads the beginning of the document, up to and including the group header, and
// returns the header. NextStatement calls it when needed.
func (d *Decoder) Header() (GroupHeader, error) {
	if d.state == stateStart {
		d.readPrologue()
	}
	return d.header, d.err
}

// Version returns the version of the document; it is known once Header or
// NextStatement has been called without error.
func (d *Decoder) Version() Version { return d.version }

// NextStatement advances to the next statement and reports whether there is one. After
// the last statement it checks the end of the document; Err says whether all was well.
func (d *Decoder) NextStatement() bool {
	switch d.state {
	case stateStart:
		if d.readPrologue(); d.err != nil {
			return false
		}
	case stateStatement:
		for d.advance(false) {
		}
		if d.err != nil {
			return false
		}
	case stateDone:
		return false
	}
	for {
		start, end, err := d.nextChild()
		if err != nil {
			d.fail(err)
			return false
		}
		if end { // </BkToCstmrStmt>
			d.readEpilogue()
			return false
		}
		switch start.Name.Local {
		case "Stmt":
			d.readStatementHeader()
			return d.err == nil
		case "GrpHdr":
			d.fail(errors.New("the message has a second GrpHdr"))
			return false
		default: // SplmtryData
			if err := d.x.Skip(); err != nil {
				d.fail(err)
				return false
			}
		}
	}
}

// Statement returns the current statement without its entries.
func (d *Decoder) Statement() Statement { return d.stmt }

// NextEntry advances to the next entry of the current statement and reports whether
// there is one.
func (d *Decoder) NextEntry() bool { return d.advance(true) }

// Entry returns the current entry. Each entry is a new value: it may be kept.
func (d *Decoder) Entry() Entry { return d.entry }

// Err returns the error that stopped the Decoder, or nil if it reached the end of a
// valid document (or has not stopped yet).
func (d *Decoder) Err() error { return d.err }

func (d *Decoder) readPrologue() {
	d.state = stateBody
	tok, err := d.next()
	if errors.Is(err, io.EOF) {
		d.fail(errors.New("the document is empty"))
		return
	}
	if err != nil {
		d.fail(err)
		return
	}
	root, ok := tok.(xml.StartElement)
	if !ok || root.Name.Local != "Document" {
		d.fail(fmt.Errorf("the document does not start with <Document>, so it is not a camt.053 statement"))
		return
	}
	if d.version, err = versionOf(root.Name.Space); err != nil {
		d.fail(err)
		return
	}
	if _, err := d.expectChild("Document", "BkToCstmrStmt"); err != nil {
		d.fail(err)
		return
	}
	gh, err := d.expectChild("BkToCstmrStmt", "GrpHdr")
	if err != nil {
		d.fail(err)
		return
	}
	var x xmlGroupHeader
	if err := d.x.DecodeElement(&x, &gh); err != nil {
		d.fail(err)
		return
	}
	if d.header, err = x.header(); err != nil {
		d.fail(err)
	}
}

// readEpilogue checks what follows </BkToCstmrStmt>: only </Document>, then nothing but
// comments and white space.
func (d *Decoder) readEpilogue() {
	if d.stmtNum == 0 {
		d.fail(errors.New("the message has no statement (Stmt)"))
		return
	}
	if start, end, err := d.nextChild(); err != nil {
		d.fail(err)
		return
	} else if !end {
		d.fail(fmt.Errorf("<Document> holds <%s> after <BkToCstmrStmt>", clip(start.Name.Local)))
		return
	}
	if _, err := d.next(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("there is more after </Document>")
		}
		d.fail(err)
		return
	}
	d.state = stateDone
}

func (d *Decoder) readStatementHeader() {
	d.state = stateStatement
	d.stmtNum++
	d.entryNum = 0
	d.stmt = Statement{}
	d.stmtEnded = false
	d.pending = nil
	for d.pending == nil && !d.stmtEnded {
		start, end, err := d.nextChild()
		if err != nil {
			d.fail(err)
			return
		}
		if end {
			d.stmtEnded = true
			break
		}
		if err := d.readStatementElement(start); err != nil {
			d.fail(err)
			return
		}
	}
	switch st := &d.stmt; {
	case st.ID == "":
		d.fail(errors.New("the statement has no Id"))
	case st.Created.IsZero():
		d.fail(errors.New("the statement has no CreDtTm"))
	case st.Account.ID() == "":
		d.fail(errors.New("the statement has no account (Acct/Id)"))
	}
}

// readStatementElement reads one child of Stmt other than an entry, or keeps the start of
// the first entry in d.pending.
func (d *Decoder) readStatementElement(start xml.StartElement) error {
	st := &d.stmt
	switch start.Name.Local {
	case "Id":
		return d.decodeText(&st.ID, start)
	case "ElctrncSeqNb":
		return d.decodeText(&st.ElectronicSeqNum, start)
	case "LglSeqNb":
		return d.decodeText(&st.LegalSeqNum, start)
	case "CpyDplctInd":
		return d.decodeText(&st.CopyDuplicate, start)
	case "AddtlStmtInf":
		return d.decodeText(&st.AdditionalInfo, start)
	case "CreDtTm":
		var s string
		if err := d.decodeText(&s, start); err != nil {
			return err
		}
		var err error
		st.Created, err = parseDateTime(s, "CreDtTm")
		return err
	case "StmtPgntn":
		var x xmlPagination
		if err := d.x.DecodeElement(&x, &start); err != nil {
			return err
		}
		var err error
		st.Pagination, err = x.pagination()
		return err
	case "FrToDt":
		var x xmlPeriod
		if err := d.x.DecodeElement(&x, &start); err != nil {
			return err
		}
		var err error
		if st.From, err = parseDateTime(x.FrDtTm, "FrDtTm"); err != nil {
			return err
		}
		st.To, err = parseDateTime(x.ToDtTm, "ToDtTm")
		return err
	case "Acct":
		var x xmlAccount
		if err := d.x.DecodeElement(&x, &start); err != nil {
			return err
		}
		st.Account = x.account()
		return nil
	case "Bal":
		var x xmlBalance
		if err := d.x.DecodeElement(&x, &start); err != nil {
			return err
		}
		b, err := x.balance()
		if err != nil {
			return err
		}
		st.Balances = append(st.Balances, b)
		return nil
	case "Ntry":
		s := xml.CopyToken(start).(xml.StartElement)
		d.pending = &s
		return nil
	default: // RptgSeq, RptgSrc, RltdAcct, Intrst, TxsSummry, ...
		return d.x.Skip()
	}
}

// advance moves to the next entry, decoding it or skipping it.
func (d *Decoder) advance(decode bool) bool {
	if d.state != stateStatement {
		return false
	}
	start := d.pending
	d.pending = nil
	for start == nil {
		if d.stmtEnded {
			d.state = stateBody
			return false
		}
		s, end, err := d.nextChild()
		if err != nil {
			d.fail(err)
			return false
		}
		if end {
			d.stmtEnded = true
			continue
		}
		switch s.Name.Local {
		case "Ntry":
			start = &s
		case "AddtlStmtInf":
			if err := d.decodeText(&d.stmt.AdditionalInfo, s); err != nil {
				d.fail(err)
				return false
			}
		case "Id", "CreDtTm", "Acct", "Bal":
			// Streaming hands out the header before the entries; the schema puts these
			// first, and a document that does not would be read wrongly.
			d.fail(fmt.Errorf("<%s> comes after the entries; the schema puts it before them", s.Name.Local))
			return false
		default:
			if err := d.x.Skip(); err != nil {
				d.fail(err)
				return false
			}
		}
	}
	d.entryNum++
	if !decode {
		if err := d.x.Skip(); err != nil {
			d.fail(err)
			return false
		}
		return true
	}
	var x xmlEntry
	if err := d.x.DecodeElement(&x, start); err != nil {
		d.fail(err)
		return false
	}
	e, err := x.entry()
	if err != nil {
		d.fail(err)
		return false
	}
	d.entry = e
	return true
}

// next returns the next token that matters: no comments, processing instructions or
// white space. ISO 20022 has no mixed content, so other text is an error.
func (d *Decoder) next() (xml.Token, error) {
	for {
		tok, err := d.x.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement, xml.EndElement:
			return tok, nil
		case xml.CharData:
			if s := trim(string(t)); s != "" {
				return nil, fmt.Errorf("unexpected text %q between elements", clip(s))
			}
		}
	}
}

// nextChild returns the next child element of the element being read, or end = true at
// its end tag.
func (d *Decoder) nextChild() (start xml.StartElement, end bool, err error) {
	tok, err := d.next()
	if errors.Is(err, io.EOF) {
		return start, false, io.ErrUnexpectedEOF
	}
	if err != nil {
		return start, false, err
	}
	if s, ok := tok.(xml.StartElement); ok {
		return s, false, nil
	}
	return start, true, nil
}

// expectChild returns the next child of parent, which must be called name.
func (d *Decoder) expectChild(parent, name string) (xml.StartElement, error) {
	start, end, err := d.nextChild()
	if err != nil {
		return start, err
	}
	if end {
		return start, fmt.Errorf("<%s> is empty; it must hold <%s>", parent, name)
	}
	if start.Name.Local != name {
		return start, fmt.Errorf("<%s> holds <%s> where <%s> belongs, so this is not a camt.053 statement",
			parent, clip(start.Name.Local), name)
	}
	return start, nil
}

func (d *Decoder) decodeText(dst *string, start xml.StartElement) error {
	var s string
	if err := d.x.DecodeElement(&s, &start); err != nil {
		return err
	}
	*dst = trim(s)
	return nil
}

// versionOf returns the version named by a camt.053 namespace.
func versionOf(space string) (Version, error) {
	if !strings.HasPrefix(space, nsPrefix) {
		if space == "" {
			return "", errors.New("<Document> has no namespace; a camt.053 statement has " + nsPrefix + "001.NN")
		}
		return "", fmt.Errorf("the namespace is %q, not that of a camt.053 statement (%s001.NN)", clip(space), nsPrefix)
	}
	switch v := Version(space[len(nsPrefix):]); v {
	case "001.02", "001.03", "001.04", "001.05", "001.06", "001.07", "001.08":
		return v, nil
	default:
		return "", fmt.Errorf("camt.053 version %q is not supported; Kracht reads 001.02 to 001.08", clip(string(v)))
	}
}

// fail stops the Decoder with err, made into a *cooperative.Error that says where.
func (d *Decoder) fail(err error) {
	where := d.where()
	d.state = stateDone
	d.entry = Entry{}
	if d.src.readErr != nil && errors.Is(err, d.src.readErr) {
		// Not the document's fault: the caller's reader failed.
		d.err = fmt.Errorf("camt.053: reading the statement: %w", err)
		return
	}
	var msg string
	var refused *refusal
	var syntax *xml.SyntaxError
	switch {
	case errors.As(err, &refused):
		msg = refused.msg
	case errors.As(err, &syntax) && syntax.Msg == "unexpected EOF",
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		msg = "the document ends too early; is it complete?"
	case errors.As(err, &syntax):
		line, _ := d.raw.InputPos()
		msg = fmt.Sprintf("not well-formed XML at line %d: %s", line, syntax.Msg)
	default:
		msg = err.Error()
	}
	d.err = cooperative.Errorf(cooperative.EINVALID, "camt.053: %s%s", where, msg)
}

// where says which statement and entry an error is in.
func (d *Decoder) where() string {
	if d.stmtNum == 0 || d.state != stateStatement {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "statement %d", d.stmtNum)
	if d.stmt.ID != "" {
		fmt.Fprintf(&b, " (%q)", clip(d.stmt.ID))
	}
	if d.entryNum > 0 {
		fmt.Fprintf(&b, ", entry %d", d.entryNum)
	}
	return b.String() + ": "
}

// refusal is a reason to refuse the document found below encoding/xml: a broken limit or
// an encoding other than UTF-8.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

func refuseCharset(label string, r io.Reader) (io.Reader, error) {
	if strings.EqualFold(label, "us-ascii") { // a subset of UTF-8
		return r, nil
	}
	return nil, &refusal{fmt.Sprintf("the document is encoded as %q; ISO 20022 requires UTF-8", clip(label))}
}

// boundedReader counts bytes, so that neither the document nor any single token (which
// encoding/xml buffers whole) can grow past its limit. It remembers an error of the
// underlying reader, to tell it apart from a fault of the document.
type boundedReader struct {
	r          *bufio.Reader
	max        int64 // MaxDocumentBytes; a field so that tests can lower it
	n          int64 // bytes read
	sinceToken int64 // bytes read since the tokenGuard last asked for a token
	readErr    error
}

func (b *boundedReader) ReadByte() (byte, error) {
	c, err := b.r.ReadByte()
	if err != nil {
		if err != io.EOF {
			b.readErr = err
		}
		return 0, err
	}
	if b.n >= b.max {
		return 0, &refusal{"the document is larger than " + size(b.max)}
	}
	if b.sinceToken >= MaxTokenBytes {
		return 0, &refusal{"an element or text is longer than " + size(MaxTokenBytes)}
	}
	b.n++
	b.sinceToken++
	return c, nil
}

// Read is there for io.Reader; encoding/xml uses ReadByte.
func (b *boundedReader) Read(p []byte) (int, error) {
	for i := range p {
		c, err := b.ReadByte()
		if err != nil {
			return i, err
		}
		p[i] = c
	}
	return len(p), nil
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// tokenGuard passes raw tokens on to the namespace-aware decoder, refusing directives
// (a DOCTYPE has no place in ISO 20022) and nesting deeper than MaxDepth.
type tokenGuard struct {
	raw   *xml.Decoder
	src   *boundedReader
	depth int
}

func (g *tokenGuard) Token() (xml.Token, error) {
	g.src.sinceToken = 0
	tok, err := g.raw.RawToken()
	if err != nil {
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		if g.depth++; g.depth > MaxDepth {
			return nil, &refusal{fmt.Sprintf("elements are nested more than %d deep", MaxDepth)}
		}
	case xml.EndElement:
		g.depth--
	case xml.Directive:
		return nil, &refusal{"the document has a <!DOCTYPE> or other directive, which ISO 20022 does not allow"}
	}
	return tok, nil
}
