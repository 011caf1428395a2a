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

	// Money in and out: donations, grants and their tranches and progress, the public page.
	file := func(mediaType, description string) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: description,
			Content: map[string]*huma.MediaType{mediaType: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	}
	route(s, signedIn(), huma.Operation{OperationID: "donate-to-fund", Method: http.MethodPost, Path: coopPath + "/fund/donations",
		DefaultStatus: http.StatusCreated, Summary: "Give to the community fund: a donation, then paid by transfer or online",
		Description: "Any signed-in account. The donor's name is public only when they ask.", Tags: []string{tag},
		Errors: notFoundOrRule}, s.donate)
	route(s, signedIn(), huma.Operation{OperationID: "donation-transfer-instructions", Method: http.MethodPost,
		Path:    coopPath + "/fund/donations/{donationID}/transfer-instructions",
		Summary: "Pay a donation by bank transfer: the account, the amount and the RF reference to quote", Tags: []string{tag},
		Errors: notFoundOrRule}, s.donationTransferInstructions)
	route(s, signedIn(), huma.Operation{OperationID: "donation-checkout", Method: http.MethodPost,
		Path: coopPath + "/fund/donations/{donationID}/checkout", DefaultStatus: http.StatusCreated,
		Summary: "Pay a donation online: a Stripe Checkout Session", Tags: []string{tag},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable}}, s.donationCheckout)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "award-fund-grant", Method: http.MethodPost,
		Path: coopPath + "/fund/grants", DefaultStatus: http.StatusCreated,
		Summary: "Award a grant to a project of a counted round (outside its result only with a recorded reason)", Tags: []string{tag},
		Errors: notFoundOrRule}, s.awardGrant)
	route(s, public(), huma.Operation{OperationID: "get-fund-grant", Method: http.MethodGet, Path: coopPath + "/fund/grants/{grantID}",
		Summary: "One grant: its tranches and progress reports", Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.getGrant)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "pay-grant-tranche", Method: http.MethodPost,
		Path: coopPath + "/fund/grants/{grantID}/tranches", DefaultStatus: http.StatusCreated,
		Summary: "Pay a tranche of a grant: a payable to the beneficiary, out with the next payout batch", Tags: []string{tag},
		Errors: notFoundOrRule}, s.payTranche)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "report-grant-progress", Method: http.MethodPost,
		Path: coopPath + "/fund/grants/{grantID}/progress", DefaultStatus: http.StatusCreated,
		Summary: "Report a project's progress, as the board (public)", Tags: []string{tag}, Errors: notFoundOrRule}, s.boardProgress)
	route(s, signedIn(), huma.Operation{OperationID: "report-own-grant-progress", Description: "Only for the account of the member who proposed the project.",
		Method: http.MethodPost, Path: coopPath + "/members/{memberID}/fund-grants/{grantID}/progress", DefaultStatus: http.StatusCreated,
		Summary: "Report your project's progress (public)", Tags: []string{tag}, Errors: notFoundOrRule}, s.memberProgress)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "close-fund-round", Method: http.MethodPost,
		Path: coopPath + "/fund/rounds/{roundID}/close", Summary: "Close a counted round: what it did not grant is free again",
		Tags: []string{tag}, Errors: notFoundOrRule}, s.closeFundRound)
	route(s, public(), huma.Operation{OperationID: "public-fund", Method: http.MethodGet, Path: coopPath + "/fund",
		Summary: "The public fund page: balance, every euro in and out, rounds, projects, grants and progress", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.publicFund)
	route(s, public(), huma.Operation{OperationID: "public-fund-csv", Method: http.MethodGet, Path: coopPath + "/fund.csv",
		Summary: "The fund's flows as CSV", Tags: []string{tag}, Errors: []int{http.StatusNotFound},
		Responses: file("text/csv", "One row per flow in and out.")}, s.publicFundCSV)
	route(s, public(), huma.Operation{OperationID: "public-fund-atom", Method: http.MethodGet, Path: coopPath + "/fund.atom",
		Summary: "The fund as an Atom feed: grants, rounds and progress reports", Tags: []string{tag}, Errors: []int{http.StatusNotFound},
		Responses: file("application/atom+xml", "An Atom 1.0 feed.")}, s.publicFundAtom)
}
