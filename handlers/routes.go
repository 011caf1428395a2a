package handlers

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// routes declares every route of the API. Each is a huma operation, so it is in the
// OpenAPI document; openapi_test.go fails when one is not.
func (s *Server) routes() {
	register(s, huma.Operation{OperationID: "healthz", Method: http.MethodGet, Path: "/healthz",
		Summary: "The process is up", Tags: []string{"operations"}}, s.healthz)
	register(s, huma.Operation{OperationID: "readyz", Method: http.MethodGet, Path: "/readyz",
		Summary: "The store is reachable", Tags: []string{"operations"}}, s.readyz)

	register(s, huma.Operation{OperationID: "list-cooperatives", Method: http.MethodGet, Path: "/v1/cooperatives",
		Summary: "List the cooperatives hosted here (public profiles)", Tags: []string{"cooperatives"}}, s.listCooperatives)
	register(s, huma.Operation{OperationID: "get-cooperative", Method: http.MethodGet, Path: "/v1/cooperatives/{cooperativeID}",
		Summary: "A cooperative's public profile", Tags: []string{"cooperatives"}}, s.getCooperative)
}

// register adds an operation whose handler returns domain errors; they become problems
// here, in one place.
func register[I, O any](s *Server, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	op.Errors = append(op.Errors, http.StatusBadRequest, http.StatusInternalServerError)
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := handler(ctx, in)
		if err != nil {
			return nil, s.problemFor(ctx, err)
		}
		return out, nil
	})
}
