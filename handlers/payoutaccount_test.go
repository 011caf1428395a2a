package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/notifications"

	"github.com/kracht-coop/kracht/cooperative"
)

// The payout account over HTTP: a member changes it with a TOTP code or a mailed link,
// and hears of every change at the address on file.

const (
	payoutEmail = "anna@example.org"
	payoutIBAN  = "NL91ABNA0417164300"
	payoutNew   = "BE68539007547034"
)

// payoutMember signs Anna up; she applies with her own address and is admitted.
func payoutMember(t *testing.T, sc *scenario) (*session, membership.Member) {
	t.Helper()
	sc.adopt(t, 20)
	sc.as.signUp(t, payoutEmail)
	s := sc.as.signIn(t, payoutEmail)
	body := applicationBody("Anna de Vries", payoutIBAN)
	body["email"] = payoutEmail
	r := sc.as.call(t, "POST", sc.coop+"/members", s.tokens.AccessToken, body)
	wantStatus(t, r, 201)
	m := decodeBody[membership.Member](t, r)
	wantStatus(t, sc.as.call(t, "POST", sc.coop+"/members/"+m.ID+"/approve", sc.board(), nil), 200)
	return s, m
}

// payoutMails returns the mails of event queued since the last collection (a mail whose
// lease lapsed while the clock moved on is claimed again: it is not new).
func payoutMails(t *testing.T, as *authServer, event notify.NotificationEvent) []notify.Notification {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range as.mails {
		seen[n.ID] = true
	}
	old := len(as.mails)
	as.collectMail(t)
	var out []notify.Notification
	for _, n := range as.mails[old:] {
		if n.Event == event && !seen[n.ID] {
			out = append(out, n)
		}
	}
	return out
}

