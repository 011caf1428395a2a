package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// webClient is a browser without JavaScript against the test server's web pages: it
// keeps cookies, and submits a page's forms with their hidden fields (the CSRF token,
// the idempotency key) as a browser would. The browser tests (cmd/kracht) drive a real
// chromium; this one is for the many small cases of each page.
type webClient struct {
	t    testing.TB
	ts   *testServer
	jar  map[string]string
	lang string // Accept-Language; "nl" when empty
}

func (ts *testServer) webClient(t testing.TB) *webClient {
	return &webClient{t: t, ts: ts, jar: map[string]string{}}
}

// webPage is one answer.
type webPage struct {
	status   int
	header   http.Header
	body     string
	location string
	doc      *html.Node
}

func (c *webClient) do(method, path string, form url.Values, header ...string) webPage {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "text/html")
	lang := c.lang
	if lang == "" {
		lang = "nl"
	}
	req.Header.Set("Accept-Language", lang)
	for name, value := range c.jar {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.ts.App().Test(req, 60_000)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Unix() <= 1) || ck.Value == "" {
			delete(c.jar, ck.Name)
		} else {
			c.jar[ck.Name] = ck.Value
		}
	}
	b, _ := io.ReadAll(res.Body)
	p := webPage{status: res.StatusCode, header: res.Header, body: string(b), location: res.Header.Get("Location")}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		if p.doc, err = html.Parse(strings.NewReader(p.body)); err != nil {
			c.t.Fatalf("%s %s: not HTML: %v", method, path, err)
		}
		if strings.Contains(p.body, "[") && missingMessage(p.body) != "" {
			c.t.Fatalf("%s %s: message key %s has no text", method, path, missingMessage(p.body))
		}
	}
	return p
}

// missingMessage finds "[some.key]", what a page shows for a key the catalogue lacks.
func missingMessage(body string) string {
	for i := strings.Index(body, "["); i >= 0 && i < len(body); {
		j := strings.Index(body[i:], "]")
		if j < 0 {
			return ""
		}
		key := body[i+1 : i+j]
		if strings.Contains(key, ".") && !strings.ContainsAny(key, " <>\"'=/") {
			return key
		}
		k := strings.Index(body[i+1:], "[")
		if k < 0 {
			return ""
		}
		i += 1 + k
	}
	return ""
}

// get fetches a page, following redirects (as a browser does).
func (c *webClient) get(path string) webPage {
	c.t.Helper()
	p := c.do("GET", path, nil)
	for i := 0; p.location != "" && i < 5; i++ {
		p = c.do("GET", p.location, nil)
	}
	return p
}

// submit fills the form of page whose action is action (the first form when empty)
// with fields over its own inputs' values and posts it, following the redirect after.
func (c *webClient) submit(page webPage, action string, fields map[string]string) webPage {
	c.t.Helper()
	p := c.post(page, action, fields)
	for i := 0; p.location != "" && i < 5; i++ {
		p = c.do("GET", p.location, nil)
	}
	return p
}

// post is submit without following the redirect.
func (c *webClient) post(page webPage, action string, fields map[string]string) webPage {
	c.t.Helper()
	f := page.form(action)
	if f == nil {
		c.t.Fatalf("no form with action %q in page:\n%s", action, page.body)
	}
	values := url.Values{}
	for _, in := range f.inputs {
		values.Set(in[0], in[1])
	}
	for k, v := range fields {
		values.Set(k, v)
	}
	return c.do("POST", f.action, values)
}

type pageForm struct {
	action string
	inputs [][2]string // name, value of each input with a value (checkboxes when checked)
}

// form finds the form with action (the first when empty).
func (p webPage) form(action string) *pageForm {
	var found *pageForm
	var walk func(n *html.Node, f *pageForm)
	walk = func(n *html.Node, f *pageForm) {
		if found != nil && f == nil {
			return
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "form":
				if found == nil && (action == "" || attr(n, "action") == action) {
					f = &pageForm{action: attr(n, "action")}
					found = f
				} else if f != nil && f != found {
					f = nil
				}
			case "input":
				if f != nil && attr(n, "name") != "" {
					typ := attr(n, "type")
					if (typ != "checkbox" && typ != "radio") || hasAttr(n, "checked") {
						f.inputs = append(f.inputs, [2]string{attr(n, "name"), attr(n, "value")})
					}
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, f)
		}
	}
	if p.doc != nil {
		walk(p.doc, nil)
	}
	return found
}

// text is the page's visible text, spaces collapsed, for assertions on what a person
// reads.
func (p webPage) text() string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style" || n.Data == "head") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteString(" ")
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	if p.doc != nil {
		walk(p.doc)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// fieldError is the message shown beside the field name ("" when none).
func (p webPage) fieldError(name string) string {
	var out string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && attr(n, "id") == "e-"+name && n.FirstChild != nil {
			out = strings.TrimSpace(n.FirstChild.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	if p.doc != nil {
		walk(p.doc)
	}
	return out
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// signIn signs in through the sign-in page with the tests' password, and a fresh TOTP
// code when totpSecret is set (the account has TOTP on).
func (c *webClient) signIn(as *authServer, email, totpSecret string) {
	c.t.Helper()
	fields := map[string]string{"email": email, "password": testPassword}
	if totpSecret != "" {
		fields["code"] = as.code(c.t, totpSecret)
	}
	if p := c.post(c.get("/login"), "/login", fields); p.status != 303 || c.jar["kracht_session"] == "" {
		c.t.Fatalf("sign in as %s: %d %s", email, p.status, p.body)
	}
}
