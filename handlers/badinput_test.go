package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/kracht-coop/kracht/cooperative"
)

// echoInput is a request body of the strict kind every write route uses.
type echoInput struct {
	Body struct {
		Name   string `json:"name" minLength:"1" maxLength:"100"`
		Shares int64  `json:"shares" minimum:"1"`
	}
}

// withWriteRoute adds a route that stores its body, so the tests can see that refused
// requests write nothing.
func withWriteRoute(ts *testServer) {
	register(ts.Server, huma.Operation{OperationID: "test-write", Method: http.MethodPost, Path: "/test/things"},
		func(ctx context.Context, in *echoInput) (*struct{}, error) {
			return nil, ts.store.Update(ctx, func(tx cooperative.Tx) error {
				_, err := tx.Insert(cooperative.Record{Collection: "things", ID: cooperative.NewID(), Data: []byte(in.Body.Name)})
				return err
			})
		})
}

func countThings(t *testing.T, ts *testServer) int {
	var n int
	if err := ts.store.View(context.Background(), func(tx cooperative.Tx) error {
		p, err := tx.Find(cooperative.Query{Collection: "things"})
		n = len(p.Records)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBadInputIsAProblemAndWritesNothing(t *testing.T) {
	ts := newTestServer(t)
	withWriteRoute(ts)
	for _, tt := range []struct {
		name, method, path, contentType, body string
		status                                int
		code                                  string
	}{
		{"malformed JSON", "POST", "/test/things", "application/json", `{"name":"a",`, 400, cooperative.EINVALID},
		{"not an object", "POST", "/test/things", "application/json", `[1,2]`, 422, cooperative.EINVALID},
		{"unknown field", "POST", "/test/things", "application/json", `{"name":"a","shares":1,"role":"admin"}`, 422, cooperative.EINVALID},
		{"wrong type", "POST", "/test/things", "application/json", `{"name":"a","shares":"many"}`, 422, cooperative.EINVALID},
		{"rule of the schema", "POST", "/test/things", "application/json", `{"name":"a","shares":0}`, 422, cooperative.EINVALID},
		{"missing field", "POST", "/test/things", "application/json", `{"shares":1}`, 422, cooperative.EINVALID},
		{"wrong content type", "POST", "/test/things", "text/plain", `{"name":"a","shares":1}`, 415, cooperative.EINVALID},
		{"form instead of JSON", "POST", "/test/things", "application/x-www-form-urlencoded", `name=a&shares=1`, 415, cooperative.EINVALID},
		{"malformed id", "GET", "/v1/cooperatives/not-an-id", "", "", 400, cooperative.EINVALID},
		{"id with injection", "GET", "/v1/cooperatives/%27%20OR%201=1", "", "", 400, cooperative.EINVALID},
		{"malformed cursor", "GET", "/v1/cooperatives?cursor=zzz", "", "", 400, cooperative.EINVALID},
		{"limit out of range", "GET", "/v1/cooperatives?limit=100000", "", "", 422, cooperative.EINVALID},
		{"limit not a number", "GET", "/v1/cooperatives?limit=ten", "", "", 422, cooperative.EINVALID},
		{"unknown route", "GET", "/v1/nothing-here", "", "", 404, cooperative.ENOTFOUND},
		{"wrong method", "DELETE", "/healthz", "", "", 405, cooperative.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body *strings.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			var r response
			if body != nil {
				r = ts.do(t, tt.method, tt.path, tt.contentType, body)
			} else {
				r = ts.do(t, tt.method, tt.path, tt.contentType, nil)
			}
			wantProblem(t, r, tt.status, tt.code)
			if n := countThings(t, ts); n != 0 {
				t.Fatalf("%d records written", n)
			}
		})
	}
	// Over the limit, tried over a real connection: fasthttp refuses while reading.
	t.Run("body over the limit", func(t *testing.T) {
		wantProblem(t, ts.overTheLimit(t, "/test/things", 70<<10), 413, cooperative.EINVALID)
		if n := countThings(t, ts); n != 0 {
			t.Fatalf("%d records written", n)
		}
	})
	// The same route accepts a good body, so the refusals above are about the input.
	if r := ts.do(t, "POST", "/test/things", "application/json; charset=utf-8", strings.NewReader(`{"name":"a","shares":1}`)); r.status != 204 {
		t.Fatalf("good body: %d %s", r.status, r.body)
	}
	if countThings(t, ts) != 1 {
		t.Fatal("good body not stored")
	}
}

func TestPanicIsAnOpaque500(t *testing.T) {
	ts := newTestServer(t)
	register(ts.Server, huma.Operation{OperationID: "test-panic", Method: http.MethodGet, Path: "/test/panic"},
		func(context.Context, *struct{}) (*struct{}, error) { panic("secret internals") })
	r := ts.do(t, "GET", "/test/panic", "", nil)
	wantProblem(t, r, 500, cooperative.EINTERNAL)
	if strings.Contains(string(r.body), "secret") {
		t.Fatalf("500 leaks internals: %s", r.body)
	}
}
