package payments

// A cooperative's connection to its own Stripe account: the secret API key and the
// webhook signing secret. Both are encrypted at rest with AES-256-GCM under a key from
// configuration (KRACHT_SECRETS_KEY), with the cooperative's id and the secret's purpose
// as associated data, so a ciphertext copied to another record does not open. They leave
// this file only through StripeCredentialsFor, for the code that calls Stripe; what the
// API may show is StripeAccountStatus (connected, account id, last four of the key).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
)

// StripeCredentials are a cooperative's Stripe secrets. They print redacted, so a stray
// log line or %v shows nothing secret.
type StripeCredentials struct {
	AccountID     string // acct_…, shown to the board; not secret
	SecretKey     string // sk_live_…, sk_test_… or a restricted rk_…
	WebhookSecret string // whsec_…
}

// String redacts the secrets.
func (c StripeCredentials) String() string {
	return fmt.Sprintf("StripeCredentials{AccountID:%s SecretKey:%s WebhookSecret:[redacted]}", c.AccountID, last4(c.SecretKey))
}

// GoString redacts the secrets under %#v too.
func (c StripeCredentials) GoString() string { return c.String() }

// LogValue redacts the secrets in structured logs.
func (c StripeCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("accountId", c.AccountID), slog.String("key", last4(c.SecretKey)))
}

func last4(s string) string {
	if len(s) < 4 {
		return "…"
	}
	return "…" + s[len(s)-4:]
}

// Validate checks the form of the credentials (not that Stripe accepts them).
func (c StripeCredentials) Validate() (StripeCredentials, error) {
	c.AccountID = strings.TrimSpace(c.AccountID)
	c.SecretKey = strings.TrimSpace(c.SecretKey)
	c.WebhookSecret = strings.TrimSpace(c.WebhookSecret)
	if c.AccountID != "" && (!strings.HasPrefix(c.AccountID, "acct_") || len(c.AccountID) > 64) {
		return c, cooperative.Errorf(cooperative.EINVALID, "accountId must look like acct_…")
	}
	key := strings.HasPrefix(c.SecretKey, "sk_live_") || strings.HasPrefix(c.SecretKey, "sk_test_") ||
		strings.HasPrefix(c.SecretKey, "rk_live_") || strings.HasPrefix(c.SecretKey, "rk_test_")
	if !key {
		return c, cooperative.Errorf(cooperative.EINVALID, "secretKey must be a Stripe secret or restricted key: it starts with sk_live_, sk_test_, rk_live_ or rk_test_")
	}
	if err := secretForm("secretKey", c.SecretKey, minSecretKey); err != nil {
		return c, err
	}
	if !strings.HasPrefix(c.WebhookSecret, "whsec_") {
		return c, cooperative.Errorf(cooperative.EINVALID, "webhookSecret must be a Stripe signing secret: it starts with whsec_")
	}
	if err := secretForm("webhookSecret", c.WebhookSecret, minWebhookSecret); err != nil {
		return c, err
	}
	return c, nil
}

// The shortest credentials taken: Stripe's are far longer (a secret key about 100
// characters), so anything this short is a typo or a placeholder.
const (
	minSecretKey     = 16
	minWebhookSecret = 12
	maxSecret        = 255
)

// secretForm checks the length and characters of a Stripe credential, naming the rule
// that fails (never the value).
func secretForm(field, value string, minLen int) error {
	switch {
	case len(value) < minLen:
		return cooperative.Errorf(cooperative.EINVALID, "%s is too short: a Stripe credential has at least %d characters, this one %d", field, minLen, len(value))
	case len(value) > maxSecret:
		return cooperative.Errorf(cooperative.EINVALID, "%s is too long: at most %d characters", field, maxSecret)
	case strings.ContainsAny(value, " \t\r\n"):
		return cooperative.Errorf(cooperative.EINVALID, "%s must not contain spaces or line breaks", field)
	}
	return nil
}

// StripeAccountStatus is what may be shown about a connection.
type StripeAccountStatus struct {
	Connected   bool      `json:"connected"`
	AccountID   string    `json:"accountId,omitempty"`
	KeyLast4    string    `json:"keyLast4,omitempty"`
	Livemode    bool      `json:"livemode"`
	ConnectedAt time.Time `json:"connectedAt,omitzero"`
	ConnectedBy string    `json:"connectedBy,omitempty"`
}

