package shares

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/membership"

	"github.com/kracht-coop/kracht/cooperative/internal/storedcases"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
)

// The stored format of the shares collections and journals (see package storedtest).
// Refresh the golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/shares/ -update

func TestStoredFormatShares(t *testing.T) {
	storedtest.Run(t, storedcases.GoldenDir, sharesStoredCases())
}

func TestStoredFormatSharesCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedcases.GoldenDir, OwnGolden: true,
		MinCollections: 11, MinJournals: 1}, sharesStoredCases())
}

// sharesStoredCases returns a case per collection and journal, each written as the domain writes it.
func sharesStoredCases() []storedtest.Case {
	day := 24 * time.Hour
	ranges := []ShareRange{{First: 1, Last: 10}, {First: 21, Last: 25}}
	sub := Subscription{ID: storedtest.Sub, CooperativeID: storedtest.Coop, OfferingID: storedtest.Offer,
		MemberID: storedtest.Member,
		Class:    "A", Order: 7, Shares: 15, AmountCents: 150000, Status: SubscriptionAllocated, SubscribedAt: storedtest.Time,
		PaidOn: "2025-03-16", BankReference: "RF18539007547034", Allocated: 15, RefundCents: 2500,
		ShareNumbers: ranges, IssuedOn: "2025-04-01", TransferRefundedCents: 1000, PayoutRefundCents: 500, IdempotencyKey: "client-key-1",
		WithdrawnAt: storedtest.At(2 * day), WithdrawReason: "changed my mind",
		WaitingList: &WaitingListPlace{SharesAhead: 990, CapShares: 1000}}
	return storedcases.WithRecords(sharesStoredRecord, []storedtest.Case{
		{Name: collectionOfferings, Value: Offering{ID: storedtest.Offer, CooperativeID: storedtest.Coop, Class: "A",
			PriceCents: 10500, CapShares: 1000, TargetShares: 800, MinPerSubscription: 1, MaxPerSubscription: 50,
			MaxPerMember: 100, OpensAt: storedtest.Time, ClosesAt: storedtest.At(30 * day), Allocation: membership.AllocationProRata,
			Status: OfferingClosed, Subscriptions: 12, SubscribedShare: 900, PaidShares: 850, IssuedShares: 850,
			CreatedAt: storedtest.At(-day), ClosedAt: storedtest.At(31 * day)}, Decode: storedcases.ViaDecode[Offering]},
		{Name: collectionSubscriptions, Value: sub, Decode: storedcases.ViaDecode[Subscription]},
		{Name: collectionOfferingMember, Value: offeringMember{Subscribed: 15}, Decode: storedcases.ViaDecode[offeringMember]},
		{Name: collectionTransferRefunds, Value: RecordedTransferRefund{ID: storedtest.Object, CooperativeID: storedtest.Coop,
			SubscriptionID: storedtest.Sub, MemberID: storedtest.Member, AmountCents: 2500, PaidOn: "2025-04-02",
			IBAN: "NL91ABNA0417164300", Reference: "bank ref 77", Key: "client-key-2", EntrySeq: 18,
			RecordedBy: storedtest.User, RecordedAt: storedtest.Time}, Decode: storedcases.ViaDecode[RecordedTransferRefund]},
		{Name: collectionHoldings, Value: Holding{CooperativeID: storedtest.Coop, MemberID: storedtest.Member, Class: "A",
			Shares: 15, Ranges: ranges}, Decode: storedcases.ViaDecode[Holding]},
		{Name: collectionClassState, Value: classState{NextNumber: 26, Outstanding: 25}, Decode: storedcases.ViaDecode[classState]},
		{Name: collectionRegHeads, Value: registerHead{LastDate: "2025-04-01",
			Checkpoints: []checkpointRef{{Seq: 1000, Date: "2025-03-31", ID: storedtest.Coop + ":000000000001000"}}},
			Decode: storedcases.ViaDecode[registerHead]},
		{Name: collectionCheckpoints, Value: checkpoint{Seq: 1000, Date: "2025-03-31",
			Holdings: []checkpointHolder{{Member: storedtest.Member, Class: "A", Ranges: []int64{1, 10, 21, 25}}}},
			Decode: storedcases.ViaDecode[checkpoint]},
		{Name: collectionTransfers, Value: Transfer{ID: storedtest.Object, CooperativeID: storedtest.Coop, From: storedtest.Member,
			To: storedtest.Member2, Class: "A", Shares: 15, ShareNumbers: ranges, Date: "2025-05-01", Reason: "inheritance",
			ApprovedBy: storedtest.User, CreatedAt: storedtest.Time}, Decode: storedcases.ViaDecode[Transfer]},
		{Name: collectionWithdrawals, Value: Withdrawal{ID: storedtest.Object, CooperativeID: storedtest.Coop,
			MemberID: storedtest.Member,
			Class:    "A", Shares: 15, EndsMembership: true, RequestedOn: "2025-05-01", EarliestOn: "2025-05-31",
			Status: WithdrawalApproved, DecidedOn: "2025-06-01", Reason: "resigning", AmountCents: 150000,
			ShareNumbers: ranges, IdempotencyKey: "client-key-1"}, Decode: storedcases.ViaDecode[Withdrawal]},
		{Name: collectionWithdrawalClaims, Value: withdrawalClaim{Requests: 2}, Decode: storedcases.ViaDecode[withdrawalClaim]},
		{Name: "journal_register", JournalFunc: "RegisterJournal", Value: RegisterEvent{Type: RegisterTransfer,
			Date: "2025-05-01", Class: "A", From: storedtest.Member, To: storedtest.Member2, Ranges: ranges, Ref: storedtest.Object},
			Decode: storedtest.ViaJSON[RegisterEvent]},
	})
}

// sharesStoredRecord is how the record methods write the values that have one; the rest
// are written with encode, and only their data is pinned.
func sharesStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	if c.Name == "journal_register" {
		return storedcases.JournalRecord(RegisterJournal(storedtest.Coop), c.Value), true
	}
	switch v := c.Value.(type) {
	case Offering:
		return storedcases.FromRecord(v.record()), true
	case Subscription:
		return storedcases.FromRecord(v.record()), true
	case RecordedTransferRefund:
		return storedcases.FromRecord(v.record()), true
	case Holding:
		return storedcases.FromRecord(v.record()), true
	case Withdrawal:
		return storedcases.FromRecord(v.record()), true
	}
	return storedtest.Record{}, false
}
