package handlers

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/fund"
)

// The community fund's rounds, proposals, ballots and the count (cooperative/fund).
// Amounts are in cents.

type (
	fundRound    fund.Round
	fundProposal fund.Proposal
	fundBallot   fund.Ballot
	fundBalances fund.Balances
)

// fundRoundView hides what only the server needs.
func fundRoundView(r fund.Round) fundRound {
	r.BallotKeyCheck = ""
	return fundRound(r)
}

// fundProposalOf is a proposal as the API gives it: without the proposer's idempotency
// key, which the API does not document.
func fundProposalOf(p fund.Proposal) fundProposal {
	p.IdempotencyKey = ""
	return fundProposal(p)
}

// fundPublicProposal is a proposal as anyone sees it: not who proposed it, nor the
// beneficiary's account.
func fundPublicProposal(p fund.Proposal) fundProposal {
	p.MemberID, p.Beneficiary.IBAN = "", ""
	return fundProposalOf(p)
}

type fundCoopInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
}

type fundBalancesOutput struct{ Body fundBalances }

func (s *Server) fundFreeBalance(ctx context.Context, in *fundCoopInput) (*fundBalancesOutput, error) {
	b, err := s.fund.FundBalances(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	return &fundBalancesOutput{Body: fundBalances(b)}, nil
}

type openFundRoundInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		Title         string    `json:"title" maxLength:"200"`
		BudgetCents   int64     `json:"budgetCents" minimum:"1" doc:"At most the fund's free balance; reserved from it while the round is open."`
		ProposalsFrom time.Time `json:"proposalsFrom"`
		ProposalsTo   time.Time `json:"proposalsTo"`
		VotingFrom    time.Time `json:"votingFrom" doc:"At or after proposalsTo."`
		VotingTo      time.Time `json:"votingTo"`
		RecordDate    string    `json:"recordDate" format:"date" doc:"Members active on this day vote; on or before the day voting opens."`
	}
}

type fundRoundOutput struct{ Body fundRound }

func (s *Server) openFundRound(ctx context.Context, in *openFundRoundInput) (*fundRoundOutput, error) {
	b := in.Body
	r, err := s.fund.OpenRound(ctx, actorFrom(ctx), fund.NewRound{CooperativeID: in.CooperativeID, Title: b.Title,
		BudgetCents: b.BudgetCents, ProposalsFrom: b.ProposalsFrom, ProposalsTo: b.ProposalsTo, VotingFrom: b.VotingFrom,
		VotingTo: b.VotingTo, RecordDate: cooperative.Date(b.RecordDate)})
	if err != nil {
		return nil, err
	}
	return &fundRoundOutput{Body: fundRoundView(r)}, nil
}

func (s *Server) listFundRounds(ctx context.Context, in *listOfferingsInput) (*pageOutput[fundRound], error) {
	list, next, err := s.fund.ListRounds(ctx, in.CooperativeID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, fundRoundView), nil
}

type fundRoundInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	RoundID       string `path:"roundID" doc:"The funding round's id."`
}

func (s *Server) getFundRound(ctx context.Context, in *fundRoundInput) (*fundRoundOutput, error) {
	r, err := s.fund.GetRound(ctx, in.CooperativeID, in.RoundID)
	if err != nil {
		return nil, err
	}
	return &fundRoundOutput{Body: fundRoundView(r)}, nil
}

type proposeFundProjectInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	RoundID        string `path:"roundID" doc:"The funding round's id."`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"100" doc:"Optional: a retry with the same key returns the first proposal instead of a second one."`
	Body           struct {
		MemberID    string `json:"memberId" doc:"Your member record in the cooperative."`
		Title       string `json:"title" maxLength:"200"`
		Description string `json:"description" maxLength:"5000"`
		BudgetCents int64  `json:"budgetCents" minimum:"1" doc:"At most the round's budget."`
		Beneficiary struct {
			Name string `json:"name" maxLength:"140" doc:"Who the grant is paid to."`
			IBAN string `json:"iban" maxLength:"42"`
		} `json:"beneficiary"`
		Neighbourhood string `json:"neighbourhood" maxLength:"100"`
	}
}

type fundProposalOutput struct{ Body fundProposal }

func (s *Server) proposeFundProject(ctx context.Context, in *proposeFundProjectInput) (*fundProposalOutput, error) {
	b := in.Body
	_, actor, err := s.memberFor(ctx, in.CooperativeID, b.MemberID, true)
	if err != nil {
		return nil, err
	}
	p, err := s.fund.Propose(ctx, actor, fund.NewProposal{CooperativeID: in.CooperativeID, RoundID: in.RoundID, MemberID: b.MemberID,
		Title: b.Title, Description: b.Description, BudgetCents: b.BudgetCents,
		Beneficiary: fund.Beneficiary{Name: b.Beneficiary.Name, IBAN: b.Beneficiary.IBAN}, Neighbourhood: b.Neighbourhood,
		IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return nil, err
	}
	return &fundProposalOutput{Body: fundProposalOf(p)}, nil
}

type fundProposalsOutput struct {
	Body struct {
		Items []fundProposal `json:"items"`
	}
}

func (s *Server) listFundProposals(ctx context.Context, in *fundRoundInput) (*fundProposalsOutput, error) {
	list, err := s.fund.ListProposals(ctx, in.CooperativeID, in.RoundID)
	if err != nil {
		return nil, err
	}
	out := &fundProposalsOutput{}
	out.Body.Items = make([]fundProposal, len(list))
	for i, p := range list {
		out.Body.Items[i] = fundPublicProposal(p)
	}
	return out, nil
}

type fundProposalInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	ProposalID    string `path:"proposalID" doc:"The proposal's id."`
}

func (s *Server) getFundProposal(ctx context.Context, in *fundProposalInput) (*fundProposalOutput, error) {
	p, err := s.fund.GetProposal(ctx, in.CooperativeID, in.ProposalID)
	if err != nil {
		return nil, err
	}
	return &fundProposalOutput{Body: fundProposalOf(p)}, nil
}

type decideFundProposalInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	ProposalID    string `path:"proposalID" doc:"The proposal's id."`
	Body          struct {
		Admit  bool   `json:"admit" doc:"true: on the ballot; false: rejected."`
		Reason string `json:"reason,omitempty" maxLength:"1000" doc:"Public; required for a rejection."`
	}
}

func (s *Server) decideFundProposal(ctx context.Context, in *decideFundProposalInput) (*fundProposalOutput, error) {
	p, err := s.fund.Decide(ctx, actorFrom(ctx), in.CooperativeID, in.ProposalID, in.Body.Admit, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &fundProposalOutput{Body: fundProposalOf(p)}, nil
}

type fundBallotInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	RoundID       string `path:"roundID" doc:"The funding round's id."`
	MemberID      string `path:"memberID" doc:"Your member record."`
}

type castFundBallotInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	RoundID       string `path:"roundID" doc:"The funding round's id."`
	MemberID      string `path:"memberID" doc:"Your member record."`
	Body          struct {
		Projects []string `json:"projects" maxItems:"500" doc:"The admitted projects you approve; their budgets together fit the round's. Empty: none."`
	}
}

type fundBallotOutput struct{ Body fundBallot }

func (s *Server) castFundBallot(ctx context.Context, in *castFundBallotInput) (*fundBallotOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true); err != nil {
		return nil, err
	}
	b, err := s.fund.CastBallot(ctx, in.CooperativeID, in.RoundID, in.MemberID, in.Body.Projects)
	if err != nil {
		return nil, err
	}
	return &fundBallotOutput{Body: fundBallot(b)}, nil
}

func (s *Server) getFundBallot(ctx context.Context, in *fundBallotInput) (*fundBallotOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true); err != nil {
		return nil, err
	}
	b, err := s.fund.MyBallot(ctx, in.CooperativeID, in.RoundID, in.MemberID)
	if err != nil {
		return nil, err
	}
	return &fundBallotOutput{Body: fundBallot(b)}, nil
}

func (s *Server) countFundRound(ctx context.Context, in *fundRoundInput) (*fundRoundOutput, error) {
	r, err := s.fund.Count(ctx, actorFrom(ctx), in.CooperativeID, in.RoundID)
	if err != nil {
		return nil, err
	}
	return &fundRoundOutput{Body: fundRoundView(r)}, nil
}
