package handlers

import (
	"bytes"
	"context"
	"strconv"

	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// The dry run, the execution (a job: the first step answers, the rest runs on; its
// progress is read back) and members' statements.

// Names of their own for the API document, whose schemas are named by Go type name
// (bonds have Terms, the ledger a Line).
type (
	distributionTerms distribution.Terms
	distributionLine  distribution.Line
)

func distributionLines(ls []distribution.Line) []distributionLine {
	out := make([]distributionLine, len(ls))
	for i, l := range ls {
		out[i] = distributionLine(l)
	}
	return out
}

// dryRunBody is distribution.Table with the appropriation under the API's name for it.
type dryRunBody struct {
	Year          int                 `json:"year"`
	Appropriation appropriation       `json:"appropriation"`
	Terms         distributionTerms   `json:"terms"`
	Lines         []distributionLine  `json:"lines"`
	Totals        distribution.Totals `json:"totals"`
	RetainedCents int64               `json:"retainedCents" doc:"What of the result is not appropriated: it stays, carried forward."`
}

type dryRunOutput struct{ Body dryRunBody }

func (s *Server) distributionDryRun(ctx context.Context, in *appropriationInput) (*dryRunOutput, error) {
	t, err := s.distributions.DryRun(ctx, in.CooperativeID, in.Year)
	if err != nil {
		return nil, err
	}
	return &dryRunOutput{Body: dryRunBody{Year: t.Year, Appropriation: appropriation(t.Appropriation), Terms: distributionTerms(t.Terms), Lines: distributionLines(t.Lines),
		Totals: t.Totals, RetainedCents: t.RetainedCents}}, nil
}

func (s *Server) distributionDryRunFile(ctx context.Context, in *appropriationInput, xlsx bool) (*fileOutput, error) {
	t, err := s.distributions.DryRun(ctx, in.CooperativeID, in.Year)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	out := &fileOutput{CacheControl: "no-store"}
	name := "distribution-" + strconv.Itoa(in.Year)
	if xlsx {
		err = distribution.WriteTableXLSX(&b, t.Lines, t.Totals)
		out.ContentType, name = xlsxContentType, name+".xlsx"
	} else {
		err = distribution.WriteTableCSV(&b, t.Lines, t.Totals)
		out.ContentType, name = "text/csv; charset=utf-8", name+".csv"
	}
	if err != nil {
		return nil, err
	}
	out.ContentDisposition, out.Body = `attachment; filename="`+name+`"`, b.Bytes()
	return out, nil
}

func (s *Server) distributionDryRunCSV(ctx context.Context, in *appropriationInput) (*fileOutput, error) {
	return s.distributionDryRunFile(ctx, in, false)
}

func (s *Server) distributionDryRunXLSX(ctx context.Context, in *appropriationInput) (*fileOutput, error) {
	return s.distributionDryRunFile(ctx, in, true)
}

type executionOutput struct{ Body distribution.Execution }

// executeDistribution starts the execution (its first step, where every refusal comes
// from) and lets the steps run on after the answer; GET …/execution reports them. Asking
// again while it runs, or after a crash, resumes it.
func (s *Server) executeDistribution(ctx context.Context, in *appropriationInput) (*executionOutput, error) {
	actor := actorFrom(ctx)
	e, err := s.distributions.StartExecution(ctx, actor, in.CooperativeID, in.Year)
	if err != nil {
		return nil, err
	}
	if e.Status == distribution.ExecutionRunning {
		go func() {
			if _, err := s.distributions.Continue(context.WithoutCancel(ctx), actor, in.CooperativeID, in.Year, nil); err != nil && s.log != nil {
				s.log.Error("distribution execution stopped; asking again resumes it", "cooperative", in.CooperativeID,
					"year", in.Year, "error", err)
			}
		}()
	}
	return &executionOutput{Body: e}, nil
}

func (s *Server) getDistributionExecution(ctx context.Context, in *appropriationInput) (*executionOutput, error) {
	e, err := s.distributions.GetExecution(ctx, in.CooperativeID, in.Year)
	if err != nil {
		return nil, err
	}
	return &executionOutput{Body: e}, nil
}

type memberDistributionInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
	Year          int    `path:"year" minimum:"2000" maximum:"2200" doc:"The year whose result was distributed."`
}

// distributionStatementBody is distribution.MemberStatement with its line under the
// API's name for it.
type distributionStatementBody struct {
	distribution.MemberStatement
	Line distributionLine `json:"line"`
}

type distributionStatementOutput struct{ Body distributionStatementBody }

func (s *Server) distributionStatement(ctx context.Context, in *memberDistributionInput) (*distributionStatementOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	st, err := s.distributions.Statement(ctx, in.CooperativeID, in.MemberID, in.Year)
	if err != nil {
		return nil, err
	}
	return &distributionStatementOutput{Body: distributionStatementBody{MemberStatement: st, Line: distributionLine(st.Line)}}, nil
}

func (s *Server) distributionStatementPDF(ctx context.Context, in *memberDistributionInput) (*fileOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	st, err := s.distributions.Statement(ctx, in.CooperativeID, in.MemberID, in.Year)
	if err != nil {
		return nil, err
	}
	b, err := st.PDF()
	if err != nil {
		return nil, err
	}
	return privateAttachment("application/pdf", "distribution-"+strconv.Itoa(in.Year)+".pdf", b), nil
}
