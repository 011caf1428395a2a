package handlers

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
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
