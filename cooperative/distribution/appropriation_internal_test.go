package distribution

import (
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// markExecuted closes only a decided appropriation, once.
func TestMarkExecutedOnlyDecided(t *testing.T) {
	now := time.Date(2026, 5, 15, 9, 0, 0, 0, time.UTC)
	totals := Totals{Members: 2, GrossCents: 1334, NetCents: 1334, PayoutCents: 1334}
	for _, st := range []AppropriationStatus{AppropriationProposed, AppropriationExecuted} {
		a := Appropriation{Year: 2025, Status: st}
		err := markExecuted(nil, &a, "2026-05-15", totals, now)
		if cooperative.ErrorCode(err) != cooperative.ERULE || !strings.Contains(cooperative.ErrorMessage(err), "appropriation_undecided") ||
			a.Status != st {
			t.Fatalf("%s: want rule appropriation_undecided and nothing changed, got %v (%s)", st, err, a.Status)
		}
	}
}
