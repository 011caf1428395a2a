package shares

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// supportFixture is one cooperative on the real embedded store with class A (€50,
// 1..20 per member) and class B (€250, 0..5); its register is written with the
// functions the domain's offerings, transfers and withdrawals use, on dates of the test's
// choosing.
type supportFixture struct {
	t       testing.TB
	ctx     context.Context
	store   cooperative.Store
	run     *cooperative.Runner
	reg     *Registry
	members *membership.Members
	coop    string
}

var supportBoard = cooperative.Actor{UserID: "board-1", Role: "board"}

func newSupportFixture(t testing.TB) *supportFixture {
	t.Helper()
	s, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), embedded.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
	f := &supportFixture{t: t, ctx: context.Background(), store: s, run: cooperative.NewRunner(s, now),
		reg: NewRegistry(s, RegistryOptions{Now: now}),
		members: membership.NewMembers(s, membership.MembersOptions{Now: now, Sends: identity.SendLimits{Window: time.Hour},
			HeldShares: HeldShares})}
	if err := f.run.Update(f.ctx, func(tx cooperative.Tx, now time.Time) error {
		c, err := cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Zon op Noord", Kind: cooperative.KindEnergy,
			Country: "NL", RegistrationNumber: "12345678", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, now)
		f.coop = c.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.members.AdoptStatutes(f.ctx, supportBoard, membership.Statutes{CooperativeID: f.coop, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{
			{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1, MaxPerMember: 20, ConfersMembership: true},
			{Code: "B", Name: "Investor share", NominalCents: 25000, MinPerMember: 0, MaxPerMember: 5}},
		DividendCapBP: 600, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *supportFixture) update(fn func(tx cooperative.Tx) error) error {
	return f.run.Update(f.ctx, func(tx cooperative.Tx, _ time.Time) error { return fn(tx) })
}

func (f *supportFixture) periods(from, to cooperative.Date) ([]SharePeriod, error) {
	var out []SharePeriod
	err := f.run.View(f.ctx, func(tx cooperative.Tx) (err error) { out, err = SharePeriods(tx, f.coop, from, to); return err })
	return out, err
}

// handRegister writes the register worked out by hand in TestSharePeriods. Member ids
// are names here: the register does not look members up.
func (f *supportFixture) handRegister() {
	f.t.Helper()
	steps := []func(tx cooperative.Tx) error{
		func(tx cooperative.Tx) error {
			_, err := issueShares(tx, f.coop, "A", "ann", 10, "2024-06-01", "s1")
			return err
		},
		func(tx cooperative.Tx) error {
			_, err := issueShares(tx, f.coop, "B", "ann", 2, "2024-09-01", "s2")
			return err
		},
		func(tx cooperative.Tx) error {
			_, err := issueShares(tx, f.coop, "A", "bob", 5, "2025-03-15", "s3")
			return err
		},
		func(tx cooperative.Tx) error {
			_, err := issueShares(tx, f.coop, "A", "ann", 4, "2025-05-02", "s4")
			return err
		},
		func(tx cooperative.Tx) error {
			_, err := moveShares(tx, f.coop, "A", "ann", "bob", 3, "2025-07-01", "t1")
			return err
		},
		func(tx cooperative.Tx) error {
			_, err := issueShares(tx, f.coop, "B", "bob", 1, "2025-07-01", "s5")
			return err
		},
		func(tx cooperative.Tx) error {
			_, err := moveShares(tx, f.coop, "A", "bob", "", 8, "2025-09-30", "w1")
			return err
		},
		func(tx cooperative.Tx) error {
			_, err := moveShares(tx, f.coop, "B", "ann", "", 2, "2025-10-01", "w2")
			return err
		},
		// Two transfers on one day: one change of count, not a period of no days.
		func(tx cooperative.Tx) error {
			_, err := moveShares(tx, f.coop, "A", "ann", "cy", 1, "2025-11-10", "t2")
			return err
		},
		func(tx cooperative.Tx) error {
			_, err := moveShares(tx, f.coop, "A", "ann", "cy", 1, "2025-11-10", "t3")
			return err
		},
		func(tx cooperative.Tx) error {
			_, err := issueShares(tx, f.coop, "A", "dee", 1, "2026-01-01", "s6")
			return err
		},
	}
	for i, step := range steps {
		if err := f.update(step); err != nil {
			f.t.Fatalf("step %d: %v", i+1, err)
		}
		if i == 1 { // a checkpoint from before the year: used
			if _, err := f.reg.CheckpointRegister(f.ctx, f.coop); err != nil {
				f.t.Fatal(err)
			}
		}
	}
}

// TestSharePeriods checks the periods of a register worked out by hand: shares held
// from before the year, issued mid-year, transferred, withdrawn, two classes, two
// changes on one day, an event after the year; with and without checkpoints.
func TestSharePeriods(t *testing.T) {
	f := newSupportFixture(t)
	f.handRegister()
	p := func(m, c string, n int64, from, to cooperative.Date) SharePeriod {
		return SharePeriod{MemberID: m, Class: c, Shares: n, From: from, To: to}
	}
	year := []SharePeriod{
		p("ann", "A", 10, "2025-01-01", "2025-05-02"),
		p("ann", "A", 14, "2025-05-02", "2025-07-01"),
		p("ann", "A", 11, "2025-07-01", "2025-11-10"),
		p("ann", "A", 9, "2025-11-10", "2026-01-01"),
		p("ann", "B", 2, "2025-01-01", "2025-10-01"),
		p("bob", "A", 5, "2025-03-15", "2025-07-01"),
		p("bob", "A", 8, "2025-07-01", "2025-09-30"),
		p("bob", "B", 1, "2025-07-01", "2026-01-01"),
		p("cy", "A", 2, "2025-11-10", "2026-01-01"),
	}
	check := func(name string, from, to cooperative.Date, want []SharePeriod) {
		t.Helper()
		got, err := f.periods(from, to)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
	check("the year, from the 2024 checkpoint", "2025-01-01", "2026-01-01", year)
	// Share-days of Ann's class A: 10×121 + 14×60 + 11×132 + 9×52 = 3970.
	var days int64
	for _, s := range year[:4] {
		days += s.Shares * int64(s.To.Time().Sub(s.From.Time()).Hours()/24)
	}
	if days != 3970 {
		t.Fatalf("Ann's share-days of class A: %d, want 3970", days)
	}
	// An event on the window's last day excluded, on its first day included.
	check("spring", "2025-03-15", "2025-07-01", []SharePeriod{
		p("ann", "A", 10, "2025-03-15", "2025-05-02"),
		p("ann", "A", 14, "2025-05-02", "2025-07-01"),
		p("ann", "B", 2, "2025-03-15", "2025-07-01"),
		p("bob", "A", 5, "2025-03-15", "2025-07-01"),
	})
	check("before any share", "2020-01-01", "2024-06-01", []SharePeriod{})
	// A checkpoint after the year changes nothing (it is not used), nor does one inside it.
	if _, err := f.reg.CheckpointRegister(f.ctx, f.coop); err != nil {
		t.Fatal(err)
	}
	check("the year, with a later checkpoint", "2025-01-01", "2026-01-01", year)
	check("the next year", "2026-01-01", "2027-01-01", []SharePeriod{
		p("ann", "A", 9, "2026-01-01", "2027-01-01"),
		p("bob", "B", 1, "2026-01-01", "2027-01-01"),
		p("cy", "A", 2, "2026-01-01", "2027-01-01"),
		p("dee", "A", 1, "2026-01-01", "2027-01-01"),
	})

	for name, w := range map[string][2]cooperative.Date{"empty": {"2025-01-01", "2025-01-01"}, "backwards": {"2025-02-01", "2025-01-01"},
		"not a date": {"2025-02-30", "2026-01-01"}, "no end": {"2025-01-01", ""}} {
		if _, err := f.periods(w[0], w[1]); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("%s: want EINVALID, got %v", name, err)
		}
	}
}

func (f *supportFixture) member(name string, approve bool) string {
	f.t.Helper()
	m, err := f.members.Apply(f.ctx, membership.Application{CooperativeID: f.coop, Kind: membership.MemberPerson, Name: name,
		Address:     membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: strings.ToLower(name) + "@example.org", IBAN: "NL91ABNA0417164300", Language: "nl",
		StatutesVersion: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	if approve {
		if m, err = f.members.Approve(f.ctx, supportBoard, f.coop, m.ID); err != nil {
			f.t.Fatal(err)
		}
	}
	return m.ID
}

func TestIssueReinvested(t *testing.T) {
	f := newSupportFixture(t)
	ann, applicant := f.member("Ann", true), f.member("Bert", false)
	if err := f.update(func(tx cooperative.Tx) error {
		_, err := issueShares(tx, f.coop, "A", ann, 10, "2025-04-01", "s1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	reinvest := func(member, class string, n, price int64, ref string) (RegisterEvent, error) {
		var ev RegisterEvent
		err := f.update(func(tx cooperative.Tx) (err error) {
			ev, err = IssueReinvested(tx, supportBoard, f.coop, member, class, n, price, "2026-03-01", ref)
			return err
		})
		return ev, err
	}
	ev, err := reinvest(ann, "A", 3, 5200, "dist-2025:"+ann)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != RegisterIssue || ev.To != ann || ev.Date != "2026-03-01" || FormatRanges(ev.Ranges) != "11-13" {
		t.Fatalf("issued %+v, want shares 11-13 of A to Ann on 2026-03-01", ev)
	}
	again, err := reinvest(ann, "A", 3, 5200, "dist-2025:"+ann)
	if err != nil || !reflect.DeepEqual(again, ev) {
		t.Fatalf("again: %+v %v, want the first event %+v", again, err, ev)
	}
	if _, err := reinvest(ann, "A", 4, 5200, "dist-2025:"+ann); cooperative.ErrorCode(err) != cooperative.ECONFLICT {
		t.Fatalf("same reference, other shares: want ECONFLICT, got %v", err)
	}
	var held int64
	if err := f.run.View(f.ctx, func(tx cooperative.Tx) (err error) { held, err = HeldShares(tx, f.coop, ann); return err }); err != nil || held != 13 {
		t.Fatalf("Ann holds %d (%v), want 13: issued once", held, err)
	}
	refusals := map[string]struct {
		member, class string
		n, price      int64
		code, rule    string
	}{
		"no such class":       {ann, "Z", 1, 5000, cooperative.EINVALID, ""},
		"not active":          {applicant, "A", 1, 5000, cooperative.ERULE, "member_active"},
		"below nominal":       {ann, "A", 1, 4999, cooperative.ERULE, "share_price"},
		"over the maximum":    {ann, "A", 8, 5000, cooperative.ERULE, "max_per_member"},
		"no shares":           {ann, "A", 0, 5000, cooperative.EINVALID, ""},
		"member of elsewhere": {cooperative.NewID(), "A", 1, 5000, cooperative.ENOTFOUND, ""},
	}
	for name, c := range refusals {
		_, err := reinvest(c.member, c.class, c.n, c.price, "r-"+name)
		if cooperative.ErrorCode(err) != c.code || !strings.Contains(cooperative.ErrorMessage(err), c.rule) {
			t.Errorf("%s: want %s %s, got %v", name, c.code, c.rule, err)
		}
	}
	events, _, err := f.reg.ReadRegister(f.ctx, f.coop, 0, 100)
	if err != nil || len(events) != 2 {
		t.Fatalf("%d register events (%v), want 2: refusals write nothing", len(events), err)
	}
}

// BenchmarkSharePeriods1M measures the periods of a year for a cooperative of 100,000
// members with 1,000,000 register events: 100,000 issues over 2023, then 900,000
// transfers of one share from member i to member i+1, 1,000 a day from 2024-01-01
// (365,000 of them in 2025), checkpointed every 50,000 events as the background job
// would. The register is written in the journal's format in batches of 10,000 events,
// the last of each through appendRegisterEvent, which keeps the head's date (one event a
// transaction, the domain path, would take hours); KRACHT_BENCH_MEMBERS scales it down.
//
//	go test ./cooperative/shares/ -run '^$' -bench SharePeriods1M -benchtime 3x
func BenchmarkSharePeriods1M(b *testing.B) {
	members := 100_000
	if s := os.Getenv("KRACHT_BENCH_MEMBERS"); s != "" {
		members, _ = strconv.Atoi(s)
	}
	events := members * 10
	f := newSupportFixture(b)
	ids := make([]string, members)
	for i := range ids {
		ids[i] = cooperative.NewID()
	}
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	build := time.Now()
	const batch = 10_000
	for first := 0; first < events; first += batch {
		if err := f.update(func(tx cooperative.Tx) error {
			for k := first; k < min(first+batch, events); k++ {
				var ev RegisterEvent
				if k < members {
					ev = RegisterEvent{Type: RegisterIssue, Date: cooperative.DateOf(start.AddDate(0, 0, k*365/members)), Class: "A",
						To: ids[k], Ranges: []ShareRange{{First: int64(k*10 + 1), Last: int64(k*10 + 10)}}, Ref: ids[k]}
				} else {
					j := k - members
					from, round := j%members, j/members // the round picks the lowest own share still held
					ev = RegisterEvent{Type: RegisterTransfer, Date: cooperative.DateOf(start.AddDate(1, 0, j/1000)), Class: "A",
						From: ids[from], To: ids[(from+1)%members],
						Ranges: []ShareRange{{First: int64(from*10 + 1 + round), Last: int64(from*10 + 1 + round)}}, Ref: strconv.Itoa(k)}
				}
				key := "e" + strconv.Itoa(k)
				if k == min(first+batch, events)-1 { // the batch's last: the head follows
					if _, err := appendRegisterEvent(tx, f.coop, key, ev); err != nil {
						return err
					}
					continue
				}
				if _, _, err := tx.Append(cooperative.JournalEntry{Journal: RegisterJournal(f.coop), Key: key,
					Data: cooperative.Encode(ev)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if (first+batch)%CheckpointEvery == 0 {
			if _, err := f.reg.CheckpointRegister(f.ctx, f.coop); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Logf("built %d members, %d events in %v", members, events, time.Since(build).Round(time.Millisecond))
	measure := func(from, to cooperative.Date) int {
		var n int
		if err := f.run.View(f.ctx, func(tx cooperative.Tx) error {
			ps, err := SharePeriods(tx, f.coop, from, to)
			n = len(ps)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		return n
	}
	// A year (the checkpoint before it is used), and everything in one window, no
	// checkpoint usable: the worst case.
	for _, w := range []struct{ name, from, to string }{{"year", "2025-01-01", "2026-01-01"}, {"all", "2023-01-01", "2027-01-01"}} {
		b.Run(w.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				n = measure(cooperative.Date(w.from), cooperative.Date(w.to))
			}
			b.ReportMetric(float64(n), "periods")
		})
	}
}
