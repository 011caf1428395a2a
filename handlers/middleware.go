package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/kracht-coop/kracht/cooperative/distribution"
)

type contextKey int

const (
	keyRequestID contextKey = iota
)

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// logFrom returns base carrying the request's id. It is made when needed, not for every
// request: most requests log only their access line.
func logFrom(ctx context.Context, base *slog.Logger) *slog.Logger {
	if id := requestIDFrom(ctx); id != "" {
		return base.With(slog.String("request_id", id))
	}
	return base
}

// requestIDs makes request ids: a random prefix per process and a counter, so ids are
// unique across replicas without costing a random read per request.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &requestIDs{prefix: hex.EncodeToString(b)}
}

func (r *requestIDs) next() string {
	return r.prefix + "-" + strconv.FormatUint(r.n.Add(1), 36)
}

// A client may bring its own request id (to follow a call across systems) if it is short
// and plain, so it cannot forge log lines.
var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestContext gives every request an id (echoed in X-Request-ID), a logger that
// carries it, and one access log line when it is done.
func (s *Server) requestContext(c *fiber.Ctx) error {
	start := time.Now()
	entry := c.Route() // the middleware's own route: still c.Route() after Next when no route took the request
	id := c.Get(fiber.HeaderXRequestID)
	if !clientRequestID.MatchString(id) {
		id = s.ids.next()
	}
	c.Set(fiber.HeaderXRequestID, id)
	ctx := context.WithValue(c.UserContext(), keyRequestID, id)
	c.SetUserContext(ctx)

	err := c.Next()
	if err != nil {
		// Write the problem now, so the access log shows the status the client gets.
		if herr := s.fiberError(c, err); herr != nil {
			logFrom(ctx, s.log).Error("writing error response failed", slog.Any("error", herr))
		}
	}
	status := c.Response().StatusCode()
	s.metrics.observe(c, entry, status, time.Since(start))
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(ctx, level, "request",
		slog.String("request_id", id),
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
	)
	return nil
}

// bodyException lets one POST route take a body that is not plain JSON.
type bodyException struct {
	path  *regexp.Regexp
	types []string // media types accepted
	limit int      // largest body, bytes
	// refusal answers another media type with 415; empty falls back to the JSON rule.
	refusal string
	// lengthRequired refuses a chunked body (411): a body whose size is not announced
	// could only be found too large halfway through, after part of it was acted on.
	lengthRequired bool
}

// bodyExceptions are the only routes whose body is not JSON: Stripe's webhook (JSON, but
// read raw because the signature covers its exact bytes), a bank statement (an XML file),
// a patronage basis (CSV), a general meeting's minutes (a PDF) and RFC 8058's one-click
// unsubscribe (a form whose content the route ignores; the token is in the URL).
func (s *Server) bodyExceptions() []bodyException {
	return []bodyException{
		{path: regexp.MustCompile(`^/v1/cooperatives/[^/]+/stripe/webhook$`), types: []string{fiber.MIMEApplicationJSON},
			limit: s.bodyLimit, refusal: "Stripe sends webhooks as application/json."},
		{path: regexp.MustCompile(`^/v1/cooperatives/[^/]+/bank-statements$`), types: []string{fiber.MIMEApplicationXML, fiber.MIMETextXML},
			limit: s.pay.ImportBodyLimit, refusal: "Send the statement as application/xml (a camt.053 file).", lengthRequired: true},
		{path: regexp.MustCompile(`^/v1/cooperatives/[^/]+/appropriations/[^/]+/basis$`), types: []string{"text/csv"},
			limit: distribution.BasisMaxBytes, refusal: "Send the basis as text/csv (member_number,quantity).", lengthRequired: true},
		{path: regexp.MustCompile(`^/v1/cooperatives/[^/]+/appropriations/[^/]+/decision$`), types: []string{"application/pdf"},
			limit: distribution.MaxMinutesBytes, refusal: "Send the minutes as application/pdf.", lengthRequired: true},
		{path: regexp.MustCompile(`^/v1/unsubscribe$`), types: []string{fiber.MIMEApplicationForm, fiber.MIMEMultipartForm},
			limit: s.bodyLimit},
	}
}

