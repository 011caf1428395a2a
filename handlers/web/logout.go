package web

// logout ends the session (identity's: the API's tokens of it end too) and forgets the
// cookie. It is a form (POST with the CSRF token), so a link elsewhere cannot sign
// anyone out.
func (w *Web) logout(req *request) error {
	if req.user != nil {
		if err := w.opts.Accounts.Logout(req.ctx(), req.user.SessionID); err != nil {
			return err
		}
	}
	w.endSession(req)
	return req.redirect("/", "flash.logged_out")
}
