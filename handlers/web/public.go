package web

import "github.com/kracht-coop/kracht/cooperative"

// publicRoutes are the pages anyone may read: the list of cooperatives and each
// cooperative's own page.
func (w *Web) publicRoutes(r *router) {
	r.get("/", w.home)
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
