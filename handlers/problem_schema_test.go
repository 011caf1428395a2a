package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// publishedSchemas compiles schemas out of the server's own /openapi.json with an
// independent JSON Schema (2020-12) validator, formats asserted.
type publishedSchemas struct {
	c *jsonschema.Compiler
}

const openAPIURL = "https://kracht.test/openapi.json"

func newPublishedSchemas(t testing.TB, ts *testServer) *publishedSchemas {
	t.Helper()
	r := ts.do(t, "GET", "/openapi.json", "", nil)
	wantStatus(t, r, 200)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(openAPIURL, doc); err != nil {
		t.Fatal(err)
	}
	return &publishedSchemas{c: c}
}

// responseSchema is the schema /openapi.json publishes for a problem op answers with.
func (p *publishedSchemas) responseSchema(t testing.TB, method, path string, status int) *jsonschema.Schema {
	t.Helper()
	pointer := "#/components/schemas/Problem" // answers of no operation (unknown route, wrong method)
	if path != "" {
		esc := strings.NewReplacer("~", "~0", "/", "~1").Replace
		pointer = fmt.Sprintf("#/paths/%s/%s/responses/%d/content/%s/schema", esc(path), strings.ToLower(method), status,
			esc("application/problem+json"))
	}
	s, err := p.c.Compile(openAPIURL + pointer)
	if err != nil {
		t.Fatalf("%s %s %d is not published: %v", method, path, status, err)
	}
	return s
}

// TestProblemBodiesMatchThePublishedSchema sends requests that fail in each way a client
// can meet and validates every answer against the schema /openapi.json publishes for it.
func TestProblemBodiesMatchThePublishedSchema(t *testing.T) {
	as := newAuthServer(t)
	admin := as.admin(t, "ops@kracht.test")
	as.signUp(t, "ann@example.org")
	ann := as.signIn(t, "ann@example.org")
	coop := map[string]string{"name": "Zon", "kind": "energy", "country": "NL", "registrationNumber": "99000001",
		"iban": "NL91ABNA0417164300", "bic": "ABNANL2A"}
	wantStatus(t, as.call(t, "POST", "/v1/admin/cooperatives", admin.tokens.AccessToken, coop), 201)
	for i := range 5 {
		as.login(t, "locked@example.org", fmt.Sprint("wrong password ", i), "")
	}
	published := newPublishedSchemas(t, as.testServer)

	type check struct {
		name, method, template string
		send                   func() response
		status                 int
	}
	json := func(method, path, token string, body any) func() response {
		return func() response { return as.call(t, method, path, token, body) }
	}
	raw := func(method, path, contentType, body string) func() response {
		return func() response { return as.do(t, method, path, contentType, strings.NewReader(body)) }
	}
	for _, c := range []check{
		{"malformed JSON", "POST", "/v1/auth/login", raw("POST", "/v1/auth/login", "application/json", `{"email":`), 400},
		{"no token", "GET", "/v1/me", json("GET", "/v1/me", "", nil), 401},
		{"not an admin", "GET", "/v1/admin/audit", json("GET", "/v1/admin/audit", ann.tokens.AccessToken, nil), 403},
		{"no such cooperative", "GET", "/v1/cooperatives/{cooperativeID}",
			json("GET", "/v1/cooperatives/"+cooperative.NewID(), "", nil), 404},
		{"registration number taken", "POST", "/v1/admin/cooperatives",
			json("POST", "/v1/admin/cooperatives", admin.tokens.AccessToken, coop), 409},
		{"too large", "POST", "/v1/auth/login", func() response { return as.overTheLimit(t, "/v1/auth/login", 70<<10) }, 413},
		{"not JSON", "POST", "/v1/auth/login", raw("POST", "/v1/auth/login", "text/plain", `{}`), 415},
		{"fails the schema", "POST", "/v1/auth/login", json("POST", "/v1/auth/login", "", map[string]any{"email": 7}), 422},
		{"throttled", "POST", "/v1/auth/login", json("POST", "/v1/auth/login", "", map[string]string{"email": "locked@example.org",
			"password": testPassword}), 429},
		{"unknown route", "GET", "", json("GET", "/v1/nothing-here", "", nil), 404},
		{"wrong method", "DELETE", "", json("DELETE", "/healthz", "", nil), 405},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.send()
			wantStatus(t, r, c.status)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("Content-Type %q", ct)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			if err := published.responseSchema(t, c.method, c.template, c.status).Validate(inst); err != nil {
				t.Fatalf("%s does not match the published schema: %v", r.body, err)
			}
			if r.problem.Code == "" || r.problem.RequestID == "" {
				t.Fatalf("no code or request id: %s", r.body)
			}
		})
	}
}

// TestProblemCodesArePublished: the code enum of the published Problem is exactly the
// codes problem.go maps to a status.
func TestProblemCodesArePublished(t *testing.T) {
	ts := newTestServer(t)
	var published []string
	for _, v := range ts.OpenAPI().Components.Schemas.Map()["Problem"].Properties["code"].Enum {
		published = append(published, v.(string))
	}
	var mapped []string
	for code := range statusOf {
		mapped = append(mapped, code)
	}
	slices.Sort(published)
	slices.Sort(mapped)
	if !slices.Equal(published, mapped) {
		t.Fatalf("published codes %v, mapped %v", published, mapped)
	}
}

// TestApplicationSchemaRequiresByKind: the published schema of an application requires
// a dateOfBirth of a person and a registrationNumber of an entity, and the API accepts
// exactly the applications the published schema accepts.
func TestApplicationSchemaRequiresByKind(t *testing.T) {
	sc := newScenario(t)
	sc.adopt(t, 20)
	sc.as.signUp(t, "ann@example.org")
	ann := sc.as.signIn(t, "ann@example.org")
	published := newPublishedSchemas(t, sc.as.testServer)
	schema, err := published.c.Compile(openAPIURL + "#/components/schemas/MembershipApplication")
	if err != nil {
		t.Fatal(err)
	}
	person := applicationBody("Ann de Vries", "NL91ABNA0417164300")
	noBirth := applicationBody("Ann de Vries", "NL91ABNA0417164300")
	delete(noBirth, "dateOfBirth")
	entity := applicationBody("Zon BV", "NL91ABNA0417164300")
	entity["kind"], entity["registrationNumber"] = "entity", "12345678"
	delete(entity, "dateOfBirth")
	noRegistration := applicationBody("Zon BV", "NL91ABNA0417164300")
	noRegistration["kind"] = "entity"
	for _, tt := range []struct {
		name    string
		body    map[string]any
		valid   bool
		missing string
	}{
		{"person", person, true, ""},
		{"person without dateOfBirth", noBirth, false, "dateOfBirth"},
		{"entity", entity, true, ""},
		{"entity without registrationNumber", noRegistration, false, "registrationNumber"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(tt.body)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			err = schema.Validate(inst)
			if (err == nil) != tt.valid || (err != nil && !strings.Contains(err.Error(), tt.missing)) {
				t.Fatalf("published schema: %v, want valid %v", err, tt.valid)
			}
			r := sc.as.call(t, "POST", sc.coop+"/members", ann.tokens.AccessToken, tt.body)
			if tt.valid {
				wantStatus(t, r, 201)
			} else {
				wantProblem(t, r, 400, cooperative.EINVALID)
				if !strings.Contains(r.problem.Detail, tt.missing) {
					t.Fatalf("detail %q does not name %s", r.problem.Detail, tt.missing)
				}
			}
		})
	}
}
