package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/fund"

	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/bankimport"
	"github.com/kracht-coop/kracht/payments/stripeclient"
	"github.com/kracht-coop/kracht/payments/stripesync"
)

type paymentServer struct {
	*authServer
	coop, boardToken, accountantToken string
	board, accountant                 *session // their first sessions, with the TOTP secrets
}

// newPaymentServer is a cooperative with a board member and an accountant, both with
// TOTP on, on a server whose Stripe routes are configured; change adjusts the options
// (Stripe's base URL, for stripe-mock).
func newPaymentServer(t *testing.T, change ...func(*Options)) *paymentServer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := cooperative.NewSecretBox(key)
	if err != nil {
		t.Fatal(err)
	}
	// The syncer keeps the real clock (its payment service's): stripe-go judges a
	// signature's age by it.
	as := newAuthServer(t, func(o *Options) {
		wall := payments.NewPayments(cooperative.NewRunner(o.Store, nil), shares.StandardPayables())
		syncer, err := stripesync.New(wall, box, stripesync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		o.Payments = PaymentOptions{Box: box, Syncer: syncer, ImportBodyLimit: 2 << 20}
		for _, c := range change {
			c(o)
		}
	})
	admin := as.admin(t, "ops@kracht.test")
	ps := &paymentServer{authServer: as, coop: as.newCooperative(t, admin, "Coop P")}
	as.join(t, admin, ps.coop, "board-p@example.org", "board")
	board := as.signIn(t, "board-p@example.org")
	as.turnOnTOTP(t, board)
	as.join(t, board, ps.coop, "acct-p@example.org", "accountant")
	acct := as.signIn(t, "acct-p@example.org")
	as.turnOnTOTP(t, acct)
	ps.board, ps.accountant = board, acct
	ps.boardToken, ps.accountantToken = as.signInMFA(t, board).tokens.AccessToken, as.signInMFA(t, acct).tokens.AccessToken
	return ps
}

// testCheckout wires the checkout service as cmd does, from the options a test settled
// on (its clock, Stripe's base URL and the secret box).
func testCheckout(o Options) *payments.Checkout {
	return payments.NewCheckout(payments.CheckoutDeps{Run: cooperative.NewRunner(o.Store, o.Now), Secrets: o.Payments.Box,
		PaymentOf: payments.PaymentMakers(shares.NewRegistry(o.Store, shares.RegistryOptions{Now: o.Now}).SubscriptionPayment,
			bonds.New(o.Store, bonds.Options{Now: o.Now}).SubscriptionPayment, fund.New(o.Store, fund.Options{Now: o.Now}).DonationPayment),
		Sessions: stripeclient.CheckoutSessionsFor(o.Payments.Stripe),
		NewReference: func() (string, error) {
			ref, err := bankimport.NewReference(rand.Read)
			return string(ref), err
		}})
}

const testWebhookSecret = "whsec_handlers_test_0123456789"

