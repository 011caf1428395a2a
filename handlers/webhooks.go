package handlers

import (
	"bytes"
	"context"
	"io"
	"mime"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/bankimport"
)

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
	// The statement, read as it arrives (see Resolve): the import holds one batch of
	// lines at a time, never the whole file.
	body io.Reader
	// bodyRead says the body was read to its end (keepInStep keeps the connection).
	bodyRead func() error
	// The file's name, for the audit log (curl -H 'Content-Disposition: attachment; filename="jan.xml"').
	ContentDisposition string `header:"Content-Disposition" maxLength:"500" doc:"Optional: attachment; filename=\"…\", the statement file's name, kept in the audit log."`
}

// importReadTimeout is how long the body of an import may take to arrive: it is read
// as fast as its lines are stored, so the server's ReadTimeout would cut off a large
// statement halfway (128 MiB, about 140,000 entries, is stored in well under a minute).
const importReadTimeout = 10 * time.Minute

// Resolve takes the statement as a stream. huma reads no body for an input without a
// Body or RawBody field; it runs this after the route's access check.
func (in *bankStatementInput) Resolve(ctx huma.Context) []error {
	req := humafiber.Unwrap(ctx).Request()
	if in.body = req.BodyStream(); in.body == nil {
		in.body = bytes.NewReader(req.Body())
	}
	in.bodyRead = req.CloseBodyStream
	_ = ctx.SetReadDeadline(time.Now().Add(importReadTimeout))
	return nil
}

// statementBody documents the request body that Resolve reads. A new one for every
// server: huma writes into the schema when it registers the route, so a shared value
// would be written by two servers made at once.
func statementBody() *huma.RequestBody {
	return &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"application/xml": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}
}

type bankStatementOutput struct {
	Body bankimport.Result
}

// importBankStatement imports a camt.053 statement (02, 04 or 08) as it arrives.
// Importing the same statement again changes nothing; a malformed document is a 400
// naming the problem. A statement over the import limit is a 413: refused unread when
// its length says so (checkBody); sent without a length (chunked), it is refused when
// the limit is reached, keeping the batches stored until then, as for a file cut off
// halfway.
func (s *Server) importBankStatement(ctx context.Context, in *bankStatementInput) (*bankStatementOutput, error) {
	if _, err := cooperative.GetCooperative(ctx, s.store, in.CooperativeID); err != nil {
		return nil, err
	}
	src := bankimport.Source{By: actorFrom(ctx)}
	if in.ContentDisposition != "" {
		_, params, err := mime.ParseMediaType(in.ContentDisposition)
		if err != nil {
			return nil, cooperative.Errorf(cooperative.EINVALID, "Content-Disposition must read attachment; filename=\"…\".")
		}
		src.FileName = params["filename"]
	}
	body := &io.LimitedReader{R: in.body, N: int64(s.pay.ImportBodyLimit) + 1}
	res, err := bankimport.Import(ctx, s.payments, in.CooperativeID, src, body)
	if err == nil {
		// What follows the document, up to the limit: the body must end within it.
		_, err = io.Copy(io.Discard, body)
	}
	if body.N == 0 {
		return nil, errBodyTooLarge
	}
	if err != nil {
		return nil, err
	}
	_ = in.bodyRead()
	return &bankStatementOutput{Body: res}, nil
}
