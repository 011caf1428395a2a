package distribution_test

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/internal/testkit"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

var dregBoard = cooperative.Actor{UserID: "board-1", Role: "board"}

type dregClock = testkit.Clock

// dregFixture is one cooperative on the real embedded store (statutes: class A €50,
// class B €250, dividend cap 6%), with the distribution and members services.
type dregFixture struct {
	t       testing.TB
	ctx     context.Context
	store   cooperative.Store
	clock   *dregClock
	run     *cooperative.Runner
	dist    *distribution.Distributions
	members *membership.Members
	coop    string
}

func newDregFixture(t testing.TB) *dregFixture {
	t.Helper()
	s := testkit.OpenStore(t)
	f := &dregFixture{t: t, ctx: context.Background(), store: s, clock: testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	f.run = cooperative.NewRunner(s, f.clock.Now)
	f.dist = distribution.New(s, distribution.Options{Now: f.clock.Now})
	f.members = membership.NewMembers(s, membership.MembersOptions{Now: f.clock.Now, Sends: identity.SendLimits{Window: time.Hour},
		HeldShares: shares.HeldShares})
	f.coop = f.cooperative("Zon op Noord", "12345678")
	return f
}

func (f *dregFixture) cooperative(name, regno string) string {
	f.t.Helper()
	c := testkit.NewCooperative(f.t, f.run, name, regno)
	if _, err := f.members.AdoptStatutes(f.ctx, dregBoard, membership.Statutes{CooperativeID: c.ID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{
			{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1, MaxPerMember: 20, ConfersMembership: true},
			{Code: "B", Name: "Investor share", NominalCents: 25000, MaxPerMember: 5}},
		DividendCapBP: 600, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}); err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// member applies (a person, or an entity) in coop and, when approve, is admitted.
func (f *dregFixture) member(coop, name string, kind membership.MemberKind, approve bool) membership.Member {
	f.t.Helper()
	app := membership.Application{CooperativeID: coop, Kind: kind, Name: name,
		Address: membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		Email:   strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", IBAN: "NL91ABNA0417164300", Language: "nl",
		StatutesVersion: 1}
	if kind == membership.MemberPerson {
		app.DateOfBirth = "1980-05-17"
	} else {
		app.RegistrationNumber = "87654321"
	}
	m, err := f.members.Apply(f.ctx, app)
	if err != nil {
		f.t.Fatal(err)
	}
	if approve {
		if m, err = f.members.Approve(f.ctx, dregBoard, coop, m.ID); err != nil {
			f.t.Fatal(err)
		}
	}
	return m
}

func dregWant(t *testing.T, err error, code, rule string) {
	t.Helper()
	if cooperative.ErrorCode(err) != code || !strings.Contains(cooperative.ErrorMessage(err), rule) {
		t.Fatalf("want %s %s, got %v", code, rule, err)
	}
}

// auditCount is how many audit entries the cooperative has: a refusal adds none.
func (f *dregFixture) auditCount() int {
	f.t.Helper()
	es, _, err := cooperative.ReadAudit(f.ctx, f.store, f.coop, 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(es)
}

func (f *dregFixture) rateProposal() distribution.NewAppropriation {
	return distribution.NewAppropriation{CooperativeID: f.coop, Year: 2025, ResultCents: 10_000_00, ReservesCents: 4_000_00,
		FundCents: 1_000_00, Method: distribution.DividendRate, RateBP: 400, MembersCents: 3_500_00, RecordDate: "2026-05-01"}
}

var dregPDF = []byte("%PDF-1.4\n% minutes of the general meeting\n%%EOF\n")

func (f *dregFixture) decision() distribution.DecisionInput {
	return distribution.DecisionInput{Date: "2026-02-20", VotesFor: 41, VotesAgainst: 3, Abstaining: 2, FileName: "alv-2026.pdf",
		Minutes: dregPDF}
}

func TestSettings(t *testing.T) {
	f := newDregFixture(t)
	s, err := f.dist.Settings(f.ctx, f.coop)
	if err != nil || !reflect.DeepEqual(s, distribution.DefaultSettings(f.coop)) {
		t.Fatalf("settings before any: %+v %v, want the defaults", s, err)
	}
	if s.DefaultElection != distribution.ElectPayout || s.WithholdingBP != 0 || s.ExemptionCents != 0 {
		t.Fatalf("defaults %+v: pay out, withhold nothing", s)
	}
	good := distribution.Settings{CooperativeID: f.coop, WithholdingBP: 3000, ExemptionCents: 190_00, ThresholdCents: 100,
		DefaultElection: distribution.ElectReinvest, ReinvestClass: "A"}
	audits := f.auditCount()
	for name, c := range map[string]struct {
		change     func(*distribution.Settings)
		code, rule string
	}{
		"withholding over 100%": {func(s *distribution.Settings) { s.WithholdingBP = 10001 }, cooperative.ERULE, "withholding_range"},
		"negative withholding":  {func(s *distribution.Settings) { s.WithholdingBP = -1 }, cooperative.ERULE, "withholding_range"},
		"negative exemption":    {func(s *distribution.Settings) { s.ExemptionCents = -1 }, cooperative.EINVALID, "exemptionCents"},
		"negative threshold":    {func(s *distribution.Settings) { s.ThresholdCents = -1 }, cooperative.EINVALID, "thresholdCents"},
		"no such election":      {func(s *distribution.Settings) { s.DefaultElection = "keep" }, cooperative.EINVALID, "defaultElection"},
		"no such class":         {func(s *distribution.Settings) { s.ReinvestClass = "Z" }, cooperative.EINVALID, "share class"},
		"reinvest, no class":    {func(s *distribution.Settings) { s.ReinvestClass = "" }, cooperative.ERULE, "reinvest_class"},
		"no such cooperative":   {func(s *distribution.Settings) { s.CooperativeID = cooperative.NewID() }, cooperative.ENOTFOUND, ""},
	} {
		t.Run(name, func(t *testing.T) {
			in := good
			c.change(&in)
			_, err := f.dist.SetSettings(f.ctx, dregBoard, in)
			dregWant(t, err, c.code, c.rule)
		})
	}
	if got, _ := f.dist.Settings(f.ctx, f.coop); !reflect.DeepEqual(got, distribution.DefaultSettings(f.coop)) || f.auditCount() != audits {
		t.Fatalf("refusals changed the settings to %+v or wrote an audit entry", got)
	}
	set, err := f.dist.SetSettings(f.ctx, dregBoard, good)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.dist.Settings(f.ctx, f.coop)
	if err != nil || got.WithholdingBP != 3000 || got.ExemptionCents != 190_00 || got.ReinvestClass != "A" ||
		got.DefaultElection != distribution.ElectReinvest || !got.UpdatedAt.Equal(set.UpdatedAt) || f.auditCount() != audits+1 {
		t.Fatalf("settings %+v (%v), want what was set, audited once", got, err)
	}
}

func TestAppropriationLifecycle(t *testing.T) {
	f := newDregFixture(t)
	in := f.rateProposal()
	a, err := f.dist.Propose(f.ctx, dregBoard, in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != distribution.AppropriationProposed || a.Year != 2025 || a.RateBP != 400 || a.RecordDate != "2026-05-01" {
		t.Fatalf("proposed %+v", a)
	}
	// Changed while proposed: a pool now.
	in.Method, in.RateBP, in.MembersCents = distribution.DividendPool, 0, 5_000_00
	if a, err = f.dist.Propose(f.ctx, dregBoard, in); err != nil || a.Method != distribution.DividendPool || a.MembersCents != 5_000_00 {
		t.Fatalf("changed: %+v %v", a, err)
	}
	// Executing needs a decision first: markExecuted refuses (see the internal test).
	d, err := f.dist.Decide(f.ctx, dregBoard, f.coop, 2025, f.decision())
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != distribution.AppropriationDecided || d.Decision == nil || d.Decision.VotesFor != 41 ||
		d.Decision.Minutes.Bytes != int64(len(dregPDF)) || d.Decision.Minutes.FileName != "alv-2026.pdf" ||
		len(d.Decision.Minutes.SHA256) != 64 {
		t.Fatalf("decided %+v", d)
	}
	m, err := f.dist.Minutes(f.ctx, f.coop, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(m.Content); string(b) != string(dregPDF) || m.File.ContentType != "application/pdf" {
		t.Fatalf("minutes %q %+v, want the PDF uploaded", b, m.File)
	}
	// Decided: fixed.
	audits := f.auditCount()
	_, err = f.dist.Propose(f.ctx, dregBoard, in)
	dregWant(t, err, cooperative.ERULE, "appropriation_decided")
	_, err = f.dist.Decide(f.ctx, dregBoard, f.coop, 2025, f.decision())
	dregWant(t, err, cooperative.ERULE, "appropriation_decided")
	if f.auditCount() != audits {
		t.Fatal("a refusal wrote an audit entry")
	}
	got, err := f.dist.Appropriation(f.ctx, f.coop, 2025)
	if err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("read back %+v (%v), want %+v", got, err, d)
	}
	var read distribution.Appropriation
	if err := f.run.View(f.ctx, func(tx cooperative.Tx) (err error) {
		read, err = distribution.AppropriationFor(tx, f.coop, 2025)
		return err
	}); err != nil ||
		!reflect.DeepEqual(read, d) {
		t.Fatalf("AppropriationFor: %+v %v", read, err)
	}
	list, _, err := f.dist.ListAppropriations(f.ctx, f.coop, "", 10)
	if err != nil || len(list) != 1 || list[0].ID != d.ID {
		t.Fatalf("list %+v %v", list, err)
	}
	if _, err := f.dist.Appropriation(f.ctx, f.coop, 2024); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("another year: want ENOTFOUND, got %v", err)
	}
	if _, err := f.dist.Minutes(f.ctx, f.coop, 2024); cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		t.Fatalf("minutes of another year: want ENOTFOUND, got %v", err)
	}
}

func TestAppropriationRefusals(t *testing.T) {
	f := newDregFixture(t)
	for name, c := range map[string]struct {
		change     func(*distribution.NewAppropriation)
		code, rule string
	}{
		"rate over the cap": {func(a *distribution.NewAppropriation) { a.RateBP = 601 }, cooperative.ERULE, "dividend_cap"},
		"split over the result": {func(a *distribution.NewAppropriation) { a.ReservesCents, a.FundCents = 9_000_00, 1_000_01 },
			cooperative.ERULE, "split_over_result"},
		"pool over the result": {func(a *distribution.NewAppropriation) {
			a.Method, a.RateBP, a.MembersCents = distribution.DividendPool, 0, 5_000_01
		}, cooperative.ERULE, "split_over_result"},
		"patronage over the result": {func(a *distribution.NewAppropriation) {
			a.Method, a.RateBP, a.MembersCents = distribution.Patronage, 0, 5_000_01
		}, cooperative.ERULE, "split_over_result"},
		"record date in the year": {func(a *distribution.NewAppropriation) { a.RecordDate = "2025-12-31" }, cooperative.ERULE, "record_date"},
		"record date not a date":  {func(a *distribution.NewAppropriation) { a.RecordDate = "1 May" }, cooperative.EINVALID, "recordDate"},
		"no method":               {func(a *distribution.NewAppropriation) { a.Method = "bonus" }, cooperative.EINVALID, "method"},
		"no rate":                 {func(a *distribution.NewAppropriation) { a.RateBP = 0 }, cooperative.EINVALID, "rate"},
		"a rate with a pool":      {func(a *distribution.NewAppropriation) { a.Method = distribution.DividendPool }, cooperative.EINVALID, "rateBp"},
		"a pool of nothing": {func(a *distribution.NewAppropriation) {
			a.Method, a.RateBP, a.MembersCents = distribution.DividendPool, 0, 0
		}, cooperative.EINVALID, "membersCents"},
		"no result":                {func(a *distribution.NewAppropriation) { a.ResultCents = 0 }, cooperative.EINVALID, "result"},
		"negative reserves":        {func(a *distribution.NewAppropriation) { a.ReservesCents = -1 }, cooperative.EINVALID, "reservesCents"},
		"year out of range":        {func(a *distribution.NewAppropriation) { a.Year = 1999 }, cooperative.EINVALID, "year"},
		"no such cooperative":      {func(a *distribution.NewAppropriation) { a.CooperativeID = cooperative.NewID() }, cooperative.ENOTFOUND, ""},
		"amount beyond any":        {func(a *distribution.NewAppropriation) { a.ResultCents = distribution.MaxAmountCents + 1 }, cooperative.EINVALID, "result"},
		"rate estimate over split": {func(a *distribution.NewAppropriation) { a.ReservesCents = 10_000_01 }, cooperative.ERULE, "split_over_result"},
	} {
		t.Run(name, func(t *testing.T) {
			in := f.rateProposal()
			c.change(&in)
			_, err := f.dist.Propose(f.ctx, dregBoard, in)
			dregWant(t, err, c.code, c.rule)
		})
	}
	// At the cap is allowed; the members' estimate of a rate is not part of the split.
	in := f.rateProposal()
	in.RateBP, in.MembersCents = 600, 9_000_00
	if _, err := f.dist.Propose(f.ctx, dregBoard, in); err != nil {
		t.Fatalf("a rate at the cap: %v", err)
	}
	audits := f.auditCount()
	for name, c := range map[string]struct {
		change     func(*distribution.DecisionInput)
		code, rule string
	}{
		"no minutes":          {func(d *distribution.DecisionInput) { d.Minutes = nil }, cooperative.EINVALID, "minutes"},
		"minutes not a PDF":   {func(d *distribution.DecisionInput) { d.Minutes = []byte("<html>") }, cooperative.EINVALID, "PDF"},
		"minutes too large":   {func(d *distribution.DecisionInput) { d.Minutes = append(dregPDF, make([]byte, 5<<20)...) }, cooperative.EINVALID, "MiB"},
		"meeting in the year": {func(d *distribution.DecisionInput) { d.Date = "2025-06-01" }, cooperative.ERULE, "decision_date"},
		"meeting to come":     {func(d *distribution.DecisionInput) { d.Date = "2026-03-02" }, cooperative.ERULE, "decision_date"},
		"not adopted":         {func(d *distribution.DecisionInput) { d.VotesFor, d.VotesAgainst = 10, 10 }, cooperative.ERULE, "majority"},
		"negative votes":      {func(d *distribution.DecisionInput) { d.Abstaining = -1 }, cooperative.EINVALID, "votes"},
		"not a date":          {func(d *distribution.DecisionInput) { d.Date = "2026-02-30" }, cooperative.EINVALID, "date"},
	} {
		t.Run(name, func(t *testing.T) {
			d := f.decision()
			c.change(&d)
			_, err := f.dist.Decide(f.ctx, dregBoard, f.coop, 2025, d)
			dregWant(t, err, c.code, c.rule)
		})
	}
	_, err := f.dist.Decide(f.ctx, dregBoard, f.coop, 2024, f.decision())
	dregWant(t, err, cooperative.ENOTFOUND, "")
	if a, _ := f.dist.Appropriation(f.ctx, f.coop, 2025); a.Status != distribution.AppropriationProposed || f.auditCount() != audits {
		t.Fatalf("refused decisions changed %+v or audited", a)
	}
	// The statutes lowered the cap before the meeting: the rate is refused at the decision.
	if _, err := f.members.AdoptStatutes(f.ctx, dregBoard, membership.Statutes{CooperativeID: f.coop, EffectiveFrom: "2026-03-01",
		ShareClasses: []membership.ShareClass{
			{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1, MaxPerMember: 20, ConfersMembership: true},
			{Code: "B", Name: "Investor share", NominalCents: 25000, MaxPerMember: 5}},
		DividendCapBP: 300, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.dist.Decide(f.ctx, dregBoard, f.coop, 2025, f.decision()); err != nil {
		t.Fatalf("the cap of the statutes in force at the year's end counts: %v", err)
	}
}

func TestPatronageBasis(t *testing.T) {
	f := newDregFixture(t)
	ann := f.member(f.coop, "Ann Veld", membership.MemberPerson, true)
	bob := f.member(f.coop, "Bob Dijk", membership.MemberPerson, true)
	other := f.cooperative("Wind van Zee", "23456789")
	stranger := f.member(other, "Cas Zee", membership.MemberPerson, true) // number 1 of another cooperative
	f.member(other, "Dirk Zee", membership.MemberPerson, true)
	f.member(other, "Eva Zee", membership.MemberPerson, true) // number 3 there, none here
	in := f.rateProposal()
	in.Method, in.RateBP, in.MembersCents = distribution.Patronage, 0, 2_000_00
	if _, err := f.dist.Propose(f.ctx, dregBoard, in); err != nil {
		t.Fatal(err)
	}
	// Deciding without a basis is refused.
	_, err := f.dist.Decide(f.ctx, dregBoard, f.coop, 2025, f.decision())
	dregWant(t, err, cooperative.ERULE, "basis_required")

	csv := func(lines ...string) io.Reader {
		return strings.NewReader("member_number,quantity\n" + strings.Join(lines, "\n") + "\n")
	}
	if stranger.Number != 1 || ann.Number != 1 || bob.Number != 2 {
		t.Fatalf("numbers %d %d %d", stranger.Number, ann.Number, bob.Number)
	}
	// Number 3 is a member of the other cooperative, none of this one; a member twice;
	// a bad quantity.
	_, err = f.dist.ImportBasis(f.ctx, dregBoard, f.coop, 2025, csv("1,1200", "3,50", "2,x", "1,10"))
	dregWant(t, err, cooperative.ERULE, "basis_refused")
	lines := distribution.RefusedLinesOf(err)
	if len(lines) != 3 || lines[0].Line != 3 || lines[1].Line != 4 || lines[2].Line != 5 {
		t.Fatalf("refused %+v, want lines 3, 4 and 5", lines)
	}
	if err := f.run.View(f.ctx, func(tx cooperative.Tx) error { _, err := distribution.BasisFor(tx, f.coop, 2025); return err }); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("a refused file imported something: %v", err)
	}
	a, err := f.dist.ImportBasis(f.ctx, dregBoard, f.coop, 2025, csv("1,1200", "2,800"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Basis == nil || a.Basis.Members != 2 || a.Basis.Total != 2000 {
		t.Fatalf("basis %+v", a.Basis)
	}
	var q map[string]int64
	if err := f.run.View(f.ctx, func(tx cooperative.Tx) (err error) { q, err = distribution.BasisFor(tx, f.coop, 2025); return err }); err != nil ||
		!reflect.DeepEqual(q, map[string]int64{ann.ID: 1200, bob.ID: 800}) {
		t.Fatalf("BasisFor %v %v", q, err)
	}
	// A rate proposal takes no basis.
	in2 := f.rateProposal()
	in2.Year = 2024
	in2.RecordDate = "2025-05-01"
	if _, err := f.dist.Propose(f.ctx, dregBoard, in2); err != nil {
		t.Fatal(err)
	}
	_, err = f.dist.ImportBasis(f.ctx, dregBoard, f.coop, 2024, csv("1,5"))
	dregWant(t, err, cooperative.ERULE, "basis_method")
	if _, err := f.dist.Decide(f.ctx, dregBoard, f.coop, 2025, f.decision()); err != nil {
		t.Fatal(err)
	}
	_, err = f.dist.ImportBasis(f.ctx, dregBoard, f.coop, 2025, csv("1,5"))
	dregWant(t, err, cooperative.ERULE, "appropriation_decided")
}
