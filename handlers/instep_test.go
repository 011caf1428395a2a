package handlers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/bankimport"
)

// answersOn writes raw (one or more requests, pipelined) on a new connection to addr and
// returns the X-Request-ID of every answer read until the server hangs up or answers the
// request with id "next".
func answersOn(t *testing.T, addr string, raw []byte) []string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	go conn.Write(raw) // the server may hang up before reading it all
	br := bufio.NewReader(conn)
	var ids []string
	for {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("no answer and no hang-up after %v", ids)
			}
			return ids // EOF or reset: the connection is closed
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		ids = append(ids, res.Header.Get("X-Request-ID"))
		if ids[len(ids)-1] == "next" {
			return ids
		}
	}
}

// smuggling is a body of about size bytes whose part after the server's first read
// (8 KiB) is a run of complete requests for /v1/me with token: what a connection out
// of step would answer.
func smuggling(size int, token string) []byte {
	const firstRead = 8 << 10
	body := bytes.Repeat([]byte(" "), firstRead)
	for i := 0; len(body) < size; i++ {
		body = fmt.Appendf(body, "GET /v1/me HTTP/1.1\r\nHost: kracht\r\nAuthorization: Bearer %s\r\nX-Request-ID: smuggled-%d\r\n\r\n", token, i)
	}
	return body
}

// TestConnectionKeepsInStep: whatever a route does with a body (reads it, ignores it,
// refuses the caller before reading it), what is left of it is never taken for the
// next request on the connection. A 12 KiB body ending in pipelined GET /v1/me requests
// with a valid token gets exactly one answer; the request sent after it on the same
// connection is either answered (the rest was drained) or not at all (the connection
// was closed), never preceded by answers to the smuggled requests.
func TestConnectionKeepsInStep(t *testing.T) {
	ps := newPaymentServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ps.Serve(ln)
	defer ps.Shutdown(context.Background())
	body := smuggling(12<<10, ps.accountantToken)
	next := "GET /healthz HTTP/1.1\r\nHost: kracht\r\nX-Request-ID: next\r\n\r\n"
	withBody := func(method, path, contentType, extra string) []byte {
		head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: kracht\r\nX-Request-ID: first\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n",
			method, path, contentType, len(body), extra)
		return append(append([]byte(head), body...), next...)
	}
	coop := "/v1/cooperatives/" + ps.coop
	for _, c := range []struct {
		name  string
		raw   []byte
		close bool // the connection may (must) close after the first answer
	}{
		{name: "logout without a token", raw: withBody("POST", "/v1/auth/logout", "application/json", "")},
		{name: "logout with a token", raw: withBody("POST", "/v1/auth/logout", "application/json",
			"Authorization: Bearer "+ps.boardToken+"\r\n")},
		{name: "one-click unsubscribe", raw: withBody("POST", "/v1/unsubscribe?token=x", "application/x-www-form-urlencoded", "")},
		{name: "a GET with a body", raw: withBody("GET", "/healthz", "application/json", "")},
		{name: "a GET with a body and a token", raw: withBody("GET", "/v1/me", "application/json",
			"Authorization: Bearer "+ps.accountantToken+"\r\n")},
		{name: "statement import without a token", raw: withBody("POST", coop+"/bank-statements", "application/xml", "")},
		{name: "statement import, malformed", raw: withBody("POST", coop+"/bank-statements", "application/xml",
			"Authorization: Bearer "+ps.accountantToken+"\r\n")},
		{name: "JSON route without a token", raw: withBody("POST", coop+"/payment-reviews/"+cooperative.NewID()+"/resolve",
			"application/json", "")},
		{name: "JSON route, malformed body", raw: withBody("POST", coop+"/payment-reviews/"+cooperative.NewID()+"/resolve",
			"application/json", "Authorization: Bearer "+ps.accountantToken+"\r\n")},
		{name: "wrong media type", raw: withBody("POST", "/v1/auth/logout", "text/plain", "")},
		{name: "no such route", raw: withBody("POST", "/v1/nothing-here", "application/json", "")},
		{name: "chunked, not read", close: true, raw: []byte(fmt.Sprintf(
			"POST /v1/auth/logout HTTP/1.1\r\nHost: kracht\r\nX-Request-ID: first\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n%s",
			len(body), body, next))},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := answersOn(t, ln.Addr().String(), c.raw)
			want := "first,next"
			if c.close {
				want = "first"
			}
			if strings.Join(got, ",") != want {
				t.Fatalf("answers %v, want %s", got, want)
			}
		})
	}
}

