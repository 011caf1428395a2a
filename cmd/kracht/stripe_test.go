package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/stripeclient/stripemock"
	"github.com/kracht-coop/kracht/storage/embedded"
)

// TestStripeResync runs `kracht stripe resync` against stripe-mock: it fetches the
// cooperative's events, stores the new ones once (a second run finds none new) and
// applies them.
func TestStripeResync(t *testing.T) {
	mockURL, stop, err := stripemock.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	dir := t.TempDir()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env := map[string]string{"KRACHT_DATA_DIR": dir, "KRACHT_SECRETS_KEY": base64.StdEncoding.EncodeToString(key),
		"KRACHT_STRIPE_API_URL": mockURL}
	getenv := func(k string) string { return env[k] }

	s, err := embedded.Open(ctx, filepath.Join(dir, "kracht.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	box, _ := cooperative.NewSecretBox(key)
	var coop string
	err = s.Update(ctx, func(tx cooperative.Tx) error {
		c, err := cooperative.CreateCooperative(tx, cooperative.NewCooperative{Name: "Zon", Kind: cooperative.KindEnergy,
			Country: "NL", RegistrationNumber: "12345678", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}, time.Now())
		if err != nil {
			return err
		}
		coop = c.ID
		_, err = payments.ConnectStripeAccount(tx, box, cooperative.Actor{Role: "board"}, c.ID, payments.StripeCredentials{AccountID: "acct_1",
			SecretKey: "sk_test_0123456789abcdef", WebhookSecret: "whsec_0123456789abcdef"}, time.Now())
		return err
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	newEvents := regexp.MustCompile(`cooperative ` + coop + `: (\d+) new events`)
	resync := func(args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if err := run(ctx, append([]string{"stripe", "resync"}, args...), getenv, strings.NewReader(""), &out, &errs); err != nil {
			t.Fatalf("resync: %v\n%s", err, errs.String())
		}
		if strings.Contains(out.String()+errs.String(), "sk_test_0123456789abcdef") {
			t.Fatal("the secret key was printed")
		}
		return out.String()
	}
	first := resync("--cooperative", coop)
	m := newEvents.FindStringSubmatch(first)
	if m == nil || m[1] == "0" {
		t.Fatalf("first resync: %q", first)
	}
	if !strings.Contains(first, "applied ") {
		t.Fatalf("nothing applied: %q", first)
	}
	// Everything is stored now: the same window again brings nothing new.
	if again := resync(); !strings.Contains(again, "cooperative "+coop+": 0 new events") {
		t.Fatalf("second resync: %q", again)
	}
	var out, errs bytes.Buffer
	if err := run(ctx, []string{"stripe", "resync", "--cooperative", "nope"}, getenv, strings.NewReader(""), &out, &errs); err == nil {
		t.Fatal("a bad cooperative id was accepted")
	}
}
