package cooperative

import (
	"errors"
	"fmt"
)

// Error codes. They say what kind of failure happened, not where; the HTTP layer maps each
// to one status in one place.
const (
	EINVALID      = "invalid"      // the input is malformed or fails validation
	ERULE         = "rule"         // well-formed, but a business rule forbids it
	ENOTFOUND     = "not_found"    // no such object (or not visible to the caller)
	ECONFLICT     = "conflict"     // a version, unique key or idempotency key collides
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // valid credentials, not allowed
	ETOOMANY      = "too_many"     // throttled
	EUNAVAILABLE  = "unavailable"  // a dependency (the store) cannot be reached
	EINTERNAL     = "internal"     // a bug or an unexpected failure; never shown in detail
)

// Error is the one error type of the domain. Message is safe to show to the caller;
// anything internal stays in Err, which is logged but never returned to a client.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a caller-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error that keeps err for the logs and shows only message.
func WrapError(code string, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err; internal errors say nothing more.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "An internal error occurred."
}

// ruleError is an ERULE error whose message starts with the rule's name, so a client
// (and a test) can tell which rule refused the request.
func RuleError(rule, format string, args ...any) *Error {
	e := Errorf(ERULE, format, args...)
	e.Message = "rule " + rule + ": " + e.Message
	return e
}
