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

	// The dry run, the execution and members' statements.
	file := func(mediaType, description string) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: description,
			Content: map[string]*huma.MediaType{mediaType: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	}
	route(s, staffReads, huma.Operation{OperationID: "distribution-dry-run", Method: http.MethodGet, Path: year + "/dry-run",
		Summary: "The per-member table and totals the execution would post (writes nothing)", Tags: []string{tag},
		Errors: notFoundOrRule}, s.distributionDryRun)
	route(s, staffReads, huma.Operation{OperationID: "distribution-dry-run-csv", Method: http.MethodGet, Path: year + "/dry-run.csv",
		Summary: "The dry run as CSV", Tags: []string{tag}, Errors: notFoundOrRule,
		Responses: file("text/csv", "One row per member in member-number order, then the totals.")}, s.distributionDryRunCSV)
	route(s, staffReads, huma.Operation{OperationID: "distribution-dry-run-xlsx", Method: http.MethodGet, Path: year + "/dry-run.xlsx",
		Summary: "The dry run as an Excel workbook", Tags: []string{tag}, Errors: notFoundOrRule,
		Responses: file(xlsxContentType, "One sheet, Distribution: one row per member, then the totals.")}, s.distributionDryRunXLSX)
	route(s, inCooperative(roleBoard, roleAccountant).withMFA(), huma.Operation{OperationID: "execute-distribution", Method: http.MethodPost,
		Path: year + "/execution", DefaultStatus: http.StatusAccepted,
		Summary:     "Execute a decided appropriation: post it, issue reinvested shares, owe the payouts (a job; read its progress back)",
		Description: "The first step answers (every refusal comes from it); the rest runs on. Asking again resumes a stopped execution, and once it is done changes nothing.",
		Tags:        []string{tag}, Errors: notFoundOrRule}, s.executeDistribution)
	route(s, staffReads, huma.Operation{OperationID: "get-distribution-execution", Method: http.MethodGet, Path: year + "/execution",
		Summary: "The execution's progress (members done of all) and outcome", Tags: []string{tag},
		Errors: []int{http.StatusNotFound}}, s.getDistributionExecution)
	route(s, signedIn(), huma.Operation{OperationID: "member-distribution-statement", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/distributions/{year}", Summary: "A member's statement of a year's distribution",
		Tags: []string{tag}, Errors: notFoundOrRule}, s.distributionStatement)
	route(s, signedIn(), huma.Operation{OperationID: "member-distribution-statement-pdf", Description: ownOrStaffDoc, Method: http.MethodGet,
		Path: coopPath + "/members/{memberID}/distributions/{year}/statement.pdf", Summary: "The statement as a PDF, in the member's language",
		Tags: []string{tag}, Errors: notFoundOrRule, Responses: file("application/pdf", "The statement, A4.")}, s.distributionStatementPDF)
}
