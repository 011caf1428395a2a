package cooperative_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/embedded"
)

func TestStripeCredentialsAtRest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	s, err := embedded.Open(ctx, path, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keyFile := filepath.Join(t.TempDir(), "secrets.key")
	key, err := cooperative.LoadOrCreateSecretsKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode().Perm())
	}
	if again, _ := cooperative.LoadOrCreateSecretsKey(keyFile); !bytes.Equal(again, key) {
		t.Fatal("the key file was not reused")
	}
	box, _ := cooperative.NewSecretBox(key)
	now := time.Now()
	creds := payments.StripeCredentials{AccountID: "acct_1", SecretKey: "sk_test_SECRETVALUE1234", WebhookSecret: "whsec_SECRETWEBHOOK"}
	var coops [2]string
	err = s.Update(ctx, func(tx cooperative.Tx) error {
		for i := range coops {
			c, err := cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: fmt.Sprint("C", i), Kind: cooperative.KindEnergy,
				Country: "NL", RegistrationNumber: fmt.Sprint("R", i), IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, now)
			if err != nil {
				return err
			}
			coops[i] = c.ID
		}
		st, err := payments.ConnectStripeAccount(tx, box, cooperative.Actor{UserID: "u", Role: "board"}, coops[0], creds, now)
		if err == nil && (st.KeyLast4 != "1234" || !st.Connected) {
			t.Errorf("status %+v", st)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pay := payments.NewPayments(cooperative.NewRunner(s, nil), shares.StandardPayables())
	got, err := pay.StripeCredentialsFor(ctx, box, coops[0])
	if err != nil || got != creds {
		t.Fatalf("credentials %v %v", got, err)
	}
	if _, err := pay.StripeCredentialsFor(ctx, box, coops[1]); cooperative.ErrorCode(err) != cooperative.ERULE {
		t.Fatalf("unconnected cooperative: %v", err)
	}
	other := make([]byte, 32)
	_, _ = rand.Read(other)
	otherBox, _ := cooperative.NewSecretBox(other)
	if _, err := pay.StripeCredentialsFor(ctx, otherBox, coops[0]); err == nil {
		t.Fatal("another key opened the secrets")
	}
	// Bound to the cooperative: a ciphertext sealed for one does not open for another.
	sealed := box.Seal([]byte("x"), "a")
	if _, err := box.Open(sealed, "b"); err == nil {
		t.Fatal("opened with other associated data")
	}
	s.Close()
	raw, _ := os.ReadFile(path)
	wal, _ := os.ReadFile(path + "-wal")
	for _, secret := range []string{creds.SecretKey, creds.WebhookSecret} {
		if bytes.Contains(raw, []byte(secret)) || bytes.Contains(wal, []byte(secret)) {
			t.Fatalf("%s is stored in clear", secret[:6])
		}
	}
	for _, out := range []string{fmt.Sprint(creds), fmt.Sprintf("%+v", creds), fmt.Sprintf("%#v", creds)} {
		if strings.Contains(out, "SECRET") {
			t.Fatalf("printed: %s", out)
		}
	}
	for _, bad := range []payments.StripeCredentials{
		{SecretKey: "pk_test_123456789012", WebhookSecret: "whsec_123456"},
		{SecretKey: "sk_test_123456789012", WebhookSecret: "nope"},
	} {
		if _, err := bad.Validate(); cooperative.ErrorCode(err) != cooperative.EINVALID {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestStripeCredentialErrorsNameTheRule: a refused credential is told what is wrong
// with it (a key of the right kind but too short is not told it is the wrong kind).
func TestStripeCredentialErrorsNameTheRule(t *testing.T) {
	const webhook = "whsec_0123456789abcdef"
	for _, tt := range []struct {
		creds payments.StripeCredentials
		want  string
	}{
		{payments.StripeCredentials{SecretKey: "sk_test_123", WebhookSecret: webhook}, "secretKey is too short: a Stripe credential has at least 16 characters, this one 11"},
		{payments.StripeCredentials{SecretKey: "pk_test_0123456789abcdef", WebhookSecret: webhook}, "secretKey must be a Stripe secret or restricted key: it starts with sk_live_, sk_test_, rk_live_ or rk_test_"},
		{payments.StripeCredentials{SecretKey: "sk_test_" + strings.Repeat("a", 250), WebhookSecret: webhook}, "secretKey is too long: at most 255 characters"},
		{payments.StripeCredentials{SecretKey: "sk_test_0123 456789abcdef", WebhookSecret: webhook}, "secretKey must not contain spaces or line breaks"},
		{payments.StripeCredentials{SecretKey: "sk_test_0123456789abcdef", WebhookSecret: "whsec_1"}, "webhookSecret is too short: a Stripe credential has at least 12 characters, this one 7"},
		{payments.StripeCredentials{SecretKey: "sk_test_0123456789abcdef", WebhookSecret: "0123456789abcdef"}, "webhookSecret must be a Stripe signing secret: it starts with whsec_"},
	} {
		_, err := tt.creds.Validate()
		if cooperative.ErrorCode(err) != cooperative.EINVALID || cooperative.ErrorMessage(err) != tt.want {
			t.Errorf("%q: %v, want %q", tt.creds.SecretKey+" "+tt.creds.WebhookSecret, err, tt.want)
		}
	}
}
