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
		MinCollections: 9, MinJournals: 0}, bondsStoredCases())
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
		{Name: collectionPeriods, Value: HoldingPeriod{ID: storedPeriod, CooperativeID: storedtest.Coop, IssueID: storedIssue,
			MemberID: storedtest.Member, Units: 11, Ranges: units, From: "2025-04-01", To: "2025-09-15", Cause: "allocation:" + storedtest.Sub},
			Decode: storedcases.ViaDecode[HoldingPeriod]},
		{Name: collectionHoldings, Value: Holding{CooperativeID: storedtest.Coop, IssueID: storedIssue, MemberID: storedtest.Member,
			Units: 11, Ranges: units, Since: "2025-04-01", PeriodID: storedPeriod}, Decode: storedcases.ViaDecode[Holding]},
		{Name: collectionTransfers, Value: Transfer{ID: storedtest.Object, CooperativeID: storedtest.Coop, IssueID: storedIssue,
			From: storedtest.Member, To: storedtest.Member2, Units: 3, UnitNumbers: []numbered.Range{{First: 1, Last: 3}},
			PrincipalCents: 75000, Date: "2025-09-15", Reason: "sale", ApprovedBy: storedtest.User, CreatedAt: storedtest.Time},
			Decode: storedcases.ViaDecode[Transfer]},
		{Name: collectionRedemptions, Value: Redemption{ID: storedtest.Object, CooperativeID: storedtest.Coop, IssueID: storedIssue,
			MemberID: storedtest.Member, Units: 2, RequestedOn: "2027-04-01", Status: RedemptionRejected, DecidedOn: "2027-04-03",
			DecidedBy: storedtest.User, Reason: "the project needs the money this year", UnitNumbers: []numbered.Range{{First: 4, Last: 5}},
			PrincipalCents: 50000, PenaltyMonths: 3, PenaltyCents: 563, PayableID: storedtest.Object, CreatedAt: storedtest.Time},
			Decode: storedcases.ViaDecode[Redemption]},
		{Name: collectionRuns, Value: Run{ID: storedtest.Object2, CooperativeID: storedtest.Coop, IssueID: storedIssue,
			Date: "2027-04-01", PeriodStart: "2026-04-01", RunTotals: RunTotals{Holders: 2, InterestCents: 1125, PrincipalCents: 10000,
				WithholdingCents: 169, NetCents: 10956}, EntrySeq: 9, CreatedBy: storedtest.User, CreatedAt: storedtest.Time},
			Decode: storedcases.ViaDecode[Run]},
		{Name: collectionRunLines, Value: runLineRecord{RunID: storedtest.Object2, CooperativeID: storedtest.Coop, IssueID: storedIssue,
			Date: "2027-04-01", RunLine: RunLine{MemberID: storedtest.Member, Units: 2, InterestCents: 450, PrincipalCents: 10000,
				WithholdingCents: 68, NetCents: 10382, PayableID: storedtest.Object}}, Decode: storedcases.ViaDecode[runLineRecord]},
	})
}

// bondsStoredRecord is how the record methods write each value.
func bondsStoredRecord(c storedtest.Case) (storedtest.Record, bool) {
	switch v := c.Value.(type) {
	case Issue:
		return storedcases.FromRecord(v.record()), true
	case Subscription:
		return storedcases.FromRecord(v.record()), true
	case HoldingPeriod:
		return storedcases.FromRecord(v.record()), true
	case Holding:
		return storedcases.FromRecord(v.record()), true
	case Transfer:
		return storedcases.FromRecord(v.record()), true
	case Redemption:
		return storedcases.FromRecord(v.record()), true
	case Run:
		return storedcases.FromRecord(v.record()), true
	case runLineRecord:
		return storedcases.FromRecord(v.record()), true
	}
	return storedtest.Record{}, false
}
