package handlers

import (
	"context"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

// TestTOTPSecretIsEncryptedAtRest turns on two-factor authentication and reads the user's
// stored record: the secret is not there in any readable form, and signing in with a
// code still works (the secret is opened again).
func TestTOTPSecretIsEncryptedAtRest(t *testing.T) {
	as := newAuthServer(t)
	s := as.admin(t, "ops@kracht.test")
	if s.totp == "" {
		t.Fatal("admin has no TOTP secret")
	}
	var stored string
	if err := as.store.View(context.Background(), func(tx cooperative.Tx) error {
		rec, err := tx.Get("users", s.userID)
		stored = string(rec.Data)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stored, `"enabled":true`) {
		t.Fatalf("stored user has no TOTP on: %s", stored)
	}
	if strings.Contains(stored, s.totp) || strings.Contains(strings.ToLower(stored), strings.ToLower(s.totp)) {
		t.Fatalf("the TOTP secret is stored readable: %s", stored)
	}
	as.signInMFA(t, s) // fails the test unless the stored secret opens and the code checks
}
