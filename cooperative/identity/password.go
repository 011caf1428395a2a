package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are argon2id's cost parameters.
type PasswordParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	SaltLen   uint32
	KeyLen    uint32
}

// OWASPPasswordParams are the OWASP Password Storage Cheat Sheet's argon2id settings
// (m=19 MiB, t=2, p=1). They are the production default; only tests pass lower ones.
func OWASPPasswordParams() PasswordParams {
	return PasswordParams{MemoryKiB: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// PasswordHasher hashes and verifies passwords with argon2id, PHC-encoded
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash) so the parameters travel with each hash and can
// be raised later without breaking stored ones.
type PasswordHasher struct {
	params PasswordParams
	// slots bounds concurrent hashes: each holds MemoryKiB of memory, so a flood of
	// sign-ins queues here instead of exhausting the process's memory.
	slots chan struct{}
	// dummy is a hash of a random password, verified when an e-mail is unknown so that
	// answering takes as long as for a registered one.
	dummy string
}

// NewPasswordHasher returns a hasher with params (zero value: OWASP's).
func NewPasswordHasher(params PasswordParams) *PasswordHasher {
	if params == (PasswordParams{}) {
		params = OWASPPasswordParams()
	}
	params.SaltLen, params.KeyLen, params.Threads = max(params.SaltLen, 16), max(params.KeyLen, 32), max(params.Threads, 1)
	h := &PasswordHasher{params: params, slots: make(chan struct{}, max(1, runtime.NumCPU()))}
	// Random salt and random "hash": verifying against it costs one derivation with the
	// current parameters, like a real account, and never matches. No hashing needed here.
	salt, key := make([]byte, params.SaltLen), make([]byte, params.KeyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	h.dummy = h.encode(params, salt, key)
	return h
}

// Hash returns the PHC string of password.
func (h *PasswordHasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", cooperative.WrapError(cooperative.EINTERNAL, err, "cannot hash the password")
	}
	key, err := h.derive(ctx, []byte(password), salt, h.params)
	if err != nil {
		return "", err
	}
	return h.encode(h.params, salt, key), nil
}

func (h *PasswordHasher) encode(p PasswordParams, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches the PHC string encoded, comparing in constant
// time, and whether the hash should be redone with the current parameters.
func (h *PasswordHasher) Verify(ctx context.Context, encoded, password string) (ok, rehash bool, err error) {
	params, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, []byte(password), salt, params)
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && params != h.params, nil
}

// VerifyDummy spends the time of one verification and always fails: for e-mail
// addresses that have no account.
func (h *PasswordHasher) VerifyDummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, h.dummy, password)
	return err
}

func (h *PasswordHasher) derive(ctx context.Context, password, salt []byte, p PasswordParams) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, cooperative.WrapError(cooperative.EUNAVAILABLE, ctx.Err(), "the server is busy; try again")
	}
	defer func() { <-h.slots }()
	return argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen), nil
}

// maxStoredMemoryKiB bounds the memory a stored hash may ask for (1 GiB), so a corrupt
// record cannot make one verification allocate without limit.
const maxStoredMemoryKiB = 1 << 20

