package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/notifications/mailtest"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The stand: the real service (run "serve") on a temporary data directory without SMTP,
// so its mails are .eml files, and the staff side driven through the HTTP API. The browser
// tests and the load test of the web pages start from it.

const standPassword = "a long enough passphrase"

// stand is one running Kracht.
type stand struct {
	t       testing.TB
	base    string // http://127.0.0.1:port
	dataDir string
	out     *syncBuffer // the service's log
	http    *http.Client
}

// newStand starts the service. before runs on the data directory before the service
// starts (the command line, seeding the store); it may be nil. The service stops when the
// test ends.
func newStand(t *testing.T, before func(dataDir string, vars func(string) string)) *stand {
	t.Helper()
	dataDir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	vars := env(map[string]string{"KRACHT_ADDR": addr, "KRACHT_DATA_DIR": dataDir, "KRACHT_LOG_LEVEL": "warn"})
	if before != nil {
		before(dataDir, vars)
	}
	s := &stand{t: t, base: "http://" + addr, dataDir: dataDir, out: &syncBuffer{}, http: &http.Client{Timeout: 60 * time.Second}}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, vars, strings.NewReader(""), s.out, s.out) }()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve did not stop")
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service never became ready; its log:\n%s", s.out.String())
		}
	}
}

// createAdmin makes a platform admin as the command line does (before the service starts).
func createAdmin(t testing.TB, vars func(string) string, email string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"admin", "create", "--email", email}, vars,
		strings.NewReader(standPassword+"\n"), &out, &errOut); err != nil {
		t.Fatalf("admin create %s: %v\n%s", email, err, errOut.String())
	}
}

// ---- Mail ----

// mailLink waits for the newest .eml to address holding a link to page (a path such as
// "/verify-email") and returns that link.
func (s *stand) mailLink(address, page string) *url.URL {
	s.t.Helper()
	var seen []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(s.dataDir, "mail", "*.eml"))
		type eml struct {
			path string
			mod  time.Time
		}
		var all []eml
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil {
				all = append(all, eml{f, fi.ModTime()})
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].mod.After(all[j].mod) })
		seen = seen[:0]
		for _, e := range all {
			to, text := readMail(s.t, e.path)
			if !strings.EqualFold(to, address) {
				continue
			}
			for _, raw := range linkRE.FindAllString(text, -1) {
				u, err := url.Parse(strings.TrimRight(raw, ".,)"))
				if err == nil && u.Path == page {
					return u
				}
				seen = append(seen, raw)
			}
		}
	}
	s.t.Fatalf("no mail to %s with a link to %s within 20 s (links in mails to them: %v)", address, page, seen)
	return nil
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"']+`)

// readMail returns the recipient and the decoded text of every text part of an .eml file
// (in HTML the link sits in href="…" with &amp; for &).
func readMail(t testing.TB, path string) (to, text string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mailtest.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m.To, m.Text + "\n" + strings.ReplaceAll(m.HTML, "&amp;", "&")
}

// ---- API ----

// apiUser is someone signed in through the API.
type apiUser struct {
	email, token, userID string
	totp                 string // the TOTP secret once turned on
	lastStep             int64  // the last TOTP step used: a code works once
}

// call sends a JSON request (body may be nil, a []byte is sent as is with contentType
// from header "Content-Type") and decodes the answer into out when not nil. It fails the
// test unless the status is want.
func (s *stand) call(method, path, token string, body any, want int, out any, header ...string) []byte {
	s.t.Helper()
	var r io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		r, ct = bytes.NewReader(b), "application/xml"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		r, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := s.http.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		s.t.Fatalf("API %s %s: status %d, want %d: %s", method, path, res.StatusCode, want, got)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			s.t.Fatalf("API %s %s: %v in %s", method, path, err, got)
		}
	}
	return got
}

// signIn signs in with the password (and a TOTP code when u has TOTP on).
func (s *stand) signIn(u *apiUser) {
	s.t.Helper()
	body := map[string]string{"email": u.email, "password": standPassword}
	if u.totp != "" {
		body["totpCode"] = u.code(s.t)
	}
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	s.call("POST", "/v1/auth/login", "", body, 200, &tok)
	u.token = tok.AccessToken
	var me struct {
		ID string `json:"id"`
	}
	s.call("GET", "/v1/me", u.token, nil, 200, &me)
	u.userID = me.ID
}

