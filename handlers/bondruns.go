package handlers

import (
	"context"
	"strconv"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
)

// Bond payment runs, members' schedules and yearly statements.

type bondRunsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	IssueID       string `path:"issueID" doc:"The bond issue's id."`
}

type bondRunsOutput struct {
	Body struct {
		Items []bonds.Run `json:"items"`
	}
}

func (s *Server) listBondRuns(ctx context.Context, in *bondRunsInput) (*bondRunsOutput, error) {
	list, err := s.bonds.ListRuns(ctx, in.CooperativeID, in.IssueID)
	if err != nil {
		return nil, err
	}
	out := &bondRunsOutput{}
	out.Body.Items = list
	return out, nil
}

type bondRunInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	IssueID       string `path:"issueID" doc:"The bond issue's id."`
	Date          string `path:"date" format:"date" doc:"A payment date of the issue."`
}

type bondRunOutput struct{ Body bonds.RunTable }

// previewBondRun: the table of a run, as it would be posted (posted false) or as it was.
func (s *Server) previewBondRun(ctx context.Context, in *bondRunInput) (*bondRunOutput, error) {
	t, err := s.bonds.PreviewRun(ctx, in.CooperativeID, in.IssueID, cooperative.Date(in.Date))
	if err != nil {
		return nil, err
	}
	return &bondRunOutput{Body: t}, nil
}

type createBondRunInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	IssueID       string `path:"issueID" doc:"The bond issue's id."`
	Body          struct {
		Date string `json:"date" format:"date" doc:"The payment date to pay."`
	}
}

func (s *Server) createBondRun(ctx context.Context, in *createBondRunInput) (*bondRunOutput, error) {
	t, err := s.bonds.CreateRun(ctx, actorFrom(ctx), in.CooperativeID, in.IssueID, cooperative.Date(in.Body.Date))
	if err != nil {
		return nil, err
	}
	return &bondRunOutput{Body: t}, nil
}

type memberBondsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
}

type bondSchedulesOutput struct {
	Body struct {
		Items []bonds.MemberSchedule `json:"items"`
	}
}

func (s *Server) memberBondSchedules(ctx context.Context, in *memberBondsInput) (*bondSchedulesOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	list, err := s.bonds.MemberSchedules(ctx, in.CooperativeID, in.MemberID)
	if err != nil {
		return nil, err
	}
	out := &bondSchedulesOutput{}
	out.Body.Items = list
	return out, nil
}

type bondStatementInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
	Year          int    `path:"year" minimum:"2000" maximum:"2200" doc:"The calendar year."`
}

type bondStatementOutput struct{ Body bonds.YearStatement }

func (s *Server) bondStatement(ctx context.Context, in *bondStatementInput) (*bondStatementOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	st, err := s.bonds.YearStatement(ctx, in.CooperativeID, in.MemberID, in.Year)
	if err != nil {
		return nil, err
	}
	return &bondStatementOutput{Body: st}, nil
}

func (s *Server) bondStatementPDF(ctx context.Context, in *bondStatementInput) (*fileOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	st, err := s.bonds.YearStatement(ctx, in.CooperativeID, in.MemberID, in.Year)
	if err != nil {
		return nil, err
	}
	b, err := st.PDF()
	if err != nil {
		return nil, err
	}
	return privateAttachment("application/pdf", "bonds-"+strconv.Itoa(in.Year)+".pdf", b), nil
}
