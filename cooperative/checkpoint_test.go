package cooperative_test

import (
	"testing"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

func TestCheckpointIfDue(t *testing.T) {
	f := newFixture(t, membership.AllocationFirstCome)
	o := f.offering("A", 5000, 100)
	for _, name := range []string{"Anna", "Bram", "Cor"} {
		f.buy(o, f.member(name), 3)
	}
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID); err != nil {
		t.Fatal(err)
	}
	events := int64(f.journalLen(shares.RegisterJournal(f.coop.ID)))
	if events < 3 {
		t.Fatalf("only %d register events", events)
	}
	before, err := f.reg.HoldingsOn(f.ctx, f.coop.ID, f.clock.Today())
	if err != nil {
		t.Fatal(err)
	}
	if did, err := f.reg.CheckpointIfDue(f.ctx, f.coop.ID, events+1); err != nil || did {
		t.Fatalf("checkpoint with %d events, interval %d: %v %v", events, events+1, did, err)
	}
	if did, err := f.reg.CheckpointIfDue(f.ctx, f.coop.ID, events); err != nil || !did {
		t.Fatalf("no checkpoint after %d events: %v %v", events, did, err)
	}
	// Nothing new since: not due again, even with the smallest interval.
	if n, err := f.reg.CheckpointAllDue(f.ctx, 1); err != nil || n != 0 {
		t.Fatalf("CheckpointAllDue wrote %d: %v", n, err)
	}
	after, err := f.reg.HoldingsOn(f.ctx, f.coop.ID, f.clock.Today())
	if err != nil {
		t.Fatal(err)
	}
	if !sameHoldings(before, after) {
		t.Fatalf("holdings changed by a checkpoint:\n%v\n%v", before, after)
	}
	if _, err := f.reg.CheckpointIfDue(f.ctx, f.coop.ID, 0); cooperative.ErrorCode(err) != cooperative.EINVALID {
		t.Fatalf("interval 0: %v", err)
	}
}
