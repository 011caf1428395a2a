package cooperative_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
)

// The collections the sweep looks after, by their stored names.
const (
	colSessions   = "sessions"
	colTokens     = "refresh_tokens"
	colLinks      = "link_tokens"
	colInvites    = "invitations"
	colThrottles  = "access_throttles"
	sweepPassword = "a long enough passphrase"
	clientIP      = "192.0.2.1"
)

// sweepWorld is a store with accounts on a clock the test moves.
type sweepWorld struct {
	store    cooperative.Store
	accounts *identity.Accounts
	now      time.Time
}

func newSweepWorld(t *testing.T) *sweepWorld {
	t.Helper()
	w := &sweepWorld{store: openOutboxStore(t), now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	w.accounts = identity.NewAccounts(w.store, identity.AccountsOptions{
		Hasher: identity.NewPasswordHasher(identity.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}),
		Now:    func() time.Time { return w.now }})
	return w
}

// sweep sweeps as of the world's clock in batches of two, so that pages and transactions
// come in several.
func (w *sweepWorld) sweep(t *testing.T) identity.SweepTally {
	t.Helper()
	tally, err := identity.SweepExpired(context.Background(), w.store, w.now, identity.SweepOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	return tally
}

// newSignedInWorld is a world swept once while empty, in which ann has signed in.
func newSignedInWorld(t *testing.T) (*sweepWorld, identity.SessionGrant) {
	t.Helper()
	w := newSweepWorld(t)
	w.sweep(t)
	w.admin(t, "ann@example.org")
	return w, w.login(t, "ann@example.org")
}

func (w *sweepWorld) wantSweep(t *testing.T, want identity.SweepTally) {
	t.Helper()
	if got := w.sweep(t); got != want {
		t.Fatalf("sweep at %s: %+v, want %+v", w.now.Format(time.DateTime), got, want)
	}
}

// wantMeddledSweep sweeps with meddle run between the sweep's first read and its first
// write.
func (w *sweepWorld) wantMeddledSweep(t *testing.T, meddle func(), want identity.SweepTally) {
	t.Helper()
	meddling := &meddlingStore{Store: w.store, meddle: meddle}
	got, err := identity.SweepExpired(context.Background(), meddling, w.now, identity.SweepOptions{})
	if err != nil || got != want {
		t.Fatalf("sweep at %s: %+v %v, want %+v", w.now.Format(time.DateTime), got, err, want)
	}
}

func (w *sweepWorld) records(t *testing.T, collection string) []cooperative.Record {
	t.Helper()
	var page cooperative.Page
	if err := w.store.View(context.Background(), func(tx cooperative.Tx) (err error) {
		page, err = tx.Find(cooperative.Query{Collection: collection, Limit: cooperative.MaxPageSize})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return page.Records
}

// wantCounts checks how many records each collection holds, in the order sessions,
// refresh tokens, links, invitations, throttle counters.
func (w *sweepWorld) wantCounts(t *testing.T, want ...int) {
	t.Helper()
	for i, c := range []string{colSessions, colTokens, colLinks, colInvites, colThrottles} {
		if got := len(w.records(t, c)); got != want[i] {
			t.Errorf("%s: %d records, want %d", c, got, want[i])
		}
	}
}

func (w *sweepWorld) admin(t *testing.T, email string) {
	t.Helper()
	if _, err := w.accounts.CreatePlatformAdmin(context.Background(), email, sweepPassword, "nl",
		cooperative.Actor{Role: "cli"}); err != nil {
		t.Fatal(err)
	}
}

func (w *sweepWorld) login(t *testing.T, email string) identity.SessionGrant {
	t.Helper()
	g, err := w.accounts.Login(context.Background(), identity.Login{Email: email, Password: sweepPassword, ClientIP: clientIP})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// loggedOut signs in and out again, and returns the ended session.
func (w *sweepWorld) loggedOut(t *testing.T, email string) identity.SessionGrant {
	t.Helper()
	g := w.login(t, email)
	if err := w.accounts.Logout(context.Background(), g.SessionID); err != nil {
		t.Fatal(err)
	}
	return g
}

func (w *sweepWorld) refresh(t *testing.T, token string) string {
	t.Helper()
	g, err := w.accounts.Refresh(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return g.RefreshToken
}

// wantRefused presents a refresh token that must be refused with a message saying why.
func (w *sweepWorld) wantRefused(t *testing.T, token, why string) {
	t.Helper()
	_, err := w.accounts.Refresh(context.Background(), token)
	if cooperative.ErrorCode(err) != cooperative.EUNAUTHORIZED || !strings.Contains(err.Error(), why) {
		t.Fatalf("refresh: %v, want unauthorized saying %q", err, why)
	}
}

func (w *sweepWorld) failLogin(t *testing.T, email string) {
	t.Helper()
	_, err := w.accounts.Login(context.Background(), identity.Login{Email: email, Password: "not the password at all", ClientIP: clientIP})
	if cooperative.ErrorCode(err) != cooperative.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}
}

// invite invites two people to a new cooperative, and accepts the second invitation.
func (w *sweepWorld) invite(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var coop cooperative.Cooperative
	if err := w.store.Update(ctx, func(tx cooperative.Tx) (err error) {
		coop, err = cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Zon", Kind: cooperative.KindEnergy,
			Country: "NL", RegistrationNumber: "12345678", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, w.now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	actor := cooperative.Actor{Role: "admin"}
	for _, email := range []string{"bob@example.org", "cas@example.org"} {
		if _, err := w.accounts.Invite(ctx, actor, identity.NewInvitation{CooperativeID: coop.ID, Email: email,
			Role: identity.RoleBoard, Language: "nl"}); err != nil {
			t.Fatal(err)
		}
	}
	var secret string
	for _, n := range claimOutbox(t, w.store, "test", w.now, 10).Claimed {
		if n.Event == notify.EventInvitation && n.To == "cas@example.org" {
			link, _ := url.Parse(n.Data["link"])
			secret = link.Query().Get("token")
		}
	}
	if _, err := w.accounts.AcceptInvitation(ctx, secret, sweepPassword, clientIP); err != nil {
		t.Fatal(err)
	}
	return coop.ID
}

func TestSweepRemovesWhatNobodyCanUseAndKeepsTheRest(t *testing.T) {
	w := newSweepWorld(t)
	ctx := context.Background()
	t0 := w.now
	// A sweep of nothing is harmless, the first (a full scan) and the next (by day).
	w.wantSweep(t, identity.SweepTally{})
	w.wantSweep(t, identity.SweepTally{})

	w.admin(t, "ann@example.org")
	ended := w.loggedOut(t, "ann@example.org")
	live := w.login(t, "ann@example.org")
	spent := live.RefreshToken
	current := w.refresh(t, w.refresh(t, spent)) // three tokens, two of them spent
	w.failLogin(t, "ann@example.org")            // an account counter beside the client's
	if err := w.accounts.RequestPasswordReset(ctx, "ann@example.org", clientIP); err != nil {
		t.Fatal(err)
	}
	coop := w.invite(t)
	// Throttles: the account, the client, its mails, and the two invitees' addresses.
	w.wantCounts(t, 2, 4, 1, 2, 5)

	// The counters' windows (15 minutes, an hour for invitations) have passed: nothing
	// else is due yet.
	w.now = t0.Add(time.Hour)
	w.wantSweep(t, identity.SweepTally{Throttles: 5})
	// The reset link expired after an hour and is kept a day longer.
	w.now = t0.Add(24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{})
	w.now = t0.Add(2 * 24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{LinkTokens: 1})

	// A week after the logout, that session goes with its token; the live one stays.
	w.now = t0.Add(8 * 24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{Sessions: 1, RefreshTokens: 1})
	w.wantRefused(t, ended.RefreshToken, "not valid")
	// Reuse detection still works on the live family: its spent tokens were kept.
	w.wantRefused(t, spent, "already used")
	w.wantRefused(t, current, "session has ended")

	// Revoked a day ago, inside the retention: the family is kept, and a spent token
	// is still recognised as belonging to an ended session.
	w.now = t0.Add(9 * 24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{})
	w.wantRefused(t, spent, "session has ended")
	w.wantCounts(t, 1, 3, 0, 2, 0)

	// A week after the revocation, the family goes: its tokens are refused as unknown.
	w.now = t0.Add(15*24*time.Hour + time.Minute)
	w.wantSweep(t, identity.SweepTally{Sessions: 1, RefreshTokens: 3})
	w.wantRefused(t, current, "not valid")

	// The accepted invitation goes a month after its acceptance, the other a month after
	// it expired (a week after it was sent).
	w.now = t0.Add(31 * 24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{Invitations: 1})
	w.now = t0.Add(38 * 24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{Invitations: 1})
	w.wantCounts(t, 0, 0, 0, 0, 0)

	// The audit log and the accounts are not the sweep's.
	if audit, _, err := cooperative.ReadAudit(ctx, w.store, coop, 0, 10); err != nil || len(audit) != 3 {
		t.Fatalf("audit log: %d entries, %v; want the two invitations and the grant", len(audit), err)
	}
	if got := len(w.records(t, "users")); got != 2 {
		t.Fatalf("%d users, want ann and cas", got)
	}
	w.wantSweep(t, identity.SweepTally{})
}

func TestSweepExpiredSessionsGoWithTheirTokens(t *testing.T) {
	w, g := newSignedInWorld(t)
	t0 := w.now
	w.refresh(t, g.RefreshToken)

	// Expired (after 30 days) but kept a week, then gone. The sign-in's counter of its
	// client address went long before.
	w.now = t0.Add(36 * 24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{Throttles: 1})
	w.now = t0.Add(37*24*time.Hour + time.Minute)
	w.wantSweep(t, identity.SweepTally{Sessions: 1, RefreshTokens: 2})
	w.wantCounts(t, 0, 0, 0, 0, 0)
}

// meddlingStore runs meddle once, just before the first write transaction after it was
// set: a change by someone else between the sweep's read and its write.
type meddlingStore struct {
	cooperative.Store
	meddle func()
}

func (m *meddlingStore) Update(ctx context.Context, fn func(tx cooperative.Tx) error) error {
	if meddle := m.meddle; meddle != nil {
		m.meddle = nil
		meddle()
	}
	return m.Store.Update(ctx, fn)
}

func TestSweepSkipsARecordChangedBetweenReadAndDelete(t *testing.T) {
	w, _ := newSignedInWorld(t)
	t0 := w.now
	w.failLogin(t, "ann@example.org") // two counters: the account and the client

	// The sweep reads both counters as due; before it deletes them, another failed
	// sign-in starts new windows in both.
	w.now = t0.Add(time.Hour)
	w.wantMeddledSweep(t, func() { w.failLogin(t, "ann@example.org") }, identity.SweepTally{Skipped: 2})
	w.wantCounts(t, 1, 1, 0, 0, 2) // kept: they count the new attempt
	w.wantSweep(t, identity.SweepTally{})
	w.now = t0.Add(time.Hour + 15*time.Minute)
	w.wantSweep(t, identity.SweepTally{Throttles: 2})
}

func TestSweepKeepsADayOpenWhileARecordOnItWasSkipped(t *testing.T) {
	w, g := newSignedInWorld(t)
	t0 := w.now

	// The session expired and its week has passed. As the sweep removes it, a password
	// change revokes it (an expired session is not revoked yet): the session is skipped,
	// still on its day, and must be found again on that day.
	w.now = t0.Add(40 * 24 * time.Hour)
	w.wantMeddledSweep(t, func() {
		if err := w.accounts.ChangePassword(context.Background(), g.UserID, sweepPassword, "another long passphrase", clientIP, ""); err != nil {
			t.Error(err)
		}
	}, identity.SweepTally{RefreshTokens: 1, Skipped: 1})
	w.wantSweep(t, identity.SweepTally{Sessions: 1})
}

func TestSweepMovesARecordIndexedUnderAnEarlierDay(t *testing.T) {
	w, g := newSignedInWorld(t)
	ctx := context.Background()
	// As if the retention had been longer when the session was written.
	if err := w.store.Update(ctx, func(tx cooperative.Tx) error {
		rec, err := tx.Get(colSessions, g.SessionID)
		if err != nil {
			return err
		}
		rec.Index = maps.Clone(rec.Index)
		rec.Index["sweep_day"] = w.now.Format(time.DateOnly)
		_, err = tx.Replace(rec)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w.wantSweep(t, identity.SweepTally{Reindexed: 1})
	due := g.RefreshExpiresAt.Add(7 * 24 * time.Hour).Format(time.DateOnly)
	if rec := w.records(t, colSessions)[0]; rec.Index["sweep_day"] != due {
		t.Fatalf("session indexed under %v, want %s", rec.Index, due)
	}
}

// TestSweepFindsRecordsFromBeforeTheIndex strips the indexes the sweep relies on, as the
// code before it wrote records, and checks that the first sweep finds them all.
func TestSweepFindsRecordsFromBeforeTheIndex(t *testing.T) {
	w := newSweepWorld(t)
	ctx := context.Background()
	t0 := w.now
	w.admin(t, "ann@example.org")
	w.loggedOut(t, "ann@example.org")
	live := w.login(t, "ann@example.org")
	w.refresh(t, live.RefreshToken)
	orphan := w.login(t, "ann@example.org")
	w.failLogin(t, "ann@example.org")
	if err := w.accounts.RequestPasswordReset(ctx, "ann@example.org", clientIP); err != nil {
		t.Fatal(err)
	}
	if err := w.store.Update(ctx, func(tx cooperative.Tx) error {
		for _, c := range []string{colSessions, colTokens, colLinks, colThrottles} {
			if err := stripSweepIndexes(tx, c); err != nil {
				return err
			}
		}
		// A session gone without its token, as a crash between two deletes would leave.
		rec, err := tx.Get(colSessions, orphan.SessionID)
		if err != nil {
			return err
		}
		return tx.Delete(rec)
	}); err != nil {
		t.Fatal(err)
	}
	w.wantRefused(t, orphan.RefreshToken, "session has ended")
	w.wantCounts(t, 2, 4, 1, 0, 3)

	// Two days on, the full scan removes the link, the counters (judged by a day's window)
	// and the orphaned token, and indexes the two sessions and their three tokens.
	w.now = t0.Add(2 * 24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{RefreshTokens: 1, LinkTokens: 1, Throttles: 3, Reindexed: 5})
	for _, c := range []string{colSessions, colTokens} {
		for _, rec := range w.records(t, c) {
			if rec.Index["sweep_day"] == "" && rec.Index["session"] == "" {
				t.Errorf("%s/%s was not indexed: %v", c, rec.ID, rec.Index)
			}
		}
	}
	// From then on the walk by day finds them: the logged-out session a week after.
	w.wantSweep(t, identity.SweepTally{})
	w.now = t0.Add(8 * 24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{Sessions: 1, RefreshTokens: 1})
	w.now = t0.Add(38 * 24 * time.Hour)
	w.wantSweep(t, identity.SweepTally{Sessions: 1, RefreshTokens: 2})
	w.wantCounts(t, 0, 0, 0, 0, 0)
}

// stripSweepIndexes rewrites a collection's records without the indexes the sweep added,
// and counters without the time they reset.
func stripSweepIndexes(tx cooperative.Tx, collection string) error {
	page, err := tx.Find(cooperative.Query{Collection: collection, Limit: cooperative.MaxPageSize})
	if err != nil {
		return err
	}
	for _, rec := range page.Records {
		rec.Index = maps.Clone(rec.Index)
		delete(rec.Index, "sweep_day")
		switch collection {
		case colTokens:
			delete(rec.Index, "session")
		case colThrottles:
			var doc map[string]any
			if err := json.Unmarshal(rec.Data, &doc); err != nil {
				return err
			}
			delete(doc, "resetsAt")
			rec.Data, _ = json.Marshal(doc)
		}
		if _, err := tx.Replace(rec); err != nil {
			return err
		}
	}
	return nil
}
