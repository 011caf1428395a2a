package web

import "testing"

// TestGroupsOfFour: an IBAN and an RF reference read in groups of four, whatever
// spacing or case they were stored or typed with.
func TestGroupsOfFour(t *testing.T) {
	var v view
	for _, c := range []struct{ got, want string }{
		{v.IBAN("NL91ABNA0417164300"), "NL91 ABNA 0417 1643 00"},
		{v.IBAN(" nl91 abna0417 164300 "), "NL91 ABNA 0417 1643 00"},
		{v.IBAN("DE89370400440532013000"), "DE89 3704 0044 0532 0130 00"},
		{v.RF("RF33K02655652254 8705"), "RF33 K026 5565 2254 8705"},
		{v.RF("RF18539007547034"), "RF18 5390 0754 7034"},
		{v.RF("RF12"), "RF12"},
		{v.RF(""), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