// checkBody is the server's body rule, before any handler reads a body: every body is
// JSON and at most the general limit, but for the exceptions above. It reads no body:
// Fiber streams any body over the general limit (StreamRequestBody), and huma reads it
// after the route's access check, up to the route's MaxBodyBytes (see register). So a
// large upload from someone not allowed to make it is refused before it is read, and no
// route but the statement import ever reads more than the general limit.
func (s *Server) checkBody(c *fiber.Ctx) error {
	// -1: chunked, length unknown; -2: neither length nor chunks, so no body (a GET).
	size := c.Request().Header.ContentLength()
	if size == 0 || size == -2 {
		return c.Next() // nothing to check: most requests, and never worth parsing a header for
	}
	mt, params, mtErr := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if s.web.Owns(c.Path()) {
		// The web pages' forms: URL-encoded (or multipart), at most the general limit.
		switch {
		case size > s.bodyLimit || size == -1:
			return s.refuseBody(c)
		case mtErr == nil && (mt == fiber.MIMEApplicationForm || mt == fiber.MIMEMultipartForm):
			return c.Next()
		}
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send a form.")
	}
	if e, ok := s.bodyException(c); ok {
		switch {
		case size > e.limit:
			return s.refuseBody(c)
		case size == -1 && e.lengthRequired:
			return errLengthRequired
		case mtErr == nil && slices.Contains(e.types, mt):
			if isJSON(mt) && !utf8Charset(params) {
				return errJSONCharset
			}
			return c.Next()
		case e.refusal == "": // not this route's special form: the rules below
		default:
			return fiber.NewError(fiber.StatusUnsupportedMediaType, e.refusal)
		}
	}
	if s.bodiless.match(c.Method(), c.Path()) {
		return s.refuseBodiless(c)
	}
	if size > s.bodyLimit {
		return s.refuseBody(c)
	}
	if mtErr != nil || !isJSON(mt) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the request body as application/json.")
	}
	if !utf8Charset(params) {
		return errJSONCharset
	}
	return c.Next()
}

// JSON is UTF-8 (RFC 8259); a body declared in another charset would be read as UTF-8
// all the same, so it is refused rather than misread.
var errJSONCharset = fiber.NewError(fiber.StatusUnsupportedMediaType,
	"Send JSON in UTF-8: charset=utf-8 or no charset parameter.")

func utf8Charset(params map[string]string) bool {
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "us-ascii")
}

func isJSON(mt string) bool { return mt == fiber.MIMEApplicationJSON || jsonSuffix(mt) }

// bodilessRoutes are the routes whose operation takes no request body (every GET,
// logout, approve, ...), by method, from the published API description: a body sent to
// one of them is a client's mistake (or a request smuggled in it), never silently
// ignored.
type bodilessRoutes map[string]*regexp.Regexp

var pathParam = regexp.MustCompile(`\{[^/}]+\}`)

// newBodilessRoutes makes one pattern per method, the routes' paths as alternatives, so
// a request with a body costs one match, however many routes there are.
func newBodilessRoutes(doc *huma.OpenAPI) bodilessRoutes {
	paths := map[string][]string{}
	for path, item := range doc.Paths {
		parts := pathParam.Split(path, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		pattern := strings.Join(parts, "[^/]+")
		for method, op := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodHead: item.Head,
			http.MethodPost: item.Post, http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete} {
			if op != nil && op.RequestBody == nil {
				paths[method] = append(paths[method], pattern)
			}
		}
	}
	b := bodilessRoutes{}
	for method, ps := range paths {
		b[method] = regexp.MustCompile("^(?:" + strings.Join(ps, "|") + ")$")
	}
	return b
}

func (b bodilessRoutes) match(method, path string) bool {
	re, ok := b[method]
	return ok && re.MatchString(path)
}

// refuseBodiless answers 400 to a body sent to a route that takes none, without reading
// it; keepInStep then drains or closes the connection.
func (s *Server) refuseBodiless(c *fiber.Ctx) error {
	return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("%s %s takes no request body: send none.", c.Method(), c.Path()))
}

// refuseBody answers 413 without reading the body; keepInStep then closes the
// connection, whose unread rest could not be told from the next request.
func (s *Server) refuseBody(c *fiber.Ctx) error {
	return errBodyTooLarge
}

// maxBodyBytes is what huma may read of a route's body: the exception's limit or the
// general one. huma refuses a body that reaches its MaxBodyBytes, hence the extra byte.
func (s *Server) maxBodyBytes(method, path string) int64 {
	limit := s.bodyLimit
	if method == http.MethodPost {
		for _, e := range s.bodyRules {
			if e.path.MatchString(path) {
				limit = e.limit
			}
		}
	}
	return int64(limit) + 1
}

func (s *Server) bodyException(c *fiber.Ctx) (bodyException, bool) {
	if c.Method() != http.MethodPost {
		return bodyException{}, false
	}
	for _, e := range s.bodyRules {
		if e.path.MatchString(c.Path()) {
			return e, true
		}
	}
	return bodyException{}, false
}

// errLengthRequired answers a chunked statement: an import stores its lines as it reads
// them, so one that ran over the limit would be refused with part of it imported.
var errLengthRequired = fiber.NewError(fiber.StatusLengthRequired,
	"Send the statement with its Content-Length (not chunked), so that one over the limit is refused before anything is imported.")

var errBodyTooLarge = fiber.NewError(fiber.StatusRequestEntityTooLarge, "The request body is larger than this server accepts.")

func jsonSuffix(mt string) bool { return len(mt) > 5 && mt[len(mt)-5:] == "+json" }
