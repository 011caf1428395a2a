package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// Refunds paid by bank transfer, through the API: a subscription paid by transfer (the
// accountant marks it paid) is withdrawn by the board; the accountant records the
// refund in two parts, and refunds payable comes to zero.

func TestTransferRefundThroughTheAPI(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	o := sc.open(t, 5000, 100, 10, 14*24*time.Hour)
	ann, annMember := sc.member(t, "ann@example.org", "Ann de Vries")
	annToken := ann.tokens.AccessToken
	r := as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/subscriptions", annToken, map[string]any{"memberId": annMember.ID, "shares": 4})
	wantStatus(t, r, 201)
	sub := decodeBody[shares.Subscription](t, r)
	path := sc.coop + "/subscriptions/" + sub.ID
	// It arrived yesterday. (The clock stays: moving it would expire the sessions.)
	paidOn := string(cooperative.DateOf(as.clock.Now().Add(-24 * time.Hour)))
	wantStatus(t, as.call(t, "POST", path+"/payment", sc.accountant(), map[string]string{"bankReference": "IN-1", "paidOn": paidOn}), 200)
	r = as.call(t, "POST", path+"/withdraw", sc.board(), map[string]string{"reason": "Subscribed for the wrong person."})
	wantStatus(t, r, 200)
	if got := decodeBody[shares.Subscription](t, r); got.Status != shares.SubscriptionWithdrawn || got.RefundCents != 20000 {
		t.Fatalf("withdrawn %+v", got)
	}
	today := string(cooperative.DateOf(as.clock.Now()))
	beforeItArrived := string(cooperative.DateOf(as.clock.Now().Add(-48 * time.Hour)))
	tomorrow := string(cooperative.DateOf(as.clock.Now().Add(24 * time.Hour)))
	refunds := path + "/transfer-refunds"
	body := func(amount any, day string) map[string]any {
		return map[string]any{"amountCents": amount, "paidOn": day, "iban": "NL91 ABNA 0417 1643 00", "reference": "OUT-1"}
	}

	// Refused requests: a problem each, and nothing changes.
	snapshot := func() string {
		var b strings.Builder
		for _, p := range []string{"/ledger/entries?limit=1000", "/subscriptions/" + sub.ID} {
			r := as.call(t, "GET", sc.coop+p, sc.accountant(), nil)
			wantStatus(t, r, 200)
			b.Write(r.body)
		}
		return b.String()
	}
	before := snapshot()
	unknownField := body(5000, today)
	unknownField["account"] = "member_capital"
	for name, c := range map[string]struct {
		token, path string
		body        any
		status      int
		code        string
	}{
		"unknown field":        {sc.accountant(), refunds, unknownField, 422, cooperative.EINVALID},
		"amount as a string":   {sc.accountant(), refunds, body("5000", today), 422, cooperative.EINVALID},
		"amount as a float":    {sc.accountant(), refunds, body(50.5, today), 422, cooperative.EINVALID},
		"zero amount":          {sc.accountant(), refunds, body(0, today), 422, cooperative.EINVALID},
		"not a date":           {sc.accountant(), refunds, body(5000, "yesterday"), 422, cooperative.EINVALID},
		"no body":              {sc.accountant(), refunds, nil, 400, cooperative.EINVALID},
		"future date":          {sc.accountant(), refunds, body(5000, tomorrow), 400, cooperative.EINVALID},
		"before it arrived":    {sc.accountant(), refunds, body(5000, beforeItArrived), 400, cooperative.EINVALID},
		"bad IBAN":             {sc.accountant(), refunds, map[string]any{"amountCents": 5000, "paidOn": today, "iban": "NL91ABNA0417164301"}, 400, cooperative.EINVALID},
		"malformed id":         {sc.accountant(), sc.coop + "/subscriptions/not-an-id/transfer-refunds", body(5000, today), 400, cooperative.EINVALID},
		"unknown subscription": {sc.accountant(), sc.coop + "/subscriptions/" + cooperative.NewID() + "/transfer-refunds", body(5000, today), 404, cooperative.ENOTFOUND},
		"more than owed":       {sc.accountant(), refunds, body(20001, today), 422, cooperative.ERULE},
		"the board":            {sc.board(), refunds, body(5000, today), 403, cooperative.EFORBIDDEN},
		"the member":           {annToken, refunds, body(5000, today), 403, cooperative.EFORBIDDEN},
		"not signed in":        {"", refunds, body(5000, today), 401, cooperative.EUNAUTHORIZED},
	} {
		r := as.call(t, "POST", c.path, c.token, c.body)
		if r.status != c.status {
			t.Fatalf("%s: status %d, want %d: %s", name, r.status, c.status, r.body)
		}
		wantProblem(t, r, c.status, c.code)
	}
	if after := snapshot(); after != before {
		t.Fatalf("a refused request wrote:\nbefore %s\nafter  %s", before, after)
	}

	// The first part, with a key: recorded once however often it is sent.
	r = as.call(t, "POST", refunds, sc.accountant(), body(5000, today), "Idempotency-Key", "refund-ann-1")
	wantStatus(t, r, 201)
	first := decodeBody[shares.TransferRefundResult](t, r)
	if first.Replayed || first.OwedCents != 15000 || first.RefundedCents != 5000 || first.Refund.IBAN != "NL91ABNA0417164300" ||
		first.Refund.Reference != "OUT-1" || first.Refund.PaidOn != cooperative.Date(today) {
		t.Fatalf("first part %+v", first)
	}
	n := len(sc.entries(t))
	r = as.call(t, "POST", refunds, sc.accountant(), body(5000, today), "Idempotency-Key", "refund-ann-1")
	wantStatus(t, r, 201)
	if again := decodeBody[shares.TransferRefundResult](t, r); !again.Replayed || again.Refund.ID != first.Refund.ID ||
		again.OwedCents != 15000 {
		t.Fatalf("retry %+v", again)
	}
	wantProblem(t, as.call(t, "POST", refunds, sc.accountant(), body(6000, today), "Idempotency-Key", "refund-ann-1"),
		409, cooperative.ECONFLICT)
	if len(sc.entries(t)) != n {
		t.Fatal("a retry posted again")
	}

	// The rest, without a key: refunds payable is cleared; nothing more is owed.
	r = as.call(t, "POST", refunds, sc.accountant(), map[string]any{"amountCents": 15000, "paidOn": today, "iban": "NL91ABNA0417164300"})
	wantStatus(t, r, 201)
	if rest := decodeBody[shares.TransferRefundResult](t, r); rest.OwedCents != 0 || rest.RefundedCents != 20000 {
		t.Fatalf("the rest %+v", rest)
	}
	es := sc.entries(t)
	if len(es) != n+1 {
		t.Fatalf("%d entries, want %d", len(es), n+1)
	}
	if last := es[len(es)-1]; len(last.Lines) != 2 || last.Lines[0] != (ledger.Line{Account: "refunds_payable", Amount: 15000}) ||
		last.Lines[1] != (ledger.Line{Account: "bank", Amount: -15000}) {
		t.Fatalf("refund entry %+v", last)
	}
	if bal := sc.balances(t); len(bal) != 0 {
		t.Fatalf("balances %v, want all zero: the money came in and went back", bal)
	}
	r = as.call(t, "GET", path, annToken, nil)
	wantStatus(t, r, 200)
	if got := decodeBody[shares.Subscription](t, r); got.TransferRefundedCents != 20000 {
		t.Fatalf("subscription %+v", got)
	}
	wantRule(t, as.call(t, "POST", refunds, sc.accountant(), body(1, today)), "refundable")
}

func (sc *scenario) entries(t *testing.T) []ledger.Entry {
	return ledgerEntries(t, sc.as, sc.coop, sc.accountant())
}

func (sc *scenario) balances(t *testing.T) map[string]int64 {
	return nonZeroBalances(t, sc.as, sc.coop, sc.accountant())
}
