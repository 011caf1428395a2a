package notifications_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
)

// parsedMail is a received mail taken apart with the standard library only, so the test
// does not trust go-mail to read what go-mail wrote.
type parsedMail struct {
	Header      netmail.Header
	Subject     string
	Text, HTML  string
	Attachments map[string]parsedAttachment
}

type parsedAttachment struct {
	ContentType string
	Content     []byte
}

func parseMail(t testing.TB, raw []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v", err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	p := parsedMail{Header: msg.Header, Subject: subject, Attachments: map[string]parsedAttachment{}}
	p.walk(t, msg.Header, msg.Body)
	return p
}

// headerGetter is what a message header and a MIME part header have in common.
type headerGetter interface{ Get(string) string }

func (p *parsedMail) walk(t testing.TB, h headerGetter, body io.Reader) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			p.walk(t, part.Header, part)
		}
	}
	var content []byte
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		content, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, body))
	case "quoted-printable":
		content, err = io.ReadAll(quotedprintable.NewReader(body))
	default:
		content, err = io.ReadAll(body)
	}
	if err != nil {
		t.Fatalf("decode part: %v", err)
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	switch {
	case disposition == "attachment":
		p.Attachments[dparams["filename"]] = parsedAttachment{ContentType: mediaType, Content: content}
	case mediaType == "text/plain":
		p.Text = strings.ReplaceAll(string(content), "\r\n", "\n")
	case mediaType == "text/html":
		p.HTML = strings.ReplaceAll(string(content), "\r\n", "\n")
	}
}
