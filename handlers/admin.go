package handlers

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
)

// Platform functions: only platform admins, and none of them reaches inside a
// cooperative's own records.

type newCooperativeInput struct {
	Body struct {
		Name               string `json:"name" minLength:"1" maxLength:"200"`
		Kind               string `json:"kind" enum:"energy,care,other"`
		Country            string `json:"country" minLength:"2" maxLength:"2" doc:"ISO 3166-1 alpha-2, for example NL."`
		Currency           string `json:"currency,omitempty" enum:"EUR" doc:"Only EUR for now."`
		RegistrationNumber string `json:"registrationNumber" minLength:"1" maxLength:"40" doc:"The legal registration number (in the Netherlands the KvK number)."`
		IBAN               string `json:"iban" maxLength:"42"`
		BIC                string `json:"bic" maxLength:"11"`
	}
}

// cooperativeDetails is the whole cooperative, bank details included, for those who run
// it and the admin who made it.
type cooperativeDetails struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Kind               string    `json:"kind" enum:"energy,care,other"`
	Country            string    `json:"country"`
	Currency           string    `json:"currency"`
	RegistrationNumber string    `json:"registrationNumber"`
	IBAN               string    `json:"iban"`
	BIC                string    `json:"bic"`
	CreatedAt          time.Time `json:"createdAt"`
}

type cooperativeDetailsOutput struct {
	Body cooperativeDetails
}

func (s *Server) createCooperative(ctx context.Context, in *newCooperativeInput) (*cooperativeDetailsOutput, error) {
	b := in.Body
	c, err := cooperative.CreateCooperativeAs(ctx, s.store, actorFrom(ctx), cooperative.NewCooperative{
		Name: b.Name, Kind: cooperative.Kind(b.Kind), Country: b.Country, RegistrationNumber: b.RegistrationNumber,
		IBAN: b.IBAN, BIC: b.BIC}, s.now())
	if err != nil {
		return nil, err
	}
	return &cooperativeDetailsOutput{Body: cooperativeDetails{ID: c.ID, Name: c.Name, Kind: string(c.Kind), Country: c.Country,
		Currency: c.Currency, RegistrationNumber: c.RegistrationNumber, IBAN: c.IBAN, BIC: c.BIC, CreatedAt: c.CreatedAt}}, nil
}

type adminInvitationInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		Email    string `json:"email" maxLength:"254"`
		Language string `json:"language" enum:"nl,en" doc:"The language of the invitation mail."`
	}
}

type invitationOutput struct {
	Body identity.InvitationSent
}

// inviteFirstBoardMember lets an admin bring in a cooperative's board. After that the
// board invites the others itself.
func (s *Server) inviteBoardMember(ctx context.Context, in *adminInvitationInput) (*invitationOutput, error) {
	sent, err := s.accounts.Invite(ctx, actorFrom(ctx), identity.NewInvitation{CooperativeID: in.CooperativeID,
		Email: in.Body.Email, Role: identity.RoleBoard, Language: in.Body.Language})
	if err != nil {
		return nil, err
	}
	return &invitationOutput{Body: sent}, nil
}

// deadMail is a message the outbox gave up on: the envelope and the last error, never
// the template data (which may hold a reset link).
type deadMail struct {
	ID            string    `json:"id"`
	Event         string    `json:"event"`
	CooperativeID string    `json:"cooperativeId,omitempty"`
	To            string    `json:"to"`
	Attempts      int       `json:"attempts"`
	LastError     string    `json:"lastError,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

type deadMailList = page[deadMail]

func (s *Server) listDeadMail(ctx context.Context, in *pageInput) (*pageOutput[deadMail], error) {
	list, next, err := notify.ListDead(ctx, s.store, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, func(n notify.Notification) deadMail {
		return deadMail{ID: n.ID, Event: string(n.Event), CooperativeID: n.CooperativeID, To: n.To,
			Attempts: n.Attempts, LastError: n.LastError, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
	}), nil
}

type mailIDInput struct {
	ID string `path:"id" doc:"The id of a dead message."`
}

// retryDeadMail puts a dead message back in the queue; the retry is in the platform's
// audit log, written in the outbox's own transaction.
func (s *Server) retryDeadMail(ctx context.Context, in *mailIDInput) (*struct{}, error) {
	audited := cooperative.AuditedStore(s.store, actorFrom(ctx), "", "outbox.retry", "notification", in.ID,
		map[string]string{"status": string(notify.NotificationPending)}, s.now)
	return nil, notify.RetryDead(ctx, audited, in.ID, s.now())
}
