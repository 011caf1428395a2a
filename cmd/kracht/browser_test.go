package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests: people using the pages in Chromium (headless, through the DevTools
// protocol), against the real service. After every page a scenario visits, axe-core
// checks it (serious and critical violations fail) and, when KRACHT_SCREENSHOTS names a
// folder, the page is photographed at phone and desktop width.
//
//	go test -run TestBrowser -v ./cmd/kracht/
//
// Chromium is Debian's package chromium (/usr/bin/chromium); KRACHT_CHROMIUM names
// another binary.

//go:embed testdata/axe-core/axe.min.js
var axeSource string

// chromiumPath finds Chromium: missing, the test fails (CI must not skip it silently),
// except with -short.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("KRACHT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if testing.Short() {
		t.Skip("no Chromium (-short)")
	}
	t.Fatal("no Chromium: install Debian's package chromium (apt-get install chromium), or set KRACHT_CHROMIUM")
	return ""
}

// newBrowser starts one headless Chromium for the whole test.
func newBrowser(t *testing.T) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 800))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // starts the browser, without a timeout
		cancel()
		cancelAlloc()
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return bctx
}

// tab is one person's browser: its own browser context (cookies), one tab.
type tab struct {
	t        *testing.T
	s        *stand
	ctx      context.Context
	scenario string
	step     int
	status   int64 // the HTTP status of the last page loaded
}

// stepTimeout bounds one action: generous, for two cores under -race.
const stepTimeout = 45 * time.Second

func newTab(t *testing.T, browser context.Context, s *stand, scenario string) *tab {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &tab{t: t, s: s, ctx: ctx, scenario: scenario}
	// The first run opens the tab and must not have a timeout: its end would close the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: opening a tab: %v", scenario, err)
	}
	// DevTools evaluation runs under the page's CSP for fetch(); the test's own scripts
	// (axe, reading a download) are not the page's.
	b.do("open the tab", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	}), chromedp.EmulateViewport(1280, 800))
	return b
}

// do runs actions within stepTimeout; a failure names the scenario, the step and the page.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s (at %s): %v", b.scenario, what, b.location(), err)
	}
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// eval evaluates a JavaScript expression (a promise is awaited) and decodes its value.
func eval[T any](b *tab, what, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: %s (at %s): %v", b.scenario, what, b.location(), err)
	}
	return v
}

// open loads path, wants the status, and checks the page (axe, screenshots).
func (b *tab) open(step, path string, want int64) {
	b.t.Helper()
	b.load(step, want, func(ctx context.Context) (*int64, error) {
		res, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.s.base+path))
		if err != nil {
			return nil, err
		}
		return &res.Status, nil
	})
}

// submit fills the form whose action is action (a path; "" for the first form with
// fields[first key]) and presses its submit button; the page it leads to must have the
// status want (303s followed).
func (b *tab) submit(step, action string, fields map[string]string, want int64) {
	b.t.Helper()
	b.fill(action, fields)
	sel := `form[action="` + action + `"] button:not([type=button])`
	b.load(step, want, func(ctx context.Context) (*int64, error) {
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err != nil {
			return nil, err
		}
		return &res.Status, nil
	})
}

func (b *tab) load(step string, want int64, nav func(ctx context.Context) (*int64, error)) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	from := b.location()
	status, err := nav(ctx)
	if err != nil {
		b.t.Fatalf("%s: %s (from %s): %v", b.scenario, step, from, err)
	}
	b.status = *status
	if b.status != want {
		b.t.Fatalf("%s: %s: %s answered %d, want %d; the page says:\n%s", b.scenario, step, b.location(), b.status, want, b.text())
	}
	b.check(step)
}

