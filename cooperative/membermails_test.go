package cooperative_test

import (
	"encoding/json"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/notifications/mailtest"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/shares"
	"github.com/kracht-coop/kracht/notifications"
)

// The mails members expect (issue 17): each change mails the right people, once, in
// their language, through the outbox, the worker and a real SMTP server in the test.

// smtpInbox is an SMTP server inside the test process that keeps what it accepts.
type smtpInbox struct {
	host string
	port int
	mu   sync.Mutex
	got  []deliveredMail
}

// deliveredMail is one accepted message, to one of its recipients.
type deliveredMail = mailtest.Mail

func startInbox(t *testing.T) *smtpInbox {
	t.Helper()
	in := &smtpInbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &inboxSession{inbox: in, t: t}, nil }))
	srv.Domain, srv.AllowInsecureAuth = "mail.test", true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	in.host, in.port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	return in
}

type inboxSession struct {
	inbox *smtpInbox
	t     *testing.T
	to    []string
}

func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *inboxSession) Reset()        { s.to = nil }
func (s *inboxSession) Logout() error { return nil }
func (s *inboxSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mailtest.Parse(raw)
	if err != nil {
		return err
	}
	s.inbox.mu.Lock()
	defer s.inbox.mu.Unlock()
	for _, to := range s.to {
		m.To = to
		s.inbox.got = append(s.inbox.got, m)
	}
	return nil
}

