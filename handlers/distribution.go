package handlers

import (
	"bytes"
	"context"
	"io"
	"mime"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// The yearly distribution: the cooperative's settings, each year's appropriation with
// its patronage basis and the general meeting's decision, and the members' elections.
// Amounts are in cents; the rules are the domain's (cooperative/distribution).

// The domain's values as the API shows them, under names of their own.
type (
	distributionSettings distribution.Settings
	appropriation        distribution.Appropriation
	distributionElection distribution.ElectionView
	memberElection       distribution.MemberElection
)

type distributionSettingsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
}

type distributionSettingsOutput struct{ Body distributionSettings }

func (s *Server) getDistributionSettings(ctx context.Context, in *distributionSettingsInput) (*distributionSettingsOutput, error) {
	st, err := s.distributions.Settings(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	return &distributionSettingsOutput{Body: distributionSettings(st)}, nil
}

type setDistributionSettingsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		WithholdingBP   int64  `json:"withholdingBp" doc:"Withheld of gross for the tax authority, in basis points (3000 = 30%); 0 to 10000."`
		ExemptionCents  int64  `json:"exemptionCents" doc:"The part of a natural person's gross a year not withheld on."`
		ThresholdCents  int64  `json:"thresholdCents" doc:"A net amount below it goes to the community fund whatever the election (100 = €1.00)."`
		DefaultElection string `json:"defaultElection" enum:"payout,reinvest,donate" doc:"The election of a member who made none."`
		ReinvestClass   string `json:"reinvestClass,omitempty" maxLength:"20" doc:"The share class reinvested amounts buy; leave out to offer no reinvesting."`
	}
}

func (s *Server) setDistributionSettings(ctx context.Context, in *setDistributionSettingsInput) (*distributionSettingsOutput, error) {
	b := in.Body
	st, err := s.distributions.SetSettings(ctx, actorFrom(ctx), distribution.Settings{CooperativeID: in.CooperativeID,
		WithholdingBP: b.WithholdingBP, ExemptionCents: b.ExemptionCents, ThresholdCents: b.ThresholdCents,
		DefaultElection: distribution.Election(b.DefaultElection), ReinvestClass: b.ReinvestClass})
	if err != nil {
		return nil, err
	}
	return &distributionSettingsOutput{Body: distributionSettings(st)}, nil
}

type appropriationInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Year          int    `path:"year" minimum:"2000" maximum:"2200" doc:"The year whose result is distributed."`
}

type appropriationOutput struct{ Body appropriation }

func (s *Server) getAppropriation(ctx context.Context, in *appropriationInput) (*appropriationOutput, error) {
	a, err := s.distributions.Appropriation(ctx, in.CooperativeID, in.Year)
	if err != nil {
		return nil, err
	}
	return &appropriationOutput{Body: appropriation(a)}, nil
}

func (s *Server) listAppropriations(ctx context.Context, in *listOfferingsInput) (*pageOutput[appropriation], error) {
	list, next, err := s.distributions.ListAppropriations(ctx, in.CooperativeID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, func(a distribution.Appropriation) appropriation { return appropriation(a) }), nil
}

type proposeAppropriationInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Year          int    `path:"year" minimum:"2000" maximum:"2200" doc:"The year whose result is distributed."`
	Body          struct {
		ResultCents   int64  `json:"resultCents" doc:"The year's distributable result."`
		ReservesCents int64  `json:"reservesCents" doc:"To the reserves."`
		FundCents     int64  `json:"fundCents" doc:"To the community fund."`
		Method        string `json:"method" enum:"dividend_rate,dividend_pool,patronage" doc:"How the members' part is divided."`
		RateBP        int64  `json:"rateBp,omitempty" doc:"dividend_rate: the yearly rate on nominal, in basis points, at most the statutes' cap."`
		MembersCents  int64  `json:"membersCents,omitempty" doc:"The members' part: the pool of dividend_pool and patronage; for dividend_rate an estimate the dry run makes exact."`
		RecordDate    string `json:"recordDate" format:"date" doc:"After the year: members' elections made before it count."`
	}
}

// proposeAppropriation records or changes the board's proposal of a year (201 the first
// time, 200 for a change).
func (s *Server) proposeAppropriation(ctx context.Context, in *proposeAppropriationInput) (*appropriationOutput, error) {
	b := in.Body
	a, err := s.distributions.Propose(ctx, actorFrom(ctx), distribution.NewAppropriation{CooperativeID: in.CooperativeID, Year: in.Year,
		ResultCents: b.ResultCents, ReservesCents: b.ReservesCents, FundCents: b.FundCents, Method: distribution.Method(b.Method),
		RateBP: b.RateBP, MembersCents: b.MembersCents, RecordDate: cooperative.Date(b.RecordDate)})
	if err != nil {
		return nil, err
	}
	return &appropriationOutput{Body: appropriation(a)}, nil
}

type importBasisInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Year          int    `path:"year" minimum:"2000" maximum:"2200" doc:"The year whose result is distributed."`
	RawBody       []byte
}

// basisBody documents the CSV body; a new one for every server (huma writes into it).
func basisBody() *huma.RequestBody {
	return &huma.RequestBody{Required: true, Description: "A header line member_number,quantity, then one line per member: " +
		"the member's number and a whole quantity (kWh supplied, care hours).",
		Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}
}

// importBasis imports a patronage basis. Refused lines are a 422 whose errors name each
// by line number (see problemFor); nothing is imported then.
func (s *Server) importBasis(ctx context.Context, in *importBasisInput) (*appropriationOutput, error) {
	a, err := s.distributions.ImportBasis(ctx, actorFrom(ctx), in.CooperativeID, in.Year, bytes.NewReader(in.RawBody))
	if err != nil {
		return nil, err
	}
	return &appropriationOutput{Body: appropriation(a)}, nil
}

type decideAppropriationInput struct {
	CooperativeID      string `path:"cooperativeID" doc:"The cooperative's id."`
	Year               int    `path:"year" minimum:"2000" maximum:"2200" doc:"The year whose result is distributed."`
	Date               string `query:"date" required:"true" format:"date" doc:"The day of the general meeting."`
	VotesFor           int64  `query:"votesFor" required:"true" minimum:"0"`
	VotesAgainst       int64  `query:"votesAgainst" required:"true" minimum:"0"`
	Abstaining         int64  `query:"abstaining" minimum:"0"`
	ContentDisposition string `header:"Content-Disposition" maxLength:"500" doc:"Optional: attachment; filename=\"…\", the minutes' file name."`
	RawBody            []byte
}

func minutesBody() *huma.RequestBody {
	return &huma.RequestBody{Required: true, Description: "The minutes of the general meeting, a PDF of at most 5 MiB.",
		Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}
}

func (s *Server) decideAppropriation(ctx context.Context, in *decideAppropriationInput) (*appropriationOutput, error) {
	name := ""
	if in.ContentDisposition != "" {
		_, params, err := mime.ParseMediaType(in.ContentDisposition)
		if err != nil {
			return nil, cooperative.Errorf(cooperative.EINVALID, "Content-Disposition must read attachment; filename=\"…\".")
		}
		name = params["filename"]
	}
	a, err := s.distributions.Decide(ctx, actorFrom(ctx), in.CooperativeID, in.Year, distribution.DecisionInput{
		Date: cooperative.Date(in.Date), VotesFor: in.VotesFor, VotesAgainst: in.VotesAgainst, Abstaining: in.Abstaining,
		FileName: name, Minutes: in.RawBody})
	if err != nil {
		return nil, err
	}
	return &appropriationOutput{Body: appropriation(a)}, nil
}

func (s *Server) appropriationMinutes(ctx context.Context, in *appropriationInput) (*fileOutput, error) {
	m, err := s.distributions.Minutes(ctx, in.CooperativeID, in.Year)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(m.Content)
	if err != nil {
		return nil, err
	}
	return privateAttachment(m.File.ContentType, "minutes-"+strconv.Itoa(in.Year)+".pdf", b), nil
}

type memberElectionInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
}

type distributionElectionOutput struct{ Body distributionElection }

func (s *Server) getDistributionElection(ctx context.Context, in *memberElectionInput) (*distributionElectionOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	v, err := s.distributions.ElectionOf(ctx, in.CooperativeID, in.MemberID)
	if err != nil {
		return nil, err
	}
	return &distributionElectionOutput{Body: distributionElection(v)}, nil
}

type setDistributionElectionInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"Your member record in the cooperative."`
	Body          struct {
		Election string `json:"election" enum:"payout,reinvest,donate" doc:"What is done with your net amount of distributions whose record date is after today."`
	}
}

// setDistributionElection: only the account a member record belongs to elects for it.
func (s *Server) setDistributionElection(ctx context.Context, in *setDistributionElectionInput) (*distributionElectionOutput, error) {
	_, actor, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true)
	if err != nil {
		return nil, err
	}
	v, err := s.distributions.SetElection(ctx, actor, in.CooperativeID, in.MemberID, distribution.Election(in.Body.Election))
	if err != nil {
		return nil, err
	}
	return &distributionElectionOutput{Body: distributionElection(v)}, nil
}

func (s *Server) listDistributionElections(ctx context.Context, in *listOfferingsInput) (*pageOutput[memberElection], error) {
	list, next, err := s.distributions.ListElections(ctx, in.CooperativeID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, func(e distribution.MemberElection) memberElection { return memberElection(e) }), nil
}
