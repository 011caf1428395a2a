package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// The community fund's rounds (cooperative/fund): anyone reads a round and its projects
// (never who proposed one, nor the beneficiary's account, as the API's public list); a
// member proposes a project in the proposal window and casts their ballot in the voting
// window. A ballot is secret: the member sees their own, nobody sees anyone else's, and
// the counts appear only once the round is counted.

// roundView is a round with the phase it is in now.
type roundView struct {
	fund.Round
	// Phase: soon, proposals, review (the board admits projects), voting, counting
	// (voting closed, not counted yet), counted, closed.
	Phase string
}

func phaseOf(r fund.Round, now time.Time) string {
	switch {
	case r.Status == fund.RoundCounted:
		return "counted"
	case r.Status == fund.RoundClosed:
		return "closed"
	case now.Before(r.ProposalsFrom):
		return "soon"
	case now.Before(r.ProposalsTo):
		return "proposals"
	case now.Before(r.VotingFrom):
		return "review"
	case now.Before(r.VotingTo):
		return "voting"
	}
	return "counting"
}

// projectView is a proposal as anyone may see it: no proposer, no account.
type projectView struct {
	ID, Title, Description, Neighbourhood, Beneficiary, Reason string
	BudgetCents                                                int64
	Status                                                     fund.ProposalStatus
	Approvals                                                  int64
	Funded                                                     bool
	Chosen                                                     bool // on the reader's own ballot
}

type roundsData struct {
	coopView
	Open, Past []roundView
}

type roundData struct {
	coopView
	Round    roundView
	Projects []projectView
	Ballot   []projectView // the admitted projects, the ballot's choices
	Counted  bool
	IsMember bool
	Voted    bool
}

// visitor is the cooperative of the page for anyone, with the reader's membership when
// they are a member (the head then shows it).
func (req *request) visitor() (coopView, *membership.Member, error) {
	c, err := req.cooperative()
	if err != nil {
		return coopView{}, nil, err
	}
	v := coopView{Coop: c, Section: "fund"}
	if req.user == nil {
		return v, nil, nil
	}
	m, err := req.member(c.ID)
	if err == errNotMember {
		return v, nil, nil
	}
	if err != nil {
		return v, nil, err
	}
	v.Member = m
	return v, &m, nil
}

