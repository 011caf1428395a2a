package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// The bond routes in the authorization matrix. Their objects, built once per row through
// the domain on top of the register fixture's members: an open bond issue and the own
// member's pending subscription of it. {redemptionID} names none: the callers allowed
// reach the domain and get 404.

type bondFixture struct {
	issue, subscription string
}

func bondIssueForTest(cooperativeID string, now time.Time) bonds.NewIssue {
	return bonds.NewIssue{CooperativeID: cooperativeID, Name: "Zonnedak school", Project: "Solar roof of the village school",
		Terms: bonds.Terms{DenominationCents: 25000, CouponBP: 450, TermMonths: 60, Amortisation: bonds.Linear,
			Frequency: bonds.Yearly, DayCount: bonds.DayCount30E360, IssueDate: cooperative.DateOf(now.AddDate(0, 2, 0)),
			FirstPaymentDate: cooperative.DateOf(now.AddDate(1, 2, 0))},
		SizeUnits: 100, OpensAt: now, ClosesAt: now.AddDate(0, 1, 0), MinPerMember: 1, MaxPerMember: 40,
		Allocation:      membership.AllocationFirstCome,
		EarlyRedemption: bonds.EarlyRedemption{AllowedFrom: cooperative.DateOf(now.AddDate(1, 2, 0)), PenaltyMonths: 3}}
}

func bondIssueBody(n bonds.NewIssue) map[string]any {
	return map[string]any{"name": n.Name, "project": n.Project, "terms": map[string]any{
		"denominationCents": n.Terms.DenominationCents, "couponBp": n.Terms.CouponBP, "termMonths": n.Terms.TermMonths,
		"amortisation": n.Terms.Amortisation, "frequency": n.Terms.Frequency, "dayCount": n.Terms.DayCount,
		"issueDate": n.Terms.IssueDate, "firstPaymentDate": n.Terms.FirstPaymentDate},
		"sizeUnits": n.SizeUnits, "opensAt": n.OpensAt, "closesAt": n.ClosesAt, "minPerMember": n.MinPerMember,
		"maxPerMember": n.MaxPerMember, "allocation": n.Allocation,
		"earlyRedemption": map[string]any{"allowedFrom": n.EarlyRedemption.AllowedFrom, "penaltyMonths": n.EarlyRedemption.PenaltyMonths}}
}

func (f *matrixFixture) bondObjects() *bondFixture {
	if f.bond != nil {
		return f.bond
	}
	r := f.registry()
	ctx, now := context.Background(), f.as.clock.Now()
	chair := cooperative.Actor{UserID: f.people[board].userID, Role: "board"}
	i, err := f.as.bonds.CreateIssue(ctx, chair, bondIssueForTest(f.coopA, now))
	if err != nil {
		f.t.Fatal(err)
	}
	sub, err := f.as.bonds.Subscribe(ctx, bonds.SubscriptionRequest{CooperativeID: f.coopA, IssueID: i.ID, MemberID: r.ownMember, Units: 2})
	if err != nil {
		f.t.Fatal(err)
	}
	f.bond = &bondFixture{issue: i.ID, subscription: sub.ID}
	return f.bond
}

// bondPath fills in the placeholders of the bond rows' paths (before registryPath, whose
// {subscriptionID} is a share subscription).
func (f *matrixFixture) bondPath(path string) string {
	if !strings.Contains(path, "/bond-") {
		return path
	}
	b := f.bondObjects()
	return strings.NewReplacer("{issueID}", b.issue, "/bond-subscriptions/{subscriptionID}", "/bond-subscriptions/"+b.subscription,
		"{redemptionID}", cooperative.NewID(), "{date}", "2030-01-01", "{year}", "2026").Replace(path)
}

