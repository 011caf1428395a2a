package handlers

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestStaffFindASubscriptionsPayment: a credit arrives without its reference; the
// accountant finds the payment's id on the subscription and in the list of payments
// (by status, method, reference) and assigns the credit to it, which pays it. The
// member sees their subscription without the staff's view of its payments.
func TestStaffFindASubscriptionsPayment(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	o := sc.open(t, 5000, 100, 10, 14*24*time.Hour)
	ann, m := sc.member(t, "ann@example.org", "Ann")
	r := as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/subscriptions", ann.tokens.AccessToken,
		map[string]any{"memberId": m.ID, "shares": 3})
	wantStatus(t, r, 201)
	sub := decodeBody[shares.Subscription](t, r)
	r = as.call(t, "POST", sc.coop+"/subscriptions/"+sub.ID+"/transfer-instructions", ann.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	instr := decodeBody[transferInstructionsBody](t, r)

	// On the subscription, for the board and the accountant.
	for _, token := range []string{sc.board(), sc.accountant()} {
		got := decodeBody[subscriptionDetail](t, as.call(t, "GET", sc.coop+"/subscriptions/"+sub.ID, token, nil))
		if got.ID != sub.ID || len(got.Payments) != 1 {
			t.Fatalf("staff's subscription %+v", got)
		}
		p := got.Payments[0]
		if p.ID != instr.PaymentID || p.Reference != instr.Reference || p.Status != payments.PaymentPending ||
			p.Method != payments.MethodNone || p.AmountCents != 15000 || p.ReceivedCents != 0 {
			t.Fatalf("payment on the subscription %+v", p)
		}
	}
	// Not in the member's answer.
	own := as.call(t, "GET", sc.coop+"/subscriptions/"+sub.ID, ann.tokens.AccessToken, nil)
	if wantStatus(t, own, 200); strings.Contains(string(own.body), `"payments"`) {
		t.Fatalf("the member's answer carries the staff's view: %s", own.body)
	}
	subPays := decodeBody[paymentList](t, as.call(t, "GET", sc.coop+"/subscriptions/"+sub.ID+"/payments", sc.accountant(), nil))
	if len(subPays.Items) != 1 || subPays.Items[0].ID != instr.PaymentID {
		t.Fatalf("the subscription's payments %+v", subPays)
	}

	list := func(query string) []paymentBody {
		t.Helper()
		r := as.call(t, "GET", sc.coop+"/payments"+query, sc.accountant(), nil)
		wantStatus(t, r, 200)
		return decodeBody[paymentList](t, r).Items
	}
	spaced := strings.ToLower(instr.Reference[:4] + " " + instr.Reference[4:])
	for _, q := range []string{"", "?status=pending", "?method=none", "?reference=" + url.QueryEscape(spaced),
		"?subscriptionId=" + sub.ID} {
		if got := list(q); len(got) != 1 || got[0].ID != instr.PaymentID {
			t.Fatalf("payments%s: %+v", q, got)
		}
	}
	for _, q := range []string{"?status=paid", "?method=transfer", "?reference=RF18539007547034"} {
		if got := list(q); len(got) != 0 {
			t.Fatalf("payments%s: %+v", q, got)
		}
	}
	wantProblem(t, as.call(t, "GET", sc.coop+"/payments?method=cash", sc.accountant(), nil), 422, cooperative.EINVALID)
	wantProblem(t, as.call(t, "GET", sc.coop+"/payments?reference=nonsense", sc.accountant(), nil), 400, cooperative.EINVALID)

	// The credit without a reference waits for review; the accountant assigns it.
	r = as.do(t, "POST", sc.coop+"/bank-statements", "application/xml", strings.NewReader(oneCredit(15000)),
		"Authorization", "Bearer "+sc.accountant())
	wantStatus(t, r, 200)
	reviews := decodeBody[struct {
		Items []payments.PaymentReview `json:"items"`
	}](t, as.call(t, "GET", sc.coop+"/payment-reviews", sc.accountant(), nil))
	if len(reviews.Items) != 1 {
		t.Fatalf("review queue %+v", reviews.Items)
	}
	pending := list("?status=pending")
	wantStatus(t, as.call(t, "POST", sc.coop+"/payment-reviews/"+reviews.Items[0].ID+"/resolve", sc.accountant(),
		map[string]string{"action": "assign", "paymentId": pending[0].ID}), 200)
	paid := list("?method=transfer")
	if len(paid) != 1 || paid[0].Status != payments.PaymentPaid || paid[0].ReceivedCents != 15000 {
		t.Fatalf("after the assignment %+v", paid)
	}
}

// oneCredit is a camt.053.001.02 statement of one booked credit of cents, quoting no
// reference.
func oneCredit(cents int64) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>ONE</MsgId><CreDtTm>2025-03-01T18:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>ONE-1</Id><CreDtTm>2025-03-01T18:00:00+01:00</CreDtTm><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">%d.%02d</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2025-03-01</Dt></BookgDt><ValDt><Dt>2025-03-01</Dt></ValDt><AcctSvcrRef>ONE-000001</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Ann</Nm></Dbtr></RltdPties><RmtInf><Ustrd>shares for Ann</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
`, cents/100, cents%100)
}
