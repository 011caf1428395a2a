package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// fundRoutes declares the routes of the community fund's rounds, proposals, ballots and
// the count. What the public may see (rounds, projects without their beneficiary's
// account, the counts once voting closed) needs no sign-in; a ballot only its member's
// own account reaches, the board included in "nobody else".
func (s *Server) fundRoutes() {
	const (
		tag       = "community fund"
		ownBallot = "Only for the account the member record belongs to: ballots are secret, so the board and accountant get 403, anyone else 404."
	)
	notFoundOrRule := []int{http.StatusNotFound, http.StatusUnprocessableEntity}
	staffReads := inCooperative(roleBoard, roleAccountant)

	route(s, staffReads, huma.Operation{OperationID: "fund-free-balance", Method: http.MethodGet, Path: coopPath + "/fund/free-balance",
		Summary: "The fund's balance, what open rounds reserve of it, and what is free for a new round", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.fundFreeBalance)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "open-fund-round", Method: http.MethodPost,
		Path: coopPath + "/fund/rounds", DefaultStatus: http.StatusCreated,
		Summary: "Open a funding round: its budget (reserved from the fund's free balance), the proposal and voting windows, the record date",
		Tags:    []string{tag}, Errors: notFoundOrRule}, s.openFundRound)
	route(s, public(), huma.Operation{OperationID: "list-fund-rounds", Method: http.MethodGet, Path: coopPath + "/fund/rounds",
		Summary: "The cooperative's funding rounds, oldest first", Tags: []string{tag},
		Description: "Public: the counts appear once voting has closed and the round is counted."}, s.listFundRounds)
	route(s, public(), huma.Operation{OperationID: "get-fund-round", Method: http.MethodGet, Path: coopPath + "/fund/rounds/{roundID}",
		Summary: "One funding round, with its counts and result once counted", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.getFundRound)
	route(s, signedIn(), huma.Operation{OperationID: "propose-fund-project", Method: http.MethodPost,
		Path: coopPath + "/fund/rounds/{roundID}/proposals", DefaultStatus: http.StatusCreated,
		Summary: "Propose a local project in a round's proposal window, for your own member record", Tags: []string{tag},
		Description: "Only for the account the member record belongs to; the board and accountant get 403, anyone else 404.",
		Errors:      notFoundOrRule}, s.proposeFundProject)
	route(s, public(), huma.Operation{OperationID: "list-fund-proposals", Method: http.MethodGet,
		Path: coopPath + "/fund/rounds/{roundID}/proposals", Summary: "A round's proposals, in the order they were made",
		Description: "Public, without the proposer and the beneficiary's account.", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.listFundProposals)
	route(s, staffReads, huma.Operation{OperationID: "get-fund-proposal", Method: http.MethodGet,
		Path: coopPath + "/fund/proposals/{proposalID}", Summary: "One proposal whole, with the proposer and the beneficiary's IBAN",
		Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.getFundProposal)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "decide-fund-proposal", Method: http.MethodPost,
		Path: coopPath + "/fund/proposals/{proposalID}/decision", Summary: "Admit a proposal to the ballot, or reject it with a public reason, before voting opens",
		Tags: []string{tag}, Errors: notFoundOrRule}, s.decideFundProposal)
	route(s, signedIn(), huma.Operation{OperationID: "cast-fund-ballot", Description: ownBallot, Method: http.MethodPut,
		Path:    coopPath + "/fund/rounds/{roundID}/ballots/{memberID}",
		Summary: "Cast or change your ballot: approval of admitted projects whose budgets fit the round's (the last one counts)",
		Tags:    []string{tag}, Errors: notFoundOrRule}, s.castFundBallot)
	route(s, signedIn(), huma.Operation{OperationID: "get-fund-ballot", Description: ownBallot, Method: http.MethodGet,
		Path: coopPath + "/fund/rounds/{roundID}/ballots/{memberID}", Summary: "Have I voted? Your own ballot in a round",
		Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.getFundBallot)
	route(s, public(), huma.Operation{OperationID: "count-fund-round", Method: http.MethodPost,
		Path: coopPath + "/fund/rounds/{roundID}/count", Summary: "Count a round once voting has closed: approvals per project and the result",
		Description: "Anyone may ask: the result follows from the ballots alone, and a counted round is returned as it is.",
		Tags:        []string{tag}, Errors: notFoundOrRule}, s.countFundRound)
}
