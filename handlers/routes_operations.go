package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// operationRoutes declares what a load balancer or an operator probes: no capability of
// the domain, no sign-in.
func (s *Server) operationRoutes() {
	route(s, public(), huma.Operation{OperationID: "healthz", Method: http.MethodGet, Path: "/healthz",
		Summary: "The process is up", Tags: []string{"operations"}}, s.healthz)
	route(s, public(), huma.Operation{OperationID: "readyz", Method: http.MethodGet, Path: "/readyz",
		Summary: "The store is reachable", Tags: []string{"operations"}}, s.readyz)
}
