package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/kracht-coop/kracht/cooperative"
)

// catalogue is every text of the pages, by key, in Dutch and English. It is read from
// messages/*.json (one file per group of pages); a key in two files, or without both
// languages, stops New.
type catalogue map[string]map[string]string

func loadCatalogue(fsys fs.FS) (catalogue, error) {
	files, err := fs.Glob(fsys, "messages/*.json")
	if err != nil {
		return nil, err
	}
	cat := catalogue{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var part catalogue
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for k, v := range part {
			if _, dup := cat[k]; dup {
				return nil, fmt.Errorf("%s: message %q is defined twice", f, k)
			}
			if v["nl"] == "" || v["en"] == "" {
				return nil, fmt.Errorf("%s: message %q needs both nl and en", f, k)
			}
			cat[k] = v
		}
	}
	return cat, nil
}

// text is the message key in lang, with args filled in (fmt verbs). A missing key
// shows as itself in brackets, which the tests look for.
func (c catalogue) text(lang, key string, args ...any) string {
	m, ok := c[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return m[lang]
	}
	return fmt.Sprintf(m[lang], args...)
}

// pages are the templates: each file of templates/pages with the layout and the
// partials, parsed once per language. A text that takes no argument ({{.T "key"}}) is
// written into the template as it is parsed, escaped, so a page does not look it up
// (and escape it) on every request: on a member's page they are most of the template's
// actions, and text/template calls each through reflection.
type pages struct{ byName map[string]*template.Template }

// staticText is {{.T "key"}} or {{$.T "key"}}: a text with no argument.
var staticText = regexp.MustCompile(`\{\{-?\s*\$?\.T\s+"([^"]+)"\s*-?\}\}`)

func loadPages(fsys fs.FS, funcs template.FuncMap, cat catalogue) (*pages, error) {
	names, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(fsys, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, lang := range []string{"nl", "en"} {
		for _, name := range names {
			t := template.New("layout.html").Funcs(funcs)
			for _, file := range append([]string{"templates/layout.html"}, append(partials, name)...) {
				src, err := fs.ReadFile(fsys, file)
				if err != nil {
					return nil, err
				}
				text := staticText.ReplaceAllStringFunc(string(src), func(action string) string {
					key := staticText.FindStringSubmatch(action)[1]
					if _, ok := cat[key]; !ok {
						return action // shown as [key] at run time, which the tests catch
					}
					return html.EscapeString(cat.text(lang, key))
				})
				tt := t
				if file != "templates/layout.html" {
					tt = t.New(path.Base(file))
				}
				if _, err := tt.Parse(text); err != nil {
					return nil, fmt.Errorf("%s: %w", file, err)
				}
			}
			p.byName[lang+"/"+strings.TrimSuffix(path.Base(name), ".html")] = t
		}
	}
	return p, nil
}

// view is what every template gets: the page's own data in Data, and the frame's.
type view struct {
	Lang  string
	Path  string
	CSRF  string
	Once  string
	Flash string
	// User is the signed-in account, nil for a visitor.
	User *viewUser
	// Title is the page's title key; PageTitle the <title>: that text, and the
	// cooperative's name on a page about one.
	Title     string
	PageTitle string
	Data      any
	Form      *form
	cat       catalogue
	zone      *time.Location
}

type viewUser struct {
	Email string
	MFA   bool
	TOTP  bool
}

// T is a text in the reader's language.
func (v view) T(key string, args ...any) string { return v.cat.text(v.Lang, key, args...) }

// Other is the language the switch offers.
func (v view) Other() string {
	if v.Lang == "nl" {
		return "en"
	}
	return "nl"
}

// Money writes cents as euros in the reader's language: "€ 1.250,00" or "€1,250.00".
// The euro sign and the amount are kept together (a no-break space).
func (v view) Money(cents int64) string {
	return strings.ReplaceAll(cooperative.FormatEuro(cents, v.Lang), " ", "\u00a0")
}

// Date writes a date the way the reader's language does: "27 november 2026" or
// "27 November 2026". It takes a cooperative.Date, a "2006-01-02" string or a time
// (shown in Europe/Amsterdam).
func (v view) Date(d any) string {
	t, ok := v.instant(d)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d %s %d", t.Day(), v.month(t.Month()), t.Year())
}

// DateTime is a moment in Europe/Amsterdam: "27 november 2026, 14:05".
func (v view) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(v.zone)
	return fmt.Sprintf("%s, %02d:%02d", v.Date(t), t.Hour(), t.Minute())
}

