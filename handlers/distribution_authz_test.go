package handlers

import (
	"context"
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// The distribution routes in the authorization matrix. Their object, built once per row
// through the domain on top of the register fixture's members: a proposed patronage
// appropriation of 2024 (the clock is in March 2025), not decided, so it has no minutes.

// distMatrixProposal is the board's proposal the rows start from and send again.
func distMatrixProposal() map[string]any {
	return map[string]any{"resultCents": 1_000_000, "reservesCents": 400_000, "fundCents": 100_000, "method": "patronage",
		"membersCents": 300_000, "recordDate": "2025-05-01"}
}

func (f *matrixFixture) distributionObjects() {
	if f.dist {
		return
	}
	f.registry() // the statutes and the members
	chair := cooperative.Actor{UserID: f.people[board].userID, Role: "board"}
	if _, err := f.as.distributions.Propose(context.Background(), chair, distribution.NewAppropriation{CooperativeID: f.coopA,
		Year: 2024, ResultCents: 1_000_000, ReservesCents: 400_000, FundCents: 100_000, Method: distribution.Patronage,
		MembersCents: 300_000, RecordDate: "2025-05-01"}); err != nil {
		f.t.Fatal(err)
	}
	f.dist = true
}

// distributionPath fills in the year of the appropriation rows.
func (f *matrixFixture) distributionPath(path string) string {
	if !strings.Contains(path, "/appropriations") && !strings.Contains(path, "distribution") {
		return path
	}
	f.distributionObjects()
	return strings.ReplaceAll(path, "{year}", "2024")
}

func distributionMatrixRows() []matrixRow {
	withDist := func(body func(f *matrixFixture) any) func(*matrixFixture, caller) any {
		return func(f *matrixFixture, _ caller) any { f.distributionObjects(); return body(f) }
	}
	none := withDist(func(*matrixFixture) any { return nil })
	staffReads := only(200, board, boardNoMFA, accountant)
	ownOrStaff := signedInAll(404)
	for _, c := range []caller{ownMember, accountant, board, boardNoMFA} {
		ownOrStaff[c] = 200
	}
	ownOnly := signedInAll(404)
	ownOnly[ownMember] = 200
	for _, c := range []caller{accountant, board, boardNoMFA} {
		ownOnly[c] = 403
	}
	statement := signedInAll(404)
	for _, c := range []caller{ownMember, accountant, board, boardNoMFA} {
		statement[c] = 422
	}
	const coop = "/v1/cooperatives/{cooperativeID}"
	year := coop + "/appropriations/{year}"
	return []matrixRow{
		{"get-distribution-settings", "GET", coop + "/distribution-settings", none, staffReads},
		{"set-distribution-settings", "PUT", coop + "/distribution-settings", withDist(func(*matrixFixture) any {
			return map[string]any{"withholdingBp": 3000, "exemptionCents": 19000, "thresholdCents": 100, "defaultElection": "payout"}
		}), only(200, board)},
		{"list-appropriations", "GET", coop + "/appropriations", none, staffReads},
		{"get-appropriation", "GET", year, none, staffReads},
		{"propose-appropriation", "PUT", year, withDist(func(*matrixFixture) any { return distMatrixProposal() }), only(200, board)},
		// No file: those allowed reach the domain, which asks for one (400).
		{"import-patronage-basis", "POST", year + "/basis", none, only(400, board)},
		{"decide-appropriation", "POST", year + "/decision?date=2025-02-20&votesFor=30&votesAgainst=2", none, only(400, board)},
		// Not decided: no minutes (404) for those allowed.
		{"get-appropriation-minutes", "GET", year + "/minutes", none, only(404, board, boardNoMFA, accountant)},
		{"get-distribution-election", "GET", coop + "/members/{memberID}/distribution-election", none, ownOrStaff},
		{"set-distribution-election", "PUT", coop + "/members/{memberID}/distribution-election",
			withDist(func(*matrixFixture) any { return map[string]string{"election": "donate"} }), ownOnly},
		{"list-distribution-elections", "GET", coop + "/distribution-elections", none, staffReads},
		// A patronage proposal without its basis (the statements too): those allowed reach the table, which asks for
		// the basis (422).
		{"distribution-dry-run", "GET", year + "/dry-run", none, only(422, board, boardNoMFA, accountant)},
		{"distribution-dry-run-csv", "GET", year + "/dry-run.csv", none, only(422, board, boardNoMFA, accountant)},
		{"distribution-dry-run-xlsx", "GET", year + "/dry-run.xlsx", none, only(422, board, boardNoMFA, accountant)},
		{"execute-distribution", "POST", year + "/execution", none, only(422, board, accountant)},
		{"get-distribution-execution", "GET", year + "/execution", none, only(404, board, boardNoMFA, accountant)},
		{"member-distribution-statement", "GET", coop + "/members/{memberID}/distributions/{year}", none, statement},
		{"member-distribution-statement-pdf", "GET", coop + "/members/{memberID}/distributions/{year}/statement.pdf", none, statement},
	}
}
