package web

import "github.com/kracht-coop/kracht/cooperative"

// publicRoutes are the pages anyone may read (the list of cooperatives, each
// cooperative's own page and its fund), applying for membership, and buying shares and
// bonds with their payment.
func (w *Web) publicRoutes(r *router) {
	r.get("/", w.home)
	r.get("/c/:coop", w.coopPage)
	r.get("/c/:coop/fund", w.fundPage)
	r.get("/c/:coop/apply", w.applyForm)
	r.post("/c/:coop/apply", w.apply)
	w.buyRoutes(r)
}

// home lists the cooperatives on this platform (the first hundred: a platform hosts
// tens, not thousands).
func (w *Web) home(req *request) error {
	list, _, err := cooperative.ListCooperatives(req.ctx(), w.opts.Store, "", 100)
	if err != nil {
		return err
	}
	return req.render(page{Name: "home", Title: "home.title", Data: list})
}
