package shares

import (
	"context"
	"fmt"

	"github.com/kracht-coop/kracht/cooperative"
)

// CheckpointEvery is how many register events may follow the last checkpoint before a
// new one is due. At 50,000, "who held what on date D" over 100,000 members and
// 1,000,000 events answers in about 0.7 s (BenchmarkHoldingsOn); at 100,000 it is 1.3 s.
const CheckpointEvery = 50_000

// CheckpointIfDue writes a register checkpoint for the cooperative when at least every
// events came after the last one, and reports whether it did. It is cheap when nothing
// is due (one record and one journal read), so a job may call it often; two replicas
// calling it at once write one checkpoint (the head record's version decides).
func (r *Registry) CheckpointIfDue(ctx context.Context, cooperativeID string, every int64) (bool, error) {
	if every < 1 {
		return false, cooperative.Errorf(cooperative.EINVALID, "checkpoint interval must be positive")
	}
	var due bool
	err := r.view(ctx, func(tx cooperative.Tx) error {
		head, _, err := cooperative.GetAs[registerHead](tx, collectionRegHeads, cooperativeID)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return nil // no register events yet
		}
		if err != nil {
			return err
		}
		var last int64
		if n := len(head.Checkpoints); n > 0 {
			last = head.Checkpoints[n-1].Seq
		}
		// Is there an event number last+every? Then every events followed the checkpoint.
		es, err := tx.ReadJournal(RegisterJournal(cooperativeID), last+every-1, 1)
		due = len(es) > 0
		return err
	})
	if err != nil || !due {
		return false, err
	}
	if _, err := r.CheckpointRegister(ctx, cooperativeID); err != nil {
		return false, fmt.Errorf("checkpoint register of %s: %w", cooperativeID, err)
	}
	return true, nil
}

// CheckpointAllDue runs CheckpointIfDue for every cooperative and returns how many
// checkpoints it wrote.
func (r *Registry) CheckpointAllDue(ctx context.Context, every int64) (int, error) {
	written, after := 0, ""
	for {
		list, next, err := cooperative.ListCooperatives(ctx, r.run.Store(), after, cooperative.MaxPageSize)
		if err != nil {
			return written, err
		}
		for _, c := range list {
			did, err := r.CheckpointIfDue(ctx, c.ID, every)
			if err != nil {
				return written, err
			}
			if did {
				written++
			}
		}
		if next == "" {
			return written, nil
		}
		after = next
	}
}
