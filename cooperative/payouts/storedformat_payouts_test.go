package payouts

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/internal/storedcases"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the payouts collections (see package storedtest). Refresh the
// golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/payouts/ -update

func TestStoredFormatPayouts(t *testing.T) {
	storedtest.Run(t, storedcases.GoldenDir, payoutsStoredCases())
}

func TestStoredFormatPayoutsCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedcases.GoldenDir, OwnGolden: true,
		MinCollections: 3, MinJournals: 0}, payoutsStoredCases())
}

const (
	storedBatch    = "01960000-0000-7000-8000-00000000c0b1"
	storedTransfer = "KP01960000000070008000000000c0b1"
)

func payoutsStoredCases() []storedtest.Case {
	open := Payable{ID: storedtest.Object, CooperativeID: storedtest.Coop, MemberID: storedtest.Member, Reason: ReasonShareRedemption,
		Account: "refunds_payable", AmountCents: 10050, DueOn: "2025-04-01", Text: "Redemption of 2 shares A",
		SourceType: "withdrawal", SourceID: storedtest.Sub, Status: PayableOpen, BatchID: storedBatch, TransferID: storedTransfer,
		PaidOn: "2025-04-03", Payee: &Payee{Name: "Stichting Buurttuin", IBAN: "NL39RABO0300065264"}, Returns: 1, LastReturn: "AC04: the account is closed", CreatedAt: storedtest.Time,
		UpdatedAt: storedtest.At(48 * time.Hour)}
	return storedcases.WithRecords(payoutsStoredRecord, []storedtest.Case{
		{Name: collectionPayables, Value: open, Decode: storedcases.ViaDecode[Payable]},
		{Name: collectionBatches, Value: Batch{ID: storedBatch, CooperativeID: storedtest.Coop,
			MessageID: "KB01960000000070008000000000c0b1", Reason: ReasonRefund, DueBy: "2025-04-01", ExecutionDate: "2025-04-02",
			Status: BatchSent, Payments: 2, TotalCents: 20100, CreatedBy: storedtest.User, CreatedAt: storedtest.Time,
			ApprovedBy: "01960000-0000-7000-8000-00000000b002", ApprovedAt: storedtest.At(time.Hour), SentBy: storedtest.User,
			SentAt: storedtest.At(2 * time.Hour), SentSeq: 42, CancelledBy: storedtest.User, CancelledAt: storedtest.At(3 * time.Hour)},
			Decode: storedcases.ViaDecode[Batch]},
		{Name: collectionTransfers, Value: Transfer{ID: storedTransfer, CooperativeID: storedtest.Coop, BatchID: storedBatch,
			PayableID: storedtest.Object, MemberID: storedtest.Member, Reason: ReasonShareRedemption, Account: "refunds_payable",
			AmountCents: 10050, Name: "A. de Vries", IBAN: "NL91ABNA0417164300", Payee: true, Text: "Redemption of 2 shares A",
			Status: TransferReturned, DebitLine: storedtest.Coop + "/NL91ABNA0417164300/REF1", PaidOn: "2025-04-03",
			ReturnLine: storedtest.Coop + "/NL91ABNA0417164300/REF2", ReturnedOn: "2025-04-05", ReturnReason: "AC04"},
			Decode: storedcases.ViaDecode[Transfer]},
	})
}

// payoutsStoredRecord is how the record methods write each value.
func payoutsStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	switch v := c.Value.(type) {
	case Payable:
		return storedcases.FromRecord(v.record()), true
	case Batch:
		return storedcases.FromRecord(v.record()), true
	case Transfer:
		return storedcases.FromRecord(v.record()), true
	}
	return storedtest.Record{}, false
}
