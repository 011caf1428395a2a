package cooperative

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"strings"
)

// Secrets that travel to people (refresh tokens, links in mails, invitations) are 32
// random bytes. Only their SHA-256 is stored, as the record id: a copy of the database
// then holds nothing that can be replayed, and a lookup is one Get. A plain hash (no
// salt, no slow KDF) is right here because the input has 256 bits of entropy.
const secretBytes = 32

// newSecret returns a secret with a prefix that says what it is (so a leaked one is
// recognised, by a person or a secret scanner) and the hash to store.
func NewSecret(prefix string) (secret, hash string) {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// plausibleSecret screens input before it reaches the store: right prefix, right length.
func PlausibleSecret(prefix, s string) bool {
	body, ok := strings.CutPrefix(s, prefix)
	return ok && len(body) == base64.RawURLEncoding.EncodedLen(secretBytes)
}

// The secret box: secrets Kracht must read back (TOTP seeds, recovery-code keys, a
// cooperative's Stripe credentials) are stored encrypted with AES-256-GCM under the key
// from configuration, KRACHT_SECRETS_KEY.

// SecretsKeyBytes is the size of the key that encrypts secrets at rest (AES-256).
const SecretsKeyBytes = 32

// SecretBox encrypts small secrets for storage. It is safe for concurrent use.
type SecretBox struct {
	aead cipher.AEAD
	// derive is the root of DeriveKey's keys: an HMAC of the key, so the key itself is
	// kept only inside aead.
	derive []byte
}

// NewSecretBox returns a box for a 32-byte key.
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != SecretsKeyBytes {
		return nil, Errorf(EINVALID, "the secrets key must be %d bytes", SecretsKeyBytes)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, WrapError(EINTERNAL, err, "cannot use the secrets key")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, WrapError(EINTERNAL, err, "cannot use the secrets key")
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("kracht secret box: derived keys"))
	return &SecretBox{aead: aead, derive: m.Sum(nil)}, nil
}

// ParseSecretsKey reads KRACHT_SECRETS_KEY: 32 bytes in standard base64.
func ParseSecretsKey(b64 string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(key) != SecretsKeyBytes {
		return nil, Errorf(EINVALID, "the secrets key must be %d bytes in standard base64", SecretsKeyBytes)
	}
	return key, nil
}

// LoadOrCreateSecretsKey reads the key file at path, or creates it with a new random key
// (mode 0600) when there is none: the embedded store's zero-setup default. Losing the
// file means entering every cooperative's Stripe credentials again, so it belongs in
// the same backup as the data directory.
func LoadOrCreateSecretsKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return ParseSecretsKey(string(b))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, WrapError(EINTERNAL, err, "cannot read the secrets key file")
	}
	key := make([]byte, SecretsKeyBytes)
	_, _ = rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process made it first: use theirs.
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, WrapError(EINTERNAL, err, "cannot read the secrets key file")
		}
		return ParseSecretsKey(string(b))
	}
	if err != nil {
		return nil, WrapError(EINTERNAL, err, "cannot create the secrets key file")
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, WrapError(EINTERNAL, werr, "cannot write the secrets key file")
	}
	return key, nil
}

// Seal encrypts plaintext bound to aad (what the secret belongs to). Each call uses a
// fresh random nonce, stored in front of the ciphertext.
func (b *SecretBox) Seal(plaintext []byte, aad string) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	_, _ = rand.Read(nonce)
	return b.aead.Seal(nonce, nonce, plaintext, []byte(aad))
}

// DeriveKey returns a 32-byte key for one purpose (label), derived from the secrets key:
// the same on every replica and across restarts, and different for every label. The
// community fund keys its secret ballots with one (fund.Options.BallotKey).
func (b *SecretBox) DeriveKey(label string) []byte {
	m := hmac.New(sha256.New, b.derive)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Open decrypts what Seal made for the same aad.
func (b *SecretBox) Open(sealed []byte, aad string) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, Errorf(EINTERNAL, "a stored secret is damaged")
	}
	out, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
	if err != nil {
		// Another key (KRACHT_SECRETS_KEY changed) or a ciphertext moved between records.
		return nil, WrapError(EINTERNAL, errors.New("stored secret does not decrypt"), "a stored secret cannot be read")
	}
	return out, nil
}
