package notifications

import (
	"bytes"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strings"

	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/wneessen/go-mail"
)

// compose builds the mail of n. Everything in it is derived from the stored notification,
// so every attempt (and the .eml file) carries the same headers; in particular the
// Message-ID is the notification id, which lets mail systems and people recognise a
// duplicate if the unavoidable at-least-once window ever produces one.
func (w *Worker) compose(n notify.Notification) (*mail.Msg, error) {
	unsubscribe, page := "", ""
	if !n.Event.Mandatory() {
		token, err := notify.UnsubscribeToken(w.opts.UnsubscribeSecret, n.To, n.Event)
		if err != nil {
			return nil, err
		}
		unsubscribe, page = unsubscribeURL(w.unsubscribeBase, token), unsubscribeURL(w.unsubscribePage, token)
	}
	r, err := w.renderer.Render(n, page)
	if err != nil {
		return nil, err
	}
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	m.FromMailAddress(w.from)
	m.ToMailAddress(&netmail.Address{Name: n.ToName, Address: n.To})
	m.Subject(r.Subject)
	m.SetMessageIDWithValue(n.ID + "@" + w.domain)
	m.SetDateWithValue(n.CreatedAt)
	m.SetUserAgent("Kracht")
	m.SetGenHeader(mail.HeaderContentLang, n.Language)
	// RFC 3834: this mail was generated, so vacation responders must not answer it;
	// the second header says the same to Exchange.
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	if unsubscribe != "" {
		// RFC 8058 one-click unsubscribe needs https; a development URL gets the plain
		// RFC 2369 header.
		if err := m.SetListUnsubscribeOneClick(unsubscribe); err != nil {
			m.SetListUnsubscribe(unsubscribe)
		}
	}
	m.SetBodyString(mail.TypeTextPlain, r.Text)
	m.AddAlternativeString(mail.TypeTextHTML, r.HTML)
	for _, a := range n.Attachments {
		if len(a.Content) != a.Size {
			return nil, fmt.Errorf("attachment %q: %d bytes loaded, %d expected", a.Filename, len(a.Content), a.Size)
		}
		m.AttachReadSeeker(a.Filename, bytes.NewReader(a.Content), mail.WithFileContentType(mail.ContentType(a.ContentType)))
	}
	return m, nil
}

// unsubscribeURL is a link of a mail that is not mandatory, at base, with the mail's
// unsubscribe token: it unsubscribes the recipient from this kind of mail, with no login.
func unsubscribeURL(base *url.URL, token string) string {
	u := *base
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}

// parseFrom checks the sender address and returns it with the domain the Message-IDs use.
func parseFrom(from string) (*netmail.Address, string, error) {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, "", fmt.Errorf("sender address %q: %w", from, err)
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	if domain == "" {
		return nil, "", fmt.Errorf("sender address %q has no domain", from)
	}
	return a, domain, nil
}

// parseUnsubscribeBase checks the base of unsubscribe links.
func parseUnsubscribeBase(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("unsubscribe URL %q: want an absolute http(s) URL", s)
	}
	return u, nil
}