// deliver runs a mail worker against the fixture's store until the outbox is empty, and
// returns what the SMTP server accepted in the meantime.
func (f *fixture) deliver(in *smtpInbox) []deliveredMail {
	f.t.Helper()
	sender, err := notifications.NewSMTPSender(notifications.SMTPConfig{Host: in.host, Port: in.port, TLS: notifications.TLSNone,
		Timeout: 5 * time.Second})
	if err != nil {
		f.t.Fatal(err)
	}
	defer sender.Close()
	r, err := notifications.NewRenderer(notifications.Templates())
	if err != nil {
		f.t.Fatal(err)
	}
	w, err := notifications.NewWorker(f.store, sender, r, notifications.WorkerOptions{From: "Kracht <noreply@kracht.test>",
		UnsubscribeURL: "https://kracht.test/v1/unsubscribe", UnsubscribeSecret: []byte("test-secret-test-secret-test-secret!"),
		Throttle: &notify.NotificationThrottle{}, Now: f.clock.Now})
	if err != nil {
		f.t.Fatal(err)
	}
	in.mu.Lock()
	before := len(in.got)
	in.mu.Unlock()
	for {
		n, err := w.RunOnce(f.ctx)
		if err != nil {
			f.t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if open := f.outboxSize(); open != 0 {
		f.t.Fatalf("%d mails left in the outbox", open)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]deliveredMail(nil), in.got[before:]...)
}

// only returns the one mail to `to` whose subject has subject, and fails unless there is
// exactly one, in lang, whose text and HTML say every fact.
func only(t *testing.T, mails []deliveredMail, to, lang, subject string, facts ...string) deliveredMail {
	t.Helper()
	var found []deliveredMail
	for _, m := range mails {
		if m.To == to && strings.Contains(m.Subject, subject) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d mails to %s about %q, want 1; delivered: %+v", len(found), to, subject, subjects(mails))
	}
	m := found[0]
	if m.Language != lang {
		t.Fatalf("mail %q in %q, want %q", m.Subject, m.Language, lang)
	}
	for _, fact := range facts {
		if !strings.Contains(m.Text, fact) || !strings.Contains(m.HTML, fact) {
			t.Fatalf("mail %q does not say %q:\n%s", m.Subject, fact, m.Text)
		}
	}
	return m
}

func subjects(mails []deliveredMail) []string {
	var out []string
	for _, m := range mails {
		out = append(out, m.To+": "+m.Subject)
	}
	return out
}

// boardUser signs up an account with a board role in the fixture's cooperative.
func (f *fixture) boardUser(accounts *identity.Accounts, email, lang string) {
	f.t.Helper()
	if err := accounts.SignUp(f.ctx, identity.SignUp{Email: email, Password: "correct horse battery staple", Language: lang,
		ClientIP: "192.0.2.1"}); err != nil {
		f.t.Fatal(err)
	}
	var id string
	if err := f.store.View(f.ctx, func(tx cooperative.Tx) error {
		page, err := tx.Find(cooperative.Query{Collection: "users", Index: "email", Value: email, Limit: 1})
		if err == nil && len(page.Records) == 1 {
			id = page.Records[0].ID
		}
		return err
	}); err != nil || id == "" {
		f.t.Fatalf("user %s: %v", email, err)
	}
	// A board grant as an accepted invitation leaves it (the record grantFromAnOlderRelease
	// writes): SetRoles only changes the roles of someone who has some.
	g := identity.RoleGrant{CooperativeID: f.coop.ID, UserID: id, Email: email, Roles: []identity.Role{identity.RoleBoard},
		CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
	data, err := json.Marshal(g)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.Update(f.ctx, func(tx cooperative.Tx) error {
		_, err := tx.Insert(cooperative.Record{Collection: "role_grants",
			ID: uuid.NewSHA1(uuid.NameSpaceOID, []byte("kracht role grant\n"+f.coop.ID+"\n"+id)).String(), Data: data,
			Index: map[string]string{"cooperative": f.coop.ID, "user": id, "board": f.coop.ID}})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
}

// applyAs has someone apply with their own address and language.
func (f *fixture) applyAs(name, email, lang string) membership.Member {
	f.t.Helper()
	a := f.application(name)
	a.Email, a.Language = email, lang
	m, err := f.members.Apply(f.ctx, a)
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func TestTheMailsMembersExpect(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	f.reg = shares.NewRegistry(f.store, shares.RegistryOptions{Now: f.clock.Now, LinkBaseURL: "https://kracht.test/"})
	inbox := startInbox(t)
	accounts := identity.NewAccounts(f.store, identity.AccountsOptions{Now: f.clock.Now, Hasher: identity.NewPasswordHasher(identity.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1})})
	f.boardUser(accounts, "chair@example.org", "nl")
	f.boardUser(accounts, "treasurer@example.org", "en")
	f.deliver(inbox) // the sign-up and role mails

	// A new application: each board member hears of it, in their own language.
	anna := f.applyAs("Anna de Vries", "anna@example.org", "nl")
	bob := f.applyAs("Bob Smith", "bob@example.org", "en-GB")
	mails := f.deliver(inbox)
	only(t, mails, "chair@example.org", "nl", "nieuwe aanmelding van Anna de Vries", "een persoon", "Energie Noord")
	only(t, mails, "treasurer@example.org", "en", "new membership application from Bob Smith", "a person")
	if len(mails) != 6 { // two receipts to the applicants, four to the board
		t.Fatalf("%d mails: %v", len(mails), subjects(mails))
	}
	var err error
	for _, m := range []*membership.Member{&anna, &bob} {
		if *m, err = f.members.Approve(f.ctx, board, f.coop.ID, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	f.deliver(inbox)

	// Payment received: by bank transfer (the accountant's record) and through Stripe;
	// marking it paid again mails nothing.
	o := f.offering("A", 5000, 10)
	annaSub, bobSub := f.mustSubscribe(o, anna, 8), f.mustSubscribe(o, bob, 6)
	if annaSub, err = f.reg.MarkPaid(f.ctx, board, f.coop.ID, annaSub.ID, "NL-TRANSFER-1", f.clock.Today()); err != nil {
		t.Fatal(err)
	}
	f.payThroughStripe(bobSub, "RF18539007547034")
	if _, err = f.reg.MarkPaid(f.ctx, board, f.coop.ID, annaSub.ID, "NL-TRANSFER-1", f.clock.Today()); err != nil {
		t.Fatal(err)
	}
	mails = f.deliver(inbox)
	link := "https://kracht.test/c/" + f.coop.ID + "/me"
	only(t, mails, "anna@example.org", "nl", "we hebben je betaling van € 400,00 ontvangen", "NL-TRANSFER-1", "8 × Member share",
		"2025-03-03", "betaalbewijs", link)
	only(t, mails, "bob@example.org", "en", "we received your payment of €300.00", "6 × Member share", "receipt")
	if len(mails) != 2 {
		t.Fatalf("%d mails: %v", len(mails), subjects(mails))
	}

	// The offering closes: 14 shares asked for, 10 to give, pro rata; each hears how
	// many, which numbers, and how the rest of their money comes back. Closing again
	// mails nothing.
	res, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID); err != nil {
		t.Fatal(err)
	}
	got := map[string]shares.Subscription{}
	for _, s := range res.Subscriptions {
		got[s.MemberID] = s
	}
	a, b := got[anna.ID], got[bob.ID]
	if a.Allocated != 6 || b.Allocated != 4 {
		t.Fatalf("allocated %d and %d, want 6 and 4", a.Allocated, b.Allocated)
	}
	mails = f.deliver(inbox)
	only(t, mails, "anna@example.org", "nl", "6 van de 8 gevraagde aandelen", "nummers "+shares.FormatRanges(a.ShareNumbers),
		"€ 100,00", "per bankoverschrijving", link)
	only(t, mails, "bob@example.org", "en", "4 of the 6 shares you asked for", "numbers "+shares.FormatRanges(b.ShareNumbers),
		"€100.00", "through the payment provider")
	if len(mails) != 2 {
		t.Fatalf("%d mails: %v", len(mails), subjects(mails))
	}

	// A transfer: both sides hear of it, with the share numbers that moved.
	tr, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID, From: anna.ID, To: bob.ID, Class: "A", Shares: 2})
	if err != nil {
		t.Fatal(err)
	}
	mails = f.deliver(inbox)
	numbers := shares.FormatRanges(tr.ShareNumbers)
	only(t, mails, "anna@example.org", "nl", "2 aandelen overgedragen aan Bob Smith", "nummers "+numbers, "€ 100,00", "niet meer van jou")
	only(t, mails, "bob@example.org", "en", "2 shares transferred to you", "numbers "+numbers, "Anna de Vries",
		"now yours")
	if len(mails) != 2 {
		t.Fatalf("%d mails: %v", len(mails), subjects(mails))
	}

	// Withdrawals decided: approved (after the notice period) and rejected with a
	// reason; deciding again mails nothing. The board's request mails already existed.
	bw, err := f.reg.RequestWithdrawal(f.ctx, board, shares.WithdrawalRequest{CooperativeID: f.coop.ID, MemberID: bob.ID, Class: "A", Shares: 1})
	if err != nil {
		t.Fatal(err)
	}
	aw, err := f.reg.RequestWithdrawal(f.ctx, board, shares.WithdrawalRequest{CooperativeID: f.coop.ID, MemberID: anna.ID, Class: "A", Shares: 3})
	if err != nil {
		t.Fatal(err)
	}
	f.deliver(inbox)
	f.clock.Advance(31 * 24 * time.Hour)
	for range 2 {
		if bw, err = f.reg.DecideWithdrawal(f.ctx, board, f.coop.ID, bw.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if _, err = f.reg.DecideWithdrawal(f.ctx, board, f.coop.ID, aw.ID, false, "De reservering van het project is nog niet rond."); err != nil {
			t.Fatal(err)
		}
	}
	mails = f.deliver(inbox)
	only(t, mails, "bob@example.org", "en", "your request to withdraw 1 shares was approved", "€50.00",
		"numbers "+shares.FormatRanges(bw.ShareNumbers), "next payout")
	only(t, mails, "anna@example.org", "nl", "je verzoek om 3 aandelen terug te nemen is afgewezen", "€ 150,00",
		"De reservering van het project is nog niet rond.", "Je houdt deze aandelen")
	if len(mails) != 2 {
		t.Fatalf("%d mails: %v", len(mails), subjects(mails))
	}
}
