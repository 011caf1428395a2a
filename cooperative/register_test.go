package cooperative_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
	"github.com/xuri/excelize/v2"
)

// TestRegisterScenario runs a small cooperative through a year: applications, an
// oversubscribed pro-rata offering, a transfer, a death with shares passing to an heir,
// a withdrawal after notice; then checks the golden CSV, the XLSX, a certificate PDF and
// "who held what" on a past date.
func TestRegisterScenario(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	anna, bert, carla := f.member("Anna de Vries"), f.member("Bert Jansen"), f.member("Carla Bakker")
	if anna.Number != 1 || bert.Number != 2 || carla.Number != 3 {
		t.Fatalf("member numbers %d %d %d", anna.Number, bert.Number, carla.Number)
	}
	rejected, err := f.members.Apply(f.ctx, f.application("Dirk Smit"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.members.Reject(f.ctx, board, f.coop.ID, rejected.ID, "incomplete"); err != nil {
		t.Fatal(err)
	}
	// Oversubscribed: 10 + 6 + 4 = 20 paid for a cap of 10 → 5, 3, 2 by largest remainder.
	o := f.offering("A", 5000, 10)
	sa, sb, sc := f.buy(o, anna, 10), f.buy(o, bert, 6), f.buy(o, carla, 4)
	f.clock.Advance(24 * time.Hour)
	res, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, s := range res.Subscriptions {
		got[s.ID] = s.Allocated
	}
	if got[sa.ID] != 5 || got[sb.ID] != 3 || got[sc.ID] != 2 || res.Offering.IssuedShares != 10 {
		t.Fatalf("allocation %v, issued %d", got, res.Offering.IssuedShares)
	}
	// Closing again changes nothing.
	if res2, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID); err != nil || res2.Offering.IssuedShares != 10 {
		t.Fatalf("second close: %v %+v", err, res2.Offering)
	}
	f.checkInvariants()
	dayOfIssue := f.clock.Today()

	f.clock.Advance(10 * 24 * time.Hour)
	if _, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID, From: anna.ID, To: bert.ID,
		Class: "A", Shares: 2}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(24 * time.Hour)
	if _, err := f.members.End(f.ctx, board, f.coop.ID, carla.ID, membership.MemberDeceased, f.clock.Today(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID, From: carla.ID, To: bert.ID,
		Class: "A", Shares: 2, Reason: "inheritance"}); err != nil {
		t.Fatal(err)
	}
	w, err := f.reg.RequestWithdrawal(f.ctx, board, shares.WithdrawalRequest{CooperativeID: f.coop.ID, MemberID: anna.ID, Class: "A", Shares: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.reg.DecideWithdrawal(f.ctx, board, f.coop.ID, w.ID, true, "")
	wantRule(t, err, cooperative.ERULE, "notice_period")
	f.clock.Advance(30 * 24 * time.Hour)
	if _, err := f.reg.DecideWithdrawal(f.ctx, board, f.coop.ID, w.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	street := "Herestraat 2"
	if _, err := f.members.Correct(f.ctx, board, f.coop.ID, anna.ID, membership.Correction{
		Address: &membership.Address{Street: street, PostalCode: "9711 AB", City: "Groningen", Country: "NL"}}); err != nil {
		t.Fatal(err)
	}
	hist, err := f.members.MemberHistory(f.ctx, f.coop.ID, anna.ID)
	if err != nil || len(hist) != 3 || hist[1].Member.Address.Street != "Dorpsstraat 1" || hist[2].Member.Address.Street != street {
		t.Fatalf("history %v %+v", err, hist)
	}
	f.checkInvariants()
	if _, err := f.reg.CheckpointRegister(f.ctx, f.coop.ID); err != nil {
		t.Fatal(err)
	}
	f.checkInvariants()

	// Who held what on the day of issue: before the transfers and the withdrawal.
	then, err := f.reg.HoldingsOn(f.ctx, f.coop.ID, dayOfIssue)
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]string{}
	for _, h := range then {
		held[h.MemberID] = shares.FormatRanges(h.Ranges)
	}
	if held[anna.ID] != "1-5" || held[bert.ID] != "6-8" || held[carla.ID] != "9-10" {
		t.Fatalf("holdings on %s: %v", dayOfIssue, held)
	}

	rows, err := f.reg.RegisterRows(f.ctx, f.coop.ID, f.clock.Today())
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := shares.WriteRegisterCSV(&csv, rows); err != nil {
		t.Fatal(err)
	}
	golden(t, "register.golden.csv", csv.Bytes())

	reg, err := f.reg.Register(f.ctx, f.coop.ID, f.clock.Today())
	if err != nil {
		t.Fatal(err)
	}
	var xlsx bytes.Buffer
	if err := shares.WriteRegisterXLSX(&xlsx, reg, "en"); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(&xlsx)
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := book.GetRows("Register")
	if err != nil {
		t.Fatal(err)
	}
	if len(sheet) != len(rows)+1 || sheet[0][0] != "Member number" ||
		sheet[1][1] != "Anna de Vries" || sheet[1][7] != "4-5" {
		t.Fatalf("xlsx rows %q", sheet)
	}

	cert, err := f.reg.GetCertificate(f.ctx, f.coop.ID, sb.ID)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := cert.PDF()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"Bert Jansen", "6–8", "Energie Noord", "AANDEELBEWIJS"} /* Bert reads Dutch */ {
		if !strings.Contains(text, want) {
			t.Errorf("certificate lacks %q:\n%s", want, text)
		}
	}
	if _, err := f.reg.GetCertificate(f.ctx, f.coop.ID, rejected.ID); cooperative.ErrorCode(err) == "" {
		t.Fatal("a certificate for a non-subscription")
	}
}

// pdfText extracts a PDF's text with pdftotext (poppler-utils) when it is installed, so
// the PDF is proven to parse; without it, the uncompressed content streams are read.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext not installed: reading the uncompressed streams")
		return string(pdf)
	}
	path := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if storedtest.Update() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs (go test -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestBadInputWritesNothing: each refused request names its rule and leaves the ledger,
// the register and the audit log as they were.
func TestBadInputWritesNothing(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	anna, bert := f.member("Anna"), f.member("Bert")
	o := f.offering("A", 5000, 100)
	f.buy(o, anna, 5)
	f.clock.Advance(time.Hour)
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID); err != nil {
		t.Fatal(err)
	}
	open := f.offering("A", 5000, 100)
	classB := f.offering("B", 100000, 5)
	applicant, err := f.members.Apply(f.ctx, f.application("Cees"))
	if err != nil {
		t.Fatal(err)
	}
	rejected, err := f.members.Apply(f.ctx, f.application("Dirk"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.members.Reject(f.ctx, board, f.coop.ID, rejected.ID, "no"); err != nil {
		t.Fatal(err)
	}
	journals := []string{ledger.LedgerJournal(f.coop.ID), shares.RegisterJournal(f.coop.ID), "audit/" + f.coop.ID}
	counts := func() []int {
		var n []int
		for _, j := range journals {
			n = append(n, f.journalLen(j))
		}
		return n
	}
	before := counts()
	subscribe := func(m membership.Member, o shares.Offering, n int64) error {
		_, err := f.reg.Subscribe(f.ctx, shares.SubscriptionRequest{CooperativeID: f.coop.ID, OfferingID: o.ID, MemberID: m.ID, Shares: n})
		return err
	}
	for name, tc := range map[string]struct {
		do         func() error
		code, rule string
	}{
		"bad IBAN": {func() error {
			a := f.application("Eva")
			a.IBAN = "NL91ABNA0417164301"
			_, err := f.members.Apply(f.ctx, a)
			return err
		}, cooperative.EINVALID, ""},
		"IBAN of wrong length": {func() error {
			a := f.application("Eva")
			a.IBAN = "NL91ABNA041716430"
			_, err := f.members.Apply(f.ctx, a)
			return err
		}, cooperative.EINVALID, ""},
		"above the per-subscription maximum": {func() error { return subscribe(anna, open, 11) }, cooperative.ERULE, "subscription_size"},
		"above the per-member maximum": {func() error {
			if err := subscribe(bert, open, 10); err != nil {
				return err
			}
			before = counts() // that subscription writes no journal, but keep the baseline exact
			return subscribe(bert, open, 6)
		}, cooperative.ERULE, "max_per_member"},
		"after the close date":      {func() error { return subscribe(anna, o, 1) }, cooperative.ERULE, "offering_open"},
		"applicant without class A": {func() error { return subscribe(applicant, classB, 1) }, cooperative.ERULE, "membership_share"},
		"transfer to a non-member": {func() error {
			_, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID, From: anna.ID, To: applicant.ID, Class: "A", Shares: 1})
			return err
		}, cooperative.ERULE, "transfer_to_member"},
		"transfer more than held": {func() error {
			_, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID, From: anna.ID, To: bert.ID, Class: "A", Shares: 6})
			return err
		}, cooperative.ERULE, "shares_held"},
		"withdraw more than held": {func() error {
			_, err := f.reg.RequestWithdrawal(f.ctx, board, shares.WithdrawalRequest{CooperativeID: f.coop.ID, MemberID: anna.ID, Class: "A", Shares: 6})
			return err
		}, cooperative.ERULE, "shares_held"},
		"approve a rejected application": {func() error {
			_, err := f.members.Approve(f.ctx, board, f.coop.ID, rejected.ID)
			return err
		}, cooperative.ERULE, "application_open"},
		"resign while holding shares": {func() error {
			_, err := f.members.End(f.ctx, board, f.coop.ID, anna.ID, membership.MemberResigned, f.clock.Today(), "")
			return err
		}, cooperative.ERULE, "no_shares_left"},
		"consent to old statutes": {func() error {
			a := f.application("Eva")
			a.StatutesVersion = 7
			_, err := f.members.Apply(f.ctx, a)
			return err
		}, cooperative.ERULE, "consent_to_statutes"},
	} {
		t.Run(name, func(t *testing.T) {
			wantRule(t, tc.do(), tc.code, tc.rule)
			if got := counts(); !slicesEqual(got, before) {
				t.Fatalf("journals %v → %v: something was written", before, got)
			}
		})
	}
	f.checkInvariants()
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestConcurrentSubscriptionsRespectCap: 250 members subscribe at once against a
// first-come cap of 60. Every subscription is taken, in one total order: each one's
// place says exactly the shares subscribed before it, and it is on the waiting list
// exactly when those and its own pass the cap. After payment and close exactly the cap
// is issued, down the list in order, and never more.
func TestConcurrentSubscriptionsRespectCap(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	const subscribers, capShares = 250, 60
	members := make([]membership.Member, subscribers)
	for i := range members {
		members[i] = f.member("Member " + string(rune('A'+i%26)))
	}
	o := f.offering("A", 5000, capShares)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		subs = make([]shares.Subscription, subscribers)
	)
	for i, m := range members {
		wg.Go(func() {
			s, err := f.reg.Subscribe(f.ctx, shares.SubscriptionRequest{CooperativeID: f.coop.ID, OfferingID: o.ID,
				MemberID: m.ID, Shares: int64(1 + i%3)})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			subs[s.Order-1] = s
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var ahead int64
	for i, s := range subs {
		if s.Order != int64(i+1) {
			t.Fatalf("orders are not 1..%d: %d at %d", subscribers, s.Order, i+1)
		}
		waiting := ahead+s.Shares > capShares
		if waiting != (s.WaitingList != nil) || (waiting && s.WaitingList.SharesAhead != ahead) {
			t.Fatalf("subscription %d for %d with %d ahead: waiting list %+v", s.Order, s.Shares, ahead, s.WaitingList)
		}
		ahead += s.Shares
	}
	got, err := f.reg.GetOffering(f.ctx, f.coop.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SubscribedShare != ahead {
		t.Fatalf("counter %d, subscriptions %d", got.SubscribedShare, ahead)
	}
	for _, s := range subs {
		if _, err := f.reg.MarkPaid(f.ctx, board, f.coop.ID, s.ID, "B"+s.ID[:6], f.clock.Today()); err != nil {
			t.Fatal(err)
		}
	}
	res, _ := f.closeAndCheck(o)
	if res.Offering.IssuedShares != capShares {
		t.Fatalf("issued %d, cap %d", res.Offering.IssuedShares, capShares)
	}
	var before int64
	for _, s := range res.Subscriptions {
		if want := min(s.Shares, max(0, capShares-before)); s.Allocated != want {
			t.Fatalf("subscription %d with %d ahead: allocated %d, want %d", s.Order, before, s.Allocated, want)
		}
		before += s.Shares
	}
}

// TestRandomSequencesKeepInvariants applies random sequences of apply, approve,
// subscribe, pay, allocate, transfer and withdraw, checking every invariant as it goes.
// The seed is logged; KRACHT_SEED replays one.
func TestRandomSequencesKeepInvariants(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("KRACHT_SEED"); s != "" {
		var err error
		if seed, err = parseUint(s); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (KRACHT_SEED=%d to replay)", seed, seed)
	for run := range 3 {
		rng := rand.New(rand.NewPCG(seed, uint64(run)))
		alloc := membership.AllocationProRata
		if run%2 == 1 {
			alloc = membership.AllocationFirstCome
		}
		f := newFixture(t, alloc)
		var members []membership.Member
		var offerings []shares.Offering
		var subs []shares.Subscription
		var withdrawals []shares.Withdrawal
		pick := func(n int) int { return rng.IntN(n) }
		for step := range 150 {
			switch op := pick(9); {
			case op == 0 || len(members) < 3:
				m, err := f.members.Apply(f.ctx, f.application("P"))
				if err != nil {
					t.Fatal(err)
				}
				if pick(5) > 0 {
					if m, err = f.members.Approve(f.ctx, board, f.coop.ID, m.ID); err != nil {
						t.Fatal(err)
					}
				} else if pick(2) == 0 {
					if m, err = f.members.Reject(f.ctx, board, f.coop.ID, m.ID, "random"); err != nil {
						t.Fatal(err)
					}
				}
				members = append(members, m)
			case op == 1 && len(offerings) < 4:
				class, price := "A", int64(5000+pick(2)*100) // at nominal or with a premium
				if pick(3) == 0 {
					class, price = "B", 100000
				}
				offerings = append(offerings, f.offering(class, price, int64(5+pick(20))))
			case op <= 3 && len(offerings) > 0:
				s, err := f.reg.Subscribe(f.ctx, shares.SubscriptionRequest{CooperativeID: f.coop.ID,
					OfferingID: offerings[pick(len(offerings))].ID, MemberID: members[pick(len(members))].ID, Shares: int64(1 + pick(8))})
				if err == nil {
					subs = append(subs, s)
				} else if c := cooperative.ErrorCode(err); c != cooperative.ERULE && c != cooperative.EINVALID {
					t.Fatal(err)
				}
			case op == 4 && len(subs) > 0:
				s := subs[pick(len(subs))]
				if _, err := f.reg.MarkPaid(f.ctx, board, f.coop.ID, s.ID, "R"+s.ID[:6], f.clock.Today()); err != nil &&
					cooperative.ErrorCode(err) != cooperative.ERULE {
					t.Fatal(err)
				}
			case op == 5 && len(offerings) > 0:
				o := offerings[pick(len(offerings))]
				res, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				if res.Offering.IssuedShares > res.Offering.CapShares {
					t.Fatalf("offering issued %d over its cap %d", res.Offering.IssuedShares, res.Offering.CapShares)
				}
			case op == 6:
				_, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID,
					From: members[pick(len(members))].ID, To: members[pick(len(members))].ID,
					Class: []string{"A", "B"}[pick(2)], Shares: int64(1 + pick(4))})
				if c := cooperative.ErrorCode(err); c != "" && c != cooperative.ERULE && c != cooperative.EINVALID {
					t.Fatal(err)
				}
			case op == 7:
				w, err := f.reg.RequestWithdrawal(f.ctx, board, shares.WithdrawalRequest{CooperativeID: f.coop.ID,
					MemberID: members[pick(len(members))].ID, Class: []string{"A", "B"}[pick(2)], Shares: int64(1 + pick(4)),
					EndMembership: pick(3) == 0})
				if err == nil {
					withdrawals = append(withdrawals, w)
				} else if c := cooperative.ErrorCode(err); c != cooperative.ERULE {
					t.Fatal(err)
				}
			case op == 8 && len(withdrawals) > 0:
				_, err := f.reg.DecideWithdrawal(f.ctx, board, f.coop.ID, withdrawals[pick(len(withdrawals))].ID, pick(4) > 0, "")
				if c := cooperative.ErrorCode(err); c != "" && c != cooperative.ERULE {
					t.Fatal(err)
				}
			}
			f.clock.Advance(time.Duration(pick(3)) * 24 * time.Hour)
			if step%25 == 24 {
				f.checkInvariants()
				if pick(2) == 0 {
					if _, err := f.reg.CheckpointRegister(f.ctx, f.coop.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		f.checkInvariants()
	}
}

func parseUint(s string) (uint64, error) {
	var n uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, cooperative.Errorf(cooperative.EINVALID, "KRACHT_SEED must be a number")
		}
		n = n*10 + uint64(c-'0')
	}
	return n, nil
}
