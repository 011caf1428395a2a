package handlers

import (
	"context"
	"time"
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
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return nil, err
	}
	return &healthOutput{Body: healthBody{Status: "ready"}}, nil
}
