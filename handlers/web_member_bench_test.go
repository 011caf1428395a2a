package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkWebDashboard measures one render of a member's dashboard (signed in, through
// the whole web frame: session, CSRF token, every domain read, the template), for a
// member with two share subscriptions (one paid by bank transfer, one waiting), their
// payments, a certificate and a bond holding. The dashboard reads only this member's
// records by index, so the time should not grow with the cooperative: the load test of
// 100,000 members checks that under 64 clients.
func BenchmarkWebDashboard(b *testing.B) {
	f := newPortalFixture(b)
	as := f.sc.as
	c := as.webClient(b)
	portalSignIn(b, as, c, f.ann)
	path := "/c/" + f.sc.id + "/me"
	if p := c.get(path); p.status != 200 || !strings.Contains(p.text(), "Zonnedak school") {
		b.Fatalf("dashboard: %d %s", p.status, p.text())
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept", "text/html")
		for name, value := range c.jar {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		res, err := as.App().Test(req, -1)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}