// fill sets the fields of the form with the given action by name: text-like inputs,
// selects and textareas get the value; a radio button group checks the button with that
// value; a checkbox is checked when the value is not "". A name missing from the form
// fails, listing the names the form has.
func (b *tab) fill(action string, fields map[string]string) {
	b.t.Helper()
	if fields == nil {
		fields = map[string]string{}
	}
	j, _ := json.Marshal(fields)
	missing := eval[string](b, "fill the form "+action, `(() => {
		const form = document.querySelector('form[action="`+action+`"]');
		if (!form) return "no form with action `+action+`; forms here: " +
			[...document.forms].map(f => f.getAttribute("action")).join(", ");
		const fields = `+string(j)+`, missing = [];
		for (const [name, value] of Object.entries(fields)) {
			const els = [...form.elements].filter(e => e.name === name);
			if (els.length === 0) { missing.push(name); continue; }
			for (const e of els) {
				if (e.type === "radio") e.checked = e.value === value;
				else if (e.type === "checkbox") e.checked = value !== "";
				else e.value = value;
			}
		}
		return missing.length ? "no field named " + missing.join(", ") + "; the form has: " +
			[...new Set([...form.elements].map(e => e.name).filter(n => n))].join(", ") : "";
	})()`)
	if missing != "" {
		b.t.Fatalf("%s: at %s: %s", b.scenario, b.location(), missing)
	}
}

// text is what the page says (its main text, for messages).
func (b *tab) text() string {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	// Amounts keep "€" and the number together with a no-break space; read as a space.
	return strings.ReplaceAll(s, "\u00a0", " ")
}

// wantText fails unless the page says each of the texts.
func (b *tab) wantText(step string, texts ...string) {
	b.t.Helper()
	page := b.text()
	for _, s := range texts {
		if !strings.Contains(page, s) {
			b.t.Fatalf("%s: %s: %s does not say %q; it says:\n%s", b.scenario, step, b.location(), s, page)
		}
	}
}

// fieldError is the message beside a form field (the field partial's #e-<name>), "" if none.
func (b *tab) fieldError(name string) string {
	return eval[string](b, "read the message beside "+name,
		`(() => { const e = document.getElementById("e-`+name+`"); return e ? e.innerText : ""; })()`)
}

// fetch downloads path with the tab's cookies and returns the status, the content type
// and the first n bytes as text.
func (b *tab) fetch(path string, n int) (status int, contentType, head string) {
	b.t.Helper()
	type download struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Head   string `json:"head"`
	}
	r := eval[download](b, "fetch "+path, fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(async r => ({status: r.status,
		type: r.headers.get("content-type") || "", head: String.fromCharCode(...new Uint8Array(await r.arrayBuffer()).slice(0, %d))}))`, path, n))
	return r.Status, r.Type, r.Head
}

// ---- After every page: accessibility and screenshots ----

func (b *tab) check(step string) {
	b.t.Helper()
	b.step++
	b.axe(step)
	b.screenshots(step)
}

type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axe runs axe-core on the page and fails on serious and critical violations.
func (b *tab) axe(step string) {
	b.t.Helper()
	if !eval[bool](b, "load axe-core", `typeof axe !== "undefined"`) {
		eval[bool](b, "load axe-core", axeSource+"\n;true")
	}
	found := eval[[]axeViolation](b, "run axe-core", `axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			targets: v.nodes.map(n => n.target.join(" "))})))`)
	var bad []string
	for _, v := range found {
		line := fmt.Sprintf("  %s (%s): %s — %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "; "))
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, line)
		} else {
			b.t.Logf("%s: %s: axe (not failing): %s", b.scenario, step, line)
		}
	}
	if len(bad) > 0 {
		b.t.Errorf("%s: %s: %s has accessibility violations:\n%s", b.scenario, step, b.location(), strings.Join(bad, "\n"))
	}
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// screenshots photographs the whole page at 390 (phone) and 1280 px wide into
// $KRACHT_SCREENSHOTS/<scenario>-<step>-<width>.png, when that is set.
func (b *tab) screenshots(step string) {
	b.t.Helper()
	dir := os.Getenv("KRACHT_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	name := fmt.Sprintf("%s-%02d-%s", unsafeName.ReplaceAllString(strings.ToLower(b.scenario), "-"), b.step,
		strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(step), "-"), "-"))
	for _, size := range [][2]int64{{390, 844}, {1280, 800}} {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1]))
		var png []byte
		if err == nil {
			png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		}
		cancel()
		if err != nil {
			b.t.Fatalf("%s: screenshot of %s: %v", b.scenario, step, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, size[0])), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}
