package handlers

import (
	"bytes"
	"context"

	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// The share register: transfers, withdrawals, holdings (now and on any date), the
// journal of register events and the legally required exports. Amounts are in cents.

type transferInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		From   string `json:"from" doc:"The giving member's id (active, or deceased: shares pass to the heirs)."`
		To     string `json:"to" doc:"The receiving member's id (must be an active member)."`
		Class  string `json:"class" maxLength:"20"`
		Shares int64  `json:"shares" minimum:"1"`
		Reason string `json:"reason,omitempty" maxLength:"500" doc:"For example inheritance."`
	}
}

type transferOutput struct {
	Body transferBody
}

// transferShares records a transfer; recording it is the board's approval.
func (s *Server) transferShares(ctx context.Context, in *transferInput) (*transferOutput, error) {
	b := in.Body
	t, err := s.registry.Transfer(ctx, actorFrom(ctx), shares.TransferRequest{CooperativeID: in.CooperativeID,
		From: b.From, To: b.To, Class: b.Class, Shares: b.Shares, Reason: b.Reason})
	if err != nil {
		return nil, err
	}
	return &transferOutput{Body: transferOf(t)}, nil
}

type requestWithdrawalInput struct {
	CooperativeID  string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID       string `path:"memberID" doc:"Your member id."`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"100" doc:"Optional: a retry with the same key returns the first withdrawal request instead of a second one."`
	Body           struct {
		Class         string `json:"class" maxLength:"20"`
		Shares        int64  `json:"shares" minimum:"1"`
		EndMembership bool   `json:"endMembership,omitempty" doc:"Resign: the withdrawal takes every share you have left, and your membership ends on the day the board approves it. Required when the withdrawal (with your open ones) leaves less than the statutes' membership minimum; refused otherwise."`
	}
}

type withdrawalOutput struct {
	Body withdrawalBody
}

// requestWithdrawal: a member asks to have their own shares redeemed; the board decides
// after the notice period.
func (s *Server) requestWithdrawal(ctx context.Context, in *requestWithdrawalInput) (*withdrawalOutput, error) {
	_, actor, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true)
	if err != nil {
		return nil, err
	}
	w, err := s.registry.RequestWithdrawal(ctx, actor, shares.WithdrawalRequest{CooperativeID: in.CooperativeID,
		MemberID: in.MemberID, Class: in.Body.Class, Shares: in.Body.Shares, EndMembership: in.Body.EndMembership,
		IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return nil, err
	}
	return &withdrawalOutput{Body: withdrawalOf(w)}, nil
}

type listWithdrawalsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Status        string `query:"status" enum:"requested,approved,rejected" doc:"Only requests in this state; all when left out. requested: open, waiting for the board."`
	MemberID      string `query:"memberId" maxLength:"64" doc:"Only this member's requests."`
	Cursor        string `query:"cursor" maxLength:"64" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size. A filtered page may hold fewer items and still have a next cursor."`
}

type withdrawalList = page[withdrawalBody]

// listWithdrawals: the requests the board decides, oldest first.
func (s *Server) listWithdrawals(ctx context.Context, in *listWithdrawalsInput) (*pageOutput[withdrawalBody], error) {
	list, next, err := s.registry.ListWithdrawals(ctx, in.CooperativeID, shares.WithdrawalStatus(in.Status), in.MemberID,
		in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, withdrawalOf), nil
}

type decideWithdrawalInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	WithdrawalID  string `path:"withdrawalID" doc:"The withdrawal's id."`
	Body          struct {
		Approve bool   `json:"approve" doc:"true redeems the shares at nominal value (only after the notice period); false rejects the request."`
		Reason  string `json:"reason,omitempty" maxLength:"1000"`
	}
}

func (s *Server) decideWithdrawal(ctx context.Context, in *decideWithdrawalInput) (*withdrawalOutput, error) {
	w, err := s.registry.DecideWithdrawal(ctx, actorFrom(ctx), in.CooperativeID, in.WithdrawalID, in.Body.Approve, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &withdrawalOutput{Body: withdrawalOf(w)}, nil
}

type holdingsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Date          string `query:"date" format:"date" doc:"Who held which shares at the end of this day (YYYY-MM-DD), replayed from the register's events; the current holdings when left out."`
}

type holdingList struct {
	AsOf  cooperative.Date `json:"asOf,omitempty" doc:"The day asked about; absent for the current holdings."`
	Items []holdingBody    `json:"items" doc:"One per member and class held, with share numbers, by member id."`
}

type holdingsOutput struct {
	Body holdingList
}

