package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// Cookies. The session cookie names an existing session (identity's, the same the API
// uses), so signing out anywhere or changing the password ends it here too.
const (
	cookieSession = "kracht_session"
	cookieCSRF    = "kracht_csrf" // the anonymous visitor's CSRF secret
	cookieLang    = "kracht_lang"
	cookieFlash   = "kracht_flash"
	csrfField     = "_csrf"
	// onceField carries a form's idempotency key, so a form posted twice acts once.
	onceField = "_once"
)

// request is one page request: the reader's language, their session (nil when signed
// out), and the CSRF token their forms carry.
type request struct {
	c       *fiber.Ctx
	w       *Web
	lang    string
	user    *identity.Principal
	csrf    string
	flash   string
	nonce   string
	started time.Time
	// members are req.member's answers by cooperative id: one read per request.
	members map[string]memberRead
}

// memberRead is one answer of req.member.
type memberRead struct {
	m   membership.Member
	err error
}

// handle is the frame around every page: security headers, the language, the session,
// the CSRF check of a POST, and errors turned into a page.
func (w *Web) handle(fn pageFunc) fiber.Handler {
	return func(c *fiber.Ctx) error {
		w.secureHeaders(c)
		req := &request{c: c, w: w, started: w.now()}
		if lang := c.Query("lang"); (lang == "nl" || lang == "en") && c.Method() == fiber.MethodGet {
			// The switch on every page: remember the choice, and show the page without
			// the parameter so a shared link does not carry it.
			c.Cookie(w.cookie(cookieLang, lang, w.now().AddDate(1, 0, 0)))
			q := c.Request().URI().QueryArgs()
			q.Del("lang")
			target := c.Path()
			if s := q.String(); s != "" {
				target += "?" + s
			}
			return c.Redirect(target, fiber.StatusSeeOther)
		}
		if c.Method() == fiber.MethodGet {
			// A page reads many small things: one read transaction for all of them.
			return cooperative.ShareView(c.UserContext(), w.opts.Store, func(ctx context.Context) error {
				c.SetUserContext(ctx)
				return w.serve(req, fn)
			})
		}
		return w.serve(req, fn)
	}
}

// serve is the rest of the frame: the session, the language, the CSRF check of a POST,
// the page, and its error turned into a page.
func (w *Web) serve(req *request, fn pageFunc) error {
	c := req.c
	w.readSession(req)
	req.lang = w.language(req)
	req.csrf = w.csrfToken(req)
	if f := c.Cookies(cookieFlash); f != "" {
		if _, ok := w.msgs[f]; ok {
			req.flash = f
		}
		c.Cookie(w.cookie(cookieFlash, "", time.Unix(1, 0)))
	}
	if c.Method() == fiber.MethodPost {
		if err := w.checkPost(req); err != nil {
			return w.errorPage(req, err)
		}
	}
	if err := fn(req); err != nil {
		return w.errorPage(req, err)
	}
	return nil
}

