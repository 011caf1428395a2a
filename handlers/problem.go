package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// statusOf is the one map from domain error codes to HTTP statuses.
var statusOf = map[string]int{
	cooperative.EINVALID:      http.StatusBadRequest,
	cooperative.ERULE:         http.StatusUnprocessableEntity,
	cooperative.ENOTFOUND:     http.StatusNotFound,
	cooperative.ECONFLICT:     http.StatusConflict,
	cooperative.EUNAUTHORIZED: http.StatusUnauthorized,
	cooperative.EFORBIDDEN:    http.StatusForbidden,
	cooperative.ETOOMANY:      http.StatusTooManyRequests,
	cooperative.EUNAVAILABLE:  http.StatusServiceUnavailable,
	cooperative.EINTERNAL:     http.StatusInternalServerError,
}

// problemType documents each code for clients (RFC 9457 "type").
func problemType(code string) string { return "https://kracht.coop/problems/" + code }

// Problem is an RFC 9457 problem detail, extended with the request id and, for the
// domain's errors, their code.
type Problem struct {
	huma.ErrorModel
	Code      string `json:"code" required:"true" enum:"invalid,rule,not_found,conflict,unauthorized,forbidden,too_many,unavailable,internal" doc:"Kracht's error code, one per kind of error."`
	RequestID string `json:"requestId" required:"true" doc:"The id of the request, also in the X-Request-ID header and the server's logs."`
}

// problemFor turns any error from the domain into the problem the client sees. Internal
// errors are logged here, once, and say nothing more to the client.
func (s *Server) problemFor(ctx context.Context, err error) *Problem {
	if errors.Is(err, errBodyTooLarge) { // found while reading a streamed body
		return tooLargeProblem(requestIDFrom(ctx))
	}
	code := cooperative.ErrorCode(err)
	status := statusOf[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		logFrom(ctx, s.log).Error("request failed", slog.String("code", code), slog.Any("error", err))
	}
	p := &Problem{
		ErrorModel: huma.ErrorModel{Type: problemType(code), Title: http.StatusText(status), Status: status,
			Detail: cooperative.ErrorMessage(err)},
		Code:      code,
		RequestID: requestIDFrom(ctx),
	}
	// A refused patronage basis names every line refused, so the board fixes them at once.
	for _, l := range distribution.RefusedLinesOf(err) {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: "body.line." + strconv.Itoa(l.Line), Message: l.Reason, Value: l.Line})
	}
	return p
}

// fiberError answers errors that never reached a huma operation (unknown route, wrong
// method, body over the limit, a panic) in the same problem+json form.
func (s *Server) fiberError(c *fiber.Ctx, err error) error {
	if requestIDFrom(c.UserContext()) == "" {
		// Refused before any middleware ran (a body over the limit): still give an id.
		id := s.ids.next()
		c.Set(fiber.HeaderXRequestID, id)
		c.SetUserContext(context.WithValue(c.UserContext(), keyRequestID, id))
		s.log.Info("request refused", slog.String("request_id", id), slog.String("error", err.Error()))
	}
	if s.web != nil && s.web.Answers(c) {
		return s.web.Fallback(c, err)
	}
	var p *Problem
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code := codeForStatus(fe.Code)
		p = &Problem{
			ErrorModel: huma.ErrorModel{Type: problemType(code), Title: http.StatusText(fe.Code), Status: fe.Code, Detail: fe.Message},
			Code:       code,
			RequestID:  requestIDFrom(c.UserContext()),
		}
		if fe.Code == fiber.StatusRequestEntityTooLarge {
			p = tooLargeProblem(p.RequestID)
		}
	} else {
		p = s.problemFor(c.UserContext(), err)
	}
	return writeProblem(c, p)
}

func tooLargeProblem(requestID string) *Problem {
	status, code := http.StatusRequestEntityTooLarge, codeForStatus(http.StatusRequestEntityTooLarge)
	return &Problem{ErrorModel: huma.ErrorModel{Type: problemType(code), Title: http.StatusText(status), Status: status,
		Detail: "The request body is larger than this server accepts."}, Code: code, RequestID: requestID}
}

func writeProblem(c *fiber.Ctx, p *Problem) error {
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.Status(p.Status).JSON(p, "application/problem+json")
}

func codeForStatus(status int) string {
	for code, st := range statusOf {
		if st == status {
			return code
		}
	}
	if status >= 500 {
		return cooperative.EINTERNAL
	}
	return cooperative.EINVALID
}

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(string) string { return "application/problem+json" }

// GetStatus lets huma use Problem as its error.
func (p *Problem) GetStatus() int { return p.Status }

func (p *Problem) Error() string { return p.Detail }

// problemFromHuma gives huma's own errors (a body that does not parse, a failed schema
// validation) the same shape as the domain's, with code and request id.
func problemFromHuma(ctx huma.Context, _ string, v any) (any, error) {
	em, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	code := codeForStatus(em.Status)
	if em.Status == http.StatusUnprocessableEntity {
		code = cooperative.EINVALID // a request that does not match its schema
	}
	p := &Problem{ErrorModel: *em, Code: code, RequestID: requestIDFrom(ctx.Context())}
	p.Type = problemType(code)
	return p, nil
}
