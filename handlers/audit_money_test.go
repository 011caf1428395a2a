package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// Every change of money or of credentials is in the cooperative's audit log, with its
// actor, and the log holds no secret. Read through the API, as the board would.

// auditLog reads the whole audit log of the cooperative at base.
func auditLog(t *testing.T, as *authServer, base, token string) []cooperative.AuditEntry {
	t.Helper()
	r := as.call(t, "GET", base+"/audit?limit=1000", token, nil)
	wantStatus(t, r, 200)
	return decodeBody[struct{ Items []cooperative.AuditEntry }](t, r).Items
}

// auditFind returns the entries with action about objectID ("" for any).
func auditFind(log []cooperative.AuditEntry, action, objectID string) []cooperative.AuditEntry {
	var out []cooperative.AuditEntry
	for _, e := range log {
		if e.Action == action && (objectID == "" || e.ObjectID == objectID) {
			out = append(out, e)
		}
	}
	return out
}

func auditOne(t *testing.T, log []cooperative.AuditEntry, action, objectID string) cooperative.AuditEntry {
	t.Helper()
	got := auditFind(log, action, objectID)
	if len(got) != 1 {
		var b strings.Builder
		for _, e := range log {
			fmt.Fprintf(&b, "\n  %s %s %s (%s)", e.Action, e.ObjectType, e.ObjectID, e.ActorRole)
		}
		t.Fatalf("%d entries %s for %q, want 1; the log:%s", len(got), action, objectID, b.String())
	}
	return got[0]
}