// code is a TOTP code for a step not used before. The service accepts the steps either
// side of now, so it rarely waits; when it must, it sleeps until the step is accepted.
func (u *apiUser) code(t testing.TB) string {
	t.Helper()
	now := time.Now().Unix() / 30
	step := max(now-1, u.lastStep+1)
	if step > now+1 {
		time.Sleep(time.Until(time.Unix((step-1)*30, 0)) + 100*time.Millisecond)
	}
	u.lastStep = step
	c, err := totp.GenerateCodeCustom(u.totp, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// turnOnTOTP enrolls and confirms; u's token then carries the second factor.
func (s *stand) turnOnTOTP(u *apiUser) {
	s.t.Helper()
	var enrolled struct {
		Secret string `json:"secret"`
	}
	s.call("POST", "/v1/auth/totp/enroll", u.token, nil, 200, &enrolled)
	u.totp = enrolled.Secret
	var confirmed struct {
		AccessToken string `json:"accessToken"`
	}
	s.call("POST", "/v1/auth/totp/confirm", u.token, map[string]string{"code": u.code(s.t)}, 200, &confirmed)
	u.token = confirmed.AccessToken
}

// signUp makes a verified account through the API (for people the test does not sign up
// in the browser).
func (s *stand) signUp(email string) *apiUser {
	s.t.Helper()
	s.call("POST", "/v1/auth/signup", "", map[string]string{"email": email, "password": standPassword, "language": "nl"}, 202, nil)
	link := s.mailLink(email, "/verify-email")
	s.call("POST", "/v1/auth/verify-email", "", map[string]string{"token": link.Query().Get("token")}, 204, nil)
	u := &apiUser{email: email}
	s.signIn(u)
	return u
}

// accept accepts the newest invitation to email with the stand's password.
func (s *stand) accept(email string) *apiUser {
	s.t.Helper()
	link := s.mailLink(email, "/invitations/accept")
	s.call("POST", "/v1/invitations/accept", "", map[string]string{"token": link.Query().Get("token"), "password": standPassword}, 200, nil)
	u := &apiUser{email: email}
	s.signIn(u)
	return u
}

// coop is a cooperative on the stand with a board member and an accountant, both with
// TOTP on (their tokens carry the second factor), and statutes in force.
type coop struct {
	s                 *stand
	id                string
	admin, board, acc *apiUser
}

var regNumber struct {
	sync.Mutex
	n int
}

// newCoop creates a cooperative as the platform admin (made with createAdmin as
// adminEmail), invites its board and accountant and adopts statutes (class A, €50
// nominal, up to 20 a member).
func (s *stand) newCoop(adminEmail, name string) *coop {
	s.t.Helper()
	admin := &apiUser{email: adminEmail}
	s.signIn(admin)
	s.turnOnTOTP(admin)
	var created struct {
		ID string `json:"id"`
	}
	s.call("POST", "/v1/admin/cooperatives", admin.token, map[string]string{"name": name, "kind": "energy", "country": "NL",
		"registrationNumber": nextRegNumber(), "iban": "NL91ABNA0417164300", "bic": "ABNANL2A"}, 201, &created)
	c := s.staff(admin, created.ID)
	s.call("POST", c.api("/statutes"), c.board.token, map[string]any{"effectiveFrom": "2020-01-01",
		"shareClasses": []map[string]any{{"code": "A", "name": "Member share", "nominalCents": 5000, "minPerMember": 1,
			"maxPerMember": 20, "confersMembership": true}},
		"membershipFeeCents": 0, "dividendCapBp": 500, "noticePeriodDays": 30, "allocation": "pro_rata"}, 201, nil)
	return c
}

func nextRegNumber() string {
	regNumber.Lock()
	defer regNumber.Unlock()
	regNumber.n++
	return fmt.Sprintf("%08d", 70000000+regNumber.n)
}

// staff gives an existing cooperative a board member (invited by the admin, whose token
// carries the second factor) and an accountant (invited by the board), both with TOTP on.
func (s *stand) staff(admin *apiUser, coopID string) *coop {
	s.t.Helper()
	c := &coop{s: s, id: coopID, admin: admin}
	reg := nextRegNumber()
	boardEmail, accEmail := "board-"+reg+"@example.org", "accountant-"+reg+"@example.org"
	s.call("POST", "/v1/admin/cooperatives/"+c.id+"/invitations", admin.token, map[string]string{"email": boardEmail, "language": "nl"}, 201, nil)
	c.board = s.accept(boardEmail)
	s.turnOnTOTP(c.board)
	s.call("POST", c.api("/invitations"), c.board.token, map[string]string{"email": accEmail, "language": "nl", "role": "accountant"}, 201, nil)
	c.acc = s.accept(accEmail)
	s.turnOnTOTP(c.acc)
	return c
}

// api is the API path of something of the cooperative.
func (c *coop) api(path string) string { return "/v1/cooperatives/" + c.id + path }

// web is the path of one of the cooperative's pages.
func (c *coop) web(path string) string { return "/c/" + c.id + path }

// openOffering opens an offering of class A at priceCents a share, for a week.
func (c *coop) openOffering(priceCents int64) string {
	c.s.t.Helper()
	now := time.Now()
	var o struct {
		ID string `json:"id"`
	}
	c.s.call("POST", c.api("/offerings"), c.board.token, map[string]any{"class": "A", "priceCents": priceCents,
		"capShares": 1000, "targetShares": 1000, "minPerSubscription": 1, "maxPerSubscription": 10,
		"maxPerMember": 20, "opensAt": now.Add(-time.Minute), "closesAt": now.Add(7 * 24 * time.Hour)}, 201, &o)
	return o.ID
}

// apiMember is a member record as the API gives it.
type apiMember struct {
	ID     string `json:"id"`
	Number int64  `json:"number"`
	Status string `json:"status"`
}

// myMember is u's own member record in the cooperative (fails when there is none).
func (c *coop) myMember(u *apiUser) apiMember {
	c.s.t.Helper()
	var mine struct {
		Items []apiMember `json:"items"`
	}
	c.s.call("GET", c.api("/me/members"), u.token, nil, 200, &mine)
	if len(mine.Items) != 1 {
		c.s.t.Fatalf("%s has %d member records in the cooperative, want 1", u.email, len(mine.Items))
	}
	return mine.Items[0]
}

// approve admits the member as the board.
func (c *coop) approve(memberID string) apiMember {
	c.s.t.Helper()
	var m apiMember
	c.s.call("POST", c.api("/members/"+memberID+"/approve"), c.board.token, nil, 200, &m)
	return m
}

// member signs email up through the API, applies and is admitted.
func (c *coop) member(email, name string) (*apiUser, apiMember) {
	c.s.t.Helper()
	u := c.s.signUp(email)
	var m apiMember
	c.s.call("POST", c.api("/members"), u.token, map[string]any{"kind": "person", "name": name,
		"address":     map[string]string{"street": "Dorpsstraat 1", "postalCode": "9711 AA", "city": "Groningen", "country": "NL"},
		"dateOfBirth": "1980-05-17", "email": email, "iban": "NL91ABNA0417164300", "language": "nl",
		"consentToStatutesVersion": 1}, 201, &m)
	return u, c.approve(m.ID)
}

// apiSubscription is a share subscription as the API gives it.
type apiSubscription struct {
	ID          string `json:"id"`
	Shares      int64  `json:"shares"`
	AmountCents int64  `json:"amountCents"`
	Status      string `json:"status"`
	Allocated   int64  `json:"allocated"`
}

// subscriptions are the member's share subscriptions, as the member reads them.
func (c *coop) subscriptions(u *apiUser, memberID string) []apiSubscription {
	c.s.t.Helper()
	var list struct {
		Items []apiSubscription `json:"items"`
	}
	c.s.call("GET", c.api("/members/"+memberID+"/subscriptions"), u.token, nil, 200, &list)
	return list.Items
}

// ---- The web pages without a browser (the load test's sign-in) ----

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="(_csrf|_once)" value="([^"]*)"`)

// webSignIn signs in through POST /login as a browser would (the form's hidden fields and
// the kracht_csrf cookie) and returns the kracht_session cookie's value.
func (s *stand) webSignIn(email string) string {
	s.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(s.base + "/login")
	if err != nil {
		s.t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		s.t.Fatalf("GET /login: status %d (the sign-in page is part A of the contract)", res.StatusCode)
	}
	form := url.Values{"email": {email}, "password": {standPassword}}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], m[2])
	}
	if form.Get("_csrf") == "" {
		s.t.Fatalf("GET /login: no _csrf field in the form:\n%s", page)
	}
	req, _ := http.NewRequest("POST", s.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.base)
	res, err = c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("POST /login as %s: status %d, want 303:\n%s", email, res.StatusCode, body)
	}
	u, _ := url.Parse(s.base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "kracht_session" {
			return ck.Value
		}
	}
	s.t.Fatalf("POST /login as %s set no kracht_session cookie", email)
	return ""
}
