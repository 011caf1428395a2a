package handlers

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// TestDistributionOverHTTP: the board sets the distribution settings and proposes the
// split of 2024's result (bad input a 4xx naming the rule, nothing written), imports a
// patronage basis (a file with refused lines is a 422 listing them by line, nothing
// imported), records the general meeting's decision with its minutes (a PDF), after
// which the proposal is fixed; members elect for their own record only.
func TestDistributionOverHTTP(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20) // dividend cap 5%
	annS, ann := sc.member(t, "ann@example.org", "Ann Smit")
	bobS, bob := sc.member(t, "bob@example.org", "Bob Bakker")
	settings := sc.coop + "/distribution-settings"
	year := sc.coop + "/appropriations/2024"

	// Settings.
	r := as.call(t, "GET", settings, sc.accountant(), nil)
	wantStatus(t, r, 200)
	if s := decodeBody[distribution.Settings](t, r); s.DefaultElection != distribution.ElectPayout || s.WithholdingBP != 0 {
		t.Fatalf("default settings %+v", s)
	}
	good := map[string]any{"withholdingBp": 3000, "exemptionCents": 19000, "thresholdCents": 100, "defaultElection": "payout", "reinvestClass": "A"}
	bad := map[string]any{"withholdingBp": 10001, "exemptionCents": 19000, "thresholdCents": 100, "defaultElection": "payout"}
	wantRule(t, as.call(t, "PUT", settings, sc.board(), bad), "withholding_range")
	bad = map[string]any{"withholdingBp": 0, "exemptionCents": 0, "thresholdCents": 0, "defaultElection": "reinvest"}
	wantRule(t, as.call(t, "PUT", settings, sc.board(), bad), "reinvest_class")
	wantStatus(t, as.call(t, "PUT", settings, sc.board(), good), 200)

	// The proposal.
	proposal := func(change func(map[string]any)) map[string]any {
		p := map[string]any{"resultCents": 1_000_000, "reservesCents": 400_000, "fundCents": 100_000, "method": "patronage",
			"membersCents": 300_000, "recordDate": "2025-05-01"}
		if change != nil {
			change(p)
		}
		return p
	}
	wantRule(t, as.call(t, "PUT", year, sc.board(), proposal(func(p map[string]any) { p["membersCents"] = 500_001 })), "split_over_result")
	wantRule(t, as.call(t, "PUT", year, sc.board(), proposal(func(p map[string]any) {
		p["method"], p["rateBp"], p["membersCents"] = "dividend_rate", 501, 0
	})), "dividend_cap")
	wantRule(t, as.call(t, "PUT", year, sc.board(), proposal(func(p map[string]any) { p["recordDate"] = "2024-12-01" })), "record_date")
	wantProblem(t, as.call(t, "PUT", year, sc.board(), proposal(func(p map[string]any) { p["method"] = "bonus" })), 422, cooperative.EINVALID)
	wantProblem(t, as.call(t, "GET", year, sc.board(), nil), 404, cooperative.ENOTFOUND)
	r = as.call(t, "PUT", year, sc.board(), proposal(nil))
	wantStatus(t, r, 200)
	if a := decodeBody[distribution.Appropriation](t, r); a.Status != distribution.AppropriationProposed || a.Method != distribution.Patronage {
		t.Fatalf("proposed %+v", a)
	}

	pdf := []byte("%PDF-1.4\n% the minutes\n%%EOF\n")
	decide := func(contentType string, body []byte, query string) response {
		return as.do(t, "POST", year+"/decision?"+query, contentType, bytes.NewReader(body),
			"Authorization", "Bearer "+sc.board(), "Content-Disposition", `attachment; filename="alv-2025.pdf"`)
	}
	meeting := "date=2025-02-20&votesFor=30&votesAgainst=2&abstaining=1"
	wantRule(t, decide("application/pdf", pdf, meeting), "basis_required")

	// The basis: refused lines listed, nothing imported; then a good file.
	basis := func(contentType, csv string) response {
		return as.do(t, "POST", year+"/basis", contentType, strings.NewReader(csv), "Authorization", "Bearer "+sc.board())
	}
	r = basis("text/csv", "member_number,quantity\n1,1200\n9,50\n2,800\n2,1\n")
	wantRule(t, r, "basis_refused")
	if len(r.problem.Errors) != 2 || r.problem.Errors[0].Location != "body.line.3" || r.problem.Errors[1].Location != "body.line.5" {
		t.Fatalf("refused lines %s, want lines 3 and 5", r.body)
	}
	if a := decodeBody[distribution.Appropriation](t, as.call(t, "GET", year, sc.board(), nil)); a.Basis != nil {
		t.Fatalf("a refused basis was imported: %+v", a.Basis)
	}
	wantProblem(t, basis("application/json", `{"1":1200}`), http.StatusUnsupportedMediaType, "invalid")
	if ann.Number != 1 || bob.Number != 2 {
		t.Fatalf("member numbers %d and %d", ann.Number, bob.Number)
	}
	r = basis("text/csv", "member_number,quantity\n1,1200\n2,800\n")
	wantStatus(t, r, 200)
	if a := decodeBody[distribution.Appropriation](t, r); a.Basis == nil || a.Basis.Members != 2 || a.Basis.Total != 2000 {
		t.Fatalf("basis %+v", a.Basis)
	}

	// The decision.
	wantProblem(t, decide("application/json", []byte(`{}`), meeting), http.StatusUnsupportedMediaType, "invalid")
	wantProblem(t, decide("application/pdf", []byte("not a pdf"), meeting), 400, cooperative.EINVALID)
	wantRule(t, decide("application/pdf", pdf, "date=2025-02-20&votesFor=2&votesAgainst=30"), "majority")
	wantRule(t, decide("application/pdf", pdf, "date=2025-03-20&votesFor=30&votesAgainst=2"), "decision_date") // not yet held
	wantProblem(t, as.call(t, "GET", year+"/minutes", sc.board(), nil), 404, cooperative.ENOTFOUND)
	r = decide("application/pdf", pdf, meeting)
	wantStatus(t, r, 200)
	a := decodeBody[distribution.Appropriation](t, r)
	if a.Status != distribution.AppropriationDecided || a.Decision == nil || a.Decision.VotesFor != 30 || a.Decision.Abstaining != 1 ||
		a.Decision.Minutes.FileName != "alv-2025.pdf" || a.Decision.Minutes.Bytes != int64(len(pdf)) {
		t.Fatalf("decided %+v", a)
	}
	r = as.call(t, "GET", year+"/minutes", sc.accountant(), nil)
	wantStatus(t, r, 200)
	if !bytes.Equal(r.body, pdf) || r.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("minutes %q (%s)", r.body, r.header.Get("Content-Type"))
	}
	wantRule(t, as.call(t, "PUT", year, sc.board(), proposal(nil)), "appropriation_decided")
	wantRule(t, decide("application/pdf", pdf, meeting), "appropriation_decided")
	wantRule(t, basis("text/csv", "member_number,quantity\n1,1\n"), "appropriation_decided")
	r = as.call(t, "GET", sc.coop+"/appropriations", sc.board(), nil)
	wantStatus(t, r, 200)
	if items := decodeBody[page[distribution.Appropriation]](t, r).Items; len(items) != 1 || items[0].Status != distribution.AppropriationDecided {
		t.Fatalf("appropriations %+v", items)
	}

	// Elections: a member's own.
	election := sc.coop + "/members/" + ann.ID + "/distribution-election"
	r = as.call(t, "GET", election, annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if v := decodeBody[distribution.ElectionView](t, r); v.Election != distribution.ElectPayout || !v.Default {
		t.Fatalf("Ann before electing: %+v", v)
	}
	wantProblem(t, as.call(t, "PUT", election, annS.tokens.AccessToken, map[string]string{"election": "keep"}), 422, cooperative.EINVALID)
	wantProblem(t, as.call(t, "PUT", election, bobS.tokens.AccessToken, map[string]string{"election": "donate"}), 404, cooperative.ENOTFOUND)
	wantProblem(t, as.call(t, "PUT", election, sc.board(), map[string]string{"election": "donate"}), 403, cooperative.EFORBIDDEN)
	r = as.call(t, "PUT", election, annS.tokens.AccessToken, map[string]string{"election": "reinvest"})
	wantStatus(t, r, 200)
	r = as.call(t, "GET", election, sc.accountant(), nil)
	wantStatus(t, r, 200)
	if v := decodeBody[distribution.ElectionView](t, r); v.Election != distribution.ElectReinvest || v.Default || v.SetOn != "2025-03-01" {
		t.Fatalf("Ann's election as staff read it: %+v", v)
	}
	r = as.call(t, "GET", sc.coop+"/distribution-elections", sc.board(), nil)
	wantStatus(t, r, 200)
	if items := decodeBody[page[distribution.MemberElection]](t, r).Items; len(items) != 1 || items[0].MemberID != ann.ID {
		t.Fatalf("elections %+v", items)
	}
	wantProblem(t, as.call(t, "GET", sc.coop+"/distribution-elections", bobS.tokens.AccessToken, nil), 403, cooperative.EFORBIDDEN)

	// The dry run (patronage over 1,200 and 800: 1,800.00 and 1,200.00; 30% withheld above
	// 190.00 each: 483.00 and 303.00), then the execution, a job whose progress is read back.
	// Ann's 1,317.00 would buy 26 member shares, more than the 20 a member may hold: the dry
	// run shows them, the execution pays the amount out instead.
	r = as.call(t, "GET", year+"/dry-run", sc.accountant(), nil)
	wantStatus(t, r, 200)
	dry := decodeBody[dryRunBody](t, r)
	if dry.Totals.Members != 2 || dry.Totals.GrossCents != 300_000 || dry.Totals.WithholdingCents != 48_300+30_300 ||
		dry.Lines[0].MemberID != ann.ID || dry.Lines[0].ReinvestShares != 26 || dry.Lines[0].PayoutCents != 1_700 {
		t.Fatalf("dry run %+v", dry)
	}
	r = as.call(t, "GET", year+"/dry-run.csv", sc.accountant(), nil)
	wantStatus(t, r, 200)
	if csv := string(r.body); !strings.HasPrefix(csv, "member_number,share_days,basis,gross") || !strings.Contains(csv, "\ntotal,0,0,3000.00,786.00,2214.00,") {
		t.Fatalf("dry run CSV:\n%s", csv)
	}
	wantProblem(t, as.call(t, "GET", year+"/execution", sc.accountant(), nil), 404, cooperative.ENOTFOUND)
	r = as.call(t, "POST", year+"/execution", sc.accountant(), nil)
	wantStatus(t, r, 202)
	var e distribution.Execution
	for deadline := time.Now().Add(10 * time.Second); ; {
		r = as.call(t, "GET", year+"/execution", sc.accountant(), nil)
		wantStatus(t, r, 200)
		if e = decodeBody[distribution.Execution](t, r); e.Status == distribution.ExecutionDone || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if e.Status != distribution.ExecutionDone || e.DoneLines != 2 || e.Totals.ReinvestShares != 0 || e.Totals.PayoutCents != 131_700+89_700 {
		t.Fatalf("execution %+v", e)
	}
	r = as.call(t, "POST", year+"/execution", sc.accountant(), nil)
	wantStatus(t, r, 202)
	if again := decodeBody[distribution.Execution](t, r); !again.Replayed {
		t.Fatalf("executed again: %+v", again)
	}
	r = as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/distributions/2024", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if st := decodeBody[distribution.MemberStatement](t, r); !st.Executed || st.Line.PayoutCents != 131_700 || st.Line.ReinvestShares != 0 {
		t.Fatalf("Ann's statement %+v", st)
	}
	r = as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/distributions/2024/statement.pdf", annS.tokens.AccessToken, nil)
	wantStatus(t, r, 200)
	if !bytes.HasPrefix(r.body, []byte("%PDF")) {
		t.Fatal("the statement is not a PDF")
	}
	wantProblem(t, as.call(t, "GET", sc.coop+"/members/"+ann.ID+"/distributions/2024", bobS.tokens.AccessToken, nil), 404, cooperative.ENOTFOUND)
}
