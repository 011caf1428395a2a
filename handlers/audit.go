package handlers

import (
	"bytes"
	"context"
	"strconv"

	"github.com/kracht-coop/kracht/cooperative"
)

type auditPageInput struct {
	Cursor string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

func (in auditPageInput) after() (int64, error) {
	if in.Cursor == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(in.Cursor, 10, 64)
	if err != nil || n < 0 {
		return 0, cooperative.Errorf(cooperative.EINVALID, "%q is not a valid cursor", in.Cursor)
	}
	return n, nil
}

type auditInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Cursor        string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

type auditList = page[cooperative.AuditEntry]

func (s *Server) readAudit(ctx context.Context, cooperativeID string, in auditPageInput) (*pageOutput[cooperative.AuditEntry], error) {
	after, err := in.after()
	if err != nil {
		return nil, err
	}
	list, next, err := cooperative.ReadAudit(ctx, s.store, cooperativeID, after, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, seqCursor(next), asIs), nil
}

func (s *Server) cooperativeAudit(ctx context.Context, in *auditInput) (*pageOutput[cooperative.AuditEntry], error) {
	return s.readAudit(ctx, in.CooperativeID, auditPageInput{Cursor: in.Cursor, Limit: in.Limit})
}

func (s *Server) platformAudit(ctx context.Context, in *auditPageInput) (*pageOutput[cooperative.AuditEntry], error) {
	return s.readAudit(ctx, "", *in)
}

type csvOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

// cooperativeAuditCSV exports the whole log. It is built in memory: a cooperative's log
// grows by board actions, thousands of lines a year, not millions.
func (s *Server) cooperativeAuditCSV(ctx context.Context, in *cooperativeIDInput) (*csvOutput, error) {
	var b bytes.Buffer
	if err := cooperative.WriteAuditCSV(ctx, s.store, in.CooperativeID, &b); err != nil {
		return nil, err
	}
	return &csvOutput{ContentType: "text/csv; charset=utf-8", CacheControl: "no-store",
		ContentDisposition: `attachment; filename="audit-` + in.CooperativeID + `.csv"`, Body: b.Bytes()}, nil
}
