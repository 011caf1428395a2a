package handlers

import (
	"regexp"
	"strings"
	"testing"
)

// TestDocsPageIsSelfContained checks that /docs works without internet: the page loads
// only assets this server serves, each with its content type and a long cache, and its
// Content-Security-Policy allows nothing from elsewhere.
func TestDocsPageIsSelfContained(t *testing.T) {
	ts := newTestServer(t)
	page := ts.do(t, "GET", "/docs", "", nil)
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %q", page.status, page.header.Get("Content-Type"))
	}
	body := string(page.body)
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, "//unpkg") {
		t.Errorf("/docs refers to another origin:\n%s", body)
	}
	csp := page.header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d+";") && !strings.HasSuffix(csp, d) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") || strings.Contains(csp, "*") {
		t.Errorf("Content-Security-Policy %q allows more than this server", csp)
	}
	if !strings.Contains(body, `apiDescriptionUrl="/openapi.json"`) {
		t.Errorf("/docs does not point at /openapi.json:\n%s", body)
	}
	if r := ts.do(t, "GET", "/openapi.json", "", nil); r.status != 200 {
		t.Errorf("/openapi.json: %d", r.status)
	}

	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1)
	want := map[string]string{".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
	seen := map[string]int{}
	for _, m := range refs {
		url := m[1]
		if !strings.HasPrefix(url, "/") || strings.HasPrefix(url, "//") {
			t.Errorf("/docs loads %q, not a file of this server", url)
			continue
		}
		ext := url[strings.LastIndex(url, "."):]
		seen[ext]++
		r := ts.do(t, "GET", url, "", nil)
		if r.status != 200 || len(r.body) == 0 {
			t.Errorf("%s: %d, %d bytes", url, r.status, len(r.body))
			continue
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, want[ext]) {
			t.Errorf("%s: Content-Type %q, want %s", url, ct, want[ext])
		}
		if !strings.HasPrefix(url, "/docs/assets/") {
			continue // the web front's icon
		}
		if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("%s: Cache-Control %q, want a year, immutable", url, cc)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no X-Content-Type-Options: nosniff", url)
		}
		// An asset of another version (another hash) is not served as this one.
		stale := strings.Replace(url, "/docs/assets/", "/docs/assets/0000", 1)
		if r := ts.do(t, "GET", stale, "", nil); r.status != 404 {
			t.Errorf("%s: %d, want 404", stale, r.status)
		}
	}
	if seen[".js"] != 1 || seen[".css"] != 2 || seen[".svg"] != 1 {
		t.Errorf("/docs loads %v, want the script, the two stylesheets and the icon:\n%s", seen, body)
	}
}