// secureHeaders: everything is served from here (no CDN, no inline code), pages are
// never framed, and signed-in pages are not cached by the browser or a proxy.
func (w *Web) secureHeaders(c *fiber.Ctx) {
	// Chromium applies form-action to the redirect after a POST: Stripe Checkout is the
	// one place a form of ours leads to elsewhere.
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; base-uri 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	c.Set("Cache-Control", "no-store")
	if w.secure {
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

func (w *Web) cookie(name, value string, expires time.Time) *fiber.Cookie {
	return &fiber.Cookie{Name: name, Value: value, Path: "/", Expires: expires, HTTPOnly: true,
		Secure: w.secure, SameSite: fiber.CookieSameSiteLaxMode}
}

// mac signs parts with the web key, base64url.
func (w *Web) mac(parts ...string) string {
	m := hmac.New(sha256.New, w.key)
	m.Write([]byte(strings.Join(parts, "|")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// startSession sets the session cookie for a grant from a sign-in.
func (w *Web) startSession(req *request, g identity.SessionGrant) {
	v := g.SessionID + "." + g.UserID + "." + w.mac("session", g.SessionID, g.UserID)
	req.c.Cookie(w.cookie(cookieSession, v, g.RefreshExpiresAt))
}

func (w *Web) endSession(req *request) {
	req.c.Cookie(w.cookie(cookieSession, "", time.Unix(1, 0)))
	req.user = nil
}

// readSession finds the session of the cookie, if it is signed by us and still live.
func (w *Web) readSession(req *request) {
	raw := req.c.Cookies(cookieSession)
	if raw == "" {
		return
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || subtle.ConstantTimeCompare([]byte(parts[2]), []byte(w.mac("session", parts[0], parts[1]))) != 1 {
		w.endSession(req)
		return
	}
	p, err := w.opts.Accounts.Authenticate(req.ctx(), parts[1], parts[0], "")
	if err != nil {
		w.endSession(req) // ended, expired or revoked: signed out
		return
	}
	req.user = &p
}

// language: the switch's choice, then the account's, then the browser's; Dutch when
// none says English, since most members are Dutch.
func (w *Web) language(req *request) string {
	if l := req.c.Cookies(cookieLang); l == "nl" || l == "en" {
		return l
	}
	if req.user != nil && (req.user.Language == "nl" || req.user.Language == "en") {
		return req.user.Language
	}
	for _, part := range strings.Split(req.c.Get(fiber.HeaderAcceptLanguage), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "nl"):
			return "nl"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "nl"
}

// csrfToken is bound to the session, or for a visitor to a random cookie (set here).
func (w *Web) csrfToken(req *request) string {
	if req.user != nil {
		return w.mac("csrf", req.user.SessionID)
	}
	secret := req.c.Cookies(cookieCSRF)
	if len(secret) != 43 {
		secret = randomToken()
		req.c.Cookie(w.cookie(cookieCSRF, secret, time.Time{}))
	}
	return w.mac("csrf-visitor", secret)
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errCrossSite refuses a form that did not come from one of our pages.
var errCrossSite = cooperative.Errorf(cooperative.EFORBIDDEN, "csrf")

// checkPost refuses a POST from another site: a browser says where a form came from
// (Origin, Sec-Fetch-Site), and our own forms carry the CSRF token. The origin may be
// KRACHT_PUBLIC_URL's or the request's own (a browser sets Host, a page elsewhere cannot).
func (w *Web) checkPost(req *request) error {
	c := req.c
	if site := c.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return errCrossSite
	}
	if o := c.Get(fiber.HeaderOrigin); o != "" && o != w.origin && o != c.Protocol()+"://"+c.Hostname() {
		return errCrossSite
	}
	if subtle.ConstantTimeCompare([]byte(c.FormValue(csrfField)), []byte(req.csrf)) != 1 {
		return errCrossSite
	}
	return nil
}

// signedIn sends a visitor to the sign-in page, back here afterwards.
func (req *request) signedIn() (identity.Principal, error) {
	if req.user == nil {
		return identity.Principal{}, errSignIn{next: req.c.OriginalURL()}
	}
	return *req.user, nil
}

// errSignIn is answered with a redirect to the sign-in page (errorPage).
type errSignIn struct{ next string }

func (e errSignIn) Error() string { return "sign in first" }

// actor is who acts in the domain for this request; member pages set Role to member.
func (req *request) actor() cooperative.Actor {
	a := cooperative.Actor{RequestID: requestID(req.c)}
	if req.user != nil {
		a.UserID, a.Email = req.user.ID, req.user.Email
	}
	return a
}

func requestID(c *fiber.Ctx) string { return string(c.Response().Header.Peek(fiber.HeaderXRequestID)) }

// member is the signed-in person's own membership of a cooperative: every member page
// reads and changes only this member's records. It answers ENOTFOUND when they are not
// a member (the page then offers to apply). It reads once per request and cooperative:
// a page asks for the head and again for itself.
func (req *request) member(cooperativeID string) (membership.Member, error) {
	p, err := req.signedIn()
	if err != nil {
		return membership.Member{}, err
	}
	if r, ok := req.members[cooperativeID]; ok {
		return r.m, r.err
	}
	m, err := req.readMember(cooperativeID, p.ID)
	if req.members == nil {
		req.members = map[string]memberRead{}
	}
	req.members[cooperativeID] = memberRead{m: m, err: err}
	return m, err
}

func (req *request) readMember(cooperativeID, userID string) (membership.Member, error) {
	ms, err := req.w.opts.Members.MembersOfUser(req.ctx(), cooperativeID, userID)
	if err != nil {
		return membership.Member{}, err
	}
	// The latest membership is the one that counts (a resigned member who applied again).
	if len(ms) == 0 {
		return membership.Member{}, errNotMember
	}
	return ms[len(ms)-1], nil
}

var errNotMember = cooperative.Errorf(cooperative.ENOTFOUND, "not a member")

// form reads a field of a posted form, trimmed.
func (req *request) form(name string) string { return strings.TrimSpace(req.c.FormValue(name)) }

// once is the form's idempotency key: the one it was rendered with, or a new one.
func (req *request) once() string {
	if v := req.c.FormValue(onceField); v != "" && len(v) <= 64 {
		return v
	}
	if req.nonce == "" {
		req.nonce = randomToken()
	}
	return req.nonce
}

// redirect answers a form with 303 See Other (the browser then GETs target), with a
// message for the next page when flash is a message key.
func (req *request) redirect(target, flash string) error {
	if flash != "" {
		req.c.Cookie(req.w.cookie(cookieFlash, flash, time.Time{}))
	}
	return req.c.Redirect(target, fiber.StatusSeeOther)
}

// localPath keeps a "next" parameter on this site: a path, never another host.
func localPath(next, fallback string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return fallback
	}
	return next
}

func isSignIn(err error) (errSignIn, bool) {
	var e errSignIn
	ok := errors.As(err, &e)
	return e, ok
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