// stripeAccount is the stored record; the secrets only as ciphertext.
type stripeAccount struct {
	CooperativeID string              `json:"cooperativeId"`
	Status        StripeAccountStatus `json:"status"`
	SealedKey     []byte              `json:"sealedKey"`
	SealedWebhook []byte              `json:"sealedWebhook"`
	// LastEventAt is the creation time of the newest event applied, where a resync starts.
	LastEventAt time.Time `json:"lastEventAt,omitzero"`
}

const collectionStripeAccounts = "stripe_accounts"

// The associated data binds a ciphertext to its cooperative and its purpose.
func stripeKeyAAD(cooperativeID string) string { return "kracht stripe key\n" + cooperativeID }
func stripeWebhookAAD(cooperativeID string) string {
	return "kracht stripe webhook secret\n" + cooperativeID
}

// stripeAudit is what the audit log keeps of a connection: never a secret, only the key's
// last four characters and short fingerprints, which tell a rotation from a repeat.
type stripeAudit struct {
	StripeAccountStatus
	KeyFingerprint     string `json:"keyFingerprint,omitempty"`
	WebhookFingerprint string `json:"webhookSecretFingerprint,omitempty"`
}

// fingerprint is the first 8 bytes of a secret's SHA-256, in hex. A Stripe secret has far
// too much entropy for 64 bits of its hash to help anyone find it.
func fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:8])
}

// ConnectStripeAccount stores (or replaces) a cooperative's Stripe credentials in tx, with
// the audit entry of actor (stripe_account.connect, or .rotate when it replaces some).
func ConnectStripeAccount(tx cooperative.Tx, box *cooperative.SecretBox, actor cooperative.Actor, cooperativeID string, c StripeCredentials, now time.Time) (StripeAccountStatus, error) {
	if !cooperative.ValidID(cooperativeID) {
		return StripeAccountStatus{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
	}
	c, err := c.Validate()
	if err != nil {
		return StripeAccountStatus{}, err
	}
	if _, err := tx.Get(cooperative.CollectionCooperatives, cooperativeID); err != nil {
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return StripeAccountStatus{}, cooperative.Errorf(cooperative.ENOTFOUND, "cooperative %s not found", cooperativeID)
		}
		return StripeAccountStatus{}, err
	}
	acc, rec, err := cooperative.GetAs[stripeAccount](tx, collectionStripeAccounts, cooperativeID)
	if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		return StripeAccountStatus{}, err
	}
	var before any
	if rec.Version != 0 {
		b := stripeAudit{StripeAccountStatus: acc.Status}
		if key, err := box.Open(acc.SealedKey, stripeKeyAAD(cooperativeID)); err == nil {
			b.KeyFingerprint = fingerprint(string(key))
		}
		if wh, err := box.Open(acc.SealedWebhook, stripeWebhookAAD(cooperativeID)); err == nil {
			b.WebhookFingerprint = fingerprint(string(wh))
		}
		before = b
	}
	acc.CooperativeID = cooperativeID
	acc.Status = StripeAccountStatus{Connected: true, AccountID: c.AccountID, KeyLast4: c.SecretKey[len(c.SecretKey)-4:],
		Livemode: strings.Contains(c.SecretKey, "_live_"), ConnectedAt: now.UTC(), ConnectedBy: actor.UserID}
	acc.SealedKey = box.Seal([]byte(c.SecretKey), stripeKeyAAD(cooperativeID))
	acc.SealedWebhook = box.Seal([]byte(c.WebhookSecret), stripeWebhookAAD(cooperativeID))
	out := cooperative.Record{Collection: collectionStripeAccounts, ID: cooperativeID, Version: rec.Version, Data: cooperative.Encode(acc)}
	action := "stripe_account.connect"
	if rec.Version != 0 {
		action = "stripe_account.rotate"
	}
	if _, err = cooperative.Put(tx, out); err != nil {
		return StripeAccountStatus{}, err
	}
	after := stripeAudit{StripeAccountStatus: acc.Status, KeyFingerprint: fingerprint(c.SecretKey),
		WebhookFingerprint: fingerprint(c.WebhookSecret)}
	return acc.Status, cooperative.AppendAudit(tx, actor, cooperativeID, action, "stripe_account", cooperativeID, before, after, now)
}

// ConnectStripe is ConnectStripeAccount in a transaction of its own.
func (ps *Payments) ConnectStripe(ctx context.Context, box *cooperative.SecretBox, actor cooperative.Actor, cooperativeID string, c StripeCredentials) (StripeAccountStatus, error) {
	var st StripeAccountStatus
	err := ps.run.Update(ctx, func(tx cooperative.Tx, now time.Time) (err error) {
		st, err = ConnectStripeAccount(tx, box, actor, cooperativeID, c, now)
		return err
	})
	return st, err
}

