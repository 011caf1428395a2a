package distribution_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/internal/heapsample"
	"github.com/kracht-coop/kracht/cooperative/internal/testkit"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// BenchmarkDistribution100k: the issue's target, the dry run and the execution for
// 100,000 members with 1,000,000 register events (ten issues each, spread over the year),
// a dividend pool, 15% withheld, a third reinvesting, a tenth donating; the peak heap is
// sampled. KRACHT_BENCH_MEMBERS sets another number of members (the setup of 100,000
// takes minutes).
//
//	go test -run '^$' -bench Distribution100k -benchtime 1x -timeout 30m ./cooperative/distribution/
func BenchmarkDistribution100k(b *testing.B) {
	members := 100_000
	if n, err := strconv.Atoi(os.Getenv("KRACHT_BENCH_MEMBERS")); err == nil && n > 0 {
		members = n
	}
	const events = 10
	ctx := context.Background()
	s := testkit.OpenStore(b)
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	run := cooperative.NewRunner(s, clock)
	board := cooperative.Actor{UserID: "board", Role: "board"}
	var coop cooperative.Cooperative
	if err := run.Update(ctx, func(tx cooperative.Tx, now time.Time) (err error) {
		coop, err = cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Groot", Kind: cooperative.KindEnergy, Country: "NL",
			RegistrationNumber: "99999999", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, now)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	ms := membership.NewMembers(s, membership.MembersOptions{Now: clock, Sends: identity.SendLimits{Window: time.Hour},
		HeldShares: shares.HeldShares})
	if _, err := ms.AdoptStatutes(ctx, board, membership.Statutes{CooperativeID: coop.ID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1, MaxPerMember: 1000,
			ConfersMembership: true}}, DividendCapBP: 1000, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, members)
	start := time.Now()
	for from := 0; from < members; from += 5000 {
		if err := run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
			for k := from; k < min(from+5000, members); k++ {
				m := membership.Member{ID: cooperative.NewID(), CooperativeID: coop.ID, Number: int64(k + 1), Kind: membership.MemberPerson,
					Name: fmt.Sprint("Member ", k+1), Email: fmt.Sprintf("m%d@example.org", k+1), IBAN: "NL91ABNA0417164300", Language: "nl",
					Status: membership.MemberActive, AdmittedOn: "2020-01-01"}
				if k%9 == 0 {
					m.Kind = membership.MemberEntity
				}
				if _, err := membership.SaveMember(tx, m, "bench", board, now); err != nil {
					return err
				}
				ids[k] = m.ID
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	// Ten issues a member, on ten dates of the year.
	for e := 0; e < events; e++ {
		date := cooperative.Date("2025-01-01").AddDays(e * 36)
		for from := 0; from < members; from += 5000 {
			if err := run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
				for k := from; k < min(from+5000, members); k++ {
					if _, err := shares.IssueReinvested(tx, board, coop.ID, ids[k], "A", int64(1+(k+e)%3), 5000, date,
						fmt.Sprint("bench:", e, ":", k)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Logf("setup of %d members and %d register events: %s", members, members*events, time.Since(start).Round(time.Second))
	now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d := distribution.New(s, distribution.Options{Now: clock})
	if _, err := d.SetSettings(ctx, board, distribution.Settings{CooperativeID: coop.ID, WithholdingBP: 1500, ThresholdCents: 100,
		DefaultElection: distribution.ElectPayout, ReinvestClass: "A"}); err != nil {
		b.Fatal(err)
	}
	for k := 0; k < members; k += 3 {
		election := distribution.ElectReinvest
		if k%10 == 0 {
			election = distribution.ElectDonate
		}
		if _, err := d.SetElection(ctx, cooperative.Actor{UserID: ids[k], Role: "member"}, coop.ID, ids[k], election); err != nil {
			b.Fatal(err)
		}
		if k > 3000 {
			break // elections are per member and slow to set one by one; a few thousand show the paths
		}
	}
	if _, err := d.Propose(ctx, board, distribution.NewAppropriation{CooperativeID: coop.ID, Year: 2025, ResultCents: int64(members) * 10000,
		ReservesCents: int64(members) * 2000, FundCents: int64(members) * 1000, Method: distribution.DividendPool,
		MembersCents: int64(members) * 5000, RecordDate: "2026-05-01"}); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Decide(ctx, board, coop.ID, 2025, distribution.DecisionInput{Date: "2026-02-27", VotesFor: 10, VotesAgainst: 1,
		FileName: "alv.pdf", Minutes: []byte("%PDF-1.4\n%%EOF\n")}); err != nil {
		b.Fatal(err)
	}
	now = time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)

	b.Run("dry", func(b *testing.B) {
		peak := heapsample.Start(b)
		for range b.N {
			t, err := d.DryRun(ctx, coop.ID, 2025)
			if err != nil {
				b.Fatal(err)
			}
			if t.Totals.Members != members {
				b.Fatalf("%d members", t.Totals.Members)
			}
		}
		peak()
	})
	b.Run("execute", func(b *testing.B) {
		peak := heapsample.Start(b)
		for range b.N {
			e, err := d.Execute(ctx, board, coop.ID, 2025, nil)
			if err != nil {
				b.Fatal(err)
			}
			if e.Totals.Members != members {
				b.Fatalf("%+v", e)
			}
		}
		peak()
	})
}
