// Package identity is who may act: users, passwords (argon2id), sessions with their
// refresh tokens, the second factor (TOTP, recovery codes, replacing the authenticator),
// the links mailed to confirm an address or reset a password, invitations, the roles a
// person holds in a cooperative, the limits on guessing and on mail sent to others, and
// the hourly sweep of what sign-in leaves behind.
package identity
