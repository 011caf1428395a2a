package web

// memberRoutes are the member portal's pages.
func (w *Web) memberRoutes(r *router) {}