// TestTooLargeStatementAnswered: a client that sends a whole statement over the import
// limit gets the 413 problem, not a reset: Go's HTTP client with the length announced
// (refused before the body is read) and without (chunked: refused once the limit is
// read), and a client that writes the whole body before it reads anything.
func TestTooLargeStatementAnswered(t *testing.T) {
	ps := newPaymentServer(t) // import limit 2 MiB
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ps.Serve(ln)
	defer ps.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/v1/cooperatives/" + ps.coop + "/bank-statements"
	statement := []byte(bigStatement(40000)) // about 17 MiB
	for _, c := range []struct {
		name   string
		body   io.Reader
		status int
	}{
		{"length announced", bytes.NewReader(statement), 413},
		// Length unknown to the client: refused before a line is read or stored, since
		// an import over the limit would otherwise be found out halfway.
		{"chunked", io.MultiReader(bytes.NewReader(statement)), 411},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", url, c.body)
			req.Header.Set("Content-Type", "application/xml")
			req.Header.Set("Authorization", "Bearer "+ps.accountantToken)
			res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			defer res.Body.Close()
			r := response{status: res.StatusCode, header: res.Header}
			r.body, _ = io.ReadAll(res.Body)
			_ = json.Unmarshal(r.body, &r.problem)
			wantProblem(t, r, c.status, cooperative.EINVALID)
			// Every credit of the statement would wait for review: none may.
			items := decodeBody[struct{ Items []payments.PaymentReview }](t,
				ps.call(t, "GET", "/v1/cooperatives/"+ps.coop+"/payment-reviews", ps.accountantToken, nil)).Items
			if len(items) != 0 {
				t.Fatalf("%d credits of a refused statement imported", len(items))
			}
		})
	}
	t.Run("written whole before reading", func(t *testing.T) {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(conn, "POST /v1/cooperatives/%s/bank-statements HTTP/1.1\r\nHost: kracht\r\nContent-Type: application/xml\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n",
			ps.coop, ps.accountantToken, len(statement))
		if _, err := conn.Write(statement); err != nil {
			t.Fatalf("the server hung up while the body was sent: %v", err)
		}
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		defer res.Body.Close()
		r := response{status: res.StatusCode, header: res.Header}
		r.body, _ = io.ReadAll(res.Body)
		_ = json.Unmarshal(r.body, &r.problem)
		wantProblem(t, r, 413, cooperative.EINVALID)
	})
}

