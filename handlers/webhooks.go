package handlers

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"regexp"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/bankimport"
)

// Two routes take a body that is not JSON: Stripe's webhook (JSON, but its exact bytes
// are what the signature covers, so it is read raw) and a bank statement (an XML file).
// requireJSONBodyOrRaw lets exactly these two through, each with its own media types and
// size limit; every other request keeps the JSON-only rule and the general body limit.

var (
	webhookPath       = regexp.MustCompile(`^/v1/cooperatives/[^/]+/stripe/webhook$`)
	bankStatementPath = regexp.MustCompile(`^/v1/cooperatives/[^/]+/bank-statements$`)
)

// requireJSONBodyOrRaw is the server's body rule (see above). Fiber's own limit is the
// largest of the two, so the general limit is enforced here for everything else.
func (s *Server) requireJSONBodyOrRaw(c *fiber.Ctx) error {
	size := len(c.Request().Body())
	if c.Method() == http.MethodPost {
		switch path := c.Path(); {
		case bankStatementPath.MatchString(path):
			return rawBody(c, size, s.pay.ImportBodyLimit, "Send the statement as application/xml (a camt.053 file).",
				fiber.MIMEApplicationXML, fiber.MIMETextXML)
		case webhookPath.MatchString(path):
			return rawBody(c, size, s.bodyLimit, "Stripe sends webhooks as application/json.", fiber.MIMEApplicationJSON)
		}
	}
	if size > s.bodyLimit {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "The request body is larger than this server accepts.")
	}
	return s.requireJSONBodyOrOneClick(c)
}

func rawBody(c *fiber.Ctx, size, limit int, want string, types ...string) error {
	if size > limit {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "The request body is larger than this server accepts.")
	}
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if size > 0 && (err != nil || !slices.Contains(types, mt)) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, want)
	}
	return c.Next()
}

type webhookInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id: each has its own endpoint and signing secret."`
	Signature     string `header:"Stripe-Signature" maxLength:"4096"`
	RawBody       []byte
}

type webhookOutput struct {
	Body struct {
		Received bool `json:"received"`
		Stored   bool `json:"stored" doc:"False for an event already received: nothing changed."`
	}
}

// stripeWebhook verifies the signature on the raw body (5 minutes' tolerance), stores
// the event once by its id and answers; the syncer's worker applies it. A forged or
// stale signature is a 400 and stores nothing.
func (s *Server) stripeWebhook(ctx context.Context, in *webhookInput) (*webhookOutput, error) {
	if s.pay.Syncer == nil {
		return nil, cooperative.Errorf(cooperative.EUNAVAILABLE, "Stripe is not configured on this server.")
	}
	_, stored, err := s.pay.Syncer.Receive(ctx, in.CooperativeID, in.RawBody, in.Signature)
	if err != nil {
		return nil, err
	}
	out := &webhookOutput{}
	out.Body.Received, out.Body.Stored = true, stored
	return out, nil
}

type bankStatementInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	RawBody       []byte `contentType:"application/xml"`
}

type bankStatementOutput struct {
	Body bankimport.Result
}

// importBankStatement imports a camt.053 statement (02, 04 or 08). Importing the same
// statement again changes nothing; a malformed document is a 400 naming the problem.
func (s *Server) importBankStatement(ctx context.Context, in *bankStatementInput) (*bankStatementOutput, error) {
	if len(in.RawBody) == 0 {
		return nil, cooperative.Errorf(cooperative.EINVALID, "The body must be a camt.053 statement.")
	}
	if _, err := cooperative.GetCooperative(ctx, s.store, in.CooperativeID); err != nil {
		return nil, err
	}
	res, err := bankimport.Import(ctx, s.store, in.CooperativeID, bytes.NewReader(in.RawBody), s.now())
	if err != nil {
		return nil, err
	}
	return &bankStatementOutput{Body: res}, nil
}