// GetStripeAccountStatus returns what may be shown about a cooperative's connection.
func (ps *Payments) GetStripeAccountStatus(ctx context.Context, cooperativeID string) (StripeAccountStatus, error) {
	return stripeAccountStatus(ctx, ps.run, cooperativeID)
}

func stripeAccountStatus(ctx context.Context, run *cooperative.Runner, cooperativeID string) (StripeAccountStatus, error) {
	var st StripeAccountStatus
	err := run.View(ctx, func(tx cooperative.Tx) error {
		acc, _, err := cooperative.GetAs[stripeAccount](tx, collectionStripeAccounts, cooperativeID)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return nil
		}
		st = acc.Status
		return err
	})
	return st, err
}

// StripeCredentialsFor decrypts a cooperative's credentials, for the code that talks to
// Stripe. A cooperative that has not connected Stripe is ERULE.
func (ps *Payments) StripeCredentialsFor(ctx context.Context, box *cooperative.SecretBox, cooperativeID string) (StripeCredentials, error) {
	return stripeCredentialsFor(ctx, ps.run, box, cooperativeID)
}

func stripeCredentialsFor(ctx context.Context, run *cooperative.Runner, box *cooperative.SecretBox, cooperativeID string) (StripeCredentials, error) {
	var acc stripeAccount
	err := run.View(ctx, func(tx cooperative.Tx) (err error) {
		acc, _, err = cooperative.GetAs[stripeAccount](tx, collectionStripeAccounts, cooperativeID)
		return err
	})
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return StripeCredentials{}, cooperative.Errorf(cooperative.ERULE, "this cooperative has not connected a Stripe account")
	}
	if err != nil {
		return StripeCredentials{}, err
	}
	key, err := box.Open(acc.SealedKey, stripeKeyAAD(cooperativeID))
	if err != nil {
		return StripeCredentials{}, err
	}
	wh, err := box.Open(acc.SealedWebhook, stripeWebhookAAD(cooperativeID))
	if err != nil {
		return StripeCredentials{}, err
	}
	return StripeCredentials{AccountID: acc.Status.AccountID, SecretKey: string(key), WebhookSecret: string(wh)}, nil
}

// StripeResyncFrom returns where a resync of a cooperative's events starts: the creation
// time of the newest event applied less an hour (events are not created in order to the
// second, and the store drops what it has), or 30 days ago (as far back as Stripe keeps
// events) when none was, by the runner's clock.
func (ps *Payments) StripeResyncFrom(ctx context.Context, cooperativeID string) (time.Time, error) {
	from := ps.run.Now().Add(-30 * 24 * time.Hour)
	err := ps.run.View(ctx, func(tx cooperative.Tx) error {
		acc, _, err := cooperative.GetAs[stripeAccount](tx, collectionStripeAccounts, cooperativeID)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return cooperative.Errorf(cooperative.ERULE, "this cooperative has not connected a Stripe account")
		}
		if err != nil {
			return err
		}
		if at := acc.LastEventAt.Add(-time.Hour); at.After(from) {
			from = at
		}
		return nil
	})
	return from, err
}

// noteStripeEventSeen moves a cooperative's resync mark forward.
func noteStripeEventSeen(tx cooperative.Tx, cooperativeID string, created time.Time) error {
	acc, rec, err := cooperative.GetAs[stripeAccount](tx, collectionStripeAccounts, cooperativeID)
	if err != nil {
		return err
	}
	if !created.After(acc.LastEventAt) {
		return nil
	}
	acc.LastEventAt = created.UTC()
	rec.Data = cooperative.Encode(acc)
	_, err = tx.Replace(rec)
	return err
}

// ListStripeCooperatives returns the ids of the cooperatives that connected Stripe (for
// the resync command).
func (ps *Payments) ListStripeCooperatives(ctx context.Context) ([]string, error) {
	var ids []string
	err := ps.run.View(ctx, func(tx cooperative.Tx) error {
		ids = nil
		after := ""
		for {
			page, err := tx.Find(cooperative.Query{Collection: collectionStripeAccounts, After: after, Limit: cooperative.MaxPageSize})
			if err != nil {
				return err
			}
			for _, r := range page.Records {
				ids = append(ids, r.ID)
			}
			if page.Next == "" {
				return nil
			}
			after = page.Next
		}
	})
	return ids, err
}
