package handlers

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/xuri/excelize/v2"
)

// A cooperative run end to end through the HTTP API on the embedded store: the admin
// creates it and invites the board, the board adopts statutes and opens an offering, a
// citizen applies and subscribes, the board admits them, the accountant records the
// payment, the board closes the round, the member downloads their certificate, and the
// board exports the register and reads the trial balance.

// scenario is a cooperative with a board member and an accountant, both with TOTP on.
type scenario struct {
	as        *authServer
	coop      string // "/v1/cooperatives/<id>"
	id        string
	chair     *session
	treasurer *session
}

func newScenario(t testing.TB) *scenario {
	t.Helper()
	as := newAuthServer(t, func(o *Options) {
		*o = withServices(*o, identity.AccountsOptions{
			Limits: identity.SignInLimits{Window: 1, PerAccount: 1 << 20, PerIP: 1 << 20, MailsPerIP: 1 << 20},
			Sends:  identity.SendLimits{Window: time.Hour}}) // no limit, only its window
	})
	admin := as.admin(t, "ops@kracht.test")
	id := as.newCooperative(t, admin, "Zonnepark De Kracht")
	as.join(t, admin, id, "chair@example.org", "board")
	sc := &scenario{as: as, id: id, coop: "/v1/cooperatives/" + id, chair: as.signIn(t, "chair@example.org")}
	as.turnOnTOTP(t, sc.chair)
	as.join(t, sc.chair, id, "treasurer@example.org", "accountant")
	sc.treasurer = as.signIn(t, "treasurer@example.org")
	as.turnOnTOTP(t, sc.treasurer)
	return sc
}

func (sc *scenario) board() string      { return sc.chair.tokens.AccessToken }
func (sc *scenario) accountant() string { return sc.treasurer.tokens.AccessToken }

// adopt adopts class A (€50 nominal, 1 to maxPerMember per member) as version 1.
func (sc *scenario) adopt(t testing.TB, maxPerMember int64) {
	t.Helper()
	wantStatus(t, sc.as.call(t, "POST", sc.coop+"/statutes", sc.board(), map[string]any{"effectiveFrom": "2020-01-01",
		"shareClasses": []map[string]any{{"code": "A", "name": "Member share", "nominalCents": 5000, "minPerMember": 1,
			"maxPerMember": maxPerMember, "confersMembership": true}},
		"membershipFeeCents": 0, "dividendCapBp": 500, "noticePeriodDays": 30, "allocation": "pro_rata"}), 201)
}

// open opens an offering of class A at priceCents, closing after d.
func (sc *scenario) open(t testing.TB, priceCents, capShares, maxPerMember int64, d time.Duration) shares.Offering {
	t.Helper()
	now := sc.as.clock.Now()
	r := sc.as.call(t, "POST", sc.coop+"/offerings", sc.board(), map[string]any{"class": "A", "priceCents": priceCents,
		"capShares": capShares, "targetShares": capShares, "minPerSubscription": 1, "maxPerSubscription": 10,
		"maxPerMember": maxPerMember, "opensAt": now, "closesAt": now.Add(d)})
	wantStatus(t, r, 201)
	return decodeBody[shares.Offering](t, r)
}

// applicant signs a citizen up and has them apply; it returns their session and record.
func (sc *scenario) applicant(t testing.TB, email, name string) (*session, membership.Member) {
	t.Helper()
	sc.as.signUp(t, email)
	s := sc.as.signIn(t, email)
	r := sc.as.call(t, "POST", sc.coop+"/members", s.tokens.AccessToken, applicationBody(name, "NL91 ABNA 0417 1643 00"))
	wantStatus(t, r, 201)
	return s, decodeBody[membership.Member](t, r)
}

// member is an admitted applicant.
func (sc *scenario) member(t testing.TB, email, name string) (*session, membership.Member) {
	t.Helper()
	s, m := sc.applicant(t, email, name)
	r := sc.as.call(t, "POST", sc.coop+"/members/"+m.ID+"/approve", sc.board(), nil)
	wantStatus(t, r, 200)
	return s, decodeBody[membership.Member](t, r)
}

