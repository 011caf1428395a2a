package handlers

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDuplicateKey checks the duplicate-key scan against a second, plainer reading: a
// recursive descent that counts every key of every object and the keys each object
// keeps once read into a map. On valid JSON the scan reports a duplicate exactly when
// some object has fewer distinct keys than keys; on anything else it never panics.
// Run longer with: go test -run '^$' -fuzz FuzzDuplicateKey -fuzztime 60s ./handlers/
func FuzzDuplicateKey(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":2}`, `{"a":1,"a":2}`, `{"a":{"b":1,"b":2}}`, `[{"a":1},{"a":1}]`,
		`{"a":[{"x":1,"y":[1,{"x":2}],"x":3}]}`, `{"n\u0061me":1,"name":2}`, `{"a":"}","b":"{"}`,
		`[]`, `{}`, `"x"`, `1`, `{"a":`, `{"a":1}}`, `[1,2,{"":0,"":1}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := duplicateKey(data) // must not panic, whatever data is
		if !json.Valid(data) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		dup, ok := hasDuplicate(dec)
		if !ok {
			t.Fatalf("valid JSON the oracle could not read: %q", data)
		}
		if dup != (err != nil) {
			t.Fatalf("%q: scan says %v, oracle says duplicate=%v", data, err, dup)
		}
	})
}

// hasDuplicate reads one value and says whether any object in it repeats a key.
func hasDuplicate(dec *json.Decoder) (dup, ok bool) {
	tok, err := dec.Token()
	if err != nil {
		return false, false
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return false, false
			}
			key, _ := k.(string)
			if seen[key] {
				dup = true
			}
			seen[key] = true
			d, ok := hasDuplicate(dec)
			if !ok {
				return false, false
			}
			dup = dup || d
		}
		_, err = dec.Token() // '}'
		return dup, err == nil
	case json.Delim('['):
		for dec.More() {
			d, ok := hasDuplicate(dec)
			if !ok {
				return false, false
			}
			dup = dup || d
		}
		_, err = dec.Token() // ']'
		return dup, err == nil
	}
	return false, true
}
