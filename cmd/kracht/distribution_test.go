package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// `kracht distribution run` on the embedded store: the dry run's totals, the execution,
// and a second run that changes nothing; bad flags refused.
func TestDistributionRunCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := embedded.Open(ctx, filepath.Join(dir, "kracht.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC) }
	runner := cooperative.NewRunner(s, clock)
	board := cooperative.Actor{UserID: "board", Role: "board"}
	var coop cooperative.Cooperative
	if err := runner.Update(ctx, func(tx cooperative.Tx, now time.Time) (err error) {
		coop, err = cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Zon", Kind: cooperative.KindEnergy, Country: "NL",
			RegistrationNumber: "11112222", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ms := membership.NewMembers(s, membership.MembersOptions{Now: clock, Sends: identity.SendLimits{Window: time.Hour}, HeldShares: shares.HeldShares})
	if _, err := ms.AdoptStatutes(ctx, board, membership.Statutes{CooperativeID: coop.ID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1, MaxPerMember: 100,
			ConfersMembership: true}}, DividendCapBP: 500, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}); err != nil {
		t.Fatal(err)
	}
	if err := runner.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		for k, name := range []string{"Ann", "Bob"} {
			m := membership.Member{ID: cooperative.NewID(), CooperativeID: coop.ID, Number: int64(k + 1), Kind: membership.MemberPerson, Name: name,
				Email: strings.ToLower(name) + "@example.org", IBAN: "NL91ABNA0417164300", Language: "en", Status: membership.MemberActive,
				AdmittedOn: "2020-01-01"}
			if _, err := membership.SaveMember(tx, m, "test", board, now); err != nil {
				return err
			}
			if _, err := shares.IssueReinvested(tx, board, coop.ID, m.ID, "A", int64(10*(k+1)), 5000, "2025-01-06", "cli-test:"+name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	d := distribution.New(s, distribution.Options{Now: func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }})
	if _, err := d.Propose(ctx, board, distribution.NewAppropriation{CooperativeID: coop.ID, Year: 2025, ResultCents: 1000_00,
		ReservesCents: 500_00, Method: distribution.DividendPool, MembersCents: 300_00, RecordDate: "2026-05-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decide(ctx, board, coop.ID, 2025, distribution.DecisionInput{Date: "2026-02-27", VotesFor: 2, FileName: "alv.pdf",
		Minutes: []byte("%PDF-1.4\n%%EOF\n")}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	vars := env(map[string]string{"KRACHT_DATA_DIR": dir})
	cli := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"distribution", "run"}, args...), vars, strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, _, err := cli("--cooperative", coop.ID, "--year", "2025", "--dry-run")
	// A pool of 300.00 over 10 and 20 shares held from 6 January: 100.00 and 200.00.
	if err != nil || !strings.Contains(out, "2025: 2 members, gross €300.00, withheld €0.00, net €300.00: paid out €300.00") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if out, _, err = cli("--cooperative", coop.ID, "--year", "2025"); err != nil || !strings.Contains(out, "the distribution of 2025 was executed on") {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if out, _, err = cli("--cooperative", coop.ID, "--year", "2025"); err != nil || !strings.Contains(out, "nothing changed") {
		t.Fatalf("run again: %v\n%s", err, out)
	}
	for _, bad := range [][]string{{"--cooperative", "nope", "--year", "2025"}, {"--cooperative", coop.ID, "--year", "1999"}} {
		if _, _, err := cli(bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, _, err := cli("--cooperative", coop.ID, "--year", "2024"); err == nil || !strings.Contains(err.Error(), "2024") {
		t.Errorf("a year without an appropriation: %v", err)
	}
}
