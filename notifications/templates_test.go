package notifications_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/notifications"
)

// sampleData fills every field an event declares, required and optional.
func sampleData(spec notify.NotificationSpec) map[string]string {
	data := map[string]string{}
	for _, f := range append(append([]string{}, spec.Fields...), spec.Optional...) {
		data[f] = "sample-" + f
	}
	return data
}

// TestEveryEventHasEveryTemplate renders each event of the catalogue in each language,
// with all of its fields and with only the required ones (missingkey=error makes any
// field a template uses but the event does not declare fail here).
func TestEveryEventHasEveryTemplate(t *testing.T) {
	r := renderer(t)
	for _, spec := range notify.NotificationEvents() {
		for _, lang := range notify.NotificationLanguages() {
			full := sampleData(spec)
			required := map[string]string{}
			for _, f := range spec.Fields {
				required[f] = full[f]
			}
			for _, data := range []map[string]string{full, required} {
				n := notify.Notification{ID: cooperative.NewID(), Event: spec.Event, Language: lang, To: "a@example.org", Data: data}
				out, err := r.Render(n, "https://kracht.test/unsubscribe?token=x")
				if err != nil {
					t.Fatalf("%s/%s: %v", lang, spec.Event, err)
				}
				if out.Subject == "" || strings.ContainsAny(out.Subject, "\r\n") || out.Text == "" || !strings.Contains(out.HTML, "</html>") {
					t.Fatalf("%s/%s: incomplete: %+v", lang, spec.Event, out)
				}
			}
			// Every field the event declares is used, so no detail the caller provides is
			// lost in one of the languages.
			src, err := fsReadFile(notifications.Templates(), lang+"/"+string(spec.Event)+".tmpl")
			if err != nil {
				t.Fatal(err)
			}
			for f := range full {
				if !strings.Contains(string(src), ".Data."+f) {
					t.Errorf("%s/%s does not use %q", lang, spec.Event, f)
				}
			}
		}
	}
}

// TestDutchAndEnglishDiffer guards against a language folder copied without translating.
func TestDutchAndEnglishDiffer(t *testing.T) {
	r := renderer(t)
	for _, spec := range notify.NotificationEvents() {
		out := map[string]notifications.Rendered{}
		for _, lang := range notify.NotificationLanguages() {
			var err error
			out[lang], err = r.Render(notify.Notification{Event: spec.Event, Language: lang, Data: sampleData(spec)}, "")
			if err != nil {
				t.Fatal(err)
			}
		}
		if out["nl"].Subject == out["en"].Subject || out["nl"].Text == out["en"].Text {
			t.Errorf("%s: Dutch and English are the same", spec.Event)
		}
	}
}

// TestHTMLIsEscaped: values from members go into HTML escaped, links are checked for
// their scheme, and the plain text keeps them as written.
func TestHTMLIsEscaped(t *testing.T) {
	r := renderer(t)
	n := notify.Notification{Event: notify.EventApplicationApproved, Language: "en",
		ToName: `Anne <script>alert("x")</script>`,
		Data:   map[string]string{"cooperative": "Wind & Zon", "member_number": "7", "link": "javascript:alert(1)"}}
	out, err := r.Render(n, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.HTML, "<script>") || !strings.Contains(out.HTML, "Anne &lt;script&gt;") ||
		!strings.Contains(out.HTML, "Wind &amp; Zon") || strings.Contains(out.HTML, `href="javascript:`) {
		t.Errorf("HTML not escaped:\n%s", out.HTML)
	}
	if !strings.Contains(out.Text, `Dear Anne <script>alert("x")</script>,`) || !strings.Contains(out.Subject, "Wind & Zon") {
		t.Errorf("plain text altered:\n%s", out.Text)
	}
}

