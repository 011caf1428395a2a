package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/danielgtaylor/huma/v2"
)

// unmarshalJSON decodes a request body as huma's default does, but refuses an object
// with a key twice: encoding/json would keep the last, so what a proxy, a log or a
// signature check read first could differ from what the handler acts on.
func unmarshalJSON(data []byte, v any) error {
	if err := duplicateKey(data); err != nil {
		return err
	}
	return huma.DefaultJSONFormat.Unmarshal(data, v)
}

// duplicateKey returns an error naming the first key that appears twice in one object
// (compared after unescaping, as the decoder sees them). Malformed JSON is left to the
// decoder, whose error says where.
func duplicateKey(data []byte) error {
	type object struct {
		keys    map[string]struct{}
		wantKey bool
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*object // nil entries are arrays
	path := []string{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or malformed: the decoder says where
		}
		var top *object
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if d == '}' {
				path = path[:len(path)-1]
			}
			continue
		}
		if key, ok := tok.(string); ok && top != nil && top.wantKey {
			if _, seen := top.keys[key]; seen {
				return fmt.Errorf("duplicate key %q in the object at %s: each key may appear once", key, jsonPath(path))
			}
			top.keys[key] = struct{}{}
			top.wantKey = false
			path[len(path)-1] = key
			continue
		}
		if top != nil {
			top.wantKey = true // a value: the object's next token is a key
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &object{keys: map[string]struct{}{}, wantKey: true})
			path = append(path, "")
		case json.Delim('['):
			stack = append(stack, nil)
		}
	}
}

// jsonPath names an object by the keys that lead to it ("body" for the top level).
func jsonPath(keys []string) string {
	p := "body"
	for _, k := range keys[:len(keys)-1] {
		p += "." + k
	}
	return p
}
