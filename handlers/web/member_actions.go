package web

import (
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// actionRoutes are the member's forms that change their arrangements: withdrawal,
// payout account, dividend election, and the community fund's proposals and votes.
func (w *Web) actionRoutes(r *router) {
	r.get("/c/:coop/me/withdrawal", w.withdrawalPage)
	r.post("/c/:coop/me/withdrawal", w.requestWithdrawal)
	r.get("/c/:coop/me/payout-account", w.payoutAccountPage)
	r.post("/c/:coop/me/payout-account", w.changePayoutAccount)
	r.get("/c/:coop/me/election", w.electionPage)
	r.post("/c/:coop/me/election", w.setElection)
	r.get("/c/:coop/fund/rounds", w.fundRounds)
	r.get("/c/:coop/fund/rounds/:round", w.fundRound)
	r.get("/c/:coop/fund/rounds/:round/propose", w.proposePage)
	r.post("/c/:coop/fund/rounds/:round/propose", w.propose)
	r.post("/c/:coop/fund/rounds/:round/ballot", w.castBallot)
}

// own is the cooperative of the page and the reader's own membership of it, with the
// actor a member's act is recorded as: every action page starts here, so no record is
// reached by an id from the URL alone. A visitor is sent to sign in, someone who is not
// a member gets the "not a member" page (404).
type own struct {
	coopView
	M     membership.Member
	actor cooperative.Actor
}

func (req *request) own() (own, error) {
	if _, err := req.signedIn(); err != nil {
		return own{}, err
	}
	c, err := req.cooperative()
	if err != nil {
		return own{}, err
	}
	m, err := req.member(c.ID)
	if err != nil {
		return own{}, err
	}
	actor := req.actor()
	actor.Role = string(identity.RoleMember)
	return own{coopView: coopView{Coop: c, Member: m, Section: "me"}, M: m, actor: actor}, nil
}

// ruleOf is the name of a domain rule error ("rule <name>: ..."), "" for anything else.
func ruleOf(err error) string {
	if cooperative.ErrorCode(err) != cooperative.ERULE {
		return ""
	}
	name, _, ok := strings.Cut(strings.TrimPrefix(cooperative.ErrorMessage(err), "rule "), ":")
	if !ok {
		return ""
	}
	return name
}

// placed says where a domain error of an action form goes and what it says: the field
// and the message key of a rule (or of an invalid field, by the field name the domain's
// message starts with). Errors it does not know go to req.fail.
type placed struct {
	field, key string
}

// failAs puts err on f: as known says for a rule or an invalid field the domain names,
// else as req.fail does (beside field, or at the top when field is "").
func (req *request) failAs(f *form, field string, err error, known map[string]placed) error {
	if p, ok := known[ruleOf(err)]; ok && ruleOf(err) != "" {
		return req.place(f, p)
	}
	if cooperative.ErrorCode(err) == cooperative.EINVALID {
		msg := cooperative.ErrorMessage(err)
		for prefix, p := range known {
			if strings.HasPrefix(prefix, "invalid:") && strings.HasPrefix(msg, strings.TrimPrefix(prefix, "invalid:")) {
				return req.place(f, p)
			}
		}
	}
	return req.fail(f, field, err)
}

func (req *request) place(f *form, p placed) error {
	msg := req.w.msgs.text(req.lang, p.key)
	if p.field == "" {
		f.Error = msg
	} else {
		f.Errors[p.field] = msg
	}
	return nil
}
