package cooperative

import "strings"

// CheckIdempotencyKey bounds a client's idempotency key, which is stored and indexed
// with the record it makes: at most 100 printable ASCII characters, no spaces. An empty
// key is no key.
func CheckIdempotencyKey(key string) error {
	if len(key) > 100 || strings.ContainsFunc(key, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return Errorf(EINVALID, "the idempotency key is at most 100 printable ASCII characters without spaces")
	}
	return nil
}