// TestRendererRefusesIncompleteTemplates: a missing part, a missing language file or a
// file for an event that does not exist stops start-up.
func TestRendererRefusesIncompleteTemplates(t *testing.T) {
	base := fstest.MapFS{}
	src := notifications.Templates()
	for _, name := range []string{"layout.tmpl", "nl/_footer.tmpl", "en/_footer.tmpl"} {
		b, err := fsReadFile(src, name)
		if err != nil {
			t.Fatal(err)
		}
		base[name] = &fstest.MapFile{Data: b}
	}
	for _, spec := range notify.NotificationEvents() {
		for _, lang := range notify.NotificationLanguages() {
			name := lang + "/" + string(spec.Event) + ".tmpl"
			b, err := fsReadFile(src, name)
			if err != nil {
				t.Fatal(err)
			}
			base[name] = &fstest.MapFile{Data: b}
		}
	}
	if _, err := notifications.NewRenderer(base); err != nil {
		t.Fatalf("a copy of the built-in templates: %v", err)
	}
	for name, change := range map[string]func(fstest.MapFS){
		"missing file": func(f fstest.MapFS) { delete(f, "en/password_reset.tmpl") },
		"missing part": func(f fstest.MapFS) {
			f["nl/password_reset.tmpl"] = &fstest.MapFile{Data: []byte(`{{define "subject"}}x{{end}}{{define "text"}}x{{end}}`)}
		},
		"unknown event": func(f fstest.MapFS) { f["nl/aplication_approved.tmpl"] = &fstest.MapFile{Data: []byte(`x`)} },
		"syntax error": func(f fstest.MapFS) {
			f["en/_footer.tmpl"] = &fstest.MapFile{Data: []byte(`{{define "footer_text"}}{{.Name}`)}
		},
	} {
		f := fstest.MapFS{}
		for k, v := range base {
			f[k] = v
		}
		change(f)
		if _, err := notifications.NewRenderer(f); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestSubscriptionWithdrawnRenders: the withdrawal mail in both languages says who
// withdrew it (the board with its reason), and how the money comes back: through the
// payment provider, by bank transfer, or not at all when nothing was paid, in both the
// plain text and the HTML.
func TestSubscriptionWithdrawnRenders(t *testing.T) {
	r := renderer(t)
	type phrases struct{ member, board, online, transfer, nothing string }
	say := map[string]phrases{
		"en": {"You withdrew it yourself", "The board of Energie Noord withdrew it", "through the payment provider",
			"by bank transfer", "nothing to refund"},
		"nl": {"Je hebt de inschrijving zelf ingetrokken", "Het bestuur van Energie Noord heeft de inschrijving ingetrokken",
			"via de betaaldienst", "per bankoverschrijving", "niets terug te betalen"},
	}
	for lang, p := range say {
		amount := cooperative.FormatEuro(20000, lang)
		for name, tc := range map[string]struct {
			by, reason, refundKey string
			want                  []string
		}{
			"member, nothing paid": {"member", "", "", []string{p.member, p.nothing}},
			"board, paid online":   {"board", "Not a resident.", "refund_online", []string{p.board, "Not a resident.", p.online}},
			"board, paid by bank":  {"board", "Not a resident.", "refund_transfer", []string{p.board, p.transfer}},
			"member, paid by bank": {"member", "", "refund_transfer", []string{p.member, p.transfer}},
		} {
			data := map[string]string{"cooperative": "Energie Noord", "offering": "Member share", "shares": "4",
				"amount": amount, "withdrawn_by": tc.by}
			if tc.reason != "" {
				data["reason"] = tc.reason
			}
			if tc.refundKey != "" {
				data[tc.refundKey] = amount
			}
			out, err := r.Render(notify.Notification{Event: notify.EventSubscriptionWithdrawn, Language: lang,
				ToName: "Anna", Data: data}, "")
			if err != nil {
				t.Fatalf("%s, %s: %v", lang, name, err)
			}
			all := []string{p.member, p.board, p.online, p.transfer, p.nothing}
			for _, body := range []string{out.Text, out.HTML} {
				for _, s := range append([]string{"Anna", "4 × Member share", amount}, tc.want...) {
					if !strings.Contains(body, s) {
						t.Errorf("%s, %s: %q missing from\n%s", lang, name, s, body)
					}
				}
				for _, s := range all {
					if !slices.Contains(tc.want, s) && strings.Contains(body, s) {
						t.Errorf("%s, %s: %q should not be in\n%s", lang, name, s, body)
					}
				}
			}
		}
	}
}