func bondMatrixRows() []matrixRow {
	withBonds := func(body func(f *matrixFixture) any) func(*matrixFixture, caller) any {
		return func(f *matrixFixture, _ caller) any { f.bondObjects(); return body(f) }
	}
	none := withBonds(func(*matrixFixture) any { return nil })
	staffReads := only(200, board, boardNoMFA, accountant)
	ownOrStaff := signedInAll(404)
	for _, c := range []caller{ownMember, accountant, board, boardNoMFA} {
		ownOrStaff[c] = 200
	}
	ownOnly := func(ok int) [callers]int {
		w := signedInAll(404)
		w[ownMember] = ok
		for _, c := range []caller{accountant, board, boardNoMFA} {
			w[c] = 403
		}
		return w
	}
	issueBody := withBonds(func(f *matrixFixture) any { return bondIssueBody(bondIssueForTest(f.coopA, f.as.clock.Now())) })
	const coop = "/v1/cooperatives/{cooperativeID}"
	issue, sub := coop+"/bond-issues/{issueID}", coop+"/bond-subscriptions/{subscriptionID}"
	return []matrixRow{
		{"create-bond-issue", "POST", coop + "/bond-issues", issueBody, only(201, board)},
		{"list-bond-issues", "GET", coop + "/bond-issues", none, signedInAll(200)},
		{"get-bond-issue", "GET", issue, none, signedInAll(200)},
		{"change-bond-issue", "PUT", issue, issueBody, only(200, board)},
		{"close-bond-issue", "POST", issue + "/close", none, only(200, board)},
		{"subscribe-bonds", "POST", issue + "/subscriptions", withBonds(func(f *matrixFixture) any {
			return map[string]any{"memberId": f.reg.ownMember, "units": 1}
		}), ownOnly(201)},
		{"list-bond-issue-subscriptions", "GET", issue + "/subscriptions", none, staffReads},
		{"list-member-bond-subscriptions", "GET", coop + "/members/{memberID}/bond-subscriptions", none, ownOrStaff},
		{"get-bond-subscription", "GET", sub, none, ownOrStaff},
		{"bond-transfer-instructions", "POST", sub + "/transfer-instructions", none, ownOnly(200)},
		// Stripe is not connected for the cooperative: 503 once the payment is made.
		{"bond-checkout", "POST", sub + "/checkout", withBonds(func(*matrixFixture) any {
			return map[string]string{"successUrl": "https://app.example.org/paid", "cancelUrl": "https://app.example.org/cancel"}
		}), ownOnly(503)},
		{"mark-bond-subscription-paid", "POST", sub + "/payment", withBonds(func(f *matrixFixture) any {
			return map[string]string{"bankReference": "BANK-B1", "paidOn": string(cooperative.DateOf(f.as.clock.Now()))}
		}), only(200, accountant)},
		{"bond-register", "GET", issue + "/register", none, staffReads},
		{"member-bond-holdings", "GET", coop + "/members/{memberID}/bond-holdings", none, ownOrStaff},
		// The issue is not allocated yet: units do not move (422).
		{"transfer-bonds", "POST", issue + "/transfers", withBonds(func(f *matrixFixture) any {
			return map[string]any{"from": f.reg.ownMember, "to": f.reg.otherMember, "units": 1}
		}), only(422, board)},
		{"list-bond-transfers", "GET", issue + "/transfers", none, staffReads},
		{"request-bond-redemption", "POST", coop + "/members/{memberID}/bond-redemptions", withBonds(func(f *matrixFixture) any {
			return map[string]any{"issueId": f.bond.issue, "units": 1}
		}), ownOnly(422)},
		{"list-member-bond-redemptions", "GET", coop + "/members/{memberID}/bond-redemptions", none, ownOrStaff},
		{"list-bond-redemptions", "GET", coop + "/bond-redemptions", none, staffReads},
		{"decide-bond-redemption", "POST", coop + "/bond-redemptions/{redemptionID}/decision",
			withBonds(func(*matrixFixture) any { return map[string]any{"approve": true} }), only(404, board)},
		// No unit of the issue is issued yet: nothing is due (422) for those allowed.
		{"list-bond-runs", "GET", issue + "/runs", none, staffReads},
		{"preview-bond-run", "GET", issue + "/runs/{date}", none, only(422, board, boardNoMFA, accountant)},
		{"create-bond-run", "POST", issue + "/runs", withBonds(func(*matrixFixture) any { return map[string]string{"date": "2030-01-01"} }),
			only(422, accountant)},
		{"member-bond-schedules", "GET", coop + "/members/{memberID}/bond-schedules", none, ownOrStaff},
		{"member-bond-statement", "GET", coop + "/members/{memberID}/bond-statements/{year}", none, ownOrStaff},
		{"member-bond-statement-pdf", "GET", coop + "/members/{memberID}/bond-statements/{year}/statement.pdf", none, ownOrStaff},
	}
}
