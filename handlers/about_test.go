package handlers

import (
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
)

func TestCooperativeAbout(t *testing.T) {
	sc := newScenario(t)
	path := sc.coop + "/about"
	empty := decodeBody[cooperative.About](t, sc.as.call(t, "GET", path, "", nil))
	if empty.TextNL != "" || empty.CooperativeID != sc.id {
		t.Fatalf("before any: %+v", empty)
	}
	for _, bad := range []map[string]string{{"website": "javascript:alert(1)"}, {"email": "not an address"}} {
		wantProblem(t, sc.as.call(t, "PUT", path, sc.board(), bad), 400, cooperative.EINVALID)
	}
	if got := decodeBody[cooperative.About](t, sc.as.call(t, "GET", path, "", nil)); got.UpdatedAt != empty.UpdatedAt {
		t.Fatalf("a refused change was stored: %+v", got)
	}
	r := sc.as.call(t, "PUT", path, sc.board(), map[string]string{"textNl": "  Wij wekken zonnestroom op.  ",
		"textEn": "We make solar power.", "city": "Zonnedorp", "website": "https://zon.example.org"})
	wantStatus(t, r, 200)
	got := decodeBody[cooperative.About](t, sc.as.call(t, "GET", path, "", nil))
	if got.TextNL != "Wij wekken zonnestroom op." || got.Text("en") != "We make solar power." || got.City != "Zonnedorp" {
		t.Fatalf("about %+v", got)
	}
	if (cooperative.About{TextEN: "Only English"}).Text("nl") != "Only English" {
		t.Fatal("no fallback to the other language")
	}
}