func (s *Server) listHoldings(ctx context.Context, in *holdingsInput) (*holdingsOutput, error) {
	var (
		list []shares.Holding
		err  error
	)
	if in.Date == "" {
		list, err = s.registry.CurrentHoldings(ctx, in.CooperativeID)
	} else {
		list, err = s.registry.HoldingsOn(ctx, in.CooperativeID, cooperative.Date(in.Date))
	}
	if err != nil {
		return nil, err
	}
	return &holdingsOutput{Body: holdingList{AsOf: cooperative.Date(in.Date), Items: holdingsOf(list)}}, nil
}

// memberHoldings filters the cooperative's current holdings: the domain keeps them per
// cooperative, and a member's view is rare enough for that to do.
func (s *Server) memberHoldings(ctx context.Context, in *memberInput) (*holdingsOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	all, err := s.registry.CurrentHoldings(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	mine := []holdingBody{}
	for _, h := range all {
		if h.MemberID == in.MemberID {
			mine = append(mine, holdingOf(h))
		}
	}
	return &holdingsOutput{Body: holdingList{Items: mine}}, nil
}

type registerEventsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Cursor        string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

// registerEventBody is a register event with readable names (the stored form is terse).
type registerEventBody struct {
	Seq          int64            `json:"seq"`
	Type         string           `json:"type" enum:"issue,transfer,withdrawal"`
	Date         cooperative.Date `json:"date"`
	Class        string           `json:"class"`
	From         string           `json:"from,omitempty" doc:"The member the shares left."`
	To           string           `json:"to,omitempty" doc:"The member the shares went to."`
	ShareNumbers []shareRange     `json:"shareNumbers"`
	Shares       int64            `json:"shares"`
	Ref          string           `json:"ref" doc:"The subscription, transfer or withdrawal that caused it."`
}

type registerEventList = page[registerEventBody]

func (s *Server) registerEvents(ctx context.Context, in *registerEventsInput) (*pageOutput[registerEventBody], error) {
	after, err := auditPageInput{Cursor: in.Cursor}.after()
	if err != nil {
		return nil, err
	}
	list, next, err := s.registry.ReadRegister(ctx, in.CooperativeID, after, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, seqCursor(next), func(e shares.RegisterEvent) registerEventBody {
		return registerEventBody{Seq: e.Seq, Type: string(e.Type), Date: e.Date, Class: e.Class, From: e.From,
			To: e.To, ShareNumbers: shareRangesOf(e.Ranges), Shares: e.Shares(), Ref: e.Ref}
	}), nil
}

type registerExportInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Date          string `query:"date" format:"date" doc:"The register as it stood at the end of this day (YYYY-MM-DD); today when left out."`
}

type fileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

// privateAttachment is a download of one person's or the board's document: never kept
// by a shared cache, saved under name.
func privateAttachment(contentType, name string, body []byte) *fileOutput {
	return &fileOutput{ContentType: contentType, CacheControl: "private, no-store",
		ContentDisposition: `attachment; filename="` + name + `"`, Body: body}
}

const xlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// registerXLSXInput is registerExportInput with the workbook's language (huma reads no
// parameters from an embedded struct).
type registerXLSXInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Date          string `query:"date" format:"date" doc:"The register as it stood at the end of this day (YYYY-MM-DD); today when left out."`
	Lang          string `query:"lang" enum:"nl,en" doc:"The language of the headings, the title and the date format; the language of your account when left out."`
}

// The register's exports are built in memory: one row per member and class, thousands
// of rows for a large cooperative (a 100,000-row workbook is about 4 MB).

// registerExport is the download of the register of cooperativeID on date, as a file of
// extension ext.
func registerExport(cooperativeID string, date cooperative.Date, contentType, ext string, body []byte) *fileOutput {
	return &fileOutput{ContentType: contentType, CacheControl: "no-store",
		ContentDisposition: `attachment; filename="register-` + cooperativeID + "-" + string(date) + "." + ext + `"`, Body: body}
}

func (s *Server) exportRegisterCSV(ctx context.Context, in *registerExportInput) (*fileOutput, error) {
	date := s.dateOr(in.Date)
	rows, err := s.registry.RegisterRows(ctx, in.CooperativeID, date)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := shares.WriteRegisterCSV(&b, rows); err != nil {
		return nil, err
	}
	return registerExport(in.CooperativeID, date, "text/csv; charset=utf-8", "csv", b.Bytes()), nil
}

func (s *Server) exportRegisterXLSX(ctx context.Context, in *registerXLSXInput) (*fileOutput, error) {
	date := s.dateOr(in.Date)
	reg, err := s.registry.Register(ctx, in.CooperativeID, date)
	if err != nil {
		return nil, err
	}
	lang := in.Lang
	if lang == "" {
		lang = principalFrom(ctx).Language
	}
	var b bytes.Buffer
	if err := shares.WriteRegisterXLSX(&b, reg, lang); err != nil {
		return nil, err
	}
	return registerExport(in.CooperativeID, date, xlsxContentType, "xlsx", b.Bytes()), nil
}
