package handlers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// testServer is the real API on a real embedded store in a temporary folder.
type testServer struct {
	*Server
	store cooperative.Store
	logs  *bytes.Buffer
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	store, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "kracht.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &bytes.Buffer{}
	srv := New(withServices(Options{Store: store, Logger: slog.New(slog.NewJSONHandler(logs, nil)), Version: "test", BodyLimit: 64 << 10},
		identity.AccountsOptions{}))
	return &testServer{Server: srv, store: store, logs: logs}
}

// withServices builds the domain services of o the way cmd/kracht does (serve.go), with
// the tests' cheap password hashing and link base unless acc sets them; services o
// already has are kept, so a test's own settings win over newAuthServer's defaults.
// acc.Sends bounds the membership applications' mails too.
// testBallotKey keys the tests' ballots (cooperative/fund).
const testBallotKey = "the tests' ballot key, 32 bytes+"

func withServices(o Options, acc identity.AccountsOptions) Options {
	if acc.Hasher == nil {
		acc.Hasher = identity.NewPasswordHasher(identity.PasswordParams{MemoryKiB: testMemoryKiB, Time: testPasswordTime, Threads: 1})
	}
	if acc.LinkBaseURL == "" {
		acc.LinkBaseURL = testLinkBase
	}
	acc.Secrets, acc.Now = o.Payments.Box, o.Now
	if o.Accounts == nil {
		o.Accounts = identity.NewAccounts(o.Store, acc)
	}
	if o.Members == nil {
		o.Members = membership.NewMembers(o.Store, membership.MembersOptions{Now: o.Now, Sends: acc.Sends,
			HeldShares: shares.HeldShares, Accounts: o.Accounts})
	}
	if o.Registry == nil {
		o.Registry = shares.NewRegistry(o.Store, shares.RegistryOptions{Now: o.Now})
	}
	if o.PaymentService == nil {
		o.PaymentService = payments.NewPayments(cooperative.NewRunner(o.Store, o.Now), shares.StandardPayables())
	}
	if o.Payouts == nil {
		o.Payouts = payouts.NewPayouts(cooperative.NewRunner(o.Store, o.Now))
	}
	if o.Bonds == nil {
		o.Bonds = bonds.New(o.Store, bonds.Options{Now: o.Now})
	}
	if o.Distributions == nil {
		o.Distributions = distribution.New(o.Store, distribution.Options{Now: o.Now})
	}
	if o.Fund == nil {
		o.Fund = fund.New(o.Store, fund.Options{Now: o.Now, BallotKey: []byte(testBallotKey)})
	}
	return o
}

type response struct {
	status  int
	header  http.Header
	body    []byte
	problem Problem
}

func (ts *testServer) do(t testing.TB, method, path, contentType string, body io.Reader, header ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// A minute: under -race on a loaded 2-core machine, importing the 4,000-line statement
	// of TestBankStatementImport takes most of ten seconds. A hang still fails.
	res, err := ts.App().Test(req, 60_000)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	r := response{status: res.StatusCode, header: res.Header}
	r.body, _ = io.ReadAll(res.Body)
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		if err := json.Unmarshal(r.body, &r.problem); err != nil {
			t.Fatalf("problem body %s: %v", r.body, err)
		}
	}
	return r
}