func parsePHC(encoded string) (PasswordParams, []byte, []byte, error) {
	corrupt := cooperative.Errorf(cooperative.EINTERNAL, "stored password hash is not valid")
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return PasswordParams{}, nil, nil, corrupt
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return PasswordParams{}, nil, nil, corrupt
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil ||
		p.MemoryKiB == 0 || p.MemoryKiB > maxStoredMemoryKiB || p.Time == 0 || p.Threads == 0 {
		return PasswordParams{}, nil, nil, corrupt
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return PasswordParams{}, nil, nil, corrupt
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// Password length limits, counted in characters. NIST SP 800-63B: length is what makes a
// password strong, so there are no composition rules; the upper bound only keeps hashing
// cheap enough.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
)

// CheckPassword applies the password policy; the refusal says which rule failed, so the
// person can choose a better one. email is the account's address.
func CheckPassword(password, email string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return cooperative.Errorf(cooperative.EINVALID, "the password must be valid UTF-8 text")
	case n < MinPasswordLength:
		return cooperative.Errorf(cooperative.EINVALID, "the password must be at least %d characters long", MinPasswordLength)
	case n > MaxPasswordLength:
		return cooperative.Errorf(cooperative.EINVALID, "the password must be at most %d characters long", MaxPasswordLength)
	}
	lower := strings.ToLower(password)
	email = strings.ToLower(strings.TrimSpace(email))
	local, _, _ := strings.Cut(email, "@")
	if email != "" && (lower == email || lower == local) {
		return cooperative.Errorf(cooperative.EINVALID, "the password must not be your e-mail address")
	}
	if repeatsShortSequence(lower) {
		return cooperative.Errorf(cooperative.EINVALID, "the password must not repeat a short sequence of characters")
	}
	if commonPasswords[lower] || onlyGuessableWords(lower) {
		return cooperative.Errorf(cooperative.EINVALID, "the password is too common; choose one that is not on lists of leaked passwords")
	}
	return nil
}

// onlyGuessableWords catches the usual pattern of a guessable word padded with digits and
// punctuation ("Welkom2025!", "Kracht123456"): what guessers try first.
func onlyGuessableWords(lower string) bool {
	for _, w := range []string{"kracht", "password", "passw0rd", "wachtwoord", "welkom", "welcome", "qwerty", "admin", "letmein"} {
		lower = strings.ReplaceAll(lower, w, "")
	}
	return strings.Trim(lower, "0123456789!?.,@#$%&*_-+= ") == ""
}

// repeatsShortSequence catches "aaaaaaaaaaaa" and "abcabcabcabc": a unit of up to four
// characters repeated (NIST: refuse repetitive passwords).
func repeatsShortSequence(s string) bool {
	r := []rune(s)
	for unit := 1; unit <= 4 && unit < len(r); unit++ {
		repeated := true
		for i := unit; i < len(r); i++ {
			if r[i] != r[i%unit] {
				repeated = false
				break
			}
		}
		if repeated {
			return true
		}
	}
	return false
}

// commonPasswords are very common passwords that are long enough to pass the length rule
// (shorter ones fail it anyway), from published lists of leaked passwords, in English and
// Dutch. It is short on purpose: a large breach corpus belongs in a service of its own.
var commonPasswords = map[string]bool{
	"123456789012": true, "1234567890123": true, "12345678901234": true, "123456789012345": true,
	"1234567890qwerty": true, "qwerty123456": true, "qwerty1234567": true, "qwertyuiop123": true,
	"qwertyuiopasdf": true, "qwertyuiopasdfghjkl": true, "qwerty123456789": true, "1q2w3e4r5t6y": true,
	"1q2w3e4r5t6y7u": true, "1qaz2wsx3edc": true, "zaq12wsxcde3": true, "zaq1zaq1zaq1": true,
	"password1234": true, "password12345": true, "password123!": true, "passwordpassword": true,
	"password1234!": true, "p@ssw0rd1234": true, "passw0rd1234": true, "p@ssword1234": true,
	"iloveyou1234": true, "iloveyouiloveyou": true, "abcdefghijkl": true, "abc123456789": true,
	"abcd1234abcd": true, "welcome12345": true, "welcome123456": true, "administrator": true,
	"administrator1": true, "letmein12345": true, "trustno1trustno1": true, "football1234": true,
	"baseball1234": true, "princess1234": true, "sunshine1234": true, "superman1234": true,
	"starwars1234": true, "monkey123456": true, "dragon123456": true, "changeme1234": true,
	"changeme12345": true, "correcthorsebatterystaple": true, "qwertyqwerty": true,
	"wachtwoord123": true, "wachtwoord1234": true, "wachtwoord12345": true, "wachtwoord123!": true,
	"welkom123456": true, "welkom1234!!": true, "welkomwelkom": true, "geheim123456": true,
	"hallo1234567": true, "voetbal12345": true, "amsterdam123": true, "rotterdam123": true,
	"nederland123": true, "nederland1234": true, "azerty123456": true, "azertyuiop123": true,
}
