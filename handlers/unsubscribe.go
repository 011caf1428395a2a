package handlers

import (
	"context"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
)

// The unsubscribe link of a mail needs no sign-in: the token is signed (see
// cooperative.UnsubscribeToken) and all it can do is stop mails that are not mandatory.
// GET only shows what the link would do, because mail scanners and link previews fetch
// every link in a mail; POST does it, and is what RFC 8058 one-click unsubscribe sends.

type unsubscribeInput struct {
	Token string `query:"token" maxLength:"2048" doc:"The token of the unsubscribe link."`
}

type unsubscribeBody struct {
	Address      string `json:"address"`
	Scope        string `json:"scope" doc:"The kind of mail, or all for every mail that is not mandatory."`
	Unsubscribed bool   `json:"unsubscribed" doc:"False when only looked at (GET); true once done (POST)."`
}

type unsubscribeOutput struct {
	Body unsubscribeBody
}

func (s *Server) unsubscribeSecretOrErr() ([]byte, error) {
	if len(s.unsubscribeSecret) < notify.MinUnsubscribeSecret {
		return nil, cooperative.Errorf(cooperative.EUNAVAILABLE, "Unsubscribe links are not configured on this server.")
	}
	return s.unsubscribeSecret, nil
}

func (s *Server) showUnsubscribe(_ context.Context, in *unsubscribeInput) (*unsubscribeOutput, error) {
	secret, err := s.unsubscribeSecretOrErr()
	if err != nil {
		return nil, err
	}
	address, scope, err := notify.VerifyUnsubscribeToken(secret, in.Token)
	if err != nil {
		return nil, err
	}
	return &unsubscribeOutput{Body: unsubscribeBody{Address: address, Scope: string(scope)}}, nil
}

func (s *Server) unsubscribe(ctx context.Context, in *unsubscribeInput) (*unsubscribeOutput, error) {
	secret, err := s.unsubscribeSecretOrErr()
	if err != nil {
		return nil, err
	}
	address, scope, err := notify.Unsubscribe(ctx, s.store, secret, in.Token, s.now())
	if err != nil {
		return nil, err
	}
	return &unsubscribeOutput{Body: unsubscribeBody{Address: address, Scope: string(scope), Unsubscribed: true}}, nil
}
