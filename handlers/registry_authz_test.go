package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
)

// The authorization matrix rows of statutes, membership, offerings, the register and the
// ledger (matrixRows appends them). Their objects are built once per row, lazily, through
// the domain: statutes, the own and the other member's records (linked to their
// accounts), an allocated subscription of the own member, an open offering and a
// withdrawal request.

// registryFixture holds the ids the rows' paths name.
type registryFixture struct {
	ownMember, otherMember string
	openOffering           string
	allocated              string // the own member's allocated subscription, paid with bank reference fixtureBankRef
	withdrawal             string // the own member's, requested
}

const fixtureBankRef = "BANK-0001"

// testStatutes: class A (€50, 1 to 20 per member, confers membership), first come.
func testStatutes(cooperativeID string, maxPerMember int64) membership.Statutes {
	return membership.Statutes{CooperativeID: cooperativeID, EffectiveFrom: "2020-01-01",
		ShareClasses: []membership.ShareClass{{Code: "A", Name: "Member share", NominalCents: 5000, MinPerMember: 1,
			MaxPerMember: maxPerMember, ConfersMembership: true}},
		MembershipFeeCents: 0, DividendCapBP: 500, NoticePeriodDays: 30, Allocation: membership.AllocationFirstCome}
}

func testApplication(cooperativeID, userID, name string) membership.Application {
	return membership.Application{CooperativeID: cooperativeID, Kind: membership.MemberPerson, Name: name,
		Address:     membership.Address{Street: "Dorpsstraat 1", PostalCode: "9711 AA", City: "Groningen", Country: "NL"},
		DateOfBirth: "1980-05-17", Email: "member@example.org", IBAN: "NL91ABNA0417164300", Language: "nl",
		StatutesVersion: 1, UserID: userID}
}

// registry builds the fixture's register objects on first use.
func (f *matrixFixture) registry() *registryFixture {
	if f.reg != nil {
		return f.reg
	}
	t, ctx, reg, members, now := f.t, context.Background(), f.as.registry, f.as.members, f.as.clock.Now()
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	chair := cooperative.Actor{UserID: f.people[board].userID, Role: "board"}
	_, err := members.AdoptStatutes(ctx, chair, testStatutes(f.coopA, 20))
	must(err)
	admit := func(who caller, name string) string {
		m, err := members.Apply(ctx, testApplication(f.coopA, f.people[who].userID, name))
		must(err)
		_, err = members.Approve(ctx, chair, f.coopA, m.ID)
		must(err)
		return m.ID
	}
	r := &registryFixture{ownMember: admit(ownMember, "Own Member"), otherMember: admit(otherMember, "Other Member")}
	offering := func() string {
		o, err := reg.OpenOffering(ctx, chair, shares.NewOffering{CooperativeID: f.coopA, Class: "A", PriceCents: 5000,
			CapShares: 1000, MinPerSubscription: 1, MaxPerSubscription: 10, MaxPerMember: 15, OpensAt: now, ClosesAt: now.Add(30 * 24 * time.Hour)})
		must(err)
		return o.ID
	}
	first := offering()
	sub, err := reg.Subscribe(ctx, shares.SubscriptionRequest{CooperativeID: f.coopA, OfferingID: first, MemberID: r.ownMember, Shares: 2})
	must(err)
	_, err = reg.MarkPaid(ctx, chair, f.coopA, sub.ID, fixtureBankRef, cooperative.DateOf(now))
	must(err)
	_, err = reg.CloseOffering(ctx, chair, f.coopA, first)
	must(err)
	r.allocated, r.openOffering = sub.ID, offering()
	w, err := reg.RequestWithdrawal(ctx, chair, shares.WithdrawalRequest{CooperativeID: f.coopA, MemberID: r.ownMember,
		Class: "A", Shares: 1})
	must(err)
	r.withdrawal = w.ID
	f.reg = r
	return r
}

// registryPath fills in the placeholders of the register rows' paths.
func (f *matrixFixture) registryPath(path string) string {
	if !strings.Contains(path, "{") {
		return path
	}
	r := f.registry()
	return strings.NewReplacer("{memberID}", r.ownMember, "{offeringID}", r.openOffering,
		"{subscriptionID}", r.allocated, "{withdrawalID}", r.withdrawal).Replace(path)
}

