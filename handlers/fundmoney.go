package handlers

import (
	"bytes"
	"context"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/payments"
)

// The community fund's money: donations (paid like subscriptions, by transfer with an RF
// reference or through Stripe), grants and their tranches and progress, and the public
// page (no login) as JSON, CSV and Atom.

type donateInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		AmountCents int64  `json:"amountCents" doc:"From 100 (1.00) to 100,000,000 (1,000,000.00)."`
		Name        string `json:"name,omitempty" maxLength:"200" doc:"Required when public."`
		Public      bool   `json:"public,omitempty" doc:"Show the donor's name on the public page; else the donation counts only in its month's total."`
		Email       string `json:"email,omitempty" maxLength:"254" doc:"Told when the payment fails; never public."`
		Language    string `json:"language,omitempty" enum:"nl,en"`
	}
}

type donationOutput struct{ Body fund.Donation }

func (s *Server) donate(ctx context.Context, in *donateInput) (*donationOutput, error) {
	d, err := s.fund.Donate(ctx, actorFrom(ctx), in.CooperativeID, fund.NewDonation{AmountCents: in.Body.AmountCents, Name: in.Body.Name,
		Public: in.Body.Public, Email: in.Body.Email, Language: in.Body.Language})
	if err != nil {
		return nil, err
	}
	return &donationOutput{Body: d}, nil
}

type donationInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	DonationID    string `path:"donationID" doc:"The donation's id."`
}

func (s *Server) donationTransferInstructions(ctx context.Context, in *donationInput) (*transferInstructionsOutput, error) {
	c, err := s.checkout()
	if err != nil {
		return nil, err
	}
	ti, err := c.TransferInstructions(ctx, in.CooperativeID, in.DonationID)
	if err != nil {
		return nil, err
	}
	return &transferInstructionsOutput{Body: transferInstructionsBody{PaymentID: ti.PaymentID, IBAN: ti.IBAN, BIC: ti.BIC,
		Beneficiary: ti.Beneficiary, AmountCents: ti.AmountCents, Reference: ti.Reference}}, nil
}

type donationCheckoutInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	DonationID    string `path:"donationID" doc:"The donation's id."`
	Body          struct {
		SuccessURL string `json:"successUrl" format:"uri" maxLength:"2000"`
		CancelURL  string `json:"cancelUrl" format:"uri" maxLength:"2000"`
	}
}

func (s *Server) donationCheckout(ctx context.Context, in *donationCheckoutInput) (*checkoutOutput, error) {
	c, err := s.checkout()
	if err != nil {
		return nil, err
	}
	cs, err := c.Start(ctx, payments.StartCheckout{CooperativeID: in.CooperativeID, SubscriptionID: in.DonationID,
		SuccessURL: in.Body.SuccessURL, CancelURL: in.Body.CancelURL})
	if err != nil {
		return nil, err
	}
	return &checkoutOutput{Body: checkoutBody{URL: cs.URL, SessionID: cs.SessionID, PaymentID: cs.Payment.ID,
		Reference: cs.Payment.Reference, AmountCents: cs.Payment.Amount}}, nil
}

type awardInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		RoundID     string `json:"roundId"`
		ProposalID  string `json:"proposalId"`
		AmountCents int64  `json:"amountCents" doc:"At most the proposal's budget and what the round has left."`
		Reason      string `json:"reason,omitempty" maxLength:"2000" doc:"Required when the project is not in the round's result."`
	}
}

type grantOutput struct{ Body fund.Grant }

func (s *Server) awardGrant(ctx context.Context, in *awardInput) (*grantOutput, error) {
	g, err := s.fund.AwardGrant(ctx, actorFrom(ctx), in.CooperativeID, fund.Award{RoundID: in.Body.RoundID, ProposalID: in.Body.ProposalID,
		AmountCents: in.Body.AmountCents, Reason: in.Body.Reason})
	if err != nil {
		return nil, err
	}
	return &grantOutput{Body: g}, nil
}

type grantInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	GrantID       string `path:"grantID" doc:"The grant's id."`
}

func (s *Server) getGrant(ctx context.Context, in *grantInput) (*grantOutput, error) {
	if !cooperative.ValidID(in.CooperativeID) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", in.CooperativeID)
	}
	g, err := s.fund.GetGrant(ctx, in.CooperativeID, in.GrantID)
	if err != nil {
		return nil, err
	}
	return &grantOutput{Body: g}, nil
}

type trancheInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	GrantID       string `path:"grantID" doc:"The grant's id."`
	Body          struct {
		AmountCents int64  `json:"amountCents" doc:"At most what the grant has left."`
		DueOn       string `json:"dueOn,omitempty" format:"date" doc:"When it is due; today when left out."`
	}
}

type trancheOutput struct {
	Body struct {
		Grant     fund.Grant `json:"grant"`
		PayableID string     `json:"payableId"`
	}
}

func (s *Server) payTranche(ctx context.Context, in *trancheInput) (*trancheOutput, error) {
	g, p, err := s.fund.PayTranche(ctx, actorFrom(ctx), in.CooperativeID, in.GrantID, fund.TrancheInput{AmountCents: in.Body.AmountCents,
		DueOn: cooperative.Date(in.Body.DueOn)})
	if err != nil {
		return nil, err
	}
	out := &trancheOutput{}
	out.Body.Grant, out.Body.PayableID = g, p.ID
	return out, nil
}

type progressInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	GrantID       string `path:"grantID" doc:"The grant's id."`
	Body          struct {
		Date string `json:"date,omitempty" format:"date" doc:"Today when left out."`
		Text string `json:"text" maxLength:"5000"`
	}
}

type memberProgressInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member who proposed the project."`
	GrantID       string `path:"grantID" doc:"The grant's id."`
	Body          struct {
		Date string `json:"date,omitempty" format:"date" doc:"Today when left out."`
		Text string `json:"text" maxLength:"5000"`
	}
}

type progressOutput struct{ Body fund.Progress }

func (s *Server) boardProgress(ctx context.Context, in *progressInput) (*progressOutput, error) {
	p, err := s.fund.ReportProgress(ctx, actorFrom(ctx), in.CooperativeID, in.GrantID, "", fund.ProgressInput{
		Date: cooperative.Date(in.Body.Date), Text: in.Body.Text})
	if err != nil {
		return nil, err
	}
	return &progressOutput{Body: p}, nil
}

func (s *Server) memberProgress(ctx context.Context, in *memberProgressInput) (*progressOutput, error) {
	_, actor, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true)
	if err != nil {
		return nil, err
	}
	p, err := s.fund.ReportProgress(ctx, actor, in.CooperativeID, in.GrantID, in.MemberID, fund.ProgressInput{
		Date: cooperative.Date(in.Body.Date), Text: in.Body.Text})
	if err != nil {
		return nil, err
	}
	return &progressOutput{Body: p}, nil
}

type publicFundInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
}

type publicFundOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         fund.PublicPage
}

func (s *Server) publicFund(ctx context.Context, in *publicFundInput) (*publicFundOutput, error) {
	pg, err := s.publicPage(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	return &publicFundOutput{CacheControl: "public, max-age=5", Body: pg}, nil
}

func (s *Server) publicPage(ctx context.Context, cooperativeID string) (fund.PublicPage, error) {
	if !cooperative.ValidID(cooperativeID) {
		return fund.PublicPage{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
	}
	return s.fund.Public(ctx, cooperativeID)
}

func (s *Server) publicFundCSV(ctx context.Context, in *publicFundInput) (*fileOutput, error) {
	pg, err := s.publicPage(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := pg.WriteCSV(&b); err != nil {
		return nil, err
	}
	return &fileOutput{ContentType: "text/csv; charset=utf-8", CacheControl: "public, max-age=5",
		ContentDisposition: `attachment; filename="fund.csv"`, Body: b.Bytes()}, nil
}

func (s *Server) publicFundAtom(ctx context.Context, in *publicFundInput) (*fileOutput, error) {
	pg, err := s.publicPage(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := pg.WriteAtom(&b, "/v1/cooperatives/"+in.CooperativeID+"/fund.atom"); err != nil {
		return nil, err
	}
	return &fileOutput{ContentType: "application/atom+xml; charset=utf-8", CacheControl: "public, max-age=5", Body: b.Bytes()}, nil
}

func (s *Server) closeFundRound(ctx context.Context, in *fundRoundInput) (*fundRoundOutput, error) {
	r, err := s.fund.CloseRound(ctx, actorFrom(ctx), in.CooperativeID, in.RoundID)
	if err != nil {
		return nil, err
	}
	return &fundRoundOutput{Body: fundRoundView(r)}, nil
}
