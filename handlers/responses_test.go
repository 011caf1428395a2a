package handlers

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/shares"
)

// TestResponseBodiesMatchTheDomain: each response type of responses.go answers what the
// domain type it replaces answered, field for field, except share numbers, which read
// {"first":…,"last":…} instead of the stored {"f":…,"l":…}. A field added to the domain
// type fails here until the response type shows it (or the test says why not).
func TestResponseBodiesMatchTheDomain(t *testing.T) {
	for _, c := range []struct {
		domain any
		view   func(any) any
		hidden string // a domain field the response leaves out
	}{
		{shares.Holding{}, func(v any) any { return holdingOf(v.(shares.Holding)) }, ""},
		{shares.Transfer{}, func(v any) any { return transferOf(v.(shares.Transfer)) }, ""},
		// The idempotency key came with the request's header; the documented answer
		// stays as it was before withdrawals took one.
		{shares.Withdrawal{}, func(v any) any { return withdrawalOf(v.(shares.Withdrawal)) }, "IdempotencyKey"},
		{shares.Subscription{}, func(v any) any { return subscriptionOf(v.(shares.Subscription)) }, ""},
	} {
		name := reflect.TypeOf(c.domain).Name()
		full := reflect.New(reflect.TypeOf(c.domain)).Elem()
		fillAll(full)
		if c.hidden != "" {
			full.FieldByName(c.hidden).SetZero()
		}
		domainJSON, err := json.Marshal(full.Interface())
		if err != nil {
			t.Fatal(err)
		}
		bodyJSON, err := json.Marshal(c.view(full.Interface()))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(domainJSON), `{"f":7,"l":7}`) {
			t.Errorf("%s: no share numbers in %s", name, domainJSON)
		}
		want := strings.ReplaceAll(string(domainJSON), `{"f":7,"l":7}`, `{"first":7,"last":7}`)
		if string(bodyJSON) != want {
			t.Errorf("%s answers\n%s\nwant\n%s", name, bodyJSON, want)
		}
		// Zero values: the same fields are left out.
		empty, _ := json.Marshal(c.domain)
		if got, _ := json.Marshal(c.view(c.domain)); string(got) != string(empty) {
			t.Errorf("%s empty answers\n%s\nwant\n%s", name, got, empty)
		}
	}
}

// fillAll sets every exported field of v, recursively, to a value that is not zero.
func fillAll(v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillAll(v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(v.Index(0))
	case reflect.String:
		v.SetString("s")
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Bool:
		v.SetBool(true)
	default:
		panic("fillAll: no value for " + v.Type().String())
	}
}

// TestResponseBodiesDocumented: the API description shows share numbers as first and
// last, and the subscription detail with every field of a subscription (huma documents
// an embedded struct's fields only when its name is exported: SubscriptionBody).
func TestResponseBodiesDocumented(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do(t, "GET", "/openapi.json", "", nil)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	for name, want := range map[string][]string{
		"ShareRange":         {"first", "last"},
		"HoldingBody":        {"ranges"},
		"TransferBody":       {"shareNumbers"},
		"WithdrawalBody":     {"shareNumbers"},
		"SubscriptionBody":   {"shareNumbers", "waitingList"},
		"SubscriptionDetail": {"id", "shareNumbers", "waitingList", "payments"},
		"RegisterEventBody":  {"shareNumbers"},
	} {
		s, ok := schemas[name]
		if !ok {
			t.Errorf("no schema %s", name)
			continue
		}
		for _, p := range want {
			if _, ok := s.Properties[p]; !ok {
				t.Errorf("schema %s has no property %s", name, p)
			}
		}
		if _, ok := s.Properties["f"]; ok {
			t.Errorf("schema %s shows the stored form", name)
		}
	}
}