func registryMatrixRows() []matrixRow {
	// withFixture makes sure the register objects exist before the first call of a row
	// whose path names none of them.
	withFixture := func(body func(f *matrixFixture) any) func(*matrixFixture, caller) any {
		return func(f *matrixFixture, _ caller) any { f.registry(); return body(f) }
	}
	none := withFixture(func(*matrixFixture) any { return nil })
	fixed := func(v any) func(*matrixFixture, caller) any {
		return withFixture(func(*matrixFixture) any { return v })
	}
	today := func(f *matrixFixture) string { return string(cooperative.DateOf(f.as.clock.Now())) }
	staffReads := only(200, board, boardNoMFA, accountant)
	// The record's own account and the cooperative's board and accountant; anyone else
	// gets 404, as if it did not exist.
	ownOrStaff := signedInAll(404)
	for _, c := range []caller{ownMember, accountant, board, boardNoMFA} {
		ownOrStaff[c] = 200
	}
	// Only the record's own account; the board and accountant know it exists: 403.
	ownOnly := func(ok int) [callers]int {
		w := signedInAll(404)
		w[ownMember] = ok
		for _, c := range []caller{accountant, board, boardNoMFA} {
			w[c] = 403
		}
		return w
	}
	certificate := with(with(ownOrStaff, accountant, 403), boardNoMFA, 200)
	// The own member's subscription, for the member and the board (with the second
	// factor): it is allocated, so it can no longer be withdrawn (422). The accountant and
	// the board without TOTP know it exists (403); anyone else gets 404.
	withdraw := signedInAll(404)
	withdraw[ownMember], withdraw[board] = 422, 422
	withdraw[accountant], withdraw[boardNoMFA] = 403, 403
	const coop = "/v1/cooperatives/{cooperativeID}"
	return []matrixRow{
		// Version 2, raising the maximum per member.
		{"adopt-statutes", "POST", coop + "/statutes", fixed(map[string]any{"effectiveFrom": "2030-01-01",
			"shareClasses": []map[string]any{{"code": "A", "name": "Member share", "nominalCents": 5000, "minPerMember": 1,
				"maxPerMember": 30, "confersMembership": true}},
			"membershipFeeCents": 0, "dividendCapBp": 500, "noticePeriodDays": 30, "allocation": "first_come"}), only(201, board)},
		{"list-statutes", "GET", coop + "/statutes", none, all(200)},
		{"get-statutes", "GET", coop + "/statutes/current", none, all(200)},

		{"apply-for-membership", "POST", coop + "/members", fixed(applicationBody("Applicant", "NL91ABNA0417164300")), signedInAll(201)},
		{"my-members", "GET", coop + "/me/members", none, signedInAll(200)},
		{"list-members", "GET", coop + "/members", none, staffReads},
		{"get-member", "GET", coop + "/members/{memberID}", none, ownOrStaff},
		{"member-history", "GET", coop + "/members/{memberID}/history", none, ownOrStaff},
		// The own member is active: approving again is harmless, rejecting is refused.
		{"approve-member", "POST", coop + "/members/{memberID}/approve", none, only(200, board)},
		{"reject-member", "POST", coop + "/members/{memberID}/reject", fixed(map[string]string{"reason": "No."}), only(422, board)},
		{"end-membership", "POST", coop + "/members/{memberID}/end", withFixture(func(f *matrixFixture) any {
			return map[string]string{"status": "deceased", "on": today(f)}
		}), only(200, board)},
		{"correct-member", "POST", coop + "/members/{memberID}/corrections", fixed(map[string]string{"name": "Own Member-Corrected"}),
			only(200, board)},
		// The own member has no second factor: a confirmation link is mailed (200).
		{"change-payout-account", "POST", coop + "/members/{memberID}/payout-account",
			fixed(map[string]string{"iban": "BE68539007547034", "accountHolder": "Own Member"}), ownOnly(200)},
		{"confirm-payout-account", "POST", "/v1/payout-account/confirm", fixed(map[string]string{"token": "krl_forged"}), all(400)},

		{"open-offering", "POST", coop + "/offerings", withFixture(func(f *matrixFixture) any {
			now := f.as.clock.Now()
			return map[string]any{"class": "A", "priceCents": 5000, "capShares": 100, "minPerSubscription": 1,
				"maxPerSubscription": 5, "maxPerMember": 5, "opensAt": now, "closesAt": now.Add(24 * time.Hour)}
		}), only(201, board)},
		{"list-offerings", "GET", coop + "/offerings", none, signedInAll(200)},
		{"get-offering", "GET", coop + "/offerings/{offeringID}", none, signedInAll(200)},
		{"close-offering", "POST", coop + "/offerings/{offeringID}/close", none, only(200, board)},
		{"subscribe", "POST", coop + "/offerings/{offeringID}/subscriptions", withFixture(func(f *matrixFixture) any {
			return map[string]any{"memberId": f.reg.ownMember, "shares": 1}
		}), ownOnly(201)},
		{"list-offering-subscriptions", "GET", coop + "/offerings/{offeringID}/subscriptions", none, staffReads},
		{"list-member-subscriptions", "GET", coop + "/members/{memberID}/subscriptions", none, ownOrStaff},
		{"get-subscription", "GET", coop + "/subscriptions/{subscriptionID}", none, ownOrStaff},
		// Paid already with this reference: recording it again is harmless.
		{"mark-subscription-paid", "POST", coop + "/subscriptions/{subscriptionID}/payment", withFixture(func(f *matrixFixture) any {
			return map[string]string{"bankReference": fixtureBankRef, "paidOn": today(f)}
		}), only(200, accountant)},
		// The allocated subscription got all its shares: nothing is owed back (422).
		{"record-transfer-refund", "POST", coop + "/subscriptions/{subscriptionID}/transfer-refunds",
			withFixture(func(f *matrixFixture) any {
				return map[string]any{"amountCents": 100, "paidOn": today(f), "iban": "NL91ABNA0417164300"}
			}), only(422, accountant)},
		{"withdraw-subscription", "POST", coop + "/subscriptions/{subscriptionID}/withdraw",
			fixed(map[string]string{"reason": "Subscribed twice by mistake."}), withdraw},
		{"share-certificate", "GET", coop + "/subscriptions/{subscriptionID}/certificate.pdf", none, certificate},
		{"member-share-certificate", "GET", coop + "/members/{memberID}/certificate.pdf", none, certificate},

		{"transfer-shares", "POST", coop + "/transfers", withFixture(func(f *matrixFixture) any {
			return map[string]any{"from": f.reg.ownMember, "to": f.reg.otherMember, "class": "A", "shares": 1}
		}), only(201, board)},
		{"request-withdrawal", "POST", coop + "/members/{memberID}/withdrawals",
			fixed(map[string]any{"class": "A", "shares": 1, "endMembership": true}), // the last share not yet asked for
			ownOnly(201)},
		{"decide-withdrawal", "POST", coop + "/withdrawals/{withdrawalID}/decision",
			fixed(map[string]any{"approve": false, "reason": "Capital is needed this year."}), only(200, board)},
		{"list-withdrawals", "GET", coop + "/withdrawals?status=requested", none, staffReads},
		{"list-holdings", "GET", coop + "/holdings", none, staffReads},
		{"member-holdings", "GET", coop + "/members/{memberID}/holdings", none, ownOrStaff},
		{"register-events", "GET", coop + "/register/events", none, staffReads},
		{"export-register-csv", "GET", coop + "/register.csv", none, staffReads},
		{"export-register-xlsx", "GET", coop + "/register.xlsx", none, staffReads},

		{"trial-balance", "GET", coop + "/ledger/trial-balance", none, staffReads},
		{"ledger-entries", "GET", coop + "/ledger/entries", none, staffReads},
	}
}

