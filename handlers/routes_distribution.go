package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// distributionRoutes declares the routes of the yearly distribution: the cooperative's
// settings, the year's appropriation (the board proposes, imports a patronage basis and
// records the general meeting's decision, each with its second factor) and the members'
// elections (a member's own; staff read them).
func (s *Server) distributionRoutes() {
	const (
		ownDoc = "Only for the account the member record belongs to; the board and accountant get 403, anyone else 404."
		tag    = "distribution"
	)
	notFoundOrRule := []int{http.StatusNotFound, http.StatusUnprocessableEntity}
	staffReads := inCooperative(roleBoard, roleAccountant)
	board := inCooperative(roleBoard).withMFA()
	year := coopPath + "/appropriations/{year}"

	route(s, staffReads, huma.Operation{OperationID: "get-distribution-settings", Method: http.MethodGet,
		Path: coopPath + "/distribution-settings", Summary: "The distribution settings: withholding, exemption, threshold, default election, reinvest class",
		Tags: []string{tag}}, s.getDistributionSettings)
	route(s, board, huma.Operation{OperationID: "set-distribution-settings", Method: http.MethodPut,
		Path: coopPath + "/distribution-settings", Summary: "Set the distribution settings (they apply to distributions executed from now on)",
		Tags: []string{tag}, Errors: notFoundOrRule}, s.setDistributionSettings)

	route(s, staffReads, huma.Operation{OperationID: "list-appropriations", Method: http.MethodGet,
		Path: coopPath + "/appropriations", Summary: "The appropriations of the results, by year", Tags: []string{tag}}, s.listAppropriations)
	route(s, staffReads, huma.Operation{OperationID: "get-appropriation", Method: http.MethodGet, Path: year,
		Summary: "The appropriation of a year's result", Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.getAppropriation)
	route(s, board, huma.Operation{OperationID: "propose-appropriation", Method: http.MethodPut, Path: year,
		Summary: "Propose (or, until the general meeting decides, change) the split of a year's result: reserves, community fund, members' part",
		Tags:    []string{tag}, Errors: notFoundOrRule}, s.proposeAppropriation)
	route(s, board, huma.Operation{OperationID: "import-patronage-basis", Method: http.MethodPost, Path: year + "/basis",
		Summary:     "Import the basis of a patronage refund (CSV: member_number,quantity); any refused line refuses the file, listed by line",
		RequestBody: basisBody(), Tags: []string{tag},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusLengthRequired, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType}}, s.importBasis)
	route(s, board, huma.Operation{OperationID: "decide-appropriation", Method: http.MethodPost, Path: year + "/decision",
		Summary:     "Record the general meeting's decision: its date and votes, and its minutes (the PDF as the body)",
		Description: "The proposal is then fixed; only a decided appropriation can be executed.",
		RequestBody: minutesBody(), Tags: []string{tag},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusLengthRequired, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType}}, s.decideAppropriation)
	route(s, staffReads, huma.Operation{OperationID: "get-appropriation-minutes", Method: http.MethodGet, Path: year + "/minutes",
		Summary: "The minutes of the general meeting that decided the appropriation", Tags: []string{tag},
		Errors: []int{http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "The minutes as uploaded.",
			Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		s.appropriationMinutes)

	route(s, signedIn(), huma.Operation{OperationID: "get-distribution-election", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/distribution-election", Summary: "A member's election: payout, reinvest or donate (or the default)",
		Tags: []string{tag}, Errors: []int{http.StatusNotFound}}, s.getDistributionElection)
	route(s, signedIn(), huma.Operation{OperationID: "set-distribution-election", Description: ownDoc, Method: http.MethodPut,
		Path:    coopPath + "/members/{memberID}/distribution-election",
		Summary: "Elect what is done with your distributions whose record date is after today: payout, reinvest or donate",
		Tags:    []string{tag}, Errors: notFoundOrRule}, s.setDistributionElection)
	route(s, staffReads, huma.Operation{OperationID: "list-distribution-elections", Method: http.MethodGet,
		Path: coopPath + "/distribution-elections", Summary: "The elections members made, with their history (the others have the default)",
		Tags: []string{tag}}, s.listDistributionElections)
}