// wantPayoutChangedMail checks the one "payout account changed" mail since the last
// collection, rendered from the real templates: to address, the IBAN masked.
func wantPayoutChangedMail(t *testing.T, as *authServer, address, by string) {
	t.Helper()
	mails := payoutMails(t, as, notify.EventPayoutAccountChanged)
	if len(mails) != 1 || mails[0].To != address || mails[0].Data["changed_by"] != by {
		t.Fatalf("payout_account_changed mails %+v, want one to %s", mails, address)
	}
	r, err := notifications.NewRenderer(notifications.Templates())
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Render(mails[0], "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Text, "**** 7034") || strings.Contains(out.Text+out.HTML, "5390") ||
		!strings.Contains(out.Text, "Zonnepark De Kracht") || !strings.Contains(out.Text, "Was jij dit niet?") {
		t.Fatalf("mail text:\n%s", out.Text)
	}
}

func (sc *scenario) getMember(t *testing.T, token, memberID string) membership.Member {
	t.Helper()
	r := sc.as.call(t, "GET", sc.coop+"/members/"+memberID, token, nil)
	wantStatus(t, r, 200)
	return decodeBody[membership.Member](t, r)
}

func TestPayoutAccountByMailedLinkOverHTTP(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	anna, m := payoutMember(t, sc)
	path := sc.coop + "/members/" + m.ID + "/payout-account"
	as.collectMail(t)

	r := as.call(t, "POST", path, anna.tokens.AccessToken, map[string]string{"iban": "BE68 5390 0754 7034", "accountHolder": "A. de Vries"})
	wantStatus(t, r, 200)
	got := decodeBody[payoutAccountChangeBody](t, r)
	if got.Status != "confirmation_sent" || got.Member.IBAN != payoutIBAN || got.Member.PayoutAccountChange == nil {
		t.Fatalf("answer %+v", got)
	}
	// Nothing applies before the link.
	if g := sc.getMember(t, anna.tokens.AccessToken, m.ID); g.IBAN != payoutIBAN || g.AccountHolder != "" {
		t.Fatalf("member %+v", g)
	}
	token := as.lastLink(t, payoutEmail, "/confirm-payout-account")
	confirm := func(token string) response {
		return as.call(t, "POST", "/v1/payout-account/confirm", "", map[string]string{"token": token})
	}
	wantProblem(t, confirm("krl_bogus"), 400, cooperative.EINVALID)
	wantProblem(t, confirm(""), 400, cooperative.EINVALID)

	r = confirm(token)
	wantStatus(t, r, 200)
	if body := string(r.body); !strings.Contains(body, `"status":"changed"`) || strings.Contains(body, payoutNew) {
		t.Fatalf("confirmation answer %s", body)
	}
	if g := sc.getMember(t, anna.tokens.AccessToken, m.ID); g.IBAN != payoutNew || g.AccountHolder != "A. de Vries" || g.PayoutAccountChange != nil {
		t.Fatalf("member %+v", g)
	}
	wantPayoutChangedMail(t, as, payoutEmail, "")
	wantProblem(t, confirm(token), 400, cooperative.EINVALID) // once only

	// A link expires after a day.
	wantStatus(t, as.call(t, "POST", path, anna.tokens.AccessToken, map[string]string{"iban": payoutIBAN, "accountHolder": "Anna"}), 200)
	token = as.lastLink(t, payoutEmail, "/confirm-payout-account")
	as.clock.advance(24 * time.Hour)
	anna = as.signIn(t, payoutEmail) // the access token has expired too
	wantProblem(t, confirm(token), 400, cooperative.EINVALID)
	if g := sc.getMember(t, anna.tokens.AccessToken, m.ID); g.IBAN != payoutNew {
		t.Fatalf("an expired link applied: %+v", g)
	}
	if mails := payoutMails(t, as, notify.EventPayoutAccountChanged); len(mails) != 0 {
		t.Fatalf("mails %+v", mails)
	}
}

func TestPayoutAccountWithTOTPOverHTTP(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	anna, m := payoutMember(t, sc)
	as.turnOnTOTP(t, anna)
	path := sc.coop + "/members/" + m.ID + "/payout-account"
	as.collectMail(t)
	history := func() int {
		r := as.call(t, "GET", sc.coop+"/members/"+m.ID+"/history", sc.board(), nil)
		wantStatus(t, r, 200)
		return len(decodeBody[struct{ Items []membership.MemberChange }](t, r).Items)
	}
	before := history()
	as.collectMail(t)
	mailed := len(as.mails)

	// Refused, and nothing written: a wrong code, a bad IBAN, a bad name.
	for _, tc := range []struct {
		body   map[string]string
		status int
	}{
		{map[string]string{"iban": payoutNew, "accountHolder": "A. de Vries", "totpCode": "000000"}, 400},
		{map[string]string{"iban": "NL91ABNA0417164301", "accountHolder": "A. de Vries", "totpCode": as.code(t, anna.totp)}, 400},
		{map[string]string{"iban": payoutNew, "accountHolder": " ", "totpCode": as.code(t, anna.totp)}, 400},
		{map[string]string{"iban": payoutNew, "accountHolder": strings.Repeat("x", 71), "totpCode": as.code(t, anna.totp)}, 422},
	} {
		r := as.call(t, "POST", path, anna.tokens.AccessToken, tc.body)
		code := cooperative.EINVALID
		if tc.status == 422 {
			code = r.problem.Code // huma's schema check, before the domain
		}
		wantProblem(t, r, tc.status, code)
	}
	if g := sc.getMember(t, anna.tokens.AccessToken, m.ID); g.IBAN != payoutIBAN || history() != before {
		t.Fatalf("a refused change wrote: %+v", g)
	}
	if as.collectMail(t); len(as.mails) != mailed {
		t.Fatalf("a refused change mailed: %+v", as.mails[mailed:])
	}

	// The board and accountant know the record exists (403); another member does not (404).
	body := map[string]string{"iban": payoutNew, "accountHolder": "A. de Vries"}
	wantProblem(t, as.call(t, "POST", path, sc.board(), body), 403, cooperative.EFORBIDDEN)
	wantProblem(t, as.call(t, "POST", path, sc.accountant(), body), 403, cooperative.EFORBIDDEN)
	bert, _ := sc.member(t, "bert@example.org", "Bert")
	wantProblem(t, as.call(t, "POST", path, bert.tokens.AccessToken, body), 404, cooperative.ENOTFOUND)

	// A hold on the IBAN after a returned payout shows on the record...
	if err := as.store.Update(context.Background(), func(tx cooperative.Tx) error {
		return membership.MarkPayoutAccountSuspect(tx, cooperative.Actor{Role: "accountant", RequestID: "statement"}, sc.id, m.ID,
			payoutIBAN, "a payout was returned: AC04 account closed", as.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if g := sc.getMember(t, anna.tokens.AccessToken, m.ID); g.IBANSuspect != "a payout was returned: AC04 account closed" {
		t.Fatalf("member %+v", g)
	}
	// ...and ends with a change, which applies at once with a right code.
	body["totpCode"] = as.code(t, anna.totp)
	r := as.call(t, "POST", path, anna.tokens.AccessToken, body)
	wantStatus(t, r, 200)
	if got := decodeBody[payoutAccountChangeBody](t, r); got.Status != "changed" || got.Member.IBAN != payoutNew ||
		got.Member.IBANSuspect != "" || got.Member.AccountHolder != "A. de Vries" {
		t.Fatalf("answer %+v", got)
	}
	wantPayoutChangedMail(t, as, payoutEmail, "")
	if payoutMails(t, as, notify.EventPayoutAccountConfirmation) != nil {
		t.Fatal("a link was mailed for a change that applied")
	}
	// A return of a payout to the old IBAN does not hold the new one.
	if err := as.store.Update(context.Background(), func(tx cooperative.Tx) error {
		return membership.MarkPayoutAccountSuspect(tx, cooperative.Actor{Role: "accountant"}, sc.id, m.ID, payoutIBAN,
			"a payout was returned: AC04 account closed", as.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if g := sc.getMember(t, anna.tokens.AccessToken, m.ID); g.IBANSuspect != "" || g.IBAN != payoutNew {
		t.Fatalf("member %+v", g)
	}
}

// TestBoardCorrectionOfTheIBANIsMailed: the board's correction of the IBAN, with the
// second factor and audited as before, is mailed to the member like their own change, at
// the address on file before the correction.
func TestBoardCorrectionOfTheIBANIsMailed(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	_, m := payoutMember(t, sc)
	as.collectMail(t)
	r := as.call(t, "POST", sc.coop+"/members/"+m.ID+"/corrections", sc.board(),
		map[string]string{"iban": "BE68 5390 0754 7034", "email": "new@example.org"})
	wantStatus(t, r, 200)
	if got := decodeBody[membership.Member](t, r); got.IBAN != payoutNew || got.Email != "new@example.org" {
		t.Fatalf("member %+v", got)
	}
	wantPayoutChangedMail(t, as, payoutEmail, "board")
	// A correction of anything else is not a payout account change.
	wantStatus(t, as.call(t, "POST", sc.coop+"/members/"+m.ID+"/corrections", sc.board(), map[string]string{"name": "Anna Jansen"}), 200)
	if mails := payoutMails(t, as, notify.EventPayoutAccountChanged); len(mails) != 0 {
		t.Fatalf("mails %+v", mails)
	}
	r = as.call(t, "GET", sc.coop+"/audit", sc.board(), nil)
	wantStatus(t, r, 200)
	if n := strings.Count(string(r.body), `"member.correct"`); n != 2 {
		t.Fatalf("%d correction audit entries", n)
	}
}
