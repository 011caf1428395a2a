package web

import (
	"github.com/kracht-coop/kracht/cooperative"
)

// coopView is what every page about one cooperative carries, for the "coophead"
// partial (its name and its links) above the page's own content.
type coopView struct {
	Coop cooperative.Cooperative
	// Member is the reader's membership here, nil when they are not a member (or signed
	// out): the head then offers to apply.
	Member any
	// Section names the link of the head that is this page (about, fund, me).
	Section string
}

// cooperative reads the cooperative of a page's :coop parameter; an id that is not one
// is a page not found, like an unknown one.
func (req *request) cooperative() (cooperative.Cooperative, error) {
	id := req.c.Params("coop")
	c, err := cooperative.GetCooperative(req.ctx(), req.w.opts.Store, id)
	if cooperative.ErrorCode(err) == cooperative.EINVALID {
		return c, cooperative.Errorf(cooperative.ENOTFOUND, "cooperative %s not found", id)
	}
	return c, err
}

func (c coopView) coopName() string { return c.Coop.Name }
