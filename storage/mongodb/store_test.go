package mongodb_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/storage/mongodb"
	"github.com/kracht-coop/kracht/storage/storetest"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// TestContract runs the storage contract against a real replica set, each test in a
// database of its own that is dropped afterwards.
func TestContract(t *testing.T) {
	uri := os.Getenv("MONGODB_URI")
	if uri == "" {
		t.Skip("MONGODB_URI is not set: point it at a replica set, e.g. " +
			"MONGODB_URI='mongodb://localhost:27017/?replicaSet=rs0' go test ./storage/mongodb/, " +
			"to run the storage contract against MongoDB")
	}
	ctx := context.Background()
	admin, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Disconnect(context.Background()) })
	storetest.Run(t, func(t *testing.T) cooperative.Store {
		name := "kracht_test_" + hex.EncodeToString(randomBytes(t, 8))
		t.Cleanup(func() {
			if err := admin.Database(name).Drop(context.Background()); err != nil {
				t.Errorf("drop %s: %v", name, err)
			}
		})
		s, err := mongodb.Open(ctx, mongodb.Options{URI: uri, Database: name})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenMalformedURI(t *testing.T) {
	for _, uri := range []string{
		"mongodb://user:s3cret@[bad",
		"postgres://user:s3cret@localhost/",
		"mongodb://user:s3cret@localhost:99999/",
		"mongodb://user:s3cret%zz@localhost/", // a bad escape in the password itself
		"",
	} {
		_, err := mongodb.Open(context.Background(), mongodb.Options{URI: uri})
		if err == nil || !strings.HasPrefix(err.Error(), "MONGODB_URI is malformed: ") {
			t.Errorf("Open(%q) = %v, want a malformed URI error", uri, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) error shows the password: %v", uri, err)
		}
		t.Log(err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	start := time.Now()
	_, err := mongodb.Open(context.Background(), mongodb.Options{
		URI: "mongodb://user:s3cret@127.0.0.1:1/?serverSelectionTimeoutMS=500&connectTimeoutMS=500"})
	if err == nil || !strings.Contains(err.Error(), "MONGODB_URI: cannot reach 127.0.0.1:1") {
		t.Fatalf("Open = %v, want a cannot reach error", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error shows the password: %v", err)
	}
	t.Log(err)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Open took %v; serverSelectionTimeoutMS=500 was not respected", d)
	}
}