// TestStripeAccountAndWebhook: the board connects Stripe (the secrets never come back);
// a signed webhook is stored once; forged, stale and mistyped ones are refused with a
// problem and store nothing.
func TestStripeAccountAndWebhook(t *testing.T) {
	ps := newPaymentServer(t)
	ctx := context.Background()
	base := "/v1/cooperatives/" + ps.coop
	r := ps.call(t, "PUT", base+"/stripe", ps.boardToken, map[string]string{"accountId": "acct_123",
		"secretKey": "sk_test_SECRETSECRET9876", "webhookSecret": testWebhookSecret})
	wantStatus(t, r, 200)
	got := ps.call(t, "GET", base+"/stripe", ps.accountantToken, nil)
	wantStatus(t, got, 200)
	for _, body := range [][]byte{r.body, got.body} {
		if strings.Contains(string(body), "SECRETSECRET") || strings.Contains(string(body), "whsec_") {
			t.Fatalf("a secret came back: %s", body)
		}
	}
	st := decodeBody[payments.StripeAccountStatus](t, got)
	if !st.Connected || st.AccountID != "acct_123" || st.KeyLast4 != "9876" {
		t.Fatalf("status %+v", st)
	}
	if strings.Contains(ps.logs.String(), "SECRETSECRET") {
		t.Fatal("the secret key was logged")
	}

	now := time.Now()
	ev, _ := json.Marshal(map[string]any{"id": "evt_handlers_1", "object": "event", "type": "payment_intent.succeeded",
		"created": now.Unix(), "api_version": "2023-10-16", "livemode": false, "data": map[string]any{"object": map[string]any{
			"id": "pi_1", "object": "payment_intent", "amount": 1000, "currency": "eur", "metadata": map[string]string{}}}})
	sign := func(secret string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev, Secret: secret, Timestamp: at}).Header
	}
	hook := base + "/stripe/webhook"
	send := func(ct, sig string) response {
		return ps.do(t, "POST", hook, ct, strings.NewReader(string(ev)), "Stripe-Signature", sig)
	}
	stored := func() bool {
		_, err := ps.payments.GetStripeEvent(ctx, ps.coop, "evt_handlers_1")
		return err == nil
	}
	for name, sig := range map[string]string{"forged": sign("whsec_someone_else_000", now),
		"stale": sign(testWebhookSecret, now.Add(-6*time.Minute)), "missing": ""} {
		r := send("application/json", sig)
		if r.status != 400 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") || stored() {
			t.Fatalf("%s signature: %d %s (stored %v)", name, r.status, r.body, stored())
		}
	}
	wantProblem(t, send("text/plain", sign(testWebhookSecret, now)), 415, cooperative.EINVALID)
	if stored() {
		t.Fatal("a mistyped webhook was stored")
	}
	for i, wantStored := range []bool{true, false} {
		r := send("application/json; charset=utf-8", sign(testWebhookSecret, now))
		wantStatus(t, r, 200)
		var out struct{ Received, Stored bool }
		_ = json.Unmarshal(r.body, &out)
		if !out.Received || out.Stored != wantStored {
			t.Fatalf("delivery %d: %s", i+1, r.body)
		}
	}
	// Another cooperative's endpoint does not take this cooperative's event.
	wantProblem(t, ps.do(t, "POST", "/v1/cooperatives/"+cooperative.NewID()+"/stripe/webhook", "application/json",
		strings.NewReader(string(ev)), "Stripe-Signature", sign(testWebhookSecret, now)), 400, cooperative.EINVALID)
}

