package handlers

import (
	"context"

	"github.com/kracht-coop/kracht/cooperative/identity"
)

// Who holds which role in a cooperative. New people come in by invitation (the invitee
// proves the address); the board then changes the roles of people already in.

type boardInvitationInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		Email    string `json:"email" maxLength:"254"`
		Language string `json:"language" enum:"nl,en" doc:"The language of the invitation mail."`
		Role     string `json:"role" enum:"member,board,accountant"`
	}
}

func (s *Server) invite(ctx context.Context, in *boardInvitationInput) (*invitationOutput, error) {
	sent, err := s.accounts.Invite(ctx, actorFrom(ctx), identity.NewInvitation{CooperativeID: in.CooperativeID,
		Email: in.Body.Email, Role: identity.Role(in.Body.Role), Language: in.Body.Language})
	if err != nil {
		return nil, err
	}
	return &invitationOutput{Body: sent}, nil
}

type acceptInvitationInput struct {
	Body struct {
		Token    string `json:"token" maxLength:"256" doc:"The token from the invitation mail."`
		Password string `json:"password" maxLength:"1024" doc:"Your password if the address has an account; otherwise the password of the new account."`
	}
}

type roleGrantOutput struct {
	Body roleGrantBody
}

func (s *Server) acceptInvitation(ctx context.Context, in *acceptInvitationInput) (*roleGrantOutput, error) {
	g, err := s.accounts.AcceptInvitation(ctx, in.Body.Token, in.Body.Password, clientIPFrom(ctx))
	if err != nil {
		return nil, err
	}
	return &roleGrantOutput{Body: roleGrantOf(g)}, nil
}

type roleListInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Cursor        string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

type roleList = page[roleGrantBody]

func (s *Server) listRoles(ctx context.Context, in *roleListInput) (*pageOutput[roleGrantBody], error) {
	list, next, err := s.accounts.ListRoleGrants(ctx, in.CooperativeID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, roleGrantOf), nil
}

type userRoleInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	UserID        string `path:"userID" doc:"The person's user id."`
}

// getRoles: the guard let through the board, the accountant and the person themself
// (others with a role in the cooperative got 404 there).
func (s *Server) getRoles(ctx context.Context, in *userRoleInput) (*roleGrantOutput, error) {
	g, err := s.accounts.GetRoleGrant(ctx, in.CooperativeID, in.UserID)
	if err != nil {
		return nil, err
	}
	return &roleGrantOutput{Body: roleGrantOf(g)}, nil
}

type setRolesInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	UserID        string `path:"userID" doc:"The person's user id."`
	Body          struct {
		Roles []string `json:"roles" maxItems:"3" uniqueItems:"true" enum:"member,board,accountant" doc:"All the person's roles from now on; empty takes every role away."`
	}
}

func (s *Server) setRoles(ctx context.Context, in *setRolesInput) (*roleGrantOutput, error) {
	roles := make([]identity.Role, len(in.Body.Roles))
	for i, r := range in.Body.Roles {
		roles[i] = identity.Role(r)
	}
	g, err := s.accounts.SetRoles(ctx, actorFrom(ctx), in.CooperativeID, in.UserID, roles)
	if err != nil {
		return nil, err
	}
	return &roleGrantOutput{Body: roleGrantOf(g)}, nil
}
