package handlers

import (
	"bytes"
	"context"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/payments/sepa"
)

type payablesInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Status        string `query:"status" enum:"open,batched,sent,paid" doc:"Only payables in this state; all when left out. open: not in a batch (a returned payment opens its payable again)."`
	MemberID      string `query:"memberId" maxLength:"64" doc:"Only this member's payables."`
	Cursor        string `query:"cursor" maxLength:"64" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size. A filtered page may hold fewer items and still have a next cursor."`
}

func (s *Server) listPayables(ctx context.Context, in *payablesInput) (*pageOutput[payouts.PayableView], error) {
	list, next, err := s.payouts.ListPayables(ctx, in.CooperativeID, payouts.PayableFilter{Status: payouts.PayableStatus(in.Status),
		MemberID: in.MemberID, After: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, asIs), nil
}

type memberPayoutsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
	Cursor        string `query:"cursor" maxLength:"64" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

// memberPayouts: a member's own payables, whatever their state, and why an open one waits.
func (s *Server) memberPayouts(ctx context.Context, in *memberPayoutsInput) (*pageOutput[payouts.PayableView], error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	list, next, err := s.payouts.ListPayables(ctx, in.CooperativeID, payouts.PayableFilter{MemberID: in.MemberID,
		After: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, asIs), nil
}

type payableOutput struct{ Body payouts.Payable }

func (s *Server) refundByPayout(ctx context.Context, in *subscriptionPathInput) (*payableOutput, error) {
	p, err := s.registry.OweRefundPayout(ctx, actorFrom(ctx), in.CooperativeID, in.SubscriptionID)
	if err != nil {
		return nil, err
	}
	return &payableOutput{Body: p}, nil
}

type createBatchInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		Reason        string   `json:"reason,omitempty" enum:"share_redemption,refund,bond_interest,bond_principal,dividend,grant" doc:"Only payables of this reason; every reason when left out."`
		DueBy         string   `json:"dueBy,omitempty" format:"date" doc:"Payables due on or before this day (YYYY-MM-DD); today when left out."`
		PayableIDs    []string `json:"payableIds,omitempty" maxItems:"1000" doc:"Exactly these payables instead; each must be open and its payee's account usable."`
		ExecutionDate string   `json:"executionDate,omitempty" format:"date" doc:"The day the bank is asked to pay; today or later, today when left out."`
	}
}

type createBatchOutput struct {
	Body payouts.BatchResult
}

func (s *Server) createPayoutBatch(ctx context.Context, in *createBatchInput) (*createBatchOutput, error) {
	res, err := s.payouts.CreateBatch(ctx, actorFrom(ctx), in.CooperativeID, payouts.NewBatch{Reason: payouts.Reason(in.Body.Reason),
		DueBy: cooperative.Date(in.Body.DueBy), PayableIDs: in.Body.PayableIDs, ExecutionDate: cooperative.Date(in.Body.ExecutionDate)})
	if err != nil {
		return nil, err
	}
	return &createBatchOutput{Body: res}, nil
}

type batchesInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Cursor        string `query:"cursor" maxLength:"64" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

func (s *Server) listPayoutBatches(ctx context.Context, in *batchesInput) (*pageOutput[payouts.Batch], error) {
	list, next, err := s.payouts.ListBatches(ctx, in.CooperativeID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, asIs), nil
}

type batchInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	BatchID       string `path:"batchID" doc:"The batch's id."`
}

type batchViewOutput struct{ Body payouts.BatchView }

func (s *Server) getPayoutBatch(ctx context.Context, in *batchInput) (*batchViewOutput, error) {
	v, err := s.payouts.GetBatch(ctx, in.CooperativeID, in.BatchID)
	if err != nil {
		return nil, err
	}
	return &batchViewOutput{Body: v}, nil
}

type batchPaymentsInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	BatchID       string `path:"batchID" doc:"The batch's id."`
	Cursor        string `query:"cursor" maxLength:"64" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

func (s *Server) listPayoutBatchPayments(ctx context.Context, in *batchPaymentsInput) (*pageOutput[payouts.Transfer], error) {
	list, next, err := s.payouts.ListTransfers(ctx, in.CooperativeID, in.BatchID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, asIs), nil
}

type batchOutput struct{ Body payouts.Batch }

func (s *Server) approvePayoutBatch(ctx context.Context, in *batchInput) (*batchOutput, error) {
	b, err := s.payouts.ApproveBatch(ctx, actorFrom(ctx), in.CooperativeID, in.BatchID)
	if err != nil {
		return nil, err
	}
	return &batchOutput{Body: b}, nil
}

func (s *Server) cancelPayoutBatch(ctx context.Context, in *batchInput) (*batchOutput, error) {
	b, err := s.payouts.CancelBatch(ctx, actorFrom(ctx), in.CooperativeID, in.BatchID)
	if err != nil {
		return nil, err
	}
	return &batchOutput{Body: b}, nil
}

func (s *Server) markPayoutBatchSent(ctx context.Context, in *batchInput) (*batchOutput, error) {
	b, err := s.payouts.MarkSent(ctx, actorFrom(ctx), in.CooperativeID, in.BatchID)
	if err != nil {
		return nil, err
	}
	return &batchOutput{Body: b}, nil
}

type batchFileInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	BatchID       string `path:"batchID" doc:"The batch's id."`
	Version       string `query:"version" enum:"09,03" default:"09" doc:"pain.001.001.09 (the EPC's current rulebook) or pain.001.001.03 (which most banks still take)."`
}

// payoutBatchFile writes an approved batch's instruction as the bank's file. It is the
// same file every time it is asked for: the batch is frozen and its ids are its own.
func (s *Server) payoutBatchFile(ctx context.Context, in *batchFileInput) (*fileOutput, error) {
	v, err := sepa.ParseVersion(in.Version)
	if err != nil {
		return nil, err
	}
	ins, err := s.payouts.Instruction(ctx, in.CooperativeID, in.BatchID)
	if err != nil {
		return nil, err
	}
	t := sepa.Transfer{MessageID: ins.Batch.MessageID, PaymentInfoID: ins.Batch.MessageID, Created: ins.Batch.ApprovedAt,
		ExecutionDate: ins.Batch.ExecutionDate.Time(), Debtor: sepa.Party{Name: ins.DebtorName, IBAN: ins.DebtorIBAN, BIC: ins.DebtorBIC},
		Payments: make([]sepa.Payment, len(ins.Transfers))}
	for i, tr := range ins.Transfers {
		t.Payments[i] = sepa.Payment{EndToEndID: tr.ID, AmountCents: tr.AmountCents, Creditor: sepa.Party{Name: tr.Name, IBAN: tr.IBAN},
			Remittance: tr.Text}
	}
	var b bytes.Buffer
	b.Grow(len(t.Payments)*700 + 2048)
	if err := sepa.Write(&b, v, t); err != nil {
		return nil, err
	}
	return &fileOutput{ContentType: "application/xml", CacheControl: "no-store",
		ContentDisposition: `attachment; filename="` + ins.Batch.MessageID + "." + string(v) + `.xml"`, Body: b.Bytes()}, nil
}
