package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/ledger"
)

// The community fund's vote routes in the authorization matrix. Their objects, built once
// per row through the domain on top of the register fixture's members: €10,000 in the
// fund, a round of €1,000 in its proposal window (voting has not opened: a ballot is
// refused by the rule, 422, for the one caller allowed) and the own member's proposal.

type fundFixture struct {
	round, proposal string
}

// fundCredit posts cents into cooperativeID's fund: Dr bank / Cr community_fund.
func fundCredit(store cooperative.Store, now func() time.Time, cooperativeID string, cents int64) error {
	return cooperative.NewRunner(store, now).Update(context.Background(), func(tx cooperative.Tx, now time.Time) error {
		_, _, err := ledger.PostEntry(tx, ledger.Entry{CooperativeID: cooperativeID, Key: "test-fund-credit:" + cooperative.NewID(),
			BookingDate: cooperative.DateOf(now), Description: "A donation to the community fund",
			Lines: []ledger.Line{{Account: string(ledger.AccountBank), Amount: cents},
				{Account: string(ledger.AccountCommunityFund), Amount: -cents}}})
		return err
	})
}

// fundRoundBody opens a round at now: proposals for ten days, voting from day 11 to 20.
func fundRoundBody(now time.Time, budget int64) map[string]any {
	return map[string]any{"title": "Buurtbudget", "budgetCents": budget, "proposalsFrom": now, "proposalsTo": now.AddDate(0, 0, 10),
		"votingFrom": now.AddDate(0, 0, 11), "votingTo": now.AddDate(0, 0, 20), "recordDate": cooperative.DateOf(now.AddDate(0, 0, 10))}
}

func fundProposalBody(memberID string, budget int64) map[string]any {
	return map[string]any{"memberId": memberID, "title": "Speeltuin Noord", "description": "A playground for the street.",
		"budgetCents": budget, "beneficiary": map[string]string{"name": "Stichting Speeltuin", "iban": "NL91ABNA0417164300"},
		"neighbourhood": "Noord"}
}