// TestStripeCredentialsAreAudited: connecting and rotating the Stripe credentials each
// leave an entry by the board member, with the key's last four characters and
// fingerprints that tell old from new; neither secret is anywhere in the log.
func TestStripeCredentialsAreAudited(t *testing.T) {
	ps := newPaymentServer(t)
	base := "/v1/cooperatives/" + ps.coop
	const key1, key2 = "sk_test_FIRSTSECRETKEY1111", "sk_test_SECONDSECRETKEY2222"
	const wh1, wh2 = "whsec_FIRSTWEBHOOKSECRET", "whsec_SECONDWEBHOOKSECRET"
	wantStatus(t, ps.call(t, "PUT", base+"/stripe", ps.boardToken, map[string]string{"accountId": "acct_1",
		"secretKey": key1, "webhookSecret": wh1}), 200)
	wantStatus(t, ps.call(t, "PUT", base+"/stripe", ps.boardToken, map[string]string{"accountId": "acct_1",
		"secretKey": key2, "webhookSecret": wh2}), 200)

	r := ps.call(t, "GET", base+"/audit?limit=1000", ps.accountantToken, nil)
	wantStatus(t, r, 200)
	csv := ps.call(t, "GET", base+"/audit.csv", ps.boardToken, nil)
	wantStatus(t, csv, 200)
	for _, secret := range []string{key1, key2, wh1, wh2, "FIRSTSECRET", "SECONDSECRET", "WEBHOOKSECRET"} {
		if strings.Contains(string(r.body), secret) || strings.Contains(string(csv.body), secret) {
			t.Fatalf("the audit log holds a secret (%s)", secret)
		}
	}
	log := decodeBody[struct{ Items []cooperative.AuditEntry }](t, r).Items
	type view struct {
		KeyLast4           string `json:"keyLast4"`
		KeyFingerprint     string `json:"keyFingerprint"`
		WebhookFingerprint string `json:"webhookSecretFingerprint"`
	}
	read := func(raw json.RawMessage) view {
		var v view
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	connect := auditOne(t, log, "stripe_account.connect", ps.coop)
	rotate := auditOne(t, log, "stripe_account.rotate", ps.coop)
	for _, e := range []cooperative.AuditEntry{connect, rotate} {
		if e.ActorRole != "board" || e.ActorID != ps.board.userID || e.RequestID == "" {
			t.Fatalf("actor of %s: %+v", e.Action, e)
		}
	}
	if c := read(connect.After); c.KeyLast4 != "1111" || c.KeyFingerprint == "" || len(connect.Before) != 0 {
		t.Fatalf("connect: %s / %s", connect.Before, connect.After)
	}
	before, after := read(rotate.Before), read(rotate.After)
	if before != read(connect.After) || after.KeyLast4 != "2222" || after.KeyFingerprint == before.KeyFingerprint ||
		after.WebhookFingerprint == before.WebhookFingerprint {
		t.Fatalf("rotate: %s -> %s", rotate.Before, rotate.After)
	}
}

// TestMoneyChangesAreAudited: a subscription marked paid by a bank import (actor: the
// bank import, on behalf of the accountant who ran it) and by a Stripe event (actor:
// Stripe); the import itself (who, which file by name and hash, the message id, what it
// matched); a review item resolved (the accountant).
func TestMoneyChangesAreAudited(t *testing.T) {
	sf := newStripeFlow(t)
	annToken, ann := sf.member(t, "ann-audit@example.org")
	bobToken, bob := sf.member(t, "bob-audit@example.org")
	subscribe := func(token, member string, n int) shares.Subscription {
		r := sf.call(t, "POST", sf.base+"/offerings/"+sf.offering+"/subscriptions", token, map[string]any{"memberId": member, "shares": n})
		wantStatus(t, r, 201)
		return decodeBody[shares.Subscription](t, r)
	}

	// Ann pays by transfer, quoting her reference; the statement also has a credit
	// nobody can place.
	annSub := subscribe(annToken, ann, 2)
	r := sf.call(t, "POST", sf.base+"/subscriptions/"+annSub.ID+"/transfer-instructions", annToken, nil)
	wantStatus(t, r, 200)
	ti := decodeBody[transferInstructionsBody](t, r)
	day := sf.clock.Now().Format("2006-01-02")
	entry := func(ref, acctRef string, cents int64) string {
		rmt := `<RmtInf><Ustrd>a gift</Ustrd></RmtInf>`
		if ref != "" {
			rmt = `<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>` + ref + `</Ref></CdtrRefInf></Strd></RmtInf>`
		}
		return fmt.Sprintf(`<Ntry><Amt Ccy="EUR">%d.%02d</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>%s</Dt></BookgDt><ValDt><Dt>%s</Dt></ValDt><AcctSvcrRef>%s</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Payer</Nm></Dbtr></RltdPties>%s</TxDtls></NtryDtls></Ntry>`,
			cents/100, cents%100, day, day, acctRef, rmt)
	}
	statement := `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>AUDIT-1</MsgId><CreDtTm>2025-03-01T18:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>AUDIT-1-1</Id><CreDtTm>2025-03-01T18:00:00+01:00</CreDtTm><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
` + entry(ti.Reference, "AUDIT-A", ti.AmountCents) + entry("", "AUDIT-B", 1234) + `
</Stmt></BkToCstmrStmt></Document>
`
	r = sf.do(t, "POST", sf.base+"/bank-statements", "application/xml", strings.NewReader(statement),
		"Authorization", "Bearer "+sf.accountantToken, "Content-Disposition", `attachment; filename="march.xml"`)
	wantStatus(t, r, 200)
	sum := sha256.Sum256([]byte(statement))

	// Bob pays through Stripe.
	bobSub := subscribe(bobToken, bob, 3)
	r = sf.call(t, "POST", sf.base+"/subscriptions/"+bobSub.ID+"/checkout", bobToken, map[string]string{
		"successUrl": "https://app.example.org/paid", "cancelUrl": "https://app.example.org/cancel"})
	wantStatus(t, r, 201)
	co := decodeBody[checkoutBody](t, r)
	sf.webhook(t, "payment_intent.succeeded", map[string]any{"id": "pi_audit", "object": "payment_intent",
		"metadata": map[string]string{"cooperative_id": sf.coop, "payment_id": co.PaymentID, "subscription_id": bobSub.ID},
		"amount":   co.AmountCents, "currency": "eur", "latest_charge": "ch_audit"})

	// The accountant ignores the unplaced credit.
	items := decodeBody[struct{ Items []payments.PaymentReview }](t,
		sf.call(t, "GET", sf.base+"/payment-reviews", sf.accountantToken, nil)).Items
	if len(items) != 1 {
		t.Fatalf("%d review items", len(items))
	}
	wantStatus(t, sf.call(t, "POST", sf.base+"/payment-reviews/"+items[0].ID+"/resolve", sf.accountantToken,
		map[string]string{"action": "ignore", "note": "a gift, not a payment"}), 200)

	log := auditLog(t, sf.authServer, sf.base, sf.boardToken)
	acct := sf.accountant.userID

	imp := auditOne(t, log, "bank_statement.import", "AUDIT-1")
	var got struct { // cooperative.BankStatementImport
		FileName, SHA256, MessageID string
		Bytes                       int64
		Complete                    bool
		Tally                       payments.BankImportTally
	}
	_ = json.Unmarshal(imp.After, &got)
	if imp.ActorRole != "accountant" || imp.ActorID != acct || imp.ObjectType != "bank_statement" ||
		got.FileName != "march.xml" || got.SHA256 != hex.EncodeToString(sum[:]) || got.MessageID != "AUDIT-1" ||
		got.Bytes != int64(len(statement)) || !got.Complete || got.Tally.Lines != 2 || got.Tally.Matched != 1 ||
		got.Tally.MatchedAmount != ti.AmountCents || got.Tally.Review != 1 {
		t.Fatalf("import entry: %+v\n%s", imp, imp.After)
	}

	byBank := auditOne(t, log, "subscription.mark_paid", annSub.ID)
	if byBank.ActorRole != "bank_import" || byBank.ActorID != acct || !strings.Contains(string(byBank.After), `"status":"paid"`) {
		t.Fatalf("marked paid by the import: %+v", byBank)
	}
	byStripe := auditOne(t, log, "subscription.mark_paid", bobSub.ID)
	if byStripe.ActorRole != "stripe" || byStripe.ActorID != "" || !strings.HasPrefix(byStripe.RequestID, "stripe:evt_") {
		t.Fatalf("marked paid by Stripe: %+v", byStripe)
	}
	ev := auditOne(t, log, "stripe_event.apply", strings.TrimPrefix(byStripe.RequestID, "stripe:"))
	if ev.ActorRole != "stripe" || !strings.Contains(string(ev.After), `"ledgerEntries":[`) {
		t.Fatalf("Stripe event: %+v %s", ev, ev.After)
	}

	res := auditOne(t, log, "payment_review.resolve", items[0].ID)
	if res.ActorRole != "accountant" || res.ActorID != acct || !strings.Contains(string(res.Before), `"status":"open"`) ||
		!strings.Contains(string(res.After), `"resolution":"ignore"`) {
		t.Fatalf("resolution: %+v", res)
	}
}

// TestOwnCredentialChangesAreAudited: turning on two-factor authentication, changing the
// password and resetting it are in the platform's audit log, by the person (role self),
// with nothing secret.
func TestOwnCredentialChangesAreAudited(t *testing.T) {
	as := newAuthServer(t)
	admin := as.admin(t, "ops@kracht.test")
	as.signUp(t, "ann@example.org")
	ann := as.signIn(t, "ann@example.org")
	as.turnOnTOTP(t, ann)
	const changed, reset = "a much better passphrase", "new and long enough"
	wantStatus(t, as.call(t, "POST", "/v1/auth/password", ann.tokens.AccessToken,
		map[string]string{"currentPassword": testPassword, "newPassword": changed}), 204)
	wantStatus(t, as.call(t, "POST", "/v1/auth/password-reset/request", "", map[string]string{"email": "ann@example.org"}), 202)
	token := as.lastLink(t, "ann@example.org", "/reset-password")
	wantStatus(t, as.call(t, "POST", "/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": reset}), 204)

	r := as.call(t, "GET", "/v1/admin/audit?limit=1000", as.signInMFA(t, admin).tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	for _, secret := range []string{changed, reset, testPassword, token, ann.totp} {
		if strings.Contains(string(r.body), secret) {
			t.Fatalf("the audit log holds a secret: %s", r.body)
		}
	}
	log := decodeBody[struct{ Items []cooperative.AuditEntry }](t, r).Items
	for _, action := range []string{"totp.enable", "password.change", "password.reset"} {
		e := auditOne(t, log, action, ann.userID)
		if e.ActorRole != "self" || e.ActorID != ann.userID || e.ActorEmail != "ann@example.org" || e.RequestID == "" {
			t.Fatalf("%s: %+v", action, e)
		}
	}
}
