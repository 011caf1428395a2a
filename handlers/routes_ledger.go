package handlers

import (
	"net/http"

	"github.com/kracht-coop/kracht/cooperative/identity"

	"github.com/danielgtaylor/huma/v2"
)

// ledgerRoutes declares the routes of the ledger: the journal and the trial balance.
func (s *Server) ledgerRoutes() {
	const (
		board      = identity.RoleBoard
		accountant = identity.RoleAccountant
		coop       = "/v1/cooperatives/{cooperativeID}"
	)
	// The ledger.
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "trial-balance", Method: http.MethodGet,
		Path: coop + "/ledger/trial-balance", Summary: "Every account's balance at the end of a day", Tags: []string{"ledger"}},
		s.trialBalance)
	route(s, inCooperative(board, accountant), huma.Operation{OperationID: "ledger-entries", Method: http.MethodGet,
		Path: coop + "/ledger/entries", Summary: "The journal, in posting order", Tags: []string{"ledger"}}, s.ledgerEntries)
}
