package distribution

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/internal/storedcases"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the distribution's collections (see package storedtest). Refresh
// the golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/distribution/ -update

func TestStoredFormatDistribution(t *testing.T) {
	storedtest.Run(t, storedcases.GoldenDir, distributionStoredCases())
}

func TestStoredFormatDistributionCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedcases.GoldenDir, OwnGolden: true,
		MinCollections: 7, MinJournals: 0}, distributionStoredCases())
}

func distributionStoredCases() []storedtest.Case {
	minutes := MinutesFile{FileName: "alv-2026.pdf", ContentType: "application/pdf", Bytes: 48,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
	appr := Appropriation{ID: storedtest.Coop + ":2025", CooperativeID: storedtest.Coop, Year: 2025, ResultCents: 1_000_000,
		ReservesCents: 400_000, FundCents: 100_000, Method: DividendRate, RateBP: 400, MembersCents: 350_000, RecordDate: "2026-05-01",
		Status: AppropriationExecuted, Basis: &BasisSummary{Members: 2, Total: 2000, ImportedBy: storedtest.User, ImportedAt: storedtest.Time},
		Decision: &Decision{Date: "2026-04-20", VotesFor: 41, VotesAgainst: 3, Abstaining: 2, Minutes: minutes, RecordedBy: storedtest.User,
			RecordedAt: storedtest.At(time.Hour)},
		ExecutedOn: "2026-05-15", Totals: &Totals{Members: 2, GrossCents: 1334, WithholdingCents: 300, NetCents: 1034, PayoutCents: 500,
			ReinvestShares: 1, ReinvestCents: 500, DonationCents: 34},
		ProposedBy: storedtest.User2, CreatedAt: storedtest.Time, UpdatedAt: storedtest.At(2 * time.Hour)}
	return storedcases.WithRecords(distributionStoredRecord, []storedtest.Case{
		{Name: collectionSettings, Value: Settings{CooperativeID: storedtest.Coop, WithholdingBP: 3000, ExemptionCents: 19000,
			ThresholdCents: 100, DefaultElection: ElectReinvest, ReinvestClass: "A", UpdatedAt: storedtest.Time},
			Decode: storedcases.ViaDecode[Settings]},
		{Name: collectionAppropriations, Value: appr, Decode: storedcases.ViaDecode[Appropriation]},
		{Name: collectionMinutes, Value: minutesRecord{CooperativeID: storedtest.Coop, Year: 2025, File: minutes,
			Content: []byte("%PDF-1.4\n%%EOF\n")}, Decode: storedcases.ViaDecode[minutesRecord]},
		{Name: collectionBases, Value: regBasisRecord{CooperativeID: storedtest.Coop, Year: 2025,
			Quantities: map[string]int64{storedtest.Member: 1200, storedtest.Member2: 800}}, Decode: storedcases.ViaDecode[regBasisRecord]},
		{Name: collectionElections, Value: MemberElection{CooperativeID: storedtest.Coop, MemberID: storedtest.Member,
			History: []ElectionChange{{Election: ElectReinvest, SetOn: "2026-03-01", SetAt: storedtest.Time, SetBy: storedtest.User},
				{Election: ElectDonate, SetOn: "2026-04-10", SetAt: storedtest.At(time.Hour), SetBy: storedtest.User}}},
			Decode: storedcases.ViaDecode[MemberElection]},
		{Name: collectionExecutions, Value: Execution{ID: storedtest.Coop + ":2025", CooperativeID: storedtest.Coop, Year: 2025,
			Status: ExecutionDone, ExecutedOn: "2026-05-02", Lines: 2, DoneLines: 2, Chunks: 1, DoneChunks: 1,
			Totals: Totals{Members: 2, GrossCents: 26652, WithholdingCents: 3998, NetCents: 22654, PayoutCents: 12654, ReinvestShares: 2,
				ReinvestCents: 10000, DonationCents: 5}, EntrySeq: 12, StartedBy: storedtest.User, StartedAt: storedtest.Time,
			UpdatedAt: storedtest.At(time.Second), FinishedAt: storedtest.At(2 * time.Second), Replayed: true},
			Decode: storedcases.ViaDecode[Execution]},
		{Name: collectionChunks, Value: executionChunk{CooperativeID: storedtest.Coop, Year: 2025, Index: 3, Lines: []Line{{
			MemberID: storedtest.Member, Number: 1, ShareDays: 1336, WeightCents: 133600000, Basis: 1200, GrossCents: 14641,
			WithholdingCents: 2196, NetCents: 12445, Election: ElectReinvest, BelowThreshold: true, PayoutCents: 2445, ReinvestShares: 2,
			ReinvestCents: 10000, DonationCents: 1}}}, Decode: storedcases.ViaDecode[executionChunk]},
	})
}

// distributionStoredRecord is how the record methods write each value; the minutes and
// the bases are written inline (Encode of the value).
func distributionStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	switch v := c.Value.(type) {
	case Settings:
		return storedcases.FromRecord(v.record()), true
	case Appropriation:
		return storedcases.FromRecord(v.record()), true
	case Execution:
		return storedcases.FromRecord(v.record()), true
	case executionChunk:
		return storedcases.FromRecord(v.record()), true
	case MemberElection:
		return storedcases.FromRecord(v.record()), true
	}
	return storedtest.Record{}, false
}
