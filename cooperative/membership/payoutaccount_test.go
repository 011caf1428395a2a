package membership_test

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/storage/embedded"

	"github.com/pquerna/otp/totp"
)

// payoutWorld is a cooperative on the embedded store with one admitted member, Anna,
// whose account may turn two-factor authentication on; the clock is pinned and moved
// by hand, and every mail queued is kept in order.
type payoutWorld struct {
	ctx      context.Context
	store    cooperative.Store
	accounts *identity.Accounts
	members  *membership.Members
	mu       sync.Mutex
	now      time.Time
	coop     cooperative.Cooperative
	anna     membership.Member
	self     cooperative.Actor // Anna's account, as the member
	secret   string            // Anna's TOTP secret, once on
	recovery []string
	sent     []notify.Notification
}

const (
	annaEmail   = "anna@example.org"
	annaIBAN    = "NL91ABNA0417164300"
	newIBAN     = "BE68539007547034" // a valid Belgian IBAN
	newHolder   = "A. de Vries-Jansen"
	password    = "a long enough passphrase"
	linkBaseURL = "https://app.kracht.test"
	clientIP    = "198.51.100.7"
)

var boardActor = cooperative.Actor{UserID: "board-user", Email: "chair@example.org", Role: "board"}

func newPayoutWorld(t *testing.T, limits identity.SignInLimits) *payoutWorld {
	t.Helper()
	w := &payoutWorld{ctx: context.Background(), now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	var err error
	if w.store, err = embedded.Open(w.ctx, filepath.Join(t.TempDir(), "k.db"), embedded.Options{Synchronous: "normal"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.store.Close() })
	w.accounts = identity.NewAccounts(w.store, identity.AccountsOptions{
		Hasher: identity.NewPasswordHasher(identity.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}),
		Limits: limits, LinkBaseURL: linkBaseURL, Now: w.clock})
	w.members = membership.NewMembers(w.store, membership.MembersOptions{Now: w.clock, Accounts: w.accounts,
		Sends:      identity.SendLimits{Window: time.Hour},
		HeldShares: func(cooperative.Tx, string, string) (int64, error) { return 0, nil }})
	if err := w.store.Update(w.ctx, func(tx cooperative.Tx) (err error) {
		w.coop, err = cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Energie Noord", Kind: cooperative.KindEnergy,
			Country: "NL", RegistrationNumber: "12345678", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, w.clock())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.members.AdoptStatutes(w.ctx, boardActor, membership.Statutes{CooperativeID: w.coop.ID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1,
			MaxPerMember: 20, ConfersMembership: true}}, Allocation: membership.AllocationFirstCome}); err != nil {
		t.Fatal(err)
	}
	// Anna signs up, confirms her address and applies; the board admits her.
	if err := w.accounts.SignUp(w.ctx, identity.SignUp{Email: annaEmail, Password: password, Language: "nl", ClientIP: clientIP}); err != nil {
		t.Fatal(err)
	}
	if err := w.accounts.VerifyEmail(w.ctx, w.lastLink(t, notify.EventEmailVerification)); err != nil {
		t.Fatal(err)
	}
	g := w.login(t)
	w.self = cooperative.Actor{UserID: g.UserID, Email: annaEmail, Role: "member", RequestID: "req-anna"}
	m, err := w.members.Apply(w.ctx, membership.Application{CooperativeID: w.coop.ID, Kind: membership.MemberPerson,
		Name: "Anna de Vries", Address: membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: annaEmail, IBAN: "NL91 ABNA 0417 1643 00", Language: "nl", StatutesVersion: 1, UserID: g.UserID})
	if err != nil {
		t.Fatal(err)
	}
	if w.anna, err = w.members.Approve(w.ctx, boardActor, w.coop.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	w.mails(t, "") // the mails so far are not about the payout account
	return w
}

func (w *payoutWorld) clock() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }

func (w *payoutWorld) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

