package handlers

import (
	"context"

	"github.com/kracht-coop/kracht/cooperative/ledger"
)

// The ledger, read-only: the trial balance on a date and the journal. Amounts are in
// cents; a line's amount is signed, debit positive and credit negative.

type trialBalanceInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Date          string `query:"date" format:"date" doc:"Balances at the end of this day (YYYY-MM-DD); today when left out."`
}

type trialBalanceOutput struct {
	Body ledger.TrialBalance
}

func (s *Server) trialBalance(ctx context.Context, in *trialBalanceInput) (*trialBalanceOutput, error) {
	tb, err := ledger.TrialBalanceOn(ctx, s.store, in.CooperativeID, s.dateOr(in.Date))
	if err != nil {
		return nil, err
	}
	return &trialBalanceOutput{Body: tb}, nil
}

type ledgerEntriesInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Cursor        string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

// ledgerEntryList is a page of journal entries in posting order; each balances to zero.
type ledgerEntryList = page[ledger.Entry]

func (s *Server) ledgerEntries(ctx context.Context, in *ledgerEntriesInput) (*pageOutput[ledger.Entry], error) {
	after, err := auditPageInput{Cursor: in.Cursor}.after()
	if err != nil {
		return nil, err
	}
	list, next, err := ledger.ReadLedger(ctx, s.store, in.CooperativeID, after, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, seqCursor(next), asIs), nil
}
