package web

// accountRoutes are the pages of an account: sign up, sign in, the links of mails.
func (w *Web) accountRoutes(r *router) {}
