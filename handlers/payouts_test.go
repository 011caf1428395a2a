package handlers

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/notify"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/cooperative/shares"
	"github.com/kracht-coop/kracht/payments/bankimport"
	"github.com/kracht-coop/kracht/payments/camt053/camt053test"
)

const isoXSD = "../../shared/testdata/iso20022/xsd"

// xmllintValid fails the test unless file is valid against the schema of its version.
func xmllintValid(t *testing.T, body []byte, schema string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "file.xml")
	if err := os.WriteFile(f, body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", filepath.Join(isoXSD, schema), f).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: not valid against %s: %v\n%s", f, schema, err, out)
	}
}

// painPayments reads back what a pain.001 file asks the bank to pay: end-to-end id →
// amount in cents, and the header's count and control sum.
type painFile struct {
	NbOfTxs string `xml:"CstmrCdtTrfInitn>GrpHdr>NbOfTxs"`
	CtrlSum string `xml:"CstmrCdtTrfInitn>GrpHdr>CtrlSum"`
	Txs     []struct {
		EndToEndID string `xml:"PmtId>EndToEndId"`
		Amount     string `xml:"Amt>InstdAmt"`
		Name       string `xml:"Cdtr>Nm"`
		IBAN       string `xml:"CdtrAcct>Id>IBAN"`
	} `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf"`
}

