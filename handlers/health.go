package handlers

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

type healthBody struct {
	Status string `json:"status" example:"ok"`
}

type healthOutput struct {
	Body healthBody
}

func (s *Server) healthz(context.Context, *struct{}) (*healthOutput, error) {
	return &healthOutput{Body: healthBody{Status: "ok"}}, nil
}

func (s *Server) readyz(ctx context.Context, _ *struct{}) (*healthOutput, error) {
	if s.draining.Load() {
		return nil, cooperative.Errorf(cooperative.EUNAVAILABLE, "shutting down: send requests to another replica")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return nil, err
	}
	return &healthOutput{Body: healthBody{Status: "ready"}}, nil
}

// Drain makes /readyz answer 503 from now on while every other route keeps serving, so
// a load balancer takes this replica out of rotation before Shutdown stops it.
func (s *Server) Drain() { s.draining.Store(true) }
