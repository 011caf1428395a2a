package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// A member's documents: the share certificate, a bond holding's schedule, the yearly
// bond statement and a distribution statement. Each is looked up for the reader's own
// membership; an id or year in the URL only chooses among their own, and anything else
// (another member's subscription, an issue they hold nothing of, a malformed id) is the
// same plain "page not found", which names nothing of the record asked for.

// notYours answers a document that is not the reader's, or not there.
func notYours(err error) error {
	switch cooperative.ErrorCode(err) {
	case cooperative.ENOTFOUND, cooperative.EINVALID:
		return fiber.ErrNotFound
	}
	return err
}

// sendPDF answers a document as a download, never cached (it is personal).
func sendPDF(req *request, name string, b []byte) error {
	req.c.Set(fiber.HeaderContentType, "application/pdf")
	req.c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	req.c.Set(fiber.HeaderCacheControl, "private, no-store")
	return req.c.Send(b)
}

// meCertificate serves the share certificates the API serves: of one issuance with
// ?subscription= (it says so when its shares have moved on since), else of what the
// member holds today, read from the register.
func (w *Web) meCertificate(req *request) error {
	c, m, err := req.portalMember()
	if err != nil {
		return err
	}
	var cert shares.Certificate
	if id := req.c.Query("subscription"); id != "" {
		sub, err := w.opts.Registry.GetSubscription(req.ctx(), c.ID, id)
		if err != nil {
			return notYours(err)
		}
		if sub.MemberID != m.ID {
			return fiber.ErrNotFound
		}
		if cert, err = w.opts.Registry.GetCertificate(req.ctx(), c.ID, sub.ID); err != nil {
			return notYours(err)
		}
	} else if cert, err = w.opts.Registry.GetHoldingsCertificate(req.ctx(), c.ID, m.ID, cooperative.DateOf(w.now())); err != nil {
		if cooperative.ErrorCode(err) == cooperative.ERULE {
			return fiber.ErrNotFound // they hold nothing: there is no certificate
		}
		return notYours(err)
	}
	b, err := cert.PDF()
	if err != nil {
		return err
	}
	return sendPDF(req, "certificate-"+cert.Number+".pdf", b)
}

type meScheduleData struct {
	coopView
	Schedule bonds.MemberSchedule
	Today    cooperative.Date
}

// meBondSchedule is the schedule of the member's units of one issue: what each date
// pays them. It reads that register (all its holders' periods: the schedule of
// units transferred or redeemed before is part of it); the dashboard does not call it.
func (w *Web) meBondSchedule(req *request) error {
	c, m, err := req.portalMember()
	if err != nil {
		return err
	}
	s, err := w.opts.Bonds.MemberSchedule(req.ctx(), c.ID, m.ID, req.c.Params("issue"))
	if err != nil {
		return notYours(err)
	}
	return req.render(page{Name: "member_bond_schedule", Title: "me.schedule.title",
		Data: meScheduleData{coopView: coopView{Coop: c, Member: m, Section: "me"}, Schedule: s, Today: cooperative.DateOf(w.now())}})
}

// yearParam reads a year of the URL: 2000..2200, else the page does not exist.
func yearParam(req *request) (int, error) {
	y, err := strconv.Atoi(req.c.Params("year"))
	if err != nil || y < 2000 || y > 2200 {
		return 0, fiber.ErrNotFound
	}
	return y, nil
}

// meBondStatement serves the yearly bond statement the API serves.
func (w *Web) meBondStatement(req *request) error {
	c, m, err := req.portalMember()
	if err != nil {
		return err
	}
	year, err := yearParam(req)
	if err != nil {
		return fiber.ErrNotFound
	}
	st, err := w.opts.Bonds.YearStatement(req.ctx(), c.ID, m.ID, year)
	if err != nil {
		return notYours(err)
	}
	b, err := st.PDF()
	if err != nil {
		return err
	}
	return sendPDF(req, "bonds-"+strconv.Itoa(year)+".pdf", b)
}

type meDistributionData struct {
	coopView
	S distribution.MemberStatement
}

// meDistribution is the member's line of an executed distribution. Statement reads the
// executed lines and the year's register periods of the cooperative (it has no index by
// member); it is a page opened once a year, not the dashboard.
func (w *Web) meDistribution(req *request) error {
	c, m, err := req.portalMember()
	if err != nil {
		return err
	}
	year, err := yearParam(req)
	if err != nil {
		return fiber.ErrNotFound
	}
	st, err := w.opts.Distributions.Statement(req.ctx(), c.ID, m.ID, year)
	if err != nil {
		return notYours(err)
	}
	if !st.Executed {
		return fiber.ErrNotFound // a dry run's figures may still change: not a statement
	}
	return req.render(page{Name: "member_distribution", Title: "me.dist.title",
		Data: meDistributionData{coopView: coopView{Coop: c, Member: m, Section: "me"}, S: st}})
}
