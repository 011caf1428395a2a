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
		MinCollections: 5, MinJournals: 0}, distributionStoredCases())
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
	case MemberElection:
		return storedcases.FromRecord(v.record()), true
	}
	return storedtest.Record{}, false
}
