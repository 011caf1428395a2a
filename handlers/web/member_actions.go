package web

// actionRoutes are the member's forms that change their arrangements: withdrawal,
// payout account, dividend election, and the community fund's proposals and votes.
func (w *Web) actionRoutes(r *router) {}
