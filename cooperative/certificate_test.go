package cooperative_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

// certText reads a certificate back with pdftotext (poppler-utils; CI installs it): the
// text is set in an embedded font, so only a real reader proves what a member sees.
// Runs of white space are folded to one space.
func certText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext (poppler-utils) is needed to read certificates back")
	}
	path := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if dir := os.Getenv("KRACHT_CERTIFICATE_SAMPLES"); dir != "" { // to look at them
		_ = os.WriteFile(filepath.Join(dir, t.Name()[strings.LastIndex(t.Name(), "/")+1:]+".pdf"), pdf, 0o644)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

func wantTexts(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("certificate lacks %q:\n%s", w, text)
		}
	}
}

// TestCertificates: a Dutch and an English member, a name outside Windows-1252, a share
// premium, then a transfer: the old issuance certificate is superseded and the holdings
// certificate shows what each holds now, on the date it speaks for.
func TestCertificates(t *testing.T) {
	f := newFixture(t, membership.AllocationProRata)
	if err := f.store.Update(f.ctx, func(tx cooperative.Tx) error {
		_, err := cooperative.SetAbout(tx, board, f.coop.ID, cooperative.About{Street: "Zonnelaan 4", Postcode: "9712 CD",
			City: "Groningen"}, f.clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	app := f.application("Łukasz Wąsowski")
	app.Language = "en"
	lukasz, err := f.members.Apply(f.ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if lukasz, err = f.members.Approve(f.ctx, board, f.coop.ID, lukasz.ID); err != nil {
		t.Fatal(err)
	}
	anna := f.member("Anna de Vries") // Dutch
	// €62.50 a share of nominal €50: €12.50 premium.
	o := f.offering("A", 6250, 20)
	sl, sa := f.buy(o, lukasz, 8), f.buy(o, anna, 4)
	f.clock.Advance(24 * time.Hour)
	if _, err := f.reg.CloseOffering(f.ctx, board, f.coop.ID, o.ID); err != nil {
		t.Fatal(err)
	}
	issueDay := f.clock.Today() // 4 March 2025

	certOf := func(id string) (shares.Certificate, string) {
		t.Helper()
		c, err := f.reg.GetCertificate(f.ctx, f.coop.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := c.PDF()
		if err != nil {
			t.Fatal(err)
		}
		return c, certText(t, pdf)
	}
	cl, text := certOf(sl.ID)
	wantTexts(t, text, "Energie Noord", "Zonnelaan 4 · 9712 CD Groningen", "Registered in the trade register under number 12345678",
		"SHARE CERTIFICATE", "No. "+cl.Number, "Łukasz Wąsowski", "member number 1",
		"was entered in the share register on 4 March 2025", "Member share (A)", "1–8", "€400.00", "€500.00",
		"Chair", "Secretary", "Groningen, 4 March 2025")
	if cl.Superseded || strings.Contains(text, "Superseded") || strings.Contains(text, "Aandeelbewijs") {
		t.Errorf("a current issuance certificate: %s", text)
	}
	ca, text := certOf(sa.ID)
	wantTexts(t, text, "AANDEELBEWIJS", "Nr. "+ca.Number, "Anna de Vries", "lidnummer 2",
		"op 4 maart 2025 in het register van aandelen is ingeschreven", "9–12", "€ 200,00", "€ 250,00", "Voorzitter", "Secretaris")
	if strings.Contains(text, "Share certificate") || cl.Number == ca.Number || !regexp.MustCompile(`^\d{4,}$`).MatchString(ca.Number) {
		t.Errorf("numbers %q %q; text %s", cl.Number, ca.Number, text)
	}
	if again, _ := certOf(sa.ID); again.Number != ca.Number {
		t.Errorf("the number changed: %q then %q", ca.Number, again.Number)
	}

	// Łukasz passes 3 shares (1–3) to Anna.
	f.clock.Advance(5 * 24 * time.Hour)
	if _, err := f.reg.Transfer(f.ctx, board, shares.TransferRequest{CooperativeID: f.coop.ID, From: lukasz.ID, To: anna.ID,
		Class: "A", Shares: 3}); err != nil {
		t.Fatal(err)
	}
	if c, text := certOf(sl.ID); !c.Superseded || !strings.Contains(text, "Superseded: Łukasz Wąsowski no longer holds all of these shares") {
		t.Errorf("the old certificate is not superseded: %s", text)
	}
	if c, _ := certOf(sa.ID); c.Superseded { // Anna gained shares; hers still hold
		t.Error("a certificate whose shares are all still held is superseded")
	}

	holdings := func(memberID string, date cooperative.Date) (shares.Certificate, string) {
		t.Helper()
		c, err := f.reg.GetHoldingsCertificate(f.ctx, f.coop.ID, memberID, date)
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := c.PDF()
		if err != nil {
			t.Fatal(err)
		}
		return c, certText(t, pdf)
	}
	now := f.clock.Today() // 9 March 2025
	hl, text := holdings(lukasz.ID, now)
	wantTexts(t, text, "Łukasz Wąsowski", "is entered in the share register on 9 March 2025 as the holder of", "4–8", "€250.00", "€312.50")
	ha, text := holdings(anna.ID, now)
	wantTexts(t, text, "op 9 maart 2025 in het register van aandelen staat ingeschreven", "1–3, 9–12", "€ 350,00", "€ 437,50")
	if hl.Number == ha.Number || !strings.HasSuffix(ha.Number, "-2") || hl.Superseded {
		t.Errorf("holdings numbers %q %q", hl.Number, ha.Number)
	}
	// On the day of issue, before the transfer: what he held then, under that day's number.
	old, text := holdings(lukasz.ID, issueDay)
	wantTexts(t, text, "on 4 March 2025", "1–8", "€400.00", "€500.00")
	if old.Number == hl.Number {
		t.Errorf("the holdings before and after the transfer share number %q", old.Number)
	}

	// Nothing held, an invalid date, a date to come: refused, not rendered.
	_, err = f.reg.GetHoldingsCertificate(f.ctx, f.coop.ID, anna.ID, "2025-03-01")
	wantRule(t, err, cooperative.ERULE, "shares_held")
	for _, d := range []cooperative.Date{"2025-13-01", "2025-03-10"} {
		if _, err := f.reg.GetHoldingsCertificate(f.ctx, f.coop.ID, anna.ID, d); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("%s: %v", d, err)
		}
	}
}
