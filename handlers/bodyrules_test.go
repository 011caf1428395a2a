package handlers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/kracht-coop/kracht/cooperative"
)

// TestBodyOnARouteThatTakesNone: a body sent to a route without one (a GET, logout,
// approve) is refused with 400 before anything reads it, well-formed or not; the same
// routes without a body work.
func TestBodyOnARouteThatTakesNone(t *testing.T) {
	as := newAuthServer(t)
	as.signUp(t, "ann@example.org")
	ann := as.signIn(t, "ann@example.org")
	for _, tt := range []struct{ method, path, contentType, body string }{
		{"POST", "/v1/auth/logout", "application/json", `{"x":`},
		{"POST", "/v1/auth/logout", "application/json", `{}`},
		{"POST", "/v1/auth/logout", "text/plain", `GET /v1/me HTTP/1.1`},
		{"GET", "/v1/me", "application/json", `{"email":"someone@example.org"}`},
		{"GET", "/v1/cooperatives", "", `x`},
		{"POST", "/v1/cooperatives/" + cooperative.NewID() + "/members/" + cooperative.NewID() + "/approve", "application/json", `{}`},
		{"POST", "/v1/unsubscribe?token=x", "application/json", `{}`}, // takes only RFC 8058's form, which it ignores
	} {
		t.Run(tt.method+" "+tt.path+" "+tt.body, func(t *testing.T) {
			r := as.do(t, tt.method, tt.path, tt.contentType, strings.NewReader(tt.body), "Authorization", "Bearer "+ann.tokens.AccessToken)
			wantProblem(t, r, 400, cooperative.EINVALID)
			if !strings.Contains(r.problem.Detail, "takes no request body") {
				t.Fatalf("detail %q", r.problem.Detail)
			}
			// That the connection stays in step after such a refusal (the body drained,
			// or the connection closed) is TestConnectionKeepsInStep's.
		})
	}
	wantStatus(t, as.call(t, "GET", "/v1/me", ann.tokens.AccessToken, nil), 200)
	wantStatus(t, as.call(t, "POST", "/v1/auth/logout", ann.tokens.AccessToken, nil), 204)
}

// TestDuplicateJSONKeysAreRefused: encoding/json keeps the last of two equal keys; the
// API refuses the body and names the key, at any depth and however the key is escaped.
func TestDuplicateJSONKeysAreRefused(t *testing.T) {
	ts := newTestServer(t)
	withWriteRoute(ts)
	for _, tt := range []struct{ body, key string }{
		{`{"name":"a","shares":1,"name":"b"}`, `"name"`},
		{`{"name":"a","shares":1,"n\u0061me":"b"}`, `"name"`},
		{`{"name":"a","shares":1,"shares":100}`, `"shares"`},
	} {
		r := ts.do(t, "POST", "/test/things", "application/json", strings.NewReader(tt.body))
		wantProblem(t, r, 400, cooperative.EINVALID)
		if len(r.problem.Errors) == 0 || !strings.Contains(r.problem.Errors[0].Message, "duplicate key "+tt.key) {
			t.Fatalf("%s: the problem does not name the key: %s", tt.body, r.body)
		}
	}
	if n := countThings(t, ts); n != 0 {
		t.Fatalf("%d things written", n)
	}
	wantStatus(t, ts.do(t, "POST", "/test/things", "application/json", strings.NewReader(`{"name":"a","shares":1}`)), 204)
}

