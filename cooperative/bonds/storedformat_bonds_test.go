package bonds

import (
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/internal/storedcases"
	"github.com/kracht-coop/kracht/cooperative/internal/storedtest"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
)

// The stored format of the bonds collections (see package storedtest). Refresh the
// golden files, when a change is meant, with
//
//	go test -run TestStoredFormat ./cooperative/bonds/ -update

func TestStoredFormatBonds(t *testing.T) {
	storedtest.Run(t, storedcases.GoldenDir, bondsStoredCases())
}

func TestStoredFormatBondsCoversEverything(t *testing.T) {
	storedtest.Covers(t, storedtest.Package{Dir: ".", GoldenDir: storedcases.GoldenDir, OwnGolden: true,
		MinCollections: 7, MinJournals: 0}, bondsStoredCases())
}

const (
	storedIssue  = "01960000-0000-7000-8000-00000000d001"
	storedPeriod = "01960000-0000-7000-8000-00000000d002"
)

func bondsStoredCases() []storedtest.Case {
	units := []numbered.Range{{First: 1, Last: 10}, {First: 15, Last: 15}}
	issue := Issue{ID: storedIssue, CooperativeID: storedtest.Coop, Name: "Zonnedak school", Project: "Solar roof of the school",
		Terms: Terms{DenominationCents: 25000, CouponBP: 450, TermMonths: 60, Amortisation: Annuity, Frequency: Quarterly,
			DayCount: DayCountACTACTISDA, IssueDate: "2025-04-01", FirstPaymentDate: "2025-06-30"},
		SizeUnits: 1000, OpensAt: storedtest.Time, ClosesAt: storedtest.At(30 * 24 * time.Hour), MinPerMember: 2, MaxPerMember: 40,
		Allocation: membership.AllocationProRata, EarlyRedemption: EarlyRedemption{AllowedFrom: "2027-04-01", PenaltyMonths: 3},
		WithholdingBP: 1500, Status: IssueAllocated, Subscriptions: 3, SubscribedUnits: 30, PaidUnits: 25, IssuedUnits: 25,
		RedeemedUnits: 2, LastRegisterOn: "2025-09-15", CreatedAt: storedtest.Time, ClosedAt: storedtest.At(time.Hour)}
	return storedcases.WithRecords(bondsStoredRecord, []storedtest.Case{
		{Name: collectionIssues, Value: issue, Decode: storedcases.ViaDecode[Issue]},
		{Name: collectionIssueMembers, Value: issueMember{Subscribed: 12}, Decode: storedcases.ViaDecode[issueMember]},
		{Name: collectionSubscriptions, Value: Subscription{ID: storedtest.Sub, CooperativeID: storedtest.Coop, IssueID: storedIssue,
			MemberID: storedtest.Member, Order: 3, Units: 12, AmountCents: 300000, Status: SubscriptionAllocated,
			SubscribedAt: storedtest.Time, PaidOn: "2025-03-02", Reference: "RF18539007547034", Allocated: 11, UnitNumbers: units,
			IssuedOn: "2025-04-01", RefundCents: 25000, RefundPayableID: storedtest.Object, IdempotencyKey: "key-1"},
			Decode: storedcases.ViaDecode[Subscription]},
		{Name: collectionPeriods, Value: Period{ID: storedPeriod, CooperativeID: storedtest.Coop, IssueID: storedIssue,
			MemberID: storedtest.Member, Units: 11, Ranges: units, From: "2025-04-01", To: "2025-09-15", Cause: "allocation:" + storedtest.Sub},
			Decode: storedcases.ViaDecode[Period]},
		{Name: collectionHoldings, Value: Holding{CooperativeID: storedtest.Coop, IssueID: storedIssue, MemberID: storedtest.Member,
			Units: 11, Ranges: units, Since: "2025-04-01", PeriodID: storedPeriod}, Decode: storedcases.ViaDecode[Holding]},
		{Name: collectionTransfers, Value: Transfer{ID: storedtest.Object, CooperativeID: storedtest.Coop, IssueID: storedIssue,
			From: storedtest.Member, To: storedtest.Member2, Units: 3, UnitNumbers: []numbered.Range{{First: 1, Last: 3}},
			PrincipalCents: 75000, Date: "2025-09-15", Reason: "sale", ApprovedBy: storedtest.User, CreatedAt: storedtest.Time},
			Decode: storedcases.ViaDecode[Transfer]},
		{Name: collectionRedemptions, Value: Redemption{ID: storedtest.Object, CooperativeID: storedtest.Coop, IssueID: storedIssue,
			MemberID: storedtest.Member, Units: 2, RequestedOn: "2027-04-01", Status: RedemptionRejected, DecidedOn: "2027-04-03",
			DecidedBy: storedtest.User, Reason: "the project needs the money this year", UnitNumbers: []numbered.Range{{First: 4, Last: 5}},
			PrincipalCents: 50000, PenaltyMonths: 3, PayableID: storedtest.Object, CreatedAt: storedtest.Time},
			Decode: storedcases.ViaDecode[Redemption]},
	})
}

// bondsStoredRecord is how the record methods write each value.
func bondsStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	switch v := c.Value.(type) {
	case Issue:
		return storedcases.FromRecord(v.record()), true
	case Subscription:
		return storedcases.FromRecord(v.record()), true
	case Period:
		return storedcases.FromRecord(v.record()), true
	case Holding:
		return storedcases.FromRecord(v.record()), true
	case Transfer:
		return storedcases.FromRecord(v.record()), true
	case Redemption:
		return storedcases.FromRecord(v.record()), true
	}
	return storedtest.Record{}, false
}
