package web

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
)

// The one place a domain error becomes what a person reads. A form shows it beside the
// field it is about (fieldError); anything else is a page of its own (errorPage). Both
// are in the reader's language; an internal error says nothing more and is logged once.

// message is err in lang. A message the catalogue knows ("domain:<English text>", of a
// rule error "rule <name>: <text>" the text) is translated; other errors a person can act
// on are shown as the domain says them, after a sentence in their language.
func (w *Web) message(lang string, err error) string {
	code := cooperative.ErrorCode(err)
	if code == cooperative.EINTERNAL || code == cooperative.EUNAVAILABLE {
		return w.msgs.text(lang, "error."+code)
	}
	msg := cooperative.ErrorMessage(err)
	if strings.HasPrefix(msg, "rule ") {
		_, rest, _ := strings.Cut(strings.TrimPrefix(msg, "rule "), ":")
		msg = strings.TrimSpace(rest)
	}
	if _, ok := w.msgs["domain:"+msg]; ok {
		return w.msgs.text(lang, "domain:"+msg)
	}
	var throttled *identity.ThrottledError
	if errors.As(err, &throttled) {
		return w.msgs.text(lang, "error.too_many")
	}
	if lang == "en" {
		return msg
	}
	// A Dutch reader gets the kind of problem in Dutch and the detail as the domain
	// wrote it (the domain's messages are English; the catalogue grows as we meet them).
	return w.msgs.text(lang, "error."+code) + " (" + msg + ")"
}

// fail puts err on f: beside field when it is about that field, else at the top of
// the form. It returns nil for a person's mistake (the page is shown again, 422) and
// err itself for a failure of ours, which then becomes the error page.
func (req *request) fail(f *form, field string, err error) error {
	code := cooperative.ErrorCode(err)
	if code == cooperative.EINTERNAL || code == cooperative.EUNAVAILABLE {
		return err
	}
	if _, signIn := isSignIn(err); signIn {
		return err
	}
	msg := req.w.message(req.lang, err)
	if field != "" {
		f.Errors[field] = msg
	} else {
		f.Error = msg
	}
	return nil
}

// require marks a missing field of f.
func (req *request) require(f *form, names ...string) {
	for _, n := range names {
		if strings.TrimSpace(f.Values[n]) == "" {
			f.Errors[n] = req.w.msgs.text(req.lang, "form.required")
		}
	}
}

// values reads the named fields of the posted form into a new form.
func (req *request) values(names ...string) *form {
	f := newForm()
	for _, n := range names {
		f.Values[n] = req.form(n)
	}
	return f
}

// statusOf maps a domain error to the status of its page; the API's map in spirit
// (handlers/problem.go), for pages.
func statusOf(err error) int {
	switch cooperative.ErrorCode(err) {
	case cooperative.EINVALID:
		return fiber.StatusBadRequest
	case cooperative.ERULE:
		return fiber.StatusUnprocessableEntity
	case cooperative.ENOTFOUND:
		return fiber.StatusNotFound
	case cooperative.ECONFLICT:
		return fiber.StatusConflict
	case cooperative.EUNAUTHORIZED:
		return fiber.StatusUnauthorized
	case cooperative.EFORBIDDEN:
		return fiber.StatusForbidden
	case cooperative.ETOOMANY:
		return fiber.StatusTooManyRequests
	case cooperative.EUNAVAILABLE:
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}

type errorData struct {
	Status    int
	Heading   string
	Message   string
	RequestID string
}

// errorPage answers a page that failed: sign in first, a form from elsewhere, or a
// domain error as a page in the reader's language. Never a stack trace or a blank page.
func (w *Web) errorPage(req *request, err error) error {
	if e, ok := isSignIn(err); ok {
		return req.c.Redirect("/login?next="+urlQueryEscape(localPath(e.next, "/")), fiber.StatusSeeOther)
	}
	var fe *fiber.Error
	status, heading, msg := statusOf(err), "", ""
	switch {
	case errors.Is(err, errCrossSite):
		status, heading, msg = fiber.StatusForbidden, "error.csrf.title", w.msgs.text(req.lang, "error.csrf")
	case errors.Is(err, errNotMember):
		status, heading, msg = fiber.StatusNotFound, "error.not_found.title", w.msgs.text(req.lang, "error.not_member")
	case errors.As(err, &fe):
		status = fe.Code
		heading, msg = w.statusText(req.lang, status)
	default:
		heading = "error." + cooperative.ErrorCode(err) + ".title"
		if _, ok := w.msgs[heading]; !ok {
			heading = "error.internal.title"
		}
		msg = w.message(req.lang, err)
	}
	if status >= 500 {
		w.log.LogAttrs(req.ctx(), slog.LevelError, "page failed", slog.String("request_id", requestID(req.c)),
			slog.String("path", req.c.Path()), slog.Any("error", err))
	}
	if strings.HasPrefix(heading, "error.") && strings.HasSuffix(heading, ".title") {
		heading = w.msgs.text(req.lang, heading)
	}
	return req.render(page{Name: "error", Title: "error.page", Status: status,
		Data: errorData{Status: status, Heading: heading, Message: msg, RequestID: requestID(req.c)}})
}

func (w *Web) statusText(lang string, status int) (string, string) {
	switch status {
	case fiber.StatusNotFound:
		return w.msgs.text(lang, "error.not_found.title"), w.msgs.text(lang, "error.page_not_found")
	case fiber.StatusMethodNotAllowed:
		return w.msgs.text(lang, "error.not_found.title"), w.msgs.text(lang, "error.page_not_found")
	case fiber.StatusRequestEntityTooLarge:
		return w.msgs.text(lang, "error.invalid.title"), w.msgs.text(lang, "error.too_large")
	}
	if status >= 500 {
		return w.msgs.text(lang, "error.internal.title"), w.msgs.text(lang, "error.internal")
	}
	return w.msgs.text(lang, "error.invalid.title"), w.msgs.text(lang, "error.invalid")
}

// Fallback answers what no route of the API or the web took, or what failed before a
// page ran (a body too large), with an error page: handlers' error handler calls it for
// the web's paths.
func (w *Web) Fallback(c *fiber.Ctx, err error) error {
	w.secureHeaders(c)
	req := &request{c: c, w: w, started: w.now()}
	w.readSession(req)
	req.lang = w.language(req)
	req.csrf = w.csrfToken(req)
	return w.errorPage(req, err)
}