// TestBankStatementImport: a statement is imported (twice: nothing changes the second
// time); malformed XML is a 400 naming the problem; a file over the import limit is a
// 413, and so is a JSON body over the general limit on another route.
func TestBankStatementImport(t *testing.T) {
	ps := newPaymentServer(t)
	path := "/v1/cooperatives/" + ps.coop + "/bank-statements"
	files, _ := filepath.Glob("../../shared/testdata/iso20022/camt053-genkgo/*.xml")
	var sample []byte
	for _, f := range files {
		if !strings.Contains(f, "wrong") {
			sample, _ = os.ReadFile(f)
			break
		}
	}
	if sample == nil {
		t.Skip("no sample statements")
	}
	imp := func(ct string, body string) response {
		return ps.do(t, "POST", path, ct, strings.NewReader(body), "Authorization", "Bearer "+ps.accountantToken)
	}
	r := imp("application/xml", string(sample))
	wantStatus(t, r, 200)
	var res struct {
		Tally payments.BankImportTally `json:"tally"`
	}
	_ = json.Unmarshal(r.body, &res)
	if res.Tally.Lines == 0 || res.Tally.Duplicates != 0 {
		t.Fatalf("first import: %s", r.body)
	}
	r = imp("text/xml", string(sample))
	wantStatus(t, r, 200)
	_ = json.Unmarshal(r.body, &res)
	if res.Tally.Duplicates != res.Tally.Lines {
		t.Fatalf("second import changed something: %s", r.body)
	}
	bad := imp("application/xml", `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr>`)
	wantProblem(t, bad, 400, cooperative.EINVALID)
	if bad.problem.Detail == "" {
		t.Fatal("the refusal does not say what is wrong")
	}
	t.Logf("malformed: %s", bad.problem.Detail)
	wantProblem(t, imp("application/json", `{"statement":"no"}`), 415, cooperative.EINVALID)
	// A statement larger than huma's own default limit (1 MiB), under the import limit
	// (2 MiB here): imported whole.
	const entries = 4000
	r = imp("application/xml", bigStatement(entries))
	wantStatus(t, r, 200)
	_ = json.Unmarshal(r.body, &res)
	if res.Tally.Lines != entries {
		t.Fatalf("large statement: %s", r.body)
	}
	// Between the general limit (64 KiB here) and the import limit: refused on any
	// route but the import.
	big := fmt.Sprintf(`{"action":"ignore","note":%q}`, strings.Repeat("a", 100<<10))
	wantProblem(t, ps.do(t, "POST", "/v1/cooperatives/"+ps.coop+"/payment-reviews/"+cooperative.NewID()+"/resolve",
		"application/json", strings.NewReader(big), "Authorization", "Bearer "+ps.accountantToken), 413, cooperative.EINVALID)
	// Over the import limit, over a real connection (last: it stops the server).
	wantProblem(t, ps.overTheLimit(t, path, 3<<20), 413, cooperative.EINVALID)
}

// bigStatement is a camt.053.001.02 statement of n booked credits without references.
func bigStatement(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>BIG</MsgId><CreDtTm>2025-01-31T18:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>BIG-1</Id><CreDtTm>2025-01-31T18:00:00+01:00</CreDtTm><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
`)
	for i := range n {
		fmt.Fprintf(&b, `<Ntry><Amt Ccy="EUR">%d.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2025-01-31</Dt></BookgDt><ValDt><Dt>2025-01-31</Dt></ValDt><AcctSvcrRef>BIG-%06d</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Payer %d</Nm></Dbtr></RltdPties><RmtInf><Ustrd>gift for the solar park, thank you</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
`, i%90+10, i, i)
	}
	b.WriteString("</Stmt></BkToCstmrStmt></Document>\n")
	return b.String()
}

// TestLargeBodiesNotReadBeforeAccess: a body longer than the general limit is read only
// by the route that takes it, after its access check. Without a token the statement
// route answers 401 having read only the first few kilobytes; a chunked body (length
// unknown) over the limit of a JSON route is a 413.
func TestLargeBodiesNotReadBeforeAccess(t *testing.T) {
	ps := newPaymentServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ps.Serve(ln)
	defer ps.Shutdown(context.Background())
	send := func(head string, body []byte) response { return rawRequest(t, ln.Addr().String(), head, body) }
	// 1.5 MiB announced, only 16 KiB sent: the answer comes without the rest.
	r := send(fmt.Sprintf("POST /v1/cooperatives/%s/bank-statements HTTP/1.1\r\nHost: kracht\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n",
		ps.coop, 3<<19), bytes.Repeat([]byte("<"), 16<<10))
	wantProblem(t, r, 401, cooperative.EUNAUTHORIZED)
	chunk := strings.Repeat("a", 32<<10)
	var chunked bytes.Buffer
	for range 4 { // 128 KiB against the general 64 KiB
		fmt.Fprintf(&chunked, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	chunked.WriteString("0\r\n\r\n")
	r = send(fmt.Sprintf("POST /v1/cooperatives/%s/payment-reviews/%s/resolve HTTP/1.1\r\nHost: kracht\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n",
		ps.coop, cooperative.NewID(), ps.accountantToken), chunked.Bytes())
	wantProblem(t, r, 413, cooperative.EINVALID)
}