// applicationBody is a complete application of a person, consenting to version 1.
func applicationBody(name, iban string) map[string]any {
	return map[string]any{"kind": "person", "name": name,
		"address":     map[string]string{"street": "Dorpsstraat 1", "postalCode": "9711 AA", "city": "Groningen", "country": "NL"},
		"dateOfBirth": "1980-05-17", "email": "applicant@example.org", "iban": iban, "language": "nl",
		"consentToStatutesVersion": 1}
}

// TestMemberRecordsStayApart: the object checks behind the matrix, across cooperatives.
// A board member of B asking through B's path for A's member, subscription or holdings
// learns nothing.
func TestMemberRecordsStayApart(t *testing.T) {
	f := newMatrixFixture(t)
	r := f.registry()
	boardB := f.accessToken(t, otherBoard)
	coopB := "/v1/cooperatives/" + f.coopB
	for _, path := range []string{"/members/" + r.ownMember, "/members/" + r.ownMember + "/history",
		"/members/" + r.ownMember + "/holdings", "/members/" + r.ownMember + "/subscriptions",
		"/subscriptions/" + r.allocated, "/subscriptions/" + r.allocated + "/certificate.pdf"} {
		wantProblem(t, f.as.call(t, "GET", coopB+path, boardB, nil), 404, cooperative.ENOTFOUND)
	}
	for _, tt := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/members/" + r.ownMember + "/approve", nil},
		{"POST", "/members/" + r.ownMember + "/corrections", map[string]string{"name": "Taken Over"}},
		{"POST", "/withdrawals/" + r.withdrawal + "/decision", map[string]any{"approve": false}},
		{"POST", "/offerings/" + r.openOffering + "/close", nil},
		{"POST", "/transfers", map[string]any{"from": r.ownMember, "to": r.otherMember, "class": "A", "shares": 1}},
	} {
		wantProblem(t, f.as.call(t, tt.method, coopB+tt.path, f.as.signInMFA(t, f.people[otherBoard]).tokens.AccessToken, tt.body),
			404, cooperative.ENOTFOUND)
	}
	// B's lists show none of A's.
	list := decodeBody[memberList](t, f.as.call(t, "GET", coopB+"/members", boardB, nil))
	if len(list.Items) != 0 {
		t.Fatalf("B's members list shows %+v", list.Items)
	}
	holdings := decodeBody[holdingList](t, f.as.call(t, "GET", coopB+"/holdings", boardB, nil))
	if len(holdings.Items) != 0 {
		t.Fatalf("B's holdings show %+v", holdings.Items)
	}
}
