package handlers

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pdfWords reads a PDF back with pdftotext (poppler-utils; CI installs it), white space
// folded: certificates are set in an embedded font, so only a reader sees their text.
func pdfWords(t *testing.T, pdf string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(path, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils): %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// TestCurrentHoldingsCertificate: Ann (Dutch) holds 4–7; after the board transfers one
// share to Bob, her certificate of today (the dashboard's link, and the API) shows 5–7,
// her issuance certificate says it is superseded, and Bob's shows the share he got.
func TestCurrentHoldingsCertificate(t *testing.T) {
	f := newPortalFixture(t)
	as, coop, sc := f.sc.as, f.sc.id, f.sc
	c := as.webClient(t)
	portalSignIn(t, as, c, f.ann)
	if p := c.get("/c/" + coop + "/me"); !strings.Contains(p.body, `href="/c/`+coop+`/me/certificate.pdf" download`) {
		t.Fatal("the dashboard lacks the link to the certificate of today")
	}
	cur := c.do("GET", "/c/"+coop+"/me/certificate.pdf", nil)
	if text := pdfWords(t, cur.body); cur.status != 200 || !strings.Contains(text, "AANDEELBEWIJS") ||
		!strings.Contains(text, "Ann de Vries") || !strings.Contains(text, "4–7") || !strings.Contains(text, "€ 200,00") {
		t.Fatalf("Ann's certificate: %d %s", cur.status, text)
	}

	sc.chair = as.signInMFA(t, sc.chair)
	wantStatus(t, as.call(t, "POST", sc.coop+"/transfers", sc.board(),
		map[string]any{"from": f.annM.ID, "to": f.bobM.ID, "class": "A", "shares": 1}), 201)

	cur = c.do("GET", "/c/"+coop+"/me/certificate.pdf", nil)
	if text := pdfWords(t, cur.body); cur.status != 200 || !strings.Contains(text, "5–7") || strings.Contains(text, "4–7") ||
		!strings.Contains(text, "€ 150,00") {
		t.Fatalf("Ann's certificate after the transfer: %d %s", cur.status, text)
	}
	old := c.do("GET", "/c/"+coop+"/me/certificate.pdf?subscription="+f.paid.ID, nil)
	if text := pdfWords(t, old.body); old.status != 200 || !strings.Contains(text, "Vervallen: Ann de Vries houdt niet meer al deze aandelen") {
		t.Fatalf("Ann's issuance certificate after the transfer: %d %s", old.status, text)
	}

	// The API: Bob's own, and the board's copy of it; a day to come is the client's mistake.
	path := sc.coop + "/members/" + f.bobM.ID + "/certificate.pdf"
	for _, token := range []string{f.bob.tokens.AccessToken, sc.board()} {
		r := as.call(t, "GET", path, token, nil)
		wantStatus(t, r, 200)
		if text := pdfWords(t, string(r.body)); !strings.Contains(text, "Bob Bakker") || !strings.Contains(text, "1–4") {
			t.Fatalf("Bob's certificate: %s", text)
		}
	}
	if r := as.call(t, "GET", path+"?date=2999-01-01", sc.board(), nil); r.status/100 != 4 {
		t.Fatalf("a day to come: %d", r.status)
	}
}