func (w *Web) fundRounds(req *request) error {
	v, _, err := req.visitor()
	if err != nil {
		return err
	}
	d := roundsData{coopView: v}
	now := w.now()
	for after := ""; ; {
		list, next, err := w.opts.Fund.ListRounds(req.ctx(), v.Coop.ID, after, cooperative.MaxPageSize)
		if err != nil {
			return err
		}
		for _, r := range list {
			rv := roundView{Round: r, Phase: phaseOf(r, now)}
			if r.Status == fund.RoundOpen {
				d.Open = append(d.Open, rv)
			} else {
				d.Past = append(d.Past, rv)
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	return req.render(page{Name: "action_rounds", Title: "action.fund.rounds_title", Data: d})
}

// round reads the :round of the page; an id that is not one is a page not found.
func (req *request) round(cooperativeID string) (fund.Round, error) {
	r, err := req.w.opts.Fund.GetRound(req.ctx(), cooperativeID, req.c.Params("round"))
	if cooperative.ErrorCode(err) == cooperative.EINVALID {
		return r, cooperative.Errorf(cooperative.ENOTFOUND, "funding round not found")
	}
	return r, err
}

func (w *Web) fundRound(req *request) error {
	return w.renderRound(req, newForm(), nil)
}

// renderRound shows a round; chosen is what a refused ballot asked for (nil: the
// reader's own ballot as stored).
func (w *Web) renderRound(req *request, f *form, chosen []string) error {
	v, m, err := req.visitor()
	if err != nil {
		return err
	}
	r, err := req.round(v.Coop.ID)
	if err != nil {
		return err
	}
	d := roundData{coopView: v, Round: roundView{Round: r, Phase: phaseOf(r, w.now())}, IsMember: m != nil,
		Counted: r.Status == fund.RoundCounted || r.Status == fund.RoundClosed}
	if m != nil {
		// The reader's own ballot, and only theirs: "have I voted?", and what they chose.
		b, err := w.opts.Fund.MyBallot(req.ctx(), v.Coop.ID, r.ID, m.ID)
		if err != nil {
			return err
		}
		d.Voted = b.Voted
		if chosen == nil {
			chosen = b.Projects
		}
	}
	list, err := w.opts.Fund.ListProposals(req.ctx(), v.Coop.ID, r.ID)
	if err != nil {
		return err
	}
	funded := map[string]bool{}
	for _, id := range r.Result {
		funded[id] = true
	}
	on := map[string]bool{}
	for _, id := range chosen {
		on[id] = true
	}
	for _, p := range list {
		pv := projectView{ID: p.ID, Title: p.Title, Description: p.Description, Neighbourhood: p.Neighbourhood,
			Beneficiary: p.Beneficiary.Name, Reason: p.Reason, BudgetCents: p.BudgetCents, Status: p.Status,
			Chosen: on[p.ID]}
		if d.Counted {
			pv.Approvals, pv.Funded = r.Counts[p.ID], funded[p.ID]
		}
		d.Projects = append(d.Projects, pv)
		if p.Status == fund.ProposalAdmitted {
			d.Ballot = append(d.Ballot, pv)
		}
	}
	return req.render(page{Name: "action_round", Title: "action.fund.round_title", Data: d, Form: f})
}

var ballotErrors = map[string]placed{
	"voting_window":    {"", "action.fund.voting_closed"},
	"voter":            {"", "action.fund.voter"},
	"project_admitted": {"project", "action.fund.project_admitted"},
	"ballot_budget":    {"project", "action.fund.ballot_budget"},
}

func (w *Web) castBallot(req *request) error {
	o, err := req.own()
	if err != nil {
		return err
	}
	r, err := req.round(o.Coop.ID)
	if err != nil {
		return err
	}
	var projects []string
	for _, b := range req.c.Request().PostArgs().PeekMulti("project") {
		projects = append(projects, string(b))
	}
	// Casting again replaces the ballot (the domain keeps one per member), so a form
	// posted twice counts once.
	_, err = w.opts.Fund.CastBallot(req.ctx(), o.Coop.ID, r.ID, o.M.ID, projects)
	if err == nil {
		return req.redirect("/c/"+o.Coop.ID+"/fund/rounds/"+r.ID, "action.fund.voted")
	}
	f := newForm()
	if err := req.failAs(f, "project", err, ballotErrors); err != nil {
		return err
	}
	if projects == nil {
		projects = []string{}
	}
	return w.renderRound(req, f, projects)
}

type proposeData struct {
	own
	Round roundView
}

func (w *Web) proposePage(req *request) error {
	o, err := req.own()
	if err != nil {
		return err
	}
	r, err := req.round(o.Coop.ID)
	if err != nil {
		return err
	}
	o.Section = "fund"
	return req.render(page{Name: "action_propose", Title: "action.fund.propose_title",
		Data: proposeData{own: o, Round: roundView{Round: r, Phase: phaseOf(r, w.now())}}, Form: newForm()})
}

var proposeErrors = map[string]placed{
	"proposal_window":               {"", "action.fund.proposal_window"},
	"proposer_member":               {"", "action.member_active"},
	"proposal_budget":               {"amount", "action.fund.proposal_budget"},
	"proposal_limit":                {"", "action.fund.proposal_limit"},
	"invalid:title":                 {"title", "action.fund.title_invalid"},
	"invalid:description":           {"description", "action.fund.description_invalid"},
	"invalid:beneficiary.name":      {"beneficiary_name", "action.fund.beneficiary_invalid"},
	"invalid:beneficiary.iban":      {"beneficiary_iban", "action.payout.iban_invalid"},
	"invalid:neighbourhood":         {"neighbourhood", "action.fund.neighbourhood_invalid"},
	"invalid:a project's budget is": {"amount", "action.fund.amount_invalid"},
}

func (w *Web) propose(req *request) error {
	o, err := req.own()
	if err != nil {
		return err
	}
	o.Section = "fund"
	r, err := req.round(o.Coop.ID)
	if err != nil {
		return err
	}
	f := req.values("title", "description", "amount", "beneficiary_name", "beneficiary_iban", "neighbourhood")
	req.require(f, "title", "description", "amount", "beneficiary_name", "beneficiary_iban", "neighbourhood")
	cents, ok := parseEuroCents(f.Values["amount"])
	if f.Errors["amount"] == "" && (!ok || cents < 1) {
		f.Errors["amount"] = w.msgs.text(req.lang, "action.fund.amount_invalid")
	}
	if !f.Invalid() {
		_, err := w.opts.Fund.Propose(req.ctx(), o.actor, fund.NewProposal{CooperativeID: o.Coop.ID, RoundID: r.ID,
			MemberID: o.M.ID, Title: f.Values["title"], Description: f.Values["description"], BudgetCents: cents,
			Beneficiary:   fund.Beneficiary{Name: f.Values["beneficiary_name"], IBAN: f.Values["beneficiary_iban"]},
			Neighbourhood: f.Values["neighbourhood"], IdempotencyKey: req.once()})
		if err == nil {
			return req.redirect("/c/"+o.Coop.ID+"/fund/rounds/"+r.ID, "action.fund.proposed")
		}
		if cooperative.ErrorCode(err) == cooperative.ECONFLICT {
			// This form's key made another proposal before: a fresh form gets a fresh key.
			return req.redirect("/c/"+o.Coop.ID+"/fund/rounds/"+r.ID+"/propose", "action.sent_before")
		}
		if err := req.failAs(f, "", err, proposeErrors); err != nil {
			return err
		}
	}
	return req.render(page{Name: "action_propose", Title: "action.fund.propose_title",
		Data: proposeData{own: o, Round: roundView{Round: r, Phase: phaseOf(r, w.now())}}, Form: f})
}

// parseEuroCents reads an amount in euros as a person types it: "1250", "1.250",
// "1250,50", "1.250,50", "1,250.50" or "€ 1250". A separator followed by exactly three
// digits, with no other after it, groups thousands; otherwise the last one is the
// decimal mark, with at most two decimals.
func parseEuroCents(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "€"))
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, false
	}
	whole, frac := s, ""
	if i := strings.LastIndexAny(s, ".,"); i >= 0 {
		after := s[i+1:]
		if len(after) != 3 || strings.IndexByte(s[:i], otherMark(s[i])) >= 0 {
			whole, frac = s[:i], after
		}
	}
	whole = strings.NewReplacer(".", "", ",", "").Replace(whole)
	if len(frac) > 2 || whole == "" || len(whole) > 13 || !digits(whole) || !digits(frac) {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	e, err1 := strconv.ParseInt(whole, 10, 64)
	c, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return e*100 + c, true
}

// otherMark is the decimal mark's counterpart: "." for ",", and "," for ".".
func otherMark(b byte) byte {
	if b == '.' {
		return ','
	}
	return '.'
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