func (ts *testServer) createCooperative(t testing.TB, name, regno string) cooperative.Cooperative {
	t.Helper()
	var c cooperative.Cooperative
	if err := ts.store.Update(context.Background(), func(tx cooperative.Tx) (err error) {
		c, err = cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: name, Kind: cooperative.KindEnergy,
			Country: "NL", RegistrationNumber: regno, IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// wantProblem checks a 4xx/5xx answer is a complete problem+json with the request id.
func wantProblem(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, r.body)
	}
	if r.problem.Status != status || r.problem.Title == "" || r.problem.Detail == "" || r.problem.Code != code {
		t.Fatalf("problem %+v, want status %d code %q with title and detail", r.problem, status, code)
	}
	if r.problem.RequestID == "" || r.problem.RequestID != r.header.Get("X-Request-ID") {
		t.Fatalf("problem request id %q, header %q", r.problem.RequestID, r.header.Get("X-Request-ID"))
	}
}

func TestHealthAndReadiness(t *testing.T) {
	ts := newTestServer(t)
	if r := ts.do(t, "GET", "/healthz", "", nil); r.status != 200 || !bytes.Contains(r.body, []byte(`"ok"`)) {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	if r := ts.do(t, "GET", "/readyz", "", nil); r.status != 200 {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	ts.store.Close()
	wantProblem(t, ts.do(t, "GET", "/readyz", "", nil), 503, cooperative.EUNAVAILABLE)
}

func TestCooperativeProfile(t *testing.T) {
	ts := newTestServer(t)
	c := ts.createCooperative(t, "Zonnepark De Kracht", "12345678")
	r := ts.do(t, "GET", "/v1/cooperatives/"+c.ID, "", nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var got map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if got["name"] != "Zonnepark De Kracht" || got["kind"] != "energy" || got["currency"] != "EUR" {
		t.Fatalf("profile %v", got)
	}
	if _, leaked := got["iban"]; leaked {
		t.Fatalf("public profile shows the bank account: %v", got)
	}
	wantProblem(t, ts.do(t, "GET", "/v1/cooperatives/"+cooperative.NewID(), "", nil), 404, cooperative.ENOTFOUND)
}

func TestCooperativeListPages(t *testing.T) {
	ts := newTestServer(t)
	var want []string
	for i := range 5 {
		want = append(want, ts.createCooperative(t, "Coop", string(rune('A'+i))+"0001").ID)
	}
	var got []string
	cursor := ""
	for range 10 {
		r := ts.do(t, "GET", "/v1/cooperatives?limit=2&cursor="+cursor, "", nil)
		var page cooperativeList
		if r.status != 200 || json.Unmarshal(r.body, &page) != nil {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("listed %v, want %v", got, want)
	}
}

func TestRequestIDs(t *testing.T) {
	ts := newTestServer(t)
	a := ts.do(t, "GET", "/healthz", "", nil).header.Get("X-Request-ID")
	b := ts.do(t, "GET", "/healthz", "", nil).header.Get("X-Request-ID")
	if a == "" || a == b {
		t.Fatalf("request ids %q and %q", a, b)
	}
	if got := ts.do(t, "GET", "/healthz", "", nil, "X-Request-ID", "trace-42").header.Get("X-Request-ID"); got != "trace-42" {
		t.Fatalf("client request id not kept: %q", got)
	}
	forged := "x\n{\"level\":\"ERROR\"}"
	if got := ts.do(t, "GET", "/healthz", "", nil, "X-Request-ID", strings.ReplaceAll(forged, "\n", "")).header.Get("X-Request-ID"); strings.Contains(got, "{") {
		t.Fatalf("unsafe client request id kept: %q", got)
	}
	// Every log line of a request carries its id.
	for _, line := range strings.Split(strings.TrimSpace(ts.logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if entry["request_id"] == nil || entry["request_id"] == "" {
			t.Fatalf("log line without request id: %s", line)
		}
	}
}

// overTheLimit sends, on a real loopback socket, the head of a JSON request that
// declares a body of size bytes, and reads the answer. The server must refuse on the
// declared length alone; sending no body keeps the test free of the race in which a
// client is still writing when the server closes.
func (ts *testServer) overTheLimit(t testing.TB, path string, size int) response {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.Serve(ln)
	defer ts.Shutdown(context.Background())
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: kracht\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, size)
	return rawRequest(t, ln.Addr().String(), head, bytes.Repeat([]byte("a"), size))
}

// rawRequest sends a request written by hand (head, then body, as a client sends it)
// over a new connection to addr and reads the answer. The server may answer after the
// first few kilobytes of the body and hang up, so writing the rest may fail.
func rawRequest(t testing.TB, addr, head string, body []byte) response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(conn, head)
	go conn.Write(body)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := response{status: res.StatusCode, header: res.Header}
	r.body, _ = io.ReadAll(res.Body)
	_ = json.Unmarshal(r.body, &r.problem)
	return r
}
