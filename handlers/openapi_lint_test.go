package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// redoclyCLI is the linter CI runs on the API description, pinned so a new release's
// rules cannot fail a build that changed nothing.
const redoclyCLI = "@redocly/cli@2.77.0"

// TestOpenAPILint runs Redocly's recommended rules on the document /openapi.json serves
// and fails on any error (warnings are printed). It needs node and npx (Debian: nodejs
// npm); npx downloads the pinned CLI from the npm registry the first time.
func TestOpenAPILint(t *testing.T) {
	npx, err := exec.LookPath("npx")
	if err != nil {
		t.Skip("npx not found (install node and npm, Debian: apt-get install nodejs npm): the OpenAPI lint did not run")
	}
	ts := newTestServer(t)
	r := ts.do(t, "GET", "/openapi.json", "", nil)
	if r.status != 200 {
		t.Fatalf("/openapi.json: %d", r.status)
	}
	// Indented, so the linter's excerpts show the lines they point at.
	var doc bytes.Buffer
	if err := json.Indent(&doc, r.body, "", "  "); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "openapi.json")
	if err := os.WriteFile(file, doc.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npx, "--yes", redoclyCLI, "lint", "--format=stylish", file)
	cmd.Dir = dir // no redocly.yaml of anyone's: the built-in recommended rules
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npx %s lint: %v\n%s", redoclyCLI, err, out)
	}
	if !strings.Contains(string(out), "valid") {
		t.Fatalf("npx %s lint said nothing of the document:\n%s", redoclyCLI, out)
	}
	t.Logf("npx %s lint openapi.json:\n%s", redoclyCLI, out)
}

// TestOpenAPISecurityFollowsPolicy checks each operation's security in the document: an
// empty list on public operations (no credentials), the bearer token on the others.
func TestOpenAPISecurityFollowsPolicy(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do(t, "GET", "/openapi.json", "", nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Security *json.RawMessage `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	var public, bearer int
	for path, item := range ts.OpenAPI().Paths {
		ops := map[string]*huma.Operation{"get": item.Get, "post": item.Post, "put": item.Put, "patch": item.Patch, "delete": item.Delete}
		for method, op := range ops {
			if op == nil {
				continue
			}
			p, ok := op.Metadata[policyMetadataKey].(policy)
			if !ok {
				t.Errorf("%s %s has no policy", method, path)
				continue
			}
			got := doc.Paths[path][method].Security
			want := `[{"bearer":[]}]`
			if !p.signedIn {
				want = `[]`
				public++
			} else {
				bearer++
			}
			if got == nil || string(*got) != want {
				t.Errorf("%s %s (%s): security %s, want %s", method, path, p, rawOrNone(got), want)
			}
		}
	}
	if public == 0 || bearer == 0 {
		t.Fatalf("%d public and %d bearer operations: the document is not read right", public, bearer)
	}
}

func rawOrNone(r *json.RawMessage) string {
	if r == nil {
		return "none"
	}
	return string(*r)
}

// TestOpenAPITagsDeclared checks that every tag an operation has is declared at the top
// of the document with a description, and that every declared tag is used.
func TestOpenAPITagsDeclared(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do(t, "GET", "/openapi.json", "", nil)
	var doc struct {
		Tags []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"tags"`
		Paths map[string]map[string]struct {
			Tags []string `json:"tags"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, tag := range doc.Tags {
		if tag.Description == "" {
			t.Errorf("tag %q has no description", tag.Name)
		}
		declared[tag.Name] = true
	}
	used := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if len(op.Tags) == 0 {
				t.Errorf("%s %s has no tag", method, path)
			}
			for _, tag := range op.Tags {
				used[tag] = true
				if !declared[tag] {
					t.Errorf("%s %s: tag %q is not declared in the document's tags", method, path, tag)
				}
			}
		}
	}
	for tag := range declared {
		if !used[tag] {
			t.Errorf("tag %q is declared but no operation has it", tag)
		}
	}
}