func (v view) instant(d any) (time.Time, bool) {
	switch d := d.(type) {
	case cooperative.Date:
		if d == "" {
			return time.Time{}, false
		}
		return d.Time(), true
	case string:
		t, err := time.Parse("2006-01-02", d)
		return t, err == nil
	case time.Time:
		return d.In(v.zone), !d.IsZero()
	case *time.Time:
		if d == nil {
			return time.Time{}, false
		}
		return d.In(v.zone), !d.IsZero()
	}
	return time.Time{}, false
}

func (v view) month(m time.Month) string {
	if v.Lang == "nl" {
		return [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
			"september", "oktober", "november", "december"}[m-1]
	}
	return m.String()
}

// Number writes a whole number with the reader's thousands separator.
func (v view) Number(n int64) string { return cooperative.GroupThousands(n, v.Lang) }

// IBAN writes an account number the way it is printed on paper, in groups of four:
// "NL91 ABNA 0417 1643 00". Spaces typed by anyone are dropped first.
func (v view) IBAN(s string) string { return groupsOfFour(s) }

// RF writes a creditor reference in groups of four, "RF33 K026 5565 2254 8705": easier
// to read over and type; banking apps accept the spaces.
func (v view) RF(s string) string { return groupsOfFour(s) }

func groupsOfFour(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	var b strings.Builder
	for i, r := range []rune(s) {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Value is a field's value as posted (re-shown after an error), "" otherwise.
func (v view) Value(name string) string {
	if v.Form == nil {
		return ""
	}
	return v.Form.Values[name]
}

// ErrorFor is the message beside a field, "" when it is fine.
func (v view) ErrorFor(name string) string {
	if v.Form == nil {
		return ""
	}
	return v.Form.Errors[name]
}

func (w *Web) funcs() template.FuncMap {
	return template.FuncMap{
		// dict builds a map for a partial: {{template "field" dict "v" . "name" "email"}}.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict needs pairs")
			}
			m := map[string]any{}
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict keys are strings")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"add": func(a, b int) int { return a + b },
	}
}

// form is a posted form: what was typed (shown again) and what is wrong with it, per
// field, with Error for what belongs to no field.
type form struct {
	Values map[string]string
	Errors map[string]string
	Error  string
}

func newForm() *form { return &form{Values: map[string]string{}, Errors: map[string]string{}} }

// Invalid says whether anything is wrong.
func (f *form) Invalid() bool { return len(f.Errors) > 0 || f.Error != "" }

// page is what a handler renders: the template, its title key, its data and form.
type page struct {
	Name   string
	Title  string
	Data   any
	Form   *form
	Status int
}

// render writes a page in the reader's language.
func (req *request) render(p page) error {
	t, ok := req.w.pages.byName[req.lang+"/"+p.Name]
	if !ok {
		return fmt.Errorf("web: no page %q", p.Name)
	}
	v := view{Lang: req.lang, Path: req.c.Path(), CSRF: req.csrf, Once: req.once(), Flash: req.flash,
		Title: p.Title, Data: p.Data, Form: p.Form, cat: req.w.msgs, zone: req.w.zone}
	v.PageTitle = v.T(p.Title)
	if c, ok := p.Data.(interface{ coopName() string }); ok && c.coopName() != "" {
		v.PageTitle += " · " + c.coopName()
	}
	if req.user != nil {
		v.User = &viewUser{Email: req.user.Email, MFA: req.user.MFA, TOTP: req.user.TOTPEnabled}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("web: page %s: %w", p.Name, err)
	}
	status := p.Status
	if status == 0 {
		status = fiber.StatusOK
		if p.Form != nil && p.Form.Invalid() {
			status = fiber.StatusUnprocessableEntity
		}
	}
	req.c.Status(status)
	req.c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return req.c.Send(buf.Bytes())
}
