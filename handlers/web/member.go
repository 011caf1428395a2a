package web

import (
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// memberRoutes are the member portal's pages: the person's cooperatives, and per
// cooperative their dashboard and documents. Every record is reached through
// req.member (the signed-in person's own membership); an id in the URL only picks among
// that member's own records, so another member's document answers 404.
func (w *Web) memberRoutes(r *router) {
	r.get("/me", w.meList)
	r.get("/c/:coop/me", w.meDashboard)
	r.get("/c/:coop/me/certificate.pdf", w.meCertificate)
	r.get("/c/:coop/me/bonds/:issue", w.meBondSchedule)
	r.get("/c/:coop/me/bond-statements/:year.pdf", w.meBondStatement)
	r.get("/c/:coop/me/distributions/:year", w.meDistribution)
}

// meCoop is one cooperative on /me with the person's membership of it.
type meCoop struct {
	Coop   cooperative.Cooperative
	Member membership.Member
}

type meListData struct {
	Mine   []meCoop
	Others []cooperative.Cooperative
}

// meList lists the cooperatives where the person is a member or applicant.
// Members are indexed per cooperative and user ("<coop>:<user>"), not by user alone, so
// this asks each cooperative (at most 100, as the home page lists): 1 + n indexed point
// reads, each a few records. A platform hosts tens of cooperatives; should it host
// thousands, a user index across cooperatives would replace the loop.
func (w *Web) meList(req *request) error {
	p, err := req.signedIn()
	if err != nil {
		return err
	}
	list, _, err := cooperative.ListCooperatives(req.ctx(), w.opts.Store, "", 100)
	if err != nil {
		return err
	}
	var d meListData
	for _, c := range list {
		ms, err := w.opts.Members.MembersOfUser(req.ctx(), c.ID, p.ID)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			d.Others = append(d.Others, c)
			continue
		}
		d.Mine = append(d.Mine, meCoop{Coop: c, Member: ms[len(ms)-1]})
	}
	return req.render(page{Name: "member_list", Title: "me.list.title", Data: d})
}

// portalMember reads the page's cooperative and the reader's membership of it; a reader who
// is not a member gets ENOTFOUND (errNotMember), a visitor the sign-in page.
func (req *request) portalMember() (cooperative.Cooperative, membership.Member, error) {
	c, err := req.cooperative()
	if err != nil {
		return c, membership.Member{}, err
	}
	m, err := req.member(c.ID)
	return c, m, err
}
