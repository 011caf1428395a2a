package handlers

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// servedByHuma are the routes that serve the API description itself.
var servedByHuma = map[string]bool{
	"/openapi.json": true, "/openapi.yaml": true, "/openapi-3.0.json": true, "/openapi-3.0.yaml": true,
	"/docs": true, "/docs/assets/:hash/:name": true, "/schemas/:schema": true,
}

// operatorRoutes are served for the operator, not the API's clients: GET /metrics
// (metrics.go), when the server serves it.
var operatorRoutes = map[string]bool{"/metrics": true}

// TestOpenAPICoversEveryRoute fails when a route is served but missing from the
// document at /openapi.json (or documented but not served).
func TestOpenAPICoversEveryRoute(t *testing.T) {
	checkOpenAPICoversEveryRoute(t, newTestServer(t))
}

func checkOpenAPICoversEveryRoute(t *testing.T, ts *testServer) {
	r := ts.do(t, "GET", "/openapi.json", "", nil)
	if r.status != 200 {
		t.Fatalf("/openapi.json: %d", r.status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi version %q, want 3.1", doc.OpenAPI)
	}
	documented := map[string]bool{}
	param := regexp.MustCompile(`\{([^}]+)\}`)
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+param.ReplaceAllString(path, ":$1")] = true
		}
	}
	webPages := map[string]bool{} // the web front's pages are not API operations
	for _, p := range ts.web.Routes() {
		webPages[p] = true
	}
	served := map[string]bool{}
	for _, route := range ts.App().GetRoutes(true) {
		if servedByHuma[route.Path] || operatorRoutes[route.Path] || route.Method == "HEAD" || route.Method == "USE" || webPages[route.Path] {
			continue
		}
		served[route.Method+" "+route.Path] = true
		if !documented[route.Method+" "+route.Path] {
			t.Errorf("%s %s is served but not in /openapi.json", route.Method, route.Path)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("%s is in /openapi.json but not served", op)
		}
	}
	if len(served) < 4 {
		t.Fatalf("only %d routes found: %v", len(served), served)
	}
}