// TestStatementImportStreams: a statement is imported as it arrives. The first batch of
// lines (bankimport.BatchSize) is stored while the client has sent only a little more
// than it and waits; only then does it send the rest, and the whole is imported.
func TestStatementImportStreams(t *testing.T) {
	ps := newPaymentServer(t, func(o *Options) { o.Payments.ImportBodyLimit = 16 << 20 })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ps.Serve(ln)
	defer ps.Shutdown(context.Background())
	const entries = bankimport.BatchSize + 500
	statement := bigStatement(entries)
	cut := 0 // the end of the entry after the first batch
	for range bankimport.BatchSize + 1 {
		cut += strings.Index(statement[cut:], "</Ntry>") + len("</Ntry>")
	}
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/cooperatives/"+ps.coop+"/bank-statements", pr)
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Authorization", "Bearer "+ps.accountantToken)
	req.ContentLength = int64(len(statement))
	done := make(chan response, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			done <- response{}
			return
		}
		defer res.Body.Close()
		r := response{status: res.StatusCode}
		r.body, _ = io.ReadAll(res.Body)
		done <- r
	}()
	if _, err := io.WriteString(pw, statement[:cut]); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) { // -race on a busy machine is slow
		open, _, err := ps.payments.ListPaymentReviews(context.Background(), ps.coop, payments.ReviewOpen, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) > 0 {
			break // the first batch is stored, the rest not yet sent
		}
		if time.Now().After(deadline) {
			pw.CloseWithError(io.ErrUnexpectedEOF)
			t.Fatal("nothing stored before the whole statement was sent: the import reads the body whole first")
		}
	}
	if _, err := io.WriteString(pw, statement[cut:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-done
	var res bankimport.Result
	if r.status != 200 || json.Unmarshal(r.body, &res) != nil || res.Tally.Lines != entries {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
}

// TestImportPeakRSS measures the peak memory (VmHWM) of the process while one large
// statement is imported over HTTP, sent from a file with its length as curl sends it. It
// runs only when KRACHT_IMPORT_RSS_MB gives the statement's size in MB:
//
//	KRACHT_IMPORT_RSS_MB=120 go test -count=1 -run TestImportPeakRSS -v ./handlers/
//
// The peak must stay under 300 MB, setting up included (the peak is reset once the
// statement file is written).
func TestImportPeakRSS(t *testing.T) {
	mb, _ := strconv.Atoi(os.Getenv("KRACHT_IMPORT_RSS_MB"))
	if mb <= 0 {
		t.Skip("set KRACHT_IMPORT_RSS_MB to the statement's size in MB")
	}
	ps := newPaymentServer(t, func(o *Options) { o.Payments.ImportBodyLimit = DefaultImportBodyLimit })
	file := filepath.Join(t.TempDir(), "statement.xml")
	entries := writeBigStatementFile(t, file, int64(mb)*1_000_000)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ps.Serve(ln)
	defer ps.Shutdown(context.Background())
	runtime.GC()
	before := vmHWM(t)
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset the peak (%v): it includes the setup", err)
	}
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/cooperatives/"+ps.coop+"/bank-statements", f)
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Authorization", "Bearer "+ps.accountantToken)
	req.ContentLength = fi.Size()
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var out bankimport.Result
	if res.StatusCode != 200 || json.Unmarshal(body, &out) != nil || out.Tally.Lines != entries {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	peak := vmHWM(t)
	t.Logf("%d bytes, %d entries imported in %v; peak RSS %d MiB (%d MiB before the upload)",
		fi.Size(), entries, time.Since(start).Round(time.Second), peak>>20, before>>20)
	if peak > 300<<20 {
		t.Fatalf("peak RSS %d MiB, want under 300 MiB", peak>>20)
	}
}

// writeBigStatementFile writes a statement of entries like bigStatement's until it is
// at least size bytes long, and returns the number of entries.
func writeBigStatementFile(t *testing.T, name string, size int64) int {
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	head, tail, _ := strings.Cut(bigStatement(1), "<Ntry>")
	entry, tail, _ := strings.Cut("<Ntry>"+tail, "</Stmt>")
	n, written := 0, int64(len(head))
	w.WriteString(head)
	for ; written < size; n++ {
		e := strings.Replace(strings.Replace(entry, "BIG-000000", fmt.Sprintf("BIG-%09d", n), 1), "Payer 0", fmt.Sprintf("Payer %d", n), 1)
		w.WriteString(e)
		written += int64(len(e))
	}
	w.WriteString("</Stmt>" + tail)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

// vmHWM is the process's peak resident set size, in bytes.
func vmHWM(t *testing.T) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmHWM")
	return 0
}
