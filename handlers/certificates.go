package handlers

import (
	"context"

	"github.com/kracht-coop/kracht/cooperative/identity"
)

type memberCertificateInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
	Date          string `query:"date" format:"date" doc:"The day the certificate speaks for: what the member held at its end; today when left out. Not a day to come."`
}

// memberCertificate renders the certificate of everything a member holds (or held at
// the end of ?date=), read from the register: the one that counts after a transfer or
// withdrawal has superseded an issuance's certificate. For the member and the board.
func (s *Server) memberCertificate(ctx context.Context, in *memberCertificateInput) (*fileOutput, error) {
	m, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, identity.RoleBoard)
	if err != nil {
		return nil, err
	}
	c, err := s.registry.GetHoldingsCertificate(ctx, in.CooperativeID, m.ID, s.dateOr(in.Date))
	if err != nil {
		return nil, err
	}
	pdf, err := c.PDF()
	if err != nil {
		return nil, err
	}
	return privateAttachment("application/pdf", "certificate-"+c.Number+".pdf", pdf), nil
}
