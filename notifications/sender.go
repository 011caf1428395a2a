// Package notifications sends the mails of the outbox (cooperative.Enqueue): a Worker
// claims due messages, renders them from the templates in Dutch or English, and hands
// them to a Sender: SMTP, or .eml files in a folder when no mail server is configured.
package notifications

import (
	"context"
	"errors"

	"github.com/wneessen/go-mail"
)

// Sender hands one message to the mail system. Send returns nil only once the message
// was accepted. An error for which IsPermanent reports true means sending the same
// message again will fail the same way; any other error is worth a retry.
type Sender interface {
	Send(ctx context.Context, m *mail.Msg) error
}

// permanentError marks a failure that a retry cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying will not fix (for a Sender of its own).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err says that sending the message again is pointless:
// an error marked with Permanent, or an SMTP 5xx reply to this message (RFC 5321: the
// same command will fail again), or a message go-mail cannot put on the wire at all.
//
// A 5xx before any message is handed over (a refused login, a failed TLS handshake) is
// not the message's fault but the configuration's: that is not permanent for the message,
// so it is retried with backoff and the queue drains once the operator fixes it.
func IsPermanent(err error) bool {
	var p permanentError
	if errors.As(err, &p) {
		return true
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return true
	case mail.ErrConnCheck, mail.ErrSMTPReset:
		return false
	}
	code := se.ErrorCode()
	return code >= 500 && code < 600
}
