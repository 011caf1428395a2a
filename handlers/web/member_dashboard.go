package web

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// The dashboard reads only this member's records, each through an index of its own
// (holdings, subscriptions and bond holdings by member, a payment by its subscription)
// plus the few records of the cooperative (statutes, the held issues, the yearly
// appropriations): its cost does not grow with the number of members. The benchmark is
// BenchmarkWebDashboard.

// meDashboardData is what the dashboard shows.
type meDashboardData struct {
	coopView
	M             membership.Member
	Shares        []meShareLine
	Certificates  []meCertLine
	Subscriptions []meSubscription
	Payments      []mePayment
	Bonds         []meBondLine
	BondYears     []int
	DistYears     []int
	// Ended says the membership is over (resigned, excluded, deceased, rejected).
	Ended bool
}

type meShareLine struct {
	Class, ClassName string
	Shares           int64
	Numbers          string
	NominalCents     int64
	ValueCents       int64
}

type meCertLine struct {
	SubscriptionID string
	Class          string
	Shares         int64
	Numbers        string
	IssuedOn       cooperative.Date
}

type meSubscription struct {
	ID          string
	Bonds       bool // a bond subscription (units), else shares
	What        string
	Count       int64
	AmountCents int64
	Status      string
	Date        time.Time
	// PayURL is the page to pay it, while it is unpaid.
	PayURL string
}

type mePayment struct {
	Bonds       bool
	What        string
	Method      string
	AmountCents int64
	Date        time.Time
	Status      payments.PaymentStatus
	Badge       string
}

type meBondLine struct {
	IssueID          string
	Name             string
	Units            int64
	Numbers          string
	OutstandingCents int64
	NextDate         cooperative.Date
	NextCents        int64
}

// meDashboard is the member's own page of a cooperative.
func (w *Web) meDashboard(req *request) error {
	c, m, err := req.portalMember()
	if errors.Is(err, errNotMember) {
		// Not a member (yet): not an error, an invitation to apply.
		return req.render(page{Name: "member_none", Title: "me.none.title", Data: coopView{Coop: c, Section: "me"}})
	}
	if err != nil {
		return err
	}
	d := meDashboardData{coopView: coopView{Coop: c, Member: m, Section: "me"}, M: m}
	switch m.Status {
	case membership.MemberResigned, membership.MemberExcluded, membership.MemberDeceased, membership.MemberRejected:
		d.Ended = true
	}
	ctx := req.ctx()
	today := cooperative.DateOf(w.now())
	holdings, err := w.opts.Registry.MemberHoldings(ctx, c.ID, m.ID)
	if err != nil {
		return err
	}
	var classes map[string]membership.ShareClass
	if len(holdings) > 0 {
		st, err := w.opts.Members.StatutesOn(ctx, c.ID, today)
		if err != nil {
			return err
		}
		classes = map[string]membership.ShareClass{}
		for _, cl := range st.ShareClasses {
			classes[cl.Code] = cl
		}
	}
	for _, h := range holdings {
		cl := classes[h.Class]
		d.Shares = append(d.Shares, meShareLine{Class: h.Class, ClassName: cl.Name, Shares: h.Shares, Numbers: numbers(h.Ranges),
			NominalCents: cl.NominalCents, ValueCents: h.Shares * cl.NominalCents})
	}
	subs, _, err := w.opts.Registry.ListSubscriptions(ctx, c.ID, "member", m.ID, "", cooperative.MaxPageSize)
	if err != nil {
		return err
	}
	for _, s := range subs {
		line := meSubscription{ID: s.ID, What: s.Class, Count: s.Shares, AmountCents: s.AmountCents, Status: string(s.Status),
			Date: s.SubscribedAt}
		if s.Status == shares.SubscriptionPending {
			line.PayURL = "/c/" + c.ID + "/subscriptions/" + s.ID
		}
		d.Subscriptions = append(d.Subscriptions, line)
		if s.Status == shares.SubscriptionAllocated && s.Allocated > 0 {
			d.Certificates = append(d.Certificates, meCertLine{SubscriptionID: s.ID, Class: s.Class, Shares: s.Allocated,
				Numbers: numbers(s.ShareNumbers), IssuedOn: s.IssuedOn})
		}
	}
	firstBondYear, err := w.meBonds(req, c.ID, m.ID, today, &d)
	if err != nil {
		return err
	}
	for i := range d.Subscriptions {
		ps, _, err := w.opts.Payments.ListPayments(ctx, c.ID, payments.PaymentFilter{SubscriptionID: d.Subscriptions[i].ID}, "", 10)
		if err != nil {
			return err
		}
		for _, p := range ps {
			date := p.CreatedAt
			if !p.SucceededAt.IsZero() {
				date = p.SucceededAt
			}
			d.Payments = append(d.Payments, mePayment{Bonds: d.Subscriptions[i].Bonds, What: d.Subscriptions[i].What, Method: p.Method(), AmountCents: p.Amount,
				Date: date, Status: p.Status, Badge: paymentBadge(p.Status)})
		}
	}
	slices.SortFunc(d.Subscriptions, func(a, b meSubscription) int { return b.Date.Compare(a.Date) })
	slices.SortFunc(d.Payments, func(a, b mePayment) int { return b.Date.Compare(a.Date) })
	if firstBondYear > 0 {
		for y := today.Time().Year(); y >= firstBondYear; y-- {
			d.BondYears = append(d.BondYears, y)
		}
	}
	if m.AdmittedOn != "" {
		list, _, err := w.opts.Distributions.ListAppropriations(ctx, c.ID, "", 100)
		if err != nil {
			return err
		}
		admitted := m.AdmittedOn.Time().Year()
		for _, a := range list {
			if a.Status == distribution.AppropriationExecuted && a.Year >= admitted {
				d.DistYears = append(d.DistYears, a.Year)
			}
		}
		slices.Sort(d.DistYears)
		slices.Reverse(d.DistYears)
	}
	return req.render(page{Name: "member_dashboard", Title: "me.title", Data: d})
}

