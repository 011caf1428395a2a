package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// notifyRoutes declares the routes of the outbox and the mails: the dead mails a platform
// admin may send again, and mail preferences.
func (s *Server) notifyRoutes() {
	route(s, platformAdmin(), huma.Operation{OperationID: "admin-list-dead-mail", Method: http.MethodGet,
		Path: "/v1/admin/outbox/dead", Summary: "Mails the outbox gave up on", Tags: []string{"admin"}}, s.listDeadMail)
	route(s, platformAdmin().withMFA(), huma.Operation{OperationID: "admin-retry-dead-mail", Method: http.MethodPost,
		Path: "/v1/admin/outbox/{id}/retry", Summary: "Send a dead mail again", Tags: []string{"admin"}}, s.retryDeadMail)

	// Mail preferences.
	route(s, public(), huma.Operation{OperationID: "show-unsubscribe", Method: http.MethodGet, Path: "/v1/unsubscribe",
		Summary: "What an unsubscribe link would stop (changes nothing)", Tags: []string{"notifications"}}, s.showUnsubscribe)
	route(s, public(), huma.Operation{OperationID: "unsubscribe", Method: http.MethodPost, Path: "/v1/unsubscribe",
		Summary: "Unsubscribe with the token of a mail's link (RFC 8058 one-click too)", Tags: []string{"notifications"}},
		s.unsubscribe)
}
