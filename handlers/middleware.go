package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"mime"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
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

// requireJSONBody refuses a request body in anything but JSON before any handler reads it.
func (s *Server) requireJSONBody(c *fiber.Ctx) error {
	if len(c.Request().Body()) == 0 {
		return c.Next()
	}
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || (mt != fiber.MIMEApplicationJSON && !jsonSuffix(mt)) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the request body as application/json.")
	}
	return c.Next()
}

func jsonSuffix(mt string) bool { return len(mt) > 5 && mt[len(mt)-5:] == "+json" }