// meBonds fills the member's bonds and bond subscriptions: the holdings by the member's
// index, one read of each held issue for its terms, and the next payment from the
// schedule of the units held now. It returns the first year they held bonds (0: never).
func (w *Web) meBonds(req *request, coopID, memberID string, today cooperative.Date, d *meDashboardData) (int, error) {
	ctx := req.ctx()
	first := 0
	seen := func(date cooperative.Date) {
		if date == "" {
			return
		}
		if y := date.Time().Year(); first == 0 || y < first {
			first = y
		}
	}
	subs, _, err := w.opts.Bonds.ListSubscriptions(ctx, coopID, "member", memberID, "", cooperative.MaxPageSize)
	if err != nil {
		return 0, err
	}
	names := map[string]string{}
	issue := func(id string) (bonds.Issue, error) {
		i, err := w.opts.Bonds.GetIssue(ctx, coopID, id)
		names[id] = i.Name
		return i, err
	}
	holdings, err := w.opts.Bonds.MemberHoldings(ctx, coopID, memberID)
	if err != nil {
		return 0, err
	}
	for _, h := range holdings {
		i, err := issue(h.IssueID)
		if err != nil {
			return 0, err
		}
		seen(h.Since)
		line := meBondLine{IssueID: i.ID, Name: i.Name, Units: h.Units, Numbers: numbers(h.Ranges)}
		unit, err := i.Terms.UnitSchedule()
		if err != nil {
			return 0, err
		}
		// Outstanding: the principal left on a unit after every payment up to today.
		line.OutstandingCents = h.Units * bonds.UnitOutstandingBefore(unit, i.Terms.DenominationCents, today.AddDays(1))
		for _, p := range i.Terms.HoldingSchedule(unit, h.Units, h.Since, "") {
			if today.Before(p.Date) {
				line.NextDate, line.NextCents = p.Date, p.InterestCents+p.PrincipalCents
				break
			}
		}
		d.Bonds = append(d.Bonds, line)
	}
	for _, s := range subs {
		if _, ok := names[s.IssueID]; !ok {
			if _, err := issue(s.IssueID); err != nil {
				return 0, err
			}
		}
		line := meSubscription{ID: s.ID, Bonds: true, What: names[s.IssueID], Count: s.Units, AmountCents: s.AmountCents,
			Status: string(s.Status), Date: s.SubscribedAt}
		if s.Status == bonds.SubscriptionPending {
			line.PayURL = "/c/" + coopID + "/bond-subscriptions/" + s.ID
		}
		if s.Status == bonds.SubscriptionAllocated {
			seen(s.IssuedOn)
		}
		d.Subscriptions = append(d.Subscriptions, line)
	}
	slices.SortFunc(d.Bonds, func(a, b meBondLine) int { return cmp.Compare(a.Name+a.IssueID, b.Name+b.IssueID) })
	return first, nil
}

// numbers writes share or unit numbers as "101–110, 115".
func numbers(rs []numbered.Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = strconv.FormatInt(r.First, 10)
		if r.Last != r.First {
			parts[i] += "–" + strconv.FormatInt(r.Last, 10)
		}
	}
	return strings.Join(parts, ", ")
}

// paymentBadge is the colour of a payment's state: received, under way, or gone wrong.
func paymentBadge(s payments.PaymentStatus) string {
	switch s {
	case payments.PaymentPaid:
		return "ok"
	case payments.PaymentPending, payments.PaymentProcessing, payments.PaymentDisputed:
		return "wait"
	}
	return "bad"
}
