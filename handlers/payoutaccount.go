package handlers

import (
	"context"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// A member's payout account: the member changes it with the second factor, or confirms
// the change with the link mailed to the address on file (membership/payoutaccount.go).

type changePayoutAccountInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
	Body          struct {
		IBAN          string `json:"iban" maxLength:"42" doc:"Checked: SEPA country, its length and the mod-97 check digits."`
		AccountHolder string `json:"accountHolder" maxLength:"70" doc:"The name on the account, as the bank knows it."`
		TOTPCode      string `json:"totpCode,omitempty" maxLength:"10" doc:"With two-factor authentication on, a current code applies the change at once; without it a confirmation link is mailed."`
		RecoveryCode  string `json:"recoveryCode,omitempty" maxLength:"20" doc:"Instead of totpCode, without your authenticator app; spent."`
	}
}

type payoutAccountChangeBody struct {
	Status string            `json:"status" enum:"changed,confirmation_sent" doc:"changed: applied now; confirmation_sent: a link to apply it was mailed to the member's address on file, valid 24 hours."`
	Member membership.Member `json:"member" doc:"The member record after the request (a change waiting for its link is in payoutAccountChange)."`
}

type payoutAccountChangeOutput struct {
	Body payoutAccountChangeBody
}

func (s *Server) changePayoutAccount(ctx context.Context, in *changePayoutAccountInput) (*payoutAccountChangeOutput, error) {
	// The member's own account only: the board corrects it (correct-member) and gets
	// 403 here, anyone else 404.
	_, actor, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true)
	if err != nil {
		return nil, err
	}
	b := in.Body
	m, outcome, err := s.members.RequestPayoutAccountChange(ctx, actor, membership.PayoutAccountRequest{CooperativeID: in.CooperativeID,
		MemberID: in.MemberID, IBAN: b.IBAN, AccountHolder: b.AccountHolder,
		SecondFactor: identity.SecondFactor{TOTPCode: b.TOTPCode, RecoveryCode: b.RecoveryCode}, ClientIP: clientIPFrom(ctx)})
	if err != nil {
		return nil, err
	}
	return &payoutAccountChangeOutput{Body: payoutAccountChangeBody{Status: string(outcome), Member: m}}, nil
}

type confirmPayoutAccountInput struct {
	Body struct {
		Token string `json:"token" maxLength:"256" doc:"The token of the mailed link."`
	}
}

type payoutAccountConfirmedOutput struct {
	Body struct {
		Status string `json:"status" enum:"changed"`
	}
}

func (s *Server) confirmPayoutAccount(ctx context.Context, in *confirmPayoutAccountInput) (*payoutAccountConfirmedOutput, error) {
	if _, err := s.members.ConfirmPayoutAccountChange(ctx, in.Body.Token, requestIDFrom(ctx)); err != nil {
		return nil, err
	}
	out := &payoutAccountConfirmedOutput{}
	out.Body.Status = string(membership.PayoutAccountChanged)
	return out, nil
}
