package handlers

import (
	"net/url"
	"strings"
	"testing"
)

func TestWebFrame(t *testing.T) {
	as := newAuthServer(t)
	admin := as.admin(t, "ops@kracht.test")
	as.newCooperative(t, admin, "Zonnepark De Kracht")
	c := as.webClient(t)

	home := c.get("/")
	if home.status != 200 || !strings.Contains(home.text(), "Zonnepark De Kracht") || !strings.Contains(home.body, `<html lang="nl">`) {
		t.Fatalf("home: %d %s", home.status, home.body)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options"} {
		if home.header.Get(h) == "" {
			t.Errorf("no %s", h)
		}
	}
	if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	// The language switch: remembered, and the page shown without the parameter.
	sw := c.do("GET", "/?lang=en", nil)
	if sw.status != 303 || sw.location != "/" {
		t.Fatalf("switch: %d %q", sw.status, sw.location)
	}
	if en := c.get("/"); !strings.Contains(en.body, `<html lang="en">`) || !strings.Contains(en.text(), "Cooperatives on Kracht") {
		t.Fatalf("english: %s", en.text())
	}
	// A page that does not exist is a page, in the reader's language, not JSON.
	nf := c.get("/no/such/page")
	if nf.status != 404 || !strings.Contains(nf.text(), "Not found") {
		t.Fatalf("404: %d %s", nf.status, nf.body)
	}
	if css := c.do("GET", "/static/kracht.css", nil); css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Fatalf("css: %d %s", css.status, css.header.Get("Content-Type"))
	}
	if api := as.do(t, "GET", "/v1/nothing", "", nil); api.status != 404 || api.problem.Status != 404 {
		t.Fatalf("the API keeps problem+json: %d %s", api.status, api.body)
	}
	// A form posted from elsewhere (no token, another origin) is refused and does nothing.
	bad := c.do("POST", "/logout", url.Values{"x": {"1"}}, "Origin", "https://evil.example")
	if bad.status != 403 {
		t.Fatalf("cross-site post: %d", bad.status)
	}
}
