package handlers

// The authorization matrix rows of the payment routes (matrixRows appends them). The
// matrix server has no secrets key and no Stripe syncer, so a caller who passes the
// guard of a Stripe route gets 503; payments_test.go runs them configured.

func paymentMatrixRows() []matrixRow {
	noBody := func(*matrixFixture, caller) any { return nil }
	body := func(v any) func(*matrixFixture, caller) any {
		return func(f *matrixFixture, _ caller) any { f.registry(); return v }
	}
	// A member's own subscription ({subscriptionID} is the own member's, allocated, so
	// it waits for no payment: 422); anyone else's is 404, and the board and accountant,
	// who may read it, may not pay it (403).
	ownOnly := signedInAll(404)
	ownOnly[ownMember] = 422
	for _, c := range []caller{accountant, board, boardNoMFA} {
		ownOnly[c] = 403
	}
	urls := map[string]string{"successUrl": "https://app.example.org/paid", "cancelUrl": "https://app.example.org/cancel"}
	return []matrixRow{
		{"create-checkout-session", "POST", "/v1/cooperatives/{cooperativeID}/subscriptions/{subscriptionID}/checkout", body(urls), ownOnly},
		{"transfer-instructions", "POST", "/v1/cooperatives/{cooperativeID}/subscriptions/{subscriptionID}/transfer-instructions", noBody, ownOnly},
		{"refund-subscription", "POST", "/v1/cooperatives/{cooperativeID}/subscriptions/{subscriptionID}/refund", noBody, only(503, board)},
		{"get-stripe-account", "GET", "/v1/cooperatives/{cooperativeID}/stripe", noBody, only(200, board, boardNoMFA, accountant)},
		{"connect-stripe-account", "PUT", "/v1/cooperatives/{cooperativeID}/stripe", body(map[string]string{
			"accountId": "acct_1", "secretKey": "sk_test_0123456789abcdef", "webhookSecret": "whsec_0123456789abcdef"}), only(503, board)},
		// Public: the signature on the body is the authentication, and there is none.
		{"stripe-webhook", "POST", "/v1/cooperatives/{cooperativeID}/stripe/webhook", noBody, all(400)},
		// An empty body passes the media-type rule, so the guard decides; the accountant
		// then learns the body must be a statement.
		{"import-bank-statement", "POST", "/v1/cooperatives/{cooperativeID}/bank-statements", noBody, only(400, accountant)},
		{"list-payments", "GET", "/v1/cooperatives/{cooperativeID}/payments?status=pending", noBody,
			only(200, board, boardNoMFA, accountant)},
		{"list-subscription-payments", "GET", "/v1/cooperatives/{cooperativeID}/subscriptions/{subscriptionID}/payments", noBody,
			only(200, board, boardNoMFA, accountant)},
		{"list-payment-reviews", "GET", "/v1/cooperatives/{cooperativeID}/payment-reviews", noBody, only(200, accountant)},
		{"resolve-payment-review", "POST", "/v1/cooperatives/{cooperativeID}/payment-reviews/{reviewID}/resolve",
			body(map[string]string{"action": "ignore", "note": "not ours"}), only(404, accountant)},
	}
}