func (w *payoutWorld) login(t *testing.T) identity.SessionGrant {
	t.Helper()
	g, err := w.accounts.Login(w.ctx, identity.Login{Email: annaEmail, Password: password, ClientIP: clientIP})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// turnOnTOTP turns Anna's second factor on.
func (w *payoutWorld) turnOnTOTP(t *testing.T) {
	t.Helper()
	g := w.login(t)
	e, err := w.accounts.EnrollTOTP(w.ctx, g.UserID)
	if err != nil {
		t.Fatal(err)
	}
	w.secret = e.Secret
	if w.recovery, err = w.accounts.ConfirmTOTP(w.ctx, g.UserID, g.SessionID, w.code(t), clientIP, ""); err != nil {
		t.Fatal(err)
	}
}

// code moves the clock a step on (a code works once) and returns Anna's next code.
func (w *payoutWorld) code(t *testing.T) string {
	t.Helper()
	w.advance(30 * time.Second)
	c, err := totp.GenerateCode(w.secret, w.clock())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mails takes the queued mails out of the outbox and returns those of event (all when
// event is "") since the last call.
func (w *payoutWorld) mails(t *testing.T, event notify.NotificationEvent) []notify.Notification {
	t.Helper()
	res, err := notify.ClaimNotifications(w.ctx, w.store, notify.ClaimRequest{Owner: "test", Now: w.clock().Add(time.Hour),
		Lease: time.Hour, Limit: 1000, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	w.sent = append(w.sent, res.Claimed...)
	var out []notify.Notification
	for _, n := range res.Claimed {
		if event == "" || n.Event == event {
			out = append(out, n)
		}
	}
	return out
}

// lastLink returns the token of the last link mailed of event.
func (w *payoutWorld) lastLink(t *testing.T, event notify.NotificationEvent) string {
	t.Helper()
	w.mails(t, "")
	for i := len(w.sent) - 1; i >= 0; i-- {
		if w.sent[i].Event == event {
			u, err := url.Parse(w.sent[i].Data["link"])
			if err != nil {
				t.Fatal(err)
			}
			return u.Query().Get("token")
		}
	}
	t.Fatalf("no %s mail", event)
	return ""
}

func (w *payoutWorld) request(f identity.SecondFactor) (membership.Member, membership.PayoutAccountOutcome, error) {
	return w.members.RequestPayoutAccountChange(w.ctx, w.self, membership.PayoutAccountRequest{CooperativeID: w.coop.ID,
		MemberID: w.anna.ID, IBAN: "be68 5390 0754 7034", AccountHolder: "  " + newHolder + " ", SecondFactor: f, ClientIP: clientIP})
}

func (w *payoutWorld) get(t *testing.T) membership.Member {
	t.Helper()
	m, err := w.members.GetMember(w.ctx, w.coop.ID, w.anna.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (w *payoutWorld) history(t *testing.T) []membership.MemberChange {
	t.Helper()
	h, err := w.members.MemberHistory(w.ctx, w.coop.ID, w.anna.ID)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// auditActions lists the cooperative's audit entries as role:action.
func (w *payoutWorld) auditActions(t *testing.T) string {
	t.Helper()
	entries, _, err := cooperative.ReadAudit(w.ctx, w.store, w.coop.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.ActorRole+":"+e.Action)
	}
	return strings.Join(out, " ")
}

// wantChangedMail checks the one "payout account changed" mail since the last call: to
// the address on file, in the member's language, the new IBAN masked.
func wantChangedMail(t *testing.T, mails []notify.Notification, to, by string) {
	t.Helper()
	if len(mails) != 1 {
		t.Fatalf("%d payout_account_changed mails, want 1: %+v", len(mails), mails)
	}
	n := mails[0]
	if n.To != to || n.Language != "nl" || n.Data["iban"] != "**** 7034" || n.Data["changed_by"] != by ||
		n.Data["cooperative"] != "Energie Noord" || n.Data["at"] == "" || !n.Event.Mandatory() {
		t.Fatalf("mail %+v", n)
	}
	for _, v := range n.Data {
		if strings.Contains(v, "5390") {
			t.Fatalf("the mail shows more of the IBAN than its last four: %+v", n.Data)
		}
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if cooperative.ErrorCode(err) != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

func TestPayoutAccountChangeWithTOTPAppliesAtOnce(t *testing.T) {
	w := newPayoutWorld(t, identity.DefaultSignInLimits())
	w.turnOnTOTP(t)
	w.mails(t, "")
	code := w.code(t)
	m, outcome, err := w.request(identity.SecondFactor{TOTPCode: code})
	if err != nil || outcome != membership.PayoutAccountChanged {
		t.Fatalf("%s %v", outcome, err)
	}
	if m.IBAN != newIBAN || m.AccountHolder != newHolder || m.PayoutAccountChange != nil || w.get(t).IBAN != newIBAN {
		t.Fatalf("member %+v", m)
	}
	mails := w.mails(t, "")
	wantChangedMail(t, mails, annaEmail, "")
	if h := w.history(t); h[len(h)-1].Change != "payout_account_changed" || h[len(h)-1].ActorID != w.self.UserID {
		t.Fatalf("history %+v", h[len(h)-1])
	}
	if got := w.auditActions(t); !strings.HasSuffix(got, "member:member.payout_account.change") {
		t.Fatalf("audit %s", got)
	}
	// The same code does not work twice.
	_, _, err = w.members.RequestPayoutAccountChange(w.ctx, w.self, membership.PayoutAccountRequest{CooperativeID: w.coop.ID,
		MemberID: w.anna.ID, IBAN: annaIBAN, AccountHolder: "Anna", SecondFactor: identity.SecondFactor{TOTPCode: code}, ClientIP: clientIP})
	wantCode(t, err, cooperative.EINVALID)
	if w.get(t).IBAN != newIBAN {
		t.Fatal("a used code changed the account")
	}
}

func TestPayoutAccountChangeWithARecoveryCode(t *testing.T) {
	w := newPayoutWorld(t, identity.DefaultSignInLimits())
	w.turnOnTOTP(t)
	w.mails(t, "")
	if _, outcome, err := w.request(identity.SecondFactor{RecoveryCode: w.recovery[0]}); err != nil || outcome != membership.PayoutAccountChanged {
		t.Fatalf("%s %v", outcome, err)
	}
	mails := w.mails(t, "")
	var changed []notify.Notification
	used := 0
	for _, n := range mails {
		switch n.Event {
		case notify.EventPayoutAccountChanged:
			changed = append(changed, n)
		case notify.EventRecoveryCodeUsed:
			used++
		}
	}
	wantChangedMail(t, changed, annaEmail, "")
	// Spent as at sign-in: announced, and it works once.
	if len(mails) != 2 || used != 1 {
		t.Fatalf("mails %+v", mails)
	}
	_, _, err := w.request(identity.SecondFactor{RecoveryCode: w.recovery[0]})
	wantCode(t, err, cooperative.EINVALID)
	_, _, err = w.request(identity.SecondFactor{TOTPCode: w.code(t), RecoveryCode: w.recovery[1]})
	wantCode(t, err, cooperative.EINVALID)
}

func TestPayoutAccountChangeByMailedLink(t *testing.T) {
	w := newPayoutWorld(t, identity.DefaultSignInLimits())
	// No second factor on the account: a code given is no proof, and a link is mailed.
	m, outcome, err := w.request(identity.SecondFactor{TOTPCode: "123456"})
	if err != nil || outcome != membership.PayoutAccountConfirmationSent {
		t.Fatalf("%s %v", outcome, err)
	}
	if m.IBAN != annaIBAN || m.PayoutAccountChange == nil || m.PayoutAccountChange.IBAN != newIBAN ||
		!m.PayoutAccountChange.ExpiresAt.Equal(w.clock().Add(24*time.Hour)) {
		t.Fatalf("member %+v", m)
	}
	mails := w.mails(t, "")
	if len(mails) != 1 || mails[0].Event != notify.EventPayoutAccountConfirmation || mails[0].To != annaEmail ||
		mails[0].Data["iban"] != "**** 7034" || mails[0].Data["account_holder"] != newHolder ||
		!strings.HasPrefix(mails[0].Data["link"], linkBaseURL+"/confirm-payout-account?token=krl_") {
		t.Fatalf("mails %+v", mails)
	}
	first := w.lastLink(t, notify.EventPayoutAccountConfirmation)

	// A second request replaces the first: its link no longer works.
	w.advance(time.Minute)
	if _, _, err := w.request(identity.SecondFactor{}); err != nil {
		t.Fatal(err)
	}
	second := w.lastLink(t, notify.EventPayoutAccountConfirmation)
	_, err = w.members.ConfirmPayoutAccountChange(w.ctx, first, "req-1")
	wantCode(t, err, cooperative.EINVALID)
	if got := w.get(t); got.IBAN != annaIBAN {
		t.Fatalf("the replaced link applied: %+v", got)
	}
	_, err = w.members.ConfirmPayoutAccountChange(w.ctx, "krl_bogus", "req-1")
	wantCode(t, err, cooperative.EINVALID)

	m, err = w.members.ConfirmPayoutAccountChange(w.ctx, second, "req-2")
	if err != nil || m.IBAN != newIBAN || m.AccountHolder != newHolder || m.PayoutAccountChange != nil {
		t.Fatalf("%+v %v", m, err)
	}
	wantChangedMail(t, w.mails(t, ""), annaEmail, "")
	// Once only.
	_, err = w.members.ConfirmPayoutAccountChange(w.ctx, second, "req-3")
	wantCode(t, err, cooperative.EINVALID)
	if got := w.auditActions(t); !strings.HasSuffix(got,
		"member:member.payout_account.request member:member.payout_account.request member:member.payout_account.change") ||
		strings.Contains(got, "krl_") {
		t.Fatalf("audit %s", got)
	}
	entries, _, _ := cooperative.ReadAudit(w.ctx, w.store, w.coop.ID, 0, 1000)
	for _, e := range entries {
		for _, secret := range []string{first, second} {
			if strings.Contains(string(e.Before)+string(e.After), secret) {
				t.Fatal("a link's secret is in the audit log")
			}
		}
	}
}

func TestPayoutAccountLinkExpires(t *testing.T) {
	w := newPayoutWorld(t, identity.DefaultSignInLimits())
	// Two-factor on but no code given: a link, as without it.
	w.turnOnTOTP(t)
	if _, outcome, err := w.request(identity.SecondFactor{}); err != nil || outcome != membership.PayoutAccountConfirmationSent {
		t.Fatalf("%s %v", outcome, err)
	}
	token := w.lastLink(t, notify.EventPayoutAccountConfirmation)
	w.advance(24 * time.Hour)
	_, err := w.members.ConfirmPayoutAccountChange(w.ctx, token, "req-1")
	wantCode(t, err, cooperative.EINVALID)
	if got := w.get(t); got.IBAN != annaIBAN {
		t.Fatalf("an expired link applied: %+v", got)
	}
	if n := len(w.mails(t, notify.EventPayoutAccountChanged)); n != 0 {
		t.Fatalf("%d change mails", n)
	}
}

func TestWrongTOTPChangesNothingAndCounts(t *testing.T) {
	w := newPayoutWorld(t, identity.DefaultSignInLimits())
	w.turnOnTOTP(t)
	w.mails(t, "")
	before := len(w.history(t))
	for i := range identity.DefaultSignInLimits().PerAccount {
		_, _, err := w.request(identity.SecondFactor{TOTPCode: "000000"})
		if cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	// Counted like sign-in failures: the account is locked out, right code or not.
	_, _, err := w.request(identity.SecondFactor{TOTPCode: w.code(t)})
	wantCode(t, err, cooperative.ETOOMANY)
	if _, err := w.accounts.Login(w.ctx, identity.Login{Email: annaEmail, Password: password, TOTPCode: w.code(t), ClientIP: "192.0.2.1"}); cooperative.ErrorCode(err) != cooperative.ETOOMANY {
		t.Fatalf("sign-in after the wrong codes: %v", err)
	}
	if got := w.get(t); got.IBAN != annaIBAN || got.PayoutAccountChange != nil || len(w.history(t)) != before {
		t.Fatalf("member %+v", got)
	}
	if mails := w.mails(t, ""); len(mails) != 0 {
		t.Fatalf("mails %+v", mails)
	}
	// When the window has passed, a right code works and ends the count.
	w.advance(15 * time.Minute)
	if _, outcome, err := w.request(identity.SecondFactor{TOTPCode: w.code(t)}); err != nil || outcome != membership.PayoutAccountChanged {
		t.Fatalf("%s %v", outcome, err)
	}
}

func TestInvalidPayoutAccountChangesNothing(t *testing.T) {
	w := newPayoutWorld(t, identity.DefaultSignInLimits())
	before, audit := len(w.history(t)), w.auditActions(t)
	for _, tc := range []struct{ iban, holder, field string }{
		{"NL91ABNA0417164301", newHolder, "iban"}, // check digits wrong
		{"US12345678901234", newHolder, "iban"},
		{"", newHolder, "iban"},
		{newIBAN, "  ", "accountHolder"},
		{newIBAN, strings.Repeat("x", 71), "accountHolder"},
		{newIBAN, "Anna\x00", "accountHolder"},
	} {
		_, _, err := w.members.RequestPayoutAccountChange(w.ctx, w.self, membership.PayoutAccountRequest{CooperativeID: w.coop.ID,
			MemberID: w.anna.ID, IBAN: tc.iban, AccountHolder: tc.holder, ClientIP: clientIP})
		if cooperative.ErrorCode(err) != cooperative.EINVALID || !strings.HasPrefix(cooperative.ErrorMessage(err), tc.field) {
			t.Errorf("%q %q: %v, want EINVALID naming %s", tc.iban, tc.holder, err, tc.field)
		}
	}
	// Seventy characters is the limit, not beyond it.
	if _, _, err := w.members.RequestPayoutAccountChange(w.ctx, w.self, membership.PayoutAccountRequest{CooperativeID: w.coop.ID,
		MemberID: w.anna.ID, IBAN: newIBAN, AccountHolder: strings.Repeat("x", 70), ClientIP: clientIP}); err != nil {
		t.Fatal(err)
	}
	if got := len(w.history(t)); got != before+1 {
		t.Fatalf("history %d, want %d", got, before+1)
	}
	if got := w.auditActions(t); got != audit+" member:member.payout_account.request" {
		t.Fatalf("audit %s", got)
	}
	if mails := w.mails(t, ""); len(mails) != 1 {
		t.Fatalf("mails %+v", mails)
	}
}

func TestOnlyTheMembersOwnAccountChangesItsPayoutAccount(t *testing.T) {
	w := newPayoutWorld(t, identity.DefaultSignInLimits())
	for _, actor := range []cooperative.Actor{boardActor, {UserID: cooperative.NewID(), Role: "member"}} {
		_, _, err := w.members.RequestPayoutAccountChange(w.ctx, actor, membership.PayoutAccountRequest{CooperativeID: w.coop.ID,
			MemberID: w.anna.ID, IBAN: newIBAN, AccountHolder: newHolder})
		wantCode(t, err, cooperative.EFORBIDDEN)
	}
	_, _, err := w.members.RequestPayoutAccountChange(w.ctx, w.self, membership.PayoutAccountRequest{CooperativeID: cooperative.NewID(),
		MemberID: w.anna.ID, IBAN: newIBAN, AccountHolder: newHolder})
	wantCode(t, err, cooperative.ENOTFOUND)
	if mails := w.mails(t, ""); len(mails) != 0 {
		t.Fatalf("mails %+v", mails)
	}
}

func TestBoardCorrectionOfThePayoutAccountIsMailed(t *testing.T) {
	w := newPayoutWorld(t, identity.DefaultSignInLimits())
	// A correction that leaves the payout account alone is not mailed.
	name := "Anna de Vries-Jansen"
	if _, err := w.members.Correct(w.ctx, boardActor, w.coop.ID, w.anna.ID, membership.Correction{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if mails := w.mails(t, ""); len(mails) != 0 {
		t.Fatalf("mails %+v", mails)
	}
	// A pending change of the member's and a hold on the old IBAN end with the board's.
	if _, _, err := w.request(identity.SecondFactor{}); err != nil {
		t.Fatal(err)
	}
	token := w.lastLink(t, notify.EventPayoutAccountConfirmation)
	if err := w.store.Update(w.ctx, func(tx cooperative.Tx) error {
		return membership.MarkPayoutAccountSuspect(tx, boardActor, w.coop.ID, w.anna.ID, annaIBAN, "returned: AC04", w.clock())
	}); err != nil {
		t.Fatal(err)
	}
	// The address changes in the same correction: the mail goes to the old one.
	iban, email, holder := newIBAN, "elsewhere@example.org", "Anna"
	m, err := w.members.Correct(w.ctx, boardActor, w.coop.ID, w.anna.ID, membership.Correction{IBAN: &iban, Email: &email, AccountHolder: &holder})
	if err != nil || m.IBAN != newIBAN || m.AccountHolder != "Anna" || m.IBANSuspect != "" || m.PayoutAccountChange != nil {
		t.Fatalf("%+v %v", m, err)
	}
	wantChangedMail(t, w.mails(t, ""), annaEmail, "board")
	_, err = w.members.ConfirmPayoutAccountChange(w.ctx, token, "req-1")
	wantCode(t, err, cooperative.EINVALID)
	// The name alone is a change of payout account too; a bad one is refused.
	holder = "A. Jansen"
	if _, err := w.members.Correct(w.ctx, boardActor, w.coop.ID, w.anna.ID, membership.Correction{AccountHolder: &holder}); err != nil {
		t.Fatal(err)
	}
	wantChangedMail(t, w.mails(t, ""), email, "board")
	holder = strings.Repeat("x", 71)
	_, err = w.members.Correct(w.ctx, boardActor, w.coop.ID, w.anna.ID, membership.Correction{AccountHolder: &holder})
	if cooperative.ErrorCode(err) != cooperative.EINVALID || !strings.HasPrefix(cooperative.ErrorMessage(err), "accountHolder") {
		t.Fatalf("%v", err)
	}
}

func TestSuspectPayoutAccount(t *testing.T) {
	w := newPayoutWorld(t, identity.DefaultSignInLimits())
	payout := func() membership.PayoutAccount {
		t.Helper()
		var pa membership.PayoutAccount
		if err := w.store.View(w.ctx, func(tx cooperative.Tx) (err error) {
			pa, err = membership.PayoutAccountOf(tx, w.coop.ID, w.anna.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return pa
	}
	mark := func(iban, reason string) error {
		return w.store.Update(w.ctx, func(tx cooperative.Tx) error {
			return membership.MarkPayoutAccountSuspect(tx, cooperative.Actor{Role: "bank", RequestID: "statement-1"}, w.coop.ID,
				w.anna.ID, iban, reason, w.clock())
		})
	}
	if pa := payout(); pa != (membership.PayoutAccount{IBAN: annaIBAN, Holder: "Anna de Vries"}) {
		t.Fatalf("payout account %+v", pa)
	}
	const reason = "a payout was returned: AC04 account closed"
	if err := mark("nl91 abna 0417 1643 00", reason); err != nil {
		t.Fatal(err)
	}
	if pa := payout(); pa.Suspect != reason {
		t.Fatalf("payout account %+v", pa)
	}
	// Again (a statement imported twice): nothing new.
	history, audit := len(w.history(t)), w.auditActions(t)
	if err := mark(annaIBAN, reason); err != nil {
		t.Fatal(err)
	}
	if len(w.history(t)) != history || w.auditActions(t) != audit || !strings.HasSuffix(audit, "bank:member.payout_account.suspect") {
		t.Fatalf("audit %s", audit)
	}
	if mails := w.mails(t, ""); len(mails) != 0 {
		t.Fatalf("mails %+v", mails)
	}
	// The member's new account is not suspect, and a return of a payout to the old one
	// does not make it so.
	if _, _, err := w.request(identity.SecondFactor{}); err != nil {
		t.Fatal(err)
	}
	if pa := payout(); pa.Suspect != reason || pa.IBAN != annaIBAN {
		t.Fatalf("a change waiting for its link lifted the hold: %+v", pa)
	}
	if _, err := w.members.ConfirmPayoutAccountChange(w.ctx, w.lastLink(t, notify.EventPayoutAccountConfirmation), ""); err != nil {
		t.Fatal(err)
	}
	if pa := payout(); pa != (membership.PayoutAccount{IBAN: newIBAN, Holder: newHolder}) {
		t.Fatalf("payout account %+v", pa)
	}
	if err := mark(annaIBAN, "another return"); err != nil {
		t.Fatal(err)
	}
	if pa := payout(); pa.Suspect != "" {
		t.Fatalf("the old IBAN's return held the new one: %+v", pa)
	}
	// Another cooperative's member, a bad reason.
	err := w.store.View(w.ctx, func(tx cooperative.Tx) error {
		_, err := membership.PayoutAccountOf(tx, cooperative.NewID(), w.anna.ID)
		return err
	})
	wantCode(t, err, cooperative.ENOTFOUND)
	wantCode(t, mark(newIBAN, " "), cooperative.EINVALID)
	if pa := payout(); pa.Suspect != "" {
		t.Fatalf("payout account %+v", pa)
	}
}

// A member without an IBAN on file (never so for an application, but records come
// from elsewhere too) is held with the reason.
func TestPayoutAccountWithoutIBANIsHeld(t *testing.T) {
	if pa := (membership.Member{Name: "Bert"}).PayoutAccount(); pa.Suspect == "" || pa.Holder != "Bert" {
		t.Fatalf("%+v", pa)
	}
	if pa := (membership.Member{Name: "Bert", IBAN: "NL00ABNA0417164300"}).PayoutAccount(); !strings.Contains(pa.Suspect, "not valid") {
		t.Fatalf("%+v", pa)
	}
	for in, want := range map[string]string{"NL91ABNA0417164300": "**** 4300", "be68 5390 0754 7034": "**** 7034", "NL9": "****"} {
		if got := membership.MaskIBAN(in); got != want {
			t.Errorf("MaskIBAN(%q) = %q, want %q", in, got, want)
		}
	}
}
