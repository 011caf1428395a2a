package handlers

import (
	"bytes"
	"context"
	"mime"

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
	// The file's name, for the audit log (curl -H 'Content-Disposition: attachment; filename="jan.xml"').
	ContentDisposition string `header:"Content-Disposition" maxLength:"500" doc:"Optional: attachment; filename=\"…\", the statement file's name, kept in the audit log."`
	RawBody            []byte `contentType:"application/xml"`
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
	src := bankimport.Source{By: actorFrom(ctx)}
	if in.ContentDisposition != "" {
		_, params, err := mime.ParseMediaType(in.ContentDisposition)
		if err != nil {
			return nil, cooperative.Errorf(cooperative.EINVALID, "Content-Disposition must read attachment; filename=\"…\".")
		}
		src.FileName = params["filename"]
	}
	res, err := bankimport.Import(ctx, s.store, in.CooperativeID, src, bytes.NewReader(in.RawBody), s.now())
	if err != nil {
		return nil, err
	}
	return &bankStatementOutput{Body: res}, nil
}