func TestDuplicateKeyScan(t *testing.T) {
	for body, want := range map[string]string{
		`{"a":{"b":1,"b":2}}`:                   `duplicate key "b" in the object at body.a`,
		`{"a":[{"b":1},{"b":2}],"c":{"b":1}}`:   ``,
		`{"a":[{"x":1,"y":[1,{"x":2}],"x":3}]}`: `duplicate key "x" in the object at body.a`,
		`[{"a":1},{"a":1,"a":2}]`:               `duplicate key "a" in the object at body`,
		`{"a":"a","b":"a"}`:                     ``,
		`{"a":`:                                 ``, // malformed: the decoder's error
	} {
		err := duplicateKey([]byte(body))
		if got := fmt.Sprint(err); (want == "" && err != nil) || (want != "" && !strings.HasPrefix(got, want)) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

// TestJSONInAnotherCharsetIsRefused: a body declared UTF-16 (or Latin-1) would be read
// as UTF-8; it gets 415 instead.
func TestJSONInAnotherCharsetIsRefused(t *testing.T) {
	ts := newTestServer(t)
	withWriteRoute(ts)
	for _, cs := range []string{"utf-16", "UTF-16LE", "iso-8859-1", "windows-1252"} {
		r := ts.do(t, "POST", "/test/things", "application/json; charset="+cs, strings.NewReader(`{"name":"a","shares":1}`))
		wantProblem(t, r, 415, cooperative.EINVALID)
		if !strings.Contains(r.problem.Detail, "UTF-8") {
			t.Fatalf("detail %q", r.problem.Detail)
		}
	}
	for _, cs := range []string{"", "; charset=utf-8", "; charset=UTF-8", `; charset="utf-8"`, "; charset=us-ascii"} {
		wantStatus(t, ts.do(t, "POST", "/test/things", "application/json"+cs, strings.NewReader(`{"name":"a","shares":1}`)), 204)
	}
	if n := countThings(t, ts); n != 5 {
		t.Fatalf("%d things written, want 5", n)
	}
}

// TestEveryInputStringHasAMaximumLength walks the published API description: every
// string a request carries, in a parameter or a body, has a maxLength, but for enums and
// binary bodies (bounded by the body limit).
func TestEveryInputStringHasAMaximumLength(t *testing.T) {
	ts := newTestServer(t)
	doc := ts.OpenAPI()
	registry := doc.Components.Schemas
	var unbounded []string
	var walk func(where string, s *huma.Schema, seen map[*huma.Schema]bool)
	walk = func(where string, s *huma.Schema, seen map[*huma.Schema]bool) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Ref != "" {
			walk(where, registry.SchemaFromRef(s.Ref), seen)
			return
		}
		if s.Type == huma.TypeString && s.MaxLength == nil && len(s.Enum) == 0 && s.Format != "binary" {
			unbounded = append(unbounded, where)
		}
		for name, p := range s.Properties {
			walk(where+"."+name, p, seen)
		}
		walk(where+"[]", s.Items, seen)
		if ap, ok := s.AdditionalProperties.(*huma.Schema); ok {
			walk(where+"{}", ap, seen)
		}
		for _, list := range [][]*huma.Schema{s.OneOf, s.AnyOf, s.AllOf} {
			for _, x := range list {
				walk(where, x, seen)
			}
		}
	}
	ops := 0
	for path, item := range doc.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put,
			"PATCH": item.Patch, "DELETE": item.Delete} {
			if op == nil {
				continue
			}
			ops++
			for _, p := range op.Parameters {
				walk(fmt.Sprintf("%s %s %s %s", method, path, p.In, p.Name), p.Schema, map[*huma.Schema]bool{})
			}
			if op.RequestBody != nil {
				for ct, mt := range op.RequestBody.Content {
					walk(fmt.Sprintf("%s %s body (%s)", method, path, ct), mt.Schema, map[*huma.Schema]bool{})
				}
			}
		}
	}
	if ops < 50 {
		t.Fatalf("only %d operations", ops)
	}
	for _, u := range unbounded {
		t.Errorf("no maxLength: %s", u)
	}
}

// TestOverlongStringsAreRefused: a string over its maximum, in a body or a parameter,
// gets 422 naming the field, before the handler runs.
func TestOverlongStringsAreRefused(t *testing.T) {
	sc := newScenario(t)
	long := strings.Repeat("a", 10_000)
	r := sc.as.call(t, "POST", sc.coop+"/payment-reviews/"+cooperative.NewID()+"/resolve", sc.accountant(),
		map[string]string{"action": "assign", "paymentId": long})
	wantProblem(t, r, 422, cooperative.EINVALID)
	if len(r.problem.Errors) == 0 || r.problem.Errors[0].Location != "body.paymentId" {
		t.Fatalf("%s", r.body)
	}
	r = sc.as.call(t, "GET", sc.coop+"/members?cursor="+long[:1000], sc.board(), nil)
	wantProblem(t, r, 422, cooperative.EINVALID)
	if len(r.problem.Errors) == 0 || r.problem.Errors[0].Location != "query.cursor" {
		t.Fatalf("%s", r.body)
	}
}
