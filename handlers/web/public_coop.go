package web

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// coopData is the cooperative's own page: what it is, its statutes in brief, what it
// offers now and its fund in one sum.
type coopData struct {
	coopView
	// Statutes are the version in force today; nil before the board adopted any.
	Statutes  *membership.Statutes
	Offerings []offeringView
	Issues    []issueView
	// Fund is the fund's balance.
	Fund *int64
	// About is what the board wrote about the cooperative, Text in the reader's language.
	About cooperative.About
	Text  string
}

// offeringView is an open offering as the page shows it.
type offeringView struct {
	shares.Offering
	ClassName string
	Left      int64 // shares still under the cap
}

// issueView is an open bond issue; Coupon is the yearly rate in the reader's format.
type issueView struct {
	bonds.Issue
	Coupon string
	Left   int64
}

func (w *Web) coopPage(req *request) error {
	c, err := req.cooperative()
	if err != nil {
		return err
	}
	now := w.now()
	d := coopData{coopView: w.publicHead(req, c, "about")}
	if d.About, err = cooperative.GetAbout(req.ctx(), w.opts.Store, c.ID); err != nil {
		return err
	}
	d.Text = d.About.Text(req.lang)
	st, err := w.opts.Members.StatutesOn(req.ctx(), c.ID, cooperative.DateOf(now))
	switch {
	case err == nil:
		d.Statutes = &st
	case cooperative.ErrorCode(err) != cooperative.ERULE: // ERULE: none adopted yet
		return err
	}
	if d.Offerings, err = w.openOfferings(req, c.ID, st, now); err != nil {
		return err
	}
	if d.Issues, err = w.openIssues(req, c.ID, now); err != nil {
		return err
	}
	pg, err := w.opts.Fund.Public(req.ctx(), c.ID)
	if err != nil {
		return err
	}
	d.Fund = &pg.BalanceCents
	return req.render(page{Name: "public_coop", Title: "public.coop.title", Data: d})
}

// publicHead is the head of a page about c; the reader's membership when they have one.
func (w *Web) publicHead(req *request, c cooperative.Cooperative, section string) coopView {
	v := coopView{Coop: c, Section: section}
	if req.user != nil {
		if m, err := req.member(c.ID); err == nil {
			v.Member = m
		}
	}
	return v
}

// openOfferings are the offerings taking subscriptions now (a platform's cooperative
// runs a few a year: the first page is all of them).
func (w *Web) openOfferings(req *request, coopID string, st membership.Statutes, now time.Time) ([]offeringView, error) {
	list, _, err := w.opts.Registry.ListOfferings(req.ctx(), coopID, "", 1000)
	if err != nil {
		return nil, err
	}
	var out []offeringView
	for _, o := range list {
		open, left := offeringNow(o, now)
		if !open {
			continue
		}
		v := offeringView{Offering: o, ClassName: o.Class, Left: left}
		if cl, ok := st.Class(o.Class); ok {
			v.ClassName = cl.Name
		}
		out = append(out, v)
	}
	return out, nil
}

func (w *Web) openIssues(req *request, coopID string, now time.Time) ([]issueView, error) {
	list, _, err := w.opts.Bonds.ListIssues(req.ctx(), coopID, "", 1000)
	if err != nil {
		return nil, err
	}
	var out []issueView
	for _, i := range list {
		open, left := issueNow(i, now)
		if !open {
			continue
		}
		out = append(out, issueView{Issue: i, Coupon: couponPercent(i.Terms.CouponBP, req.lang), Left: left})
	}
	return out, nil
}

// couponPercent writes basis points as a percentage: 450 → "4,50%" in Dutch, "4.50%" in English.
func couponPercent(bp int64, lang string) string {
	s := fmt.Sprintf("%d.%02d%%", bp/100, bp%100)
	if lang == "nl" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// fundData is the public fund page: one page of the flows, newest first.
type fundData struct {
	coopView
	fund.PublicPage
	Page       []fund.PublicFlow
	PageNo     int
	Prev, Next int // page numbers, 0 when there is none
	API        string
}

// fundPageSize is how many flows one page shows: a month has a few kinds of money.
const fundPageSize = 50

func (w *Web) fundPage(req *request) error {
	c, err := req.cooperative()
	if err != nil {
		return err
	}
	pg, err := w.opts.Fund.Public(req.ctx(), c.ID)
	if err != nil {
		return err
	}
	flows := slices.Clone(pg.Flows)
	slices.SortStableFunc(flows, func(a, b fund.PublicFlow) int { return cmp.Compare(b.Month, a.Month) })
	n, _ := strconv.Atoi(req.c.Query("page"))
	n = max(n, 1)
	pages := max((len(flows)+fundPageSize-1)/fundPageSize, 1)
	if n > pages {
		return cooperative.Errorf(cooperative.ENOTFOUND, "no page %d", n)
	}
	d := fundData{coopView: w.publicHead(req, c, "fund"), PublicPage: pg, PageNo: n,
		Page: flows[(n-1)*fundPageSize : min(n*fundPageSize, len(flows))], API: "/v1/cooperatives/" + c.ID}
	if n > 1 {
		d.Prev = n - 1
	}
	if n < pages {
		d.Next = n + 1
	}
	return req.render(page{Name: "public_fund", Title: "public.fund.title", Data: d})
}
