package handlers

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// cooperativeProfile is what anyone may see of a cooperative: enough to apply for
// membership. Bank details and everything else are for its own members and board.
type cooperativeProfile struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Kind               string `json:"kind" enum:"energy,care,other"`
	Country            string `json:"country"`
	Currency           string `json:"currency"`
	RegistrationNumber string `json:"registrationNumber"`
}

func profileOf(c cooperative.Cooperative) cooperativeProfile {
	return cooperativeProfile{ID: c.ID, Name: c.Name, Kind: string(c.Kind), Country: c.Country,
		Currency: c.Currency, RegistrationNumber: c.RegistrationNumber}
}

type cooperativeIDInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
}

type cooperativeProfileOutput struct {
	Body cooperativeProfile
}

func (s *Server) getCooperative(ctx context.Context, in *cooperativeIDInput) (*cooperativeProfileOutput, error) {
	c, err := cooperative.GetCooperative(ctx, s.store, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	return &cooperativeProfileOutput{Body: profileOf(c)}, nil
}

// pageInput is the cursor pagination every list takes.
type pageInput struct {
	Cursor string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

type cooperativeList = page[cooperativeProfile]

func (s *Server) listCooperatives(ctx context.Context, in *pageInput) (*pageOutput[cooperativeProfile], error) {
	list, next, err := cooperative.ListCooperatives(ctx, s.store, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, profileOf), nil
}

type aboutOutput struct{ Body cooperative.About }

func (s *Server) getAbout(ctx context.Context, in *cooperativeIDInput) (*aboutOutput, error) {
	a, err := cooperative.GetAbout(ctx, s.store, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	return &aboutOutput{Body: a}, nil
}

type setAboutInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		TextNL   string `json:"textNl,omitempty" maxLength:"4000" doc:"What the cooperative does, in Dutch."`
		TextEN   string `json:"textEn,omitempty" maxLength:"4000" doc:"The same in English."`
		Street   string `json:"street,omitempty" maxLength:"100"`
		Postcode string `json:"postcode,omitempty" maxLength:"100"`
		City     string `json:"city,omitempty" maxLength:"100"`
		Email    string `json:"email,omitempty" maxLength:"254"`
		Website  string `json:"website,omitempty" maxLength:"300"`
	}
}

func (s *Server) setAbout(ctx context.Context, in *setAboutInput) (*aboutOutput, error) {
	b := in.Body
	var out cooperative.About
	err := cooperative.NewRunner(s.store, s.now).Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		var err error
		out, err = cooperative.SetAbout(tx, actorFrom(ctx), in.CooperativeID, cooperative.About{TextNL: b.TextNL,
			TextEN: b.TextEN, Street: b.Street, Postcode: b.Postcode, City: b.City, Email: b.Email, Website: b.Website}, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &aboutOutput{Body: out}, nil
}
