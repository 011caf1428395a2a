package fund

import (
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// RoundStatus is where a funding round is:
//
//	open (proposals, then voting, by its windows) → counted (the result fixed once voting
//	closed) → closed (awards made; what was not granted is free again)
type RoundStatus string

const (
	RoundOpen    RoundStatus = "open"
	RoundCounted RoundStatus = "counted"
	RoundClosed  RoundStatus = "closed"
)

// Round is one funding round: a budget reserved from the fund when it opens, a window for
// proposals and one for voting, and the record date that says who may vote.
type Round struct {
	ID            string           `json:"id"`
	CooperativeID string           `json:"cooperativeId"`
	Title         string           `json:"title"`
	BudgetCents   int64            `json:"budgetCents"` // reserved from the fund's free balance when opened
	ProposalsFrom time.Time        `json:"proposalsFrom"`
	ProposalsTo   time.Time        `json:"proposalsTo"`
	VotingFrom    time.Time        `json:"votingFrom"` // at or after ProposalsTo
	VotingTo      time.Time        `json:"votingTo"`
	RecordDate    cooperative.Date `json:"recordDate"` // members active on it have a ballot
	Status        RoundStatus      `json:"status"`
	// Result is the funded projects in order, once counted (see package doc); Counts the
	// approvals per project, public once voting closed.
	Result       []string         `json:"result,omitempty"`
	Counts       map[string]int64 `json:"counts,omitempty"`
	Ballots      int64            `json:"ballots,omitempty"`      // members who voted
	GrantedCents int64            `json:"grantedCents,omitempty"` // awarded so far
	CreatedBy    string           `json:"createdBy"`
	CreatedAt    time.Time        `json:"createdAt"`
	CountedAt    time.Time        `json:"countedAt,omitzero"`
	ClosedAt     time.Time        `json:"closedAt,omitzero"`
	// BallotKeyCheck tells whether the ballot key is still the one the round opened with
	// (ballots.go): another key would let a member cast a second ballot.
	BallotKeyCheck string `json:"ballotKeyCheck,omitempty"`
	version        int64
}

// ProposalStatus is where a proposal is: proposed → admitted (on the ballot) | rejected
// (with a public reason) → awarded (a grant was made).
type ProposalStatus string

const (
	ProposalProposed ProposalStatus = "proposed"
	ProposalAdmitted ProposalStatus = "admitted"
	ProposalRejected ProposalStatus = "rejected"
	ProposalAwarded  ProposalStatus = "awarded"
)

// Beneficiary is who a grant is paid to.
type Beneficiary struct {
	Name string `json:"name"`
	IBAN string `json:"iban"`
}

// Proposal is a local project a member proposes in a round.
type Proposal struct {
	ID            string         `json:"id"`
	CooperativeID string         `json:"cooperativeId"`
	RoundID       string         `json:"roundId"`
	MemberID      string         `json:"memberId"` // who proposed it
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	BudgetCents   int64          `json:"budgetCents"`
	Beneficiary   Beneficiary    `json:"beneficiary"`
	Neighbourhood string         `json:"neighbourhood"`
	Status        ProposalStatus `json:"status"`
	Reason        string         `json:"reason,omitempty"` // why it was rejected: public
	ProposedAt    time.Time      `json:"proposedAt"`
	DecidedAt     time.Time      `json:"decidedAt,omitzero"`
	DecidedBy     string         `json:"decidedBy,omitempty"` // the board member's account
	// IdempotencyKey is the proposer's key for retries (unique per member); not part of
	// the API (hidden).
	IdempotencyKey string `json:"idempotencyKey,omitempty" hidden:"true"`
	version        int64
}
