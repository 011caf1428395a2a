package handlers

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kracht-coop/kracht/cooperative/identity"

	"github.com/danielgtaylor/huma/v2"
)

// routes declares every route of the API, one function per capability, each in its own
// routes_<capability>.go. Each route is a huma operation, so it is in the OpenAPI
// document; openapi_test.go fails when one is not. Each says who may call it (see
// access.go); authz_test.go fails when one has no row in the authorization matrix.
// Who the routes of the routes_*.go files are for, and where a cooperative's routes are.
const (
	roleBoard      = identity.RoleBoard
	roleAccountant = identity.RoleAccountant
	coopPath       = "/v1/cooperatives/{cooperativeID}"
)

func (s *Server) routes() {
	s.operationRoutes()
	s.cooperativeRoutes()
	s.identityRoutes()
	s.notifyRoutes()
	s.membershipRoutes()
	s.shareRoutes()
	s.bondRoutes()
	s.distributionRoutes()
	s.fundRoutes()
	s.paymentRoutes()
	s.payoutRoutes()
	s.ledgerRoutes()
}

// register adds an operation whose handler returns domain errors; they become problems
// here, in one place. A throttled request gets Retry-After, a refused credential
// WWW-Authenticate (RFC 6750).
func register[I, O any](s *Server, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	op.Errors = append(op.Errors, http.StatusBadRequest, http.StatusInternalServerError)
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = s.maxBodyBytes(op.Method, op.Path) // huma's own default is 1 MiB for all
	}
	s.documentProblems(&op, reflect.TypeFor[I]())
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := handler(ctx, in)
		if err != nil {
			p := s.problemFor(ctx, err)
			headers := http.Header{}
			var throttled *identity.ThrottledError
			if errors.As(err, &throttled) {
				headers.Set("Retry-After", strconv.Itoa(int(throttled.RetryAfter.Seconds())))
			}
			if p.Status == http.StatusUnauthorized {
				headers.Set("WWW-Authenticate", `Bearer realm="kracht"`)
			}
			if len(headers) > 0 {
				return nil, huma.ErrorWithHeaders(p, headers)
			}
			return nil, p
		}
		return out, nil
	})
	item := s.api.OpenAPI().Paths[op.Path]
	s.boundInputStrings(map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post,
		http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete}[op.Method])
}

// maxInputString is the longest string a request may carry where its field declares no
// maxLength of its own (an id, a cursor, a date, an address line): long enough for any
// of them, short enough that no field can hold a megabyte.
const maxInputString = 256

// boundInputStrings gives every string of op's parameters and request body
// that declares no maxLength (nor an enum, nor binary content, bounded by the body
// limit) maxInputString, which huma then enforces with a 422 like any other rule of the
// schema and the API description publishes. Schemas are shared between operations:
// each is bounded once.
func (s *Server) boundInputStrings(op *huma.Operation) {
	registry := s.api.OpenAPI().Components.Schemas
	seen := map[*huma.Schema]bool{}
	var bound func(*huma.Schema)
	bound = func(sc *huma.Schema) {
		if sc == nil || seen[sc] {
			return
		}
		seen[sc] = true
		if sc.Ref != "" {
			bound(registry.SchemaFromRef(sc.Ref))
			return
		}
		if sc.Type == huma.TypeString && sc.MaxLength == nil && len(sc.Enum) == 0 && sc.Format != "binary" {
			n := maxInputString
			sc.MaxLength = &n
			sc.PrecomputeMessages()
		}
		for _, p := range sc.Properties {
			bound(p)
		}
		bound(sc.Items)
		if ap, ok := sc.AdditionalProperties.(*huma.Schema); ok {
			bound(ap)
		}
		for _, list := range [][]*huma.Schema{sc.OneOf, sc.AnyOf, sc.AllOf} {
			for _, x := range list {
				bound(x)
			}
		}
		bound(sc.Not)
	}
	for _, p := range op.Parameters {
		bound(p.Schema)
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Content {
			bound(mt.Schema)
		}
	}
}

// documentProblems publishes the errors op answers with the body they really have,
// Problem. huma would document them with its ErrorModel, whose schema forbids the code
// and requestId every problem carries, so a strict client would refuse every error.
// Beside the errors a route declares, it documents those any route of its kind can
// answer: a body or parameters that huma or checkBody refuse before the handler (413,
// 415, 422), an object in its path that does not exist (404), a write that collides
// (409), and a store that cannot be reached (503).
func (s *Server) documentProblems(op *huma.Operation, input reflect.Type) {
	op.Errors = append(op.Errors, http.StatusServiceUnavailable)
	_, body := input.FieldByName("Body")
	_, raw := input.FieldByName("RawBody")
	if body || raw {
		op.Errors = append(op.Errors, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if body || input.NumField() > 0 {
		op.Errors = append(op.Errors, http.StatusUnprocessableEntity)
	}
	if strings.Contains(op.Path, "{") {
		op.Errors = append(op.Errors, http.StatusNotFound)
	}
	if op.Method != http.MethodGet {
		op.Errors = append(op.Errors, http.StatusConflict)
	}
	schema := s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[Problem](), true, "Problem")
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	slices.Sort(op.Errors)
	for _, status := range slices.Compact(op.Errors) {
		op.Responses[strconv.Itoa(status)] = &huma.Response{Description: http.StatusText(status),
			Content: map[string]*huma.MediaType{"application/problem+json": {Schema: schema}}}
	}
	op.Errors = nil
}
