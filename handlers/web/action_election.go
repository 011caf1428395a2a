package web

import (
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// The dividend election (distribution.SetElection): what is done with the member's
// share of a distribution. It counts for distributions whose record date is after the
// day it is made, so nobody changes it once the figures are known.

type electionData struct {
	own
	Current  distribution.ElectionView
	Settings distribution.Settings
	// Choices are the elections offered: reinvesting only when the cooperative offers it.
	Choices []string
}

func (w *Web) electionData(req *request, o own) (electionData, error) {
	d := electionData{own: o}
	var err error
	if d.Current, err = w.opts.Distributions.ElectionOf(req.ctx(), o.Coop.ID, o.M.ID); err != nil {
		return d, err
	}
	if d.Settings, err = w.opts.Distributions.Settings(req.ctx(), o.Coop.ID); err != nil {
		return d, err
	}
	d.Choices = []string{string(distribution.ElectPayout)}
	if d.Settings.ReinvestClass != "" {
		d.Choices = append(d.Choices, string(distribution.ElectReinvest))
	}
	d.Choices = append(d.Choices, string(distribution.ElectDonate))
	return d, nil
}

func (w *Web) electionPage(req *request) error {
	o, err := req.own()
	if err != nil {
		return err
	}
	d, err := w.electionData(req, o)
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["election"] = string(d.Current.Election)
	return req.render(page{Name: "action_election", Title: "action.election.title", Data: d, Form: f})
}

var electionErrors = map[string]placed{
	"reinvest_unavailable": {"election", "action.election.reinvest_unavailable"},
	"member_active":        {"", "action.member_active"},
	"invalid:election":     {"election", "action.election.choose"},
}

func (w *Web) setElection(req *request) error {
	o, err := req.own()
	if err != nil {
		return err
	}
	f := req.values("election")
	if f.Values["election"] == "" {
		f.Errors["election"] = w.msgs.text(req.lang, "action.election.choose")
	} else {
		_, err := w.opts.Distributions.SetElection(req.ctx(), o.actor, o.Coop.ID, o.M.ID, distribution.Election(f.Values["election"]))
		if err == nil {
			return req.redirect("/c/"+o.Coop.ID+"/me/election", "action.election.done")
		}
		if err := req.failAs(f, "election", err, electionErrors); err != nil {
			return err
		}
	}
	d, err := w.electionData(req, o)
	if err != nil {
		return err
	}
	return req.render(page{Name: "action_election", Title: "action.election.title", Data: d, Form: f})
}
