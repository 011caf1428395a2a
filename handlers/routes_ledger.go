package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// ledgerRoutes declares the routes of the ledger: the journal and the trial balance.
func (s *Server) ledgerRoutes() {
	// The ledger.
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "trial-balance", Method: http.MethodGet,
		Path: coopPath + "/ledger/trial-balance", Summary: "Every account's balance at the end of a day", Tags: []string{"ledger"}},
		s.trialBalance)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "ledger-entries", Method: http.MethodGet,
		Path: coopPath + "/ledger/entries", Summary: "The journal, in posting order", Tags: []string{"ledger"}}, s.ledgerEntries)
}
