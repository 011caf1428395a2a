package notifications

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	texttemplate "text/template"

	"github.com/kracht-coop/kracht/cooperative/notify"
)

// templateFiles are the built-in templates. A go:embed variable must live at package
// level; it is read-only data, never state. The files are named one by one because a
// directory pattern would leave out _footer.tmpl.
//
//go:embed templates/README.md templates/layout.tmpl templates/*/*.tmpl
var templateFiles embed.FS

// Templates returns the built-in templates, laid out as templates/README.md describes.
func Templates() fs.FS {
	sub, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		panic(err) // the directory is embedded above; it cannot be missing
	}
	return sub
}

// Rendered is one mail's content in its language.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// Renderer turns a notification into its subject, plain text and HTML. The text parts go
// through text/template (no escaping: it is plain text) and the HTML through
// html/template, which escapes every value for where it stands (text, attribute, URL),
// so a member's name or a rejection reason cannot inject markup.
type Renderer struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// NewRenderer parses every template in fsys (Templates(), or a translator's copy on disk)
// and checks it is complete: every event of the catalogue in every language, each with a
// subject, a text and an HTML part, and no file for an event that does not exist (a
// misspelt name would otherwise be ignored in silence). Failing here, at start-up, is
// better than failing at the first mail.
func NewRenderer(fsys fs.FS) (*Renderer, error) {
	r := &Renderer{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	layout, err := fs.ReadFile(fsys, "layout.tmpl")
	if err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	events := map[string]bool{}
	for _, spec := range notify.NotificationEvents() {
		events[string(spec.Event)] = true
	}
	for _, lang := range notify.NotificationLanguages() {
		footerName := path.Join(lang, "_footer.tmpl")
		footer, err := fs.ReadFile(fsys, footerName)
		if err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		entries, err := fs.ReadDir(fsys, lang)
		if err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".tmpl")
			if ok && !strings.HasPrefix(name, "_") && !events[name] {
				return nil, fmt.Errorf("mail templates: %s/%s is not an event of the catalogue", lang, e.Name())
			}
		}
		for _, spec := range notify.NotificationEvents() {
			name := path.Join(lang, string(spec.Event)+".tmpl")
			src, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("mail templates: %s %s: %w", lang, spec.Event, err)
			}
			// missingkey=error: a template asking for data the event does not carry is a
			// bug to surface, not an empty string to mail.
			t := texttemplate.New("mail").Option("missingkey=error")
			h := htmltemplate.New("mail").Option("missingkey=error")
			for _, f := range []struct {
				name string
				src  []byte
			}{{"layout.tmpl", layout}, {footerName, footer}, {name, src}} {
				if _, err := t.New(f.name).Parse(string(f.src)); err != nil {
					return nil, fmt.Errorf("mail templates: %w", err)
				}
				if _, err := h.New(f.name).Parse(string(f.src)); err != nil {
					return nil, fmt.Errorf("mail templates: %w", err)
				}
			}
			for _, part := range []string{"subject", "text", "footer_text"} {
				if t.Lookup(part) == nil {
					return nil, fmt.Errorf("mail templates: %s has no %q part", name, part)
				}
			}
			for _, part := range []string{"html", "footer_html", "layout_html"} {
				if h.Lookup(part) == nil {
					return nil, fmt.Errorf("mail templates: %s has no %q part", name, part)
				}
			}
			r.text[templateKey(lang, spec.Event)] = t
			r.html[templateKey(lang, spec.Event)] = h
		}
	}
	return r, nil
}

func templateKey(lang string, e notify.NotificationEvent) string { return lang + "/" + string(e) }

// templateView is what a template sees; templates/README.md documents it for translators.
type templateView struct {
	Name           string
	Data           map[string]string
	UnsubscribeURL string
	Language       string
}

// Render writes n in its language. unsubscribeURL is empty for mandatory mails.
func (r *Renderer) Render(n notify.Notification, unsubscribeURL string) (Rendered, error) {
	key := templateKey(n.Language, n.Event)
	t, h := r.text[key], r.html[key]
	spec, ok := n.Event.Spec()
	if t == nil || h == nil || !ok {
		return Rendered{}, fmt.Errorf("no template for %s", key)
	}
	data := make(map[string]string, len(spec.Fields)+len(spec.Optional))
	for _, f := range spec.Optional {
		data[f] = "" // absent optional fields read as empty, so {{with}} works on them
	}
	for k, v := range n.Data {
		data[k] = v
	}
	view := templateView{Name: n.ToName, Data: data, UnsubscribeURL: unsubscribeURL, Language: n.Language}
	exec := func(name string) (string, error) {
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, name, view); err != nil {
			return "", fmt.Errorf("render %s: %w", key, err)
		}
		return strings.TrimSpace(b.String()), nil
	}
	subject, err := exec("subject")
	if err != nil {
		return Rendered{}, err
	}
	body, err := exec("text")
	if err != nil {
		return Rendered{}, err
	}
	footer, err := exec("footer_text")
	if err != nil {
		return Rendered{}, err
	}
	var html bytes.Buffer
	if err := h.ExecuteTemplate(&html, "layout_html", view); err != nil {
		return Rendered{}, fmt.Errorf("render %s: %w", key, err)
	}
	return Rendered{
		// One line, whatever the template's layout: a header cannot hold a line break.
		Subject: strings.Join(strings.Fields(subject), " "),
		// "-- " is the signature separator mail programs recognise.
		Text: body + "\n\n-- \n" + footer + "\n",
		HTML: html.String(),
	}, nil
}