func (f *matrixFixture) fundObjects() *fundFixture {
	if f.fund != nil {
		return f.fund
	}
	r := f.registry()
	ctx, now := context.Background(), f.as.clock.Now()
	if err := fundCredit(f.as.store, f.as.clock.Now, f.coopA, 1_000_000); err != nil {
		f.t.Fatal(err)
	}
	chair := cooperative.Actor{UserID: f.people[board].userID, Role: "board"}
	round, err := f.as.fund.OpenRound(ctx, chair, fund.NewRound{CooperativeID: f.coopA, Title: "Buurtbudget", BudgetCents: 100_000,
		ProposalsFrom: now, ProposalsTo: now.AddDate(0, 0, 10), VotingFrom: now.AddDate(0, 0, 11), VotingTo: now.AddDate(0, 0, 20),
		RecordDate: cooperative.DateOf(now.AddDate(0, 0, 10))})
	if err != nil {
		f.t.Fatal(err)
	}
	p, err := f.as.fund.Propose(ctx, cooperative.Actor{UserID: f.people[ownMember].userID, Role: "member"}, fund.NewProposal{
		CooperativeID: f.coopA, RoundID: round.ID, MemberID: r.ownMember, Title: "Speeltuin", Description: "A playground.",
		BudgetCents: 40_000, Beneficiary: fund.Beneficiary{Name: "Stichting Speeltuin", IBAN: "NL91ABNA0417164300"}, Neighbourhood: "Noord"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.fund = &fundFixture{round: round.ID, proposal: p.ID}
	return f.fund
}

// fundPath fills in the round and the proposal of the fund rows' paths ({memberID} is
// registryPath's).
func (f *matrixFixture) fundPath(path string) string {
	if !strings.Contains(path, "/fund") {
		return path
	}
	o := f.fundObjects()
	// No grant or donation exists: those allowed reach the domain and get 404.
	return strings.NewReplacer("{roundID}", o.round, "{proposalID}", o.proposal, "{grantID}", cooperative.NewID(),
		"{donationID}", cooperative.NewID()).Replace(path)
}

func fundMatrixRows() []matrixRow {
	withFund := func(body func(f *matrixFixture) any) func(*matrixFixture, caller) any {
		return func(f *matrixFixture, _ caller) any { f.fundObjects(); return body(f) }
	}
	none := withFund(func(*matrixFixture) any { return nil })
	staffReads := only(200, board, boardNoMFA, accountant)
	ownOnly := func(ok int) [callers]int {
		w := signedInAll(404)
		w[ownMember] = ok
		for _, c := range []caller{accountant, board, boardNoMFA} {
			w[c] = 403
		}
		return w
	}
	const coop = "/v1/cooperatives/{cooperativeID}"
	round, proposal := coop+"/fund/rounds/{roundID}", coop+"/fund/proposals/{proposalID}"
	return []matrixRow{
		{"fund-free-balance", "GET", coop + "/fund/free-balance", none, staffReads},
		{"open-fund-round", "POST", coop + "/fund/rounds", withFund(func(f *matrixFixture) any {
			return fundRoundBody(f.as.clock.Now(), 1000)
		}), only(201, board)},
		{"list-fund-rounds", "GET", coop + "/fund/rounds", none, all(200)},
		{"get-fund-round", "GET", round, none, all(200)},
		{"propose-fund-project", "POST", round + "/proposals", withFund(func(f *matrixFixture) any {
			return fundProposalBody(f.reg.ownMember, 1000)
		}), ownOnly(201)},
		{"list-fund-proposals", "GET", round + "/proposals", none, all(200)},
		{"get-fund-proposal", "GET", proposal, none, staffReads},
		{"decide-fund-proposal", "POST", proposal + "/decision", withFund(func(*matrixFixture) any {
			return map[string]any{"admit": true}
		}), only(200, board)},
		// Voting has not opened: the own member reaches the domain and gets the rule.
		{"cast-fund-ballot", "PUT", round + "/ballots/{memberID}", withFund(func(f *matrixFixture) any {
			return map[string]any{"projects": []string{f.fund.proposal}}
		}), ownOnly(422)},
		{"get-fund-ballot", "GET", round + "/ballots/{memberID}", none, ownOnly(200)},
		// Voting has not closed: nobody can count yet.
		{"count-fund-round", "POST", round + "/count", none, all(422)},

		// Money in and out.
		{"donate-to-fund", "POST", coop + "/fund/donations", withFund(func(*matrixFixture) any {
			return map[string]any{"amountCents": 500}
		}), signedInAll(201)},
		{"donation-transfer-instructions", "POST", coop + "/fund/donations/{donationID}/transfer-instructions", none, signedInAll(404)},
		{"donation-checkout", "POST", coop + "/fund/donations/{donationID}/checkout", withFund(func(*matrixFixture) any {
			return map[string]string{"successUrl": "https://app.example.org/paid", "cancelUrl": "https://app.example.org/cancel"}
		}), signedInAll(404)},
		// The round is not counted: no grant yet (422) for the board.
		{"award-fund-grant", "POST", coop + "/fund/grants", withFund(func(f *matrixFixture) any {
			return map[string]any{"roundId": f.fund.round, "proposalId": f.fund.proposal, "amountCents": 1000}
		}), only(422, board)},
		{"get-fund-grant", "GET", coop + "/fund/grants/{grantID}", none, all(404)},
		{"pay-grant-tranche", "POST", coop + "/fund/grants/{grantID}/tranches", withFund(func(*matrixFixture) any {
			return map[string]any{"amountCents": 100}
		}), only(404, board)},
		{"report-grant-progress", "POST", coop + "/fund/grants/{grantID}/progress", withFund(func(*matrixFixture) any {
			return map[string]any{"text": "The playground is built."}
		}), only(404, board)},
		{"report-own-grant-progress", "POST", coop + "/members/{memberID}/fund-grants/{grantID}/progress",
			withFund(func(*matrixFixture) any { return map[string]any{"text": "The playground is built."} }), ownOnly(404)},
		{"close-fund-round", "POST", round + "/close", none, only(422, board)},
		{"public-fund", "GET", coop + "/fund", none, all(200)},
		{"public-fund-csv", "GET", coop + "/fund.csv", none, all(200)},
		{"public-fund-atom", "GET", coop + "/fund.atom", none, all(200)},
	}
}