func TestCooperativeFlow(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	// The statutes are public: an applicant reads the version they consent to.
	st := decodeBody[membership.Statutes](t, as.call(t, "GET", sc.coop+"/statutes/current", "", nil))
	if st.Version != 1 || st.ShareClasses[0].NominalCents != 5000 {
		t.Fatalf("statutes %+v", st)
	}
	o := sc.open(t, 5500, 100, 10, 14*24*time.Hour)

	ann, applied := sc.applicant(t, "ann@example.org", "Ann de Vries")
	annToken := ann.tokens.AccessToken
	if applied.Status != membership.MemberApplied || applied.Number != 0 || applied.Consent.StatutesVersion != 1 ||
		!applied.Consent.At.Equal(as.clock.Now()) || applied.IBAN != "NL91ABNA0417164300" || applied.UserID != ann.userID {
		t.Fatalf("application %+v", applied)
	}
	// Applicants subscribe too (their subscription carries the membership share).
	r := as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/subscriptions", annToken,
		map[string]any{"memberId": applied.ID, "shares": 4}, "Idempotency-Key", "ann-1")
	wantStatus(t, r, 201)
	sub := decodeBody[shares.Subscription](t, r)
	if sub.Status != shares.SubscriptionPending || sub.AmountCents != 4*5500 || sub.Order != 1 {
		t.Fatalf("subscription %+v", sub)
	}
	// A retry with the same key is the same subscription.
	retry := decodeBody[shares.Subscription](t, as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/subscriptions", annToken,
		map[string]any{"memberId": applied.ID, "shares": 4}, "Idempotency-Key", "ann-1"))
	if retry.ID != sub.ID {
		t.Fatalf("retry made subscription %s, first %s", retry.ID, sub.ID)
	}
	mine := decodeBody[memberList](t, as.call(t, "GET", sc.coop+"/me/members", annToken, nil))
	if len(mine.Items) != 1 || mine.Items[0].ID != applied.ID {
		t.Fatalf("my members %+v", mine.Items)
	}
	// Members see an offering's terms, not its counters.
	if seen := decodeBody[offeringBody](t, as.call(t, "GET", sc.coop+"/offerings/"+o.ID, annToken, nil)); seen.Counters != nil {
		t.Fatalf("a member sees the counters: %+v", seen.Counters)
	}

	r = as.call(t, "POST", sc.coop+"/members/"+applied.ID+"/approve", sc.board(), nil)
	wantStatus(t, r, 200)
	if m := decodeBody[membership.Member](t, r); m.Number != 1 || m.Status != membership.MemberActive {
		t.Fatalf("approved %+v", m)
	}
	today := string(cooperative.DateOf(as.clock.Now()))
	r = as.call(t, "POST", sc.coop+"/subscriptions/"+sub.ID+"/payment", sc.accountant(),
		map[string]string{"bankReference": "NL-BANK-2025-0042", "paidOn": today})
	wantStatus(t, r, 200)
	if paid := decodeBody[shares.Subscription](t, r); paid.Status != shares.SubscriptionPaid {
		t.Fatalf("paid %+v", paid)
	}
	r = as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/close", sc.board(), nil)
	wantStatus(t, r, 200)
	closed := decodeBody[allocationBody](t, r)
	if closed.Offering.Status != "closed" || closed.Offering.Counters.IssuedShares != 4 || len(closed.Subscriptions) != 1 ||
		closed.Subscriptions[0].Status != shares.SubscriptionAllocated ||
		!reflect.DeepEqual(closed.Subscriptions[0].ShareNumbers, []shareRange{{First: 1, Last: 4}}) {
		t.Fatalf("allocation %s", r.body)
	}

	// The member: their subscriptions, holdings and certificate.
	subs := decodeBody[subscriptionList](t, as.call(t, "GET", sc.coop+"/members/"+applied.ID+"/subscriptions", annToken, nil))
	if len(subs.Items) != 1 || subs.Items[0].Allocated != 4 {
		t.Fatalf("member's subscriptions %+v", subs.Items)
	}
	r = as.call(t, "GET", sc.coop+"/members/"+applied.ID+"/holdings", annToken, nil)
	held := decodeBody[holdingList](t, r)
	if len(held.Items) != 1 || held.Items[0].Shares != 4 {
		t.Fatalf("member's holdings %+v", held.Items)
	}
	// Share numbers read as first and last, not as the register stores them ({"f":1,"l":4}).
	if !bytes.Contains(r.body, []byte(`"ranges":[{"first":1,"last":4}]`)) {
		t.Fatalf("member's holdings %s", r.body)
	}
	r = as.call(t, "GET", sc.coop+"/subscriptions/"+sub.ID+"/certificate.pdf", annToken, nil)
	wantStatus(t, r, 200)
	if r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-")) {
		t.Fatalf("certificate: %s, %q", r.header.Get("Content-Type"), r.body[:min(len(r.body), 16)])
	}

	// The board: the register as CSV and XLSX, who held what, the trial balance.
	r = as.call(t, "GET", sc.coop+"/register.csv", sc.board(), nil)
	wantStatus(t, r, 200)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(string(r.body), "1,Ann de Vries,") || !strings.Contains(string(r.body), ",A,4,1-4,220.00") { // paid: 4 × €55, premium included
		t.Fatalf("register CSV (%s):\n%s", r.header.Get("Content-Type"), r.body)
	}
	r = as.call(t, "GET", sc.coop+"/register.xlsx", sc.board(), nil)
	wantStatus(t, r, 200)
	if r.header.Get("Content-Type") != xlsxContentType || !bytes.HasPrefix(r.body, []byte("PK")) {
		t.Fatalf("register XLSX: %s", r.header.Get("Content-Type"))
	}
	registerWorkbook(t, r.body, "Member number", "J2", "220") // the board's account is in English
	r = as.call(t, "GET", sc.coop+"/register.xlsx?lang=nl&date="+today, sc.accountant(), nil)
	wantStatus(t, r, 200)
	registerWorkbook(t, r.body, "Lidnummer", "I2", "200")
	wantStatus(t, as.call(t, "GET", sc.coop+"/register.xlsx?lang=de", sc.board(), nil), 422)
	past := decodeBody[holdingList](t, as.call(t, "GET", sc.coop+"/holdings?date=2024-12-31", sc.board(), nil))
	now := decodeBody[holdingList](t, as.call(t, "GET", sc.coop+"/holdings?date="+today, sc.accountant(), nil))
	if len(past.Items) != 0 || len(now.Items) != 1 || now.Items[0].MemberID != applied.ID || now.Items[0].Shares != 4 {
		t.Fatalf("holdings before %+v, today %+v", past.Items, now.Items)
	}
	tb := decodeBody[ledger.TrialBalance](t, as.call(t, "GET", sc.coop+"/ledger/trial-balance?date="+today, sc.accountant(), nil))
	balances := map[string]int64{}
	for _, row := range tb.Rows {
		balances[row.Account] = row.Balance
	}
	if tb.TotalDebit != 22000 || tb.TotalCredit != 22000 || balances["bank"] != 22000 ||
		balances["member_capital:"+applied.ID] != -20000 || balances["share_premium"] != -2000 {
		t.Fatalf("trial balance %+v", tb)
	}
	entries := decodeBody[ledgerEntryList](t, as.call(t, "GET", sc.coop+"/ledger/entries", sc.board(), nil))
	events := decodeBody[registerEventList](t, as.call(t, "GET", sc.coop+"/register/events", sc.board(), nil))
	if len(entries.Items) != 2 || len(events.Items) != 1 || events.Items[0].Type != "issue" || events.Items[0].Shares != 4 {
		t.Fatalf("journal %+v, register %+v", entries.Items, events.Items)
	}

	// A correction keeps the previous version in the history.
	wantStatus(t, as.call(t, "POST", sc.coop+"/members/"+applied.ID+"/corrections", sc.board(),
		map[string]any{"address": map[string]string{"street": "Markt 2", "postalCode": "9711 AB", "city": "Groningen", "country": "NL"}}), 200)
	hist := decodeBody[struct {
		Items []membership.MemberChange `json:"items"`
	}](t, as.call(t, "GET", sc.coop+"/members/"+applied.ID+"/history", annToken, nil))
	if len(hist.Items) != 3 || hist.Items[0].Change != "applied" || hist.Items[2].Change != "corrected" ||
		hist.Items[1].Member.Address.Street != "Dorpsstraat 1" || hist.Items[2].Member.Address.Street != "Markt 2" {
		t.Fatalf("history %+v", hist.Items)
	}

	// A withdrawal: the member asks, the board decides after the notice period.
	r = as.call(t, "POST", sc.coop+"/members/"+applied.ID+"/withdrawals", annToken, map[string]any{"class": "A", "shares": 2})
	wantStatus(t, r, 201)
	w := decodeBody[shares.Withdrawal](t, r)
	wantRule(t, as.call(t, "POST", sc.coop+"/withdrawals/"+w.ID+"/decision", sc.board(), map[string]any{"approve": true}), "notice_period")
	as.clock.advance(31 * 24 * time.Hour)
	board := as.signInMFA(t, sc.chair).tokens.AccessToken
	r = as.call(t, "POST", sc.coop+"/withdrawals/"+w.ID+"/decision", board, map[string]any{"approve": true})
	wantStatus(t, r, 200)
	if done := decodeBody[shares.Withdrawal](t, r); done.Status != shares.WithdrawalApproved || done.AmountCents != 10000 {
		t.Fatalf("withdrawal %+v", done)
	}
}

