package cooperative_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// BenchmarkHoldingsOn measures "who held what on date D" for a cooperative with 100,000
// members and 1,000,000 register events (100,000 issues, then 900,000 transfers over
// about 900 days), checkpointed every 50,000 events as the background job would. The
// data set is written through the port (Tx.Append in the register's journal format), as
// the domain path would take hours; KRACHT_BENCH_MEMBERS scales it down.
//
//	go test ./cooperative/ -run '^$' -bench BenchmarkHoldingsOn -benchtime 5x
func BenchmarkHoldingsOn(b *testing.B) {
	members := 100_000
	if s := os.Getenv("KRACHT_BENCH_MEMBERS"); s != "" {
		members, _ = strconv.Atoi(s)
	}
	events := members * 10
	ctx := context.Background()
	store, err := embedded.Open(ctx, filepath.Join(b.TempDir(), "k.db"), embedded.Options{Synchronous: "normal"})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	f := &fixture{t: b, ctx: ctx, store: store, clock: &clock{now: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}
	f.services()
	coopID := cooperative.NewID()
	ids := make([]string, members)
	for i := range ids {
		ids[i] = cooperative.NewID()
	}
	// Each member gets 10 shares; transfers move 1 share from member i to member i+1.
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	build := time.Now()
	const batch, checkpointEvery = 10_000, 50_000
	for first := 0; first < events; first += batch {
		err := store.Update(ctx, func(tx cooperative.Tx) error {
			for k := first; k < min(first+batch, events); k++ {
				var ev shares.RegisterEvent
				if k < members {
					ev = shares.RegisterEvent{Type: shares.RegisterIssue, Date: cooperative.DateOf(start), Class: "A",
						To: ids[k], Ranges: []shares.ShareRange{{First: int64(k*10 + 1), Last: int64(k*10 + 10)}}, Ref: ids[k]}
				} else {
					j := k - members
					from := j % members
					// The j-th transfer out of member `from` moves its lowest share still held:
					// shares taken by earlier rounds come back from the neighbour, so use
					// the round number to pick the share the domain would pick.
					round := j / members
					ev = shares.RegisterEvent{Type: shares.RegisterTransfer,
						Date: cooperative.DateOf(start.AddDate(0, 0, 1+j/1000)), Class: "A", From: ids[from], To: ids[(from+1)%members],
						Ranges: []shares.ShareRange{{First: int64(from*10 + 1 + round), Last: int64(from*10 + 1 + round)}},
						Ref:    strconv.Itoa(k)}
				}
				data, _ := json.Marshal(ev)
				if _, _, err := tx.Append(cooperative.JournalEntry{Journal: shares.RegisterJournal(coopID),
					Key: "e" + strconv.Itoa(k), Data: data}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if (first+batch)%checkpointEvery == 0 {
			if _, err := f.reg.CheckpointRegister(ctx, coopID); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Logf("built %d members, %d events in %v", members, events, time.Since(build).Round(time.Millisecond))
	// The worst case for checkpoints: a date just before the last checkpoint, so the
	// previous one is loaded and up to 50,000 events replayed.
	lastDay := cooperative.DateOf(start.AddDate(0, 0, (events-members)/1000))
	worst := lastDay.AddDays(-1)
	var peak uint64
	var mu sync.Mutex
	stop := make(chan struct{})
	go func() { // sample the heap while the query runs
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				mu.Lock()
				peak = max(peak, ms.HeapInuse)
				mu.Unlock()
			}
		}
	}()
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		hs, err := f.reg.HoldingsOn(ctx, coopID, worst)
		if err != nil {
			b.Fatal(err)
		}
		if len(hs) != members {
			b.Fatalf("%d holders, want %d", len(hs), members)
		}
	}
	b.StopTimer()
	close(stop)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mu.Lock()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	mu.Unlock()
	b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MiB")
	// And with no checkpoint at all: the full replay an auditor would do.
	t0 := time.Now()
	if _, err := f.reg.ReplayRegister(ctx, coopID); err != nil {
		b.Fatal(err)
	}
	b.Logf("full replay without checkpoints: %v", time.Since(t0).Round(time.Millisecond))
}

// BenchmarkSubscribe measures subscriptions accepted per second on the embedded store
// (synchronous=full, the default) by many concurrent subscribers, at the domain level;
// the API-level figure needs the HTTP routes (phase 2).
//
//	go test ./cooperative/ -run '^$' -bench BenchmarkSubscribe -benchtime 5000x
func BenchmarkSubscribe(b *testing.B) {
	ctx := context.Background()
	store, err := embedded.Open(ctx, filepath.Join(b.TempDir(), "k.db"), embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	f := &fixture{t: b, ctx: ctx, store: store, clock: &clock{now: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}}
	f.services()
	if err := store.Update(ctx, func(tx cooperative.Tx) (err error) {
		f.coop, err = cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Bench", Kind: cooperative.KindEnergy,
			Country: "NL", RegistrationNumber: "1", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, f.clock.Now())
		return err
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := f.members.AdoptStatutes(ctx, board, membership.Statutes{CooperativeID: f.coop.ID, EffectiveFrom: "2020-01-01",
		ShareClasses:     []membership.ShareClass{{Code: "A", Name: "A", NominalCents: 5000, MinPerMember: 1, MaxPerMember: 1_000_000, ConfersMembership: true}},
		NoticePeriodDays: 30, Allocation: membership.AllocationProRata}); err != nil {
		b.Fatal(err)
	}
	const subscribers = 200
	ms := make([]membership.Member, subscribers)
	for i := range ms {
		ms[i] = f.member(fmt.Sprint("M", i))
	}
	o, err := f.reg.OpenOffering(ctx, board, shares.NewOffering{CooperativeID: f.coop.ID, Class: "A", PriceCents: 5000,
		CapShares: 1_000_000_000, MinPerSubscription: 1, MaxPerSubscription: 10, MaxPerMember: 1_000_000,
		OpensAt: f.clock.Now(), ClosesAt: f.clock.Now().Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(subscribers / runtime.GOMAXPROCS(0))
	var next int64
	var mu sync.Mutex
	t0 := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			i := next
			next++
			mu.Unlock()
			if _, err := f.reg.Subscribe(ctx, shares.SubscriptionRequest{CooperativeID: f.coop.ID, OfferingID: o.ID,
				MemberID: ms[i%subscribers].ID, Shares: 1}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "subscriptions/s")
}