// TestPayoutsClosedLoop: withdrawals approved → payables → a batch made by the
// accountant and approved by the board → its file in both versions, valid against the
// schemas → sent → a camt.053 statement made from the file, one payment returned
// (AC04) → imported: payouts in transit back to zero, the returned payable open again,
// its account held, the member told, the trial balance balanced; importing it again
// changes nothing.
func TestPayoutsClosedLoop(t *testing.T) {
	sc := newScenario(t)
	as := sc.as
	sc.adopt(t, 20)
	held := sc.holders(t, map[string]int64{"ann": 3, "bob": 4})
	ann, bob := held["ann"], held["bob"]
	var withdrawals []shares.Withdrawal
	for _, w := range []struct {
		m memberSession
		n int64
	}{{ann, 1}, {bob, 2}} {
		r := as.call(t, "POST", sc.coop+"/members/"+w.m.member.ID+"/withdrawals", w.m.token(), map[string]any{"class": "A", "shares": w.n})
		wantStatus(t, r, 201)
		withdrawals = append(withdrawals, decodeBody[shares.Withdrawal](t, r))
	}
	as.clock.advance(31 * 24 * time.Hour)
	sc.chair, sc.treasurer = as.signInMFA(t, sc.chair), as.signInMFA(t, sc.treasurer)
	board, accountant := sc.board(), sc.accountant()
	ann.session, bob.session = as.signIn(t, "ann@example.org"), as.signIn(t, "bob@example.org")
	for _, w := range withdrawals {
		wantStatus(t, as.call(t, "POST", sc.coop+"/withdrawals/"+w.ID+"/decision", board, map[string]any{"approve": true}), 200)
	}
	r := as.call(t, "GET", sc.coop+"/payables?status=open", accountant, nil)
	wantStatus(t, r, 200)
	owed := decodeBody[page[payouts.PayableView]](t, r).Items
	if len(owed) != 2 {
		t.Fatalf("payables: %+v", owed)
	}
	payableOf := map[string]payouts.PayableView{}
	for _, p := range owed {
		payableOf[p.MemberID] = p
	}
	if payableOf[ann.member.ID].AmountCents != 5000 || payableOf[bob.member.ID].AmountCents != 10000 {
		t.Fatalf("payables: %+v", owed)
	}

	// The accountant gathers; refused batches write nothing.
	wantRule(t, as.call(t, "POST", sc.coop+"/payout-batches", accountant, map[string]any{"reason": "dividend"}), "batch_empty")
	wantProblem(t, as.call(t, "POST", sc.coop+"/payout-batches", accountant, map[string]any{"payableIds": []string{"nope"}}),
		400, cooperative.EINVALID)
	wantProblem(t, as.call(t, "POST", sc.coop+"/payout-batches", board, map[string]any{}), 403, cooperative.EFORBIDDEN)
	r = as.call(t, "POST", sc.coop+"/payout-batches", accountant, map[string]any{})
	wantStatus(t, r, 201)
	batch := decodeBody[payouts.BatchResult](t, r).Batch
	if batch.Payments != 2 || batch.TotalCents != 15000 || batch.Status != payouts.BatchDraft {
		t.Fatalf("batch: %+v", batch)
	}
	bpath := sc.coop + "/payout-batches/" + batch.ID
	wantRule(t, as.call(t, "POST", sc.coop+"/payout-batches", accountant,
		map[string]any{"payableIds": []string{payableOf[ann.member.ID].ID}}), "payable_in_batch")
	// Not approved yet: no file; the maker cannot approve; a member cannot see it.
	wantRule(t, as.call(t, "GET", bpath+"/pain.001", accountant, nil), "batch_approved")
	wantRule(t, as.call(t, "POST", bpath+"/approve", accountant, nil), "four_eyes")
	wantProblem(t, as.call(t, "GET", bpath, ann.token(), nil), 403, cooperative.EFORBIDDEN)
	r = as.call(t, "POST", bpath+"/approve", board, nil)
	wantStatus(t, r, 200)

	// The file, in both versions, valid; it pays what the batch says.
	var file painFile
	for _, v := range []struct{ query, xsd string }{{"09", "pain.001.001.09.xsd"}, {"03", "pain.001.001.03.xsd"}} {
		r = as.call(t, "GET", bpath+"/pain.001?version="+v.query, accountant, nil)
		wantStatus(t, r, 200)
		xmllintValid(t, r.body, v.xsd)
		file = painFile{}
		if err := xml.Unmarshal(r.body, &file); err != nil {
			t.Fatal(err)
		}
		if file.NbOfTxs != "2" || file.CtrlSum != "150.00" || len(file.Txs) != 2 {
			t.Fatalf("version %s: %d payments, NbOfTxs %s, CtrlSum %s", v.query, len(file.Txs), file.NbOfTxs, file.CtrlSum)
		}
	}
	wantStatus(t, as.call(t, "POST", bpath+"/sent", accountant, nil), 200)
	if bal := sc.balances(t); bal[string(ledger.AccountPayoutsInTransit)] != -15000 {
		t.Fatalf("sent: %v", bal)
	}

	// The bank's statement, made from the file: both debited, bob's returned.
	var lines []camt053test.Line
	var bobsTransfer string
	booked := as.clock.Now().Add(24 * time.Hour)
	for _, tx := range file.Txs {
		cents := map[string]int64{"50.00": 5000, "100.00": 10000}[tx.Amount]
		lines = append(lines, camt053test.Line{AmountCents: cents, EndToEndID: tx.EndToEndID, Name: tx.Name, IBAN: tx.IBAN, BookedOn: booked})
		if cents == 10000 {
			bobsTransfer = tx.EndToEndID
			lines = append(lines, camt053test.Line{Credit: true, AmountCents: cents, EndToEndID: tx.EndToEndID, Name: tx.Name,
				IBAN: tx.IBAN, ReturnReason: "AC04", BookedOn: booked.Add(48 * time.Hour)})
		}
	}
	var stmt bytes.Buffer
	if err := camt053test.Write(&stmt, camt053test.Statement{MessageID: "STMT-PAYOUTS", StatementID: "STMT-PAYOUTS-1",
		IBAN: "NL91ABNA0417164300", Currency: "EUR", Created: booked.Add(72 * time.Hour), Lines: lines}); err != nil {
		t.Fatal(err)
	}
	xmllintValid(t, stmt.Bytes(), "camt.053.001.02.xsd")
	importStatement := func(token string, coop string) response {
		return as.do(t, "POST", coop+"/bank-statements", "application/xml", bytes.NewReader(stmt.Bytes()), "Authorization", "Bearer "+token)
	}
	r = importStatement(accountant, sc.coop)
	wantStatus(t, r, 200)
	if tally := decodeBody[bankimport.Result](t, r).Tally; tally.PayoutsPaid != 2 || tally.PayoutsReturned != 1 || tally.Review != 0 {
		t.Fatalf("tally: %+v", tally)
	}
	bal := sc.balances(t)
	if bal[string(ledger.AccountPayoutsInTransit)] != 0 || bal[string(ledger.AccountRefundsPayable)] != -10000 {
		t.Fatalf("after the statement: %v", bal)
	}
	r = as.call(t, "GET", sc.coop+"/members/"+bob.member.ID+"/payouts", bob.token(), nil)
	wantStatus(t, r, 200)
	bobs := decodeBody[page[payouts.PayableView]](t, r).Items
	if len(bobs) != 1 || bobs[0].Status != payouts.PayableOpen || bobs[0].Returns != 1 || !strings.Contains(bobs[0].LastReturn, "AC04") ||
		!strings.Contains(bobs[0].Waiting, "held") {
		t.Fatalf("bob's payouts: %+v", bobs)
	}
	r = as.call(t, "GET", sc.coop+"/members/"+ann.member.ID+"/payouts", ann.token(), nil)
	wantStatus(t, r, 200)
	if anns := decodeBody[page[payouts.PayableView]](t, r).Items; len(anns) != 1 || anns[0].Status != payouts.PayablePaid {
		t.Fatalf("ann's payouts: %+v", anns)
	}
	// Ann cannot read Bob's payouts.
	wantProblem(t, as.call(t, "GET", sc.coop+"/members/"+bob.member.ID+"/payouts", ann.token(), nil), 404, cooperative.ENOTFOUND)
	mails := as.mailsOf(t, notify.EventPayoutReturned)
	if len(mails) != 1 || mails[0].To != bob.member.Email || !strings.Contains(mails[0].Data["reason"], "AC04") {
		t.Fatalf("returned mails: %+v", mails)
	}
	r = as.call(t, "GET", bpath+"/payments?limit=10", accountant, nil)
	wantStatus(t, r, 200)
	for _, tr := range decodeBody[page[payouts.Transfer]](t, r).Items {
		want := payouts.TransferPaid
		if tr.ID == bobsTransfer {
			want = payouts.TransferReturned
		}
		if tr.Status != want {
			t.Fatalf("payment %s is %s, want %s", tr.ID, tr.Status, want)
		}
	}

	// Again: nothing changes.
	entries := len(sc.entries(t))
	r = importStatement(accountant, sc.coop)
	wantStatus(t, r, 200)
	if tally := decodeBody[bankimport.Result](t, r).Tally; tally.Duplicates != 3 || tally.PayoutsPaid != 0 {
		t.Fatalf("again: %+v", tally)
	}
	if len(sc.entries(t)) != entries {
		t.Fatal("importing the statement again posted")
	}

	// The same statement for another cooperative: its debits are not that cooperative's.
	other := newScenarioOn(t, as, "Zorgcoöperatie Zuid")
	before := len(ledgerEntries(t, as, other.coop, other.accountant()))
	wantRule(t, importStatement(other.accountant(), other.coop), "payout_other_cooperative")
	if len(ledgerEntries(t, as, other.coop, other.accountant())) != before {
		t.Fatal("a refused statement posted")
	}
	r = as.call(t, "GET", other.coop+"/payment-reviews", other.accountant(), nil)
	wantStatus(t, r, 200)
	if items := decodeBody[struct{ Items []payments.PaymentReview }](t, r).Items; len(items) != 0 {
		t.Fatalf("a refused statement queued %d items", len(items))
	}
}

// newScenarioOn adds a second cooperative, with its own board and accountant, to as.
func newScenarioOn(t *testing.T, as *authServer, name string) *scenario {
	t.Helper()
	admin := as.admin(t, "ops-"+cooperative.NewID()[:8]+"@kracht.test")
	id := as.newCooperative(t, admin, name)
	chair, treasurer := "chair-"+id[:8]+"@example.org", "treasurer-"+id[:8]+"@example.org"
	as.join(t, admin, id, chair, "board")
	sc := &scenario{as: as, id: id, coop: "/v1/cooperatives/" + id, chair: as.signIn(t, chair)}
	as.turnOnTOTP(t, sc.chair)
	as.join(t, sc.chair, id, treasurer, "accountant")
	sc.treasurer = as.signIn(t, treasurer)
	as.turnOnTOTP(t, sc.treasurer)
	return sc
}