// wantRule checks a 422 problem naming the domain rule that refused the request.
func wantRule(t *testing.T, r response, rule string) {
	t.Helper()
	wantProblem(t, r, 422, cooperative.ERULE)
	if !strings.HasPrefix(r.problem.Detail, "rule "+rule+": ") {
		t.Fatalf("problem detail %q does not name rule %s", r.problem.Detail, rule)
	}
}

// TestRegistryBadInput: each refused request is a 4xx problem naming the rule, and writes
// nothing (the journals of the register and the ledger, and the records, stay as they were).
func TestRegistryBadInput(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	o := sc.open(t, 5000, 100, 5, 14*24*time.Hour)
	ann, annMember := sc.member(t, "ann@example.org", "Ann de Vries")
	annToken := ann.tokens.AccessToken
	wantStatus(t, as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/subscriptions", annToken, map[string]any{"memberId": annMember.ID, "shares": 3}), 201)
	sub := decodeBody[subscriptionList](t, as.call(t, "GET", sc.coop+"/members/"+annMember.ID+"/subscriptions", annToken, nil)).Items[0]
	today := string(cooperative.DateOf(as.clock.Now()))
	wantStatus(t, as.call(t, "POST", sc.coop+"/subscriptions/"+sub.ID+"/payment", sc.accountant(),
		map[string]string{"bankReference": "B-1", "paidOn": today}), 200)
	wantStatus(t, as.call(t, "POST", sc.coop+"/offerings/"+o.ID+"/close", sc.board(), nil), 200)
	bob, rejected := sc.applicant(t, "bob@example.org", "Bob Jansen")
	wantStatus(t, as.call(t, "POST", sc.coop+"/members/"+rejected.ID+"/reject", sc.board(), map[string]string{"reason": "Not in the area."}), 200)
	second := sc.open(t, 5000, 100, 5, time.Hour)

	// What a refused request must not change.
	snapshot := func() string {
		var b strings.Builder
		for _, path := range []string{"/register/events?limit=1000", "/ledger/entries?limit=1000", "/members?limit=1000",
			"/offerings/" + second.ID + "/subscriptions", "/holdings"} {
			r := as.call(t, "GET", sc.coop+path, sc.board(), nil)
			wantStatus(t, r, 200)
			b.Write(r.body)
		}
		return b.String()
	}
	before := snapshot()

	bad := applicationBody("Carla", "NL91ABNA0417164301") // one check digit off
	wantProblem(t, as.call(t, "POST", sc.coop+"/members", bob.tokens.AccessToken, bad), 400, cooperative.EINVALID)
	bad = applicationBody("Carla", "NL91ABNA04171643") // too short for NL
	r := as.call(t, "POST", sc.coop+"/members", bob.tokens.AccessToken, bad)
	wantProblem(t, r, 400, cooperative.EINVALID)
	if !strings.Contains(r.problem.Detail, "IBAN") {
		t.Fatalf("IBAN problem %q", r.problem.Detail)
	}
	// Fields the server owns cannot be sent.
	forged := applicationBody("Carla", "NL91ABNA0417164300")
	forged["status"], forged["number"] = "active", 1
	wantProblem(t, as.call(t, "POST", sc.coop+"/members", bob.tokens.AccessToken, forged), 422, cooperative.EINVALID)
	wantProblem(t, as.call(t, "POST", sc.coop+"/offerings/"+second.ID+"/subscriptions", annToken,
		map[string]any{"memberId": annMember.ID, "shares": 1, "amountCents": 1}), 422, cooperative.EINVALID)
	// Consent to a version that is not in force.
	old := applicationBody("Carla", "NL91ABNA0417164300")
	old["consentToStatutesVersion"] = 2
	wantRule(t, as.call(t, "POST", sc.coop+"/members", bob.tokens.AccessToken, old), "consent_to_statutes")

	// Above the per-member maximum of the offering (5; 6 asked).
	wantRule(t, as.call(t, "POST", sc.coop+"/offerings/"+second.ID+"/subscriptions", annToken,
		map[string]any{"memberId": annMember.ID, "shares": 6}), "max_per_member")
	// A transfer to someone who is not a member: a rejected applicant, or no one at all.
	wantRule(t, as.call(t, "POST", sc.coop+"/transfers", sc.board(),
		map[string]any{"from": annMember.ID, "to": rejected.ID, "class": "A", "shares": 1}), "transfer_to_member")
	wantProblem(t, as.call(t, "POST", sc.coop+"/transfers", sc.board(),
		map[string]any{"from": annMember.ID, "to": cooperative.NewID(), "class": "A", "shares": 1}), 404, cooperative.ENOTFOUND)
	// A withdrawal of more shares than held (3).
	wantRule(t, as.call(t, "POST", sc.coop+"/members/"+annMember.ID+"/withdrawals", annToken,
		map[string]any{"class": "A", "shares": 4}), "shares_held")
	// Approving an application that was rejected.
	wantRule(t, as.call(t, "POST", sc.coop+"/members/"+rejected.ID+"/approve", sc.board(), nil), "application_open")
	if after := snapshot(); after != before {
		t.Fatalf("a refused request wrote:\nbefore %s\nafter  %s", before, after)
	}

	// Up to the maximum, then one more.
	wantStatus(t, as.call(t, "POST", sc.coop+"/offerings/"+second.ID+"/subscriptions", annToken,
		map[string]any{"memberId": annMember.ID, "shares": 5}), 201)
	before = snapshot()
	wantRule(t, as.call(t, "POST", sc.coop+"/offerings/"+second.ID+"/subscriptions", annToken,
		map[string]any{"memberId": annMember.ID, "shares": 1}), "max_per_member")
	// After the closing time (the tokens of two hours ago have expired).
	as.clock.advance(2 * time.Hour)
	annToken = as.signIn(t, "ann@example.org").tokens.AccessToken
	sc.chair = as.signInMFA(t, sc.chair)
	wantRule(t, as.call(t, "POST", sc.coop+"/offerings/"+second.ID+"/subscriptions", annToken,
		map[string]any{"memberId": annMember.ID, "shares": 1}), "offering_open")
	// Someone else's member record.
	wantProblem(t, as.call(t, "POST", sc.coop+"/offerings/"+second.ID+"/subscriptions", as.signIn(t, "bob@example.org").tokens.AccessToken,
		map[string]any{"memberId": annMember.ID, "shares": 1}), 404, cooperative.ENOTFOUND)
	if after := snapshot(); after != before {
		t.Fatalf("a refused request wrote:\nbefore %s\nafter  %s", before, after)
	}
}

// registerWorkbook reads a register workbook back: its first heading and a cell's number.
func registerWorkbook(t *testing.T, body []byte, heading, cell, number string) {
	t.Helper()
	book, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	head, _ := book.GetCellValue(shares.RegisterSheet, "A1")
	got, _ := book.GetCellValue(shares.RegisterSheet, cell, excelize.Options{RawCellValue: true})
	if head != heading || got != number {
		t.Fatalf("register workbook: A1 %q, %s %q; want %q, %q", head, cell, got, heading, number)
	}
}
