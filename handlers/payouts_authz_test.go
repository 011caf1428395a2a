package handlers

// The payout routes in the authorization matrix. Cooperative A owes nothing, so a
// batch cannot be made (422) and the batch routes name one that does not exist: the
// callers allowed reach the domain and get 404, everyone else is stopped before it.
func payoutMatrixRows() []matrixRow {
	noBody := func(*matrixFixture, caller) any { return nil }
	registered := func(f *matrixFixture, _ caller) any { f.registry(); return nil }
	staffReads := only(200, board, boardNoMFA, accountant)
	ownOrStaff := signedInAll(404)
	for _, c := range []caller{ownMember, accountant, board, boardNoMFA} {
		ownOrStaff[c] = 200
	}
	const coop = "/v1/cooperatives/{cooperativeID}"
	batch := coop + "/payout-batches/{batchID}" // a batch that does not exist
	return []matrixRow{
		{"list-payables", "GET", coop + "/payables", noBody, staffReads},
		{"member-payouts", "GET", coop + "/members/{memberID}/payouts", registered, ownOrStaff},
		{"create-payout-batch", "POST", coop + "/payout-batches", func(*matrixFixture, caller) any { return map[string]any{} },
			only(422, accountant)},
		{"list-payout-batches", "GET", coop + "/payout-batches", noBody, staffReads},
		{"get-payout-batch", "GET", batch, noBody, only(404, board, boardNoMFA, accountant)},
		{"list-payout-batch-payments", "GET", batch + "/payments", noBody, only(404, board, boardNoMFA, accountant)},
		{"approve-payout-batch", "POST", batch + "/approve", noBody, only(404, board, accountant)},
		{"cancel-payout-batch", "POST", batch + "/cancel", noBody, only(404, accountant)},
		{"payout-batch-file", "GET", batch + "/pain.001", noBody, only(404, accountant)},
		{"mark-payout-batch-sent", "POST", batch + "/sent", noBody, only(404, accountant)},
		// The allocated subscription got all its shares: nothing is owed back (422).
		{"refund-subscription-by-payout", "POST", coop + "/subscriptions/{subscriptionID}/refund-payout", registered,
			only(422, accountant)},
	}
}
