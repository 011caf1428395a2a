package rfref

import "strings"

// maxFindText bounds the text Find searches; remittance text is at most 140 characters
// per line in ISO 20022, so this only stops abuse.
const maxFindText = 4096

// Find returns the first valid RF reference in free text, such as the unstructured
// remittance line of a bank transfer where a payer typed the reference by hand. A
// reference may be written in one piece ("RF18539007547034") or in printed groups of four
// ("RF18 5390 0754 7034"), in either case, with punctuation around it. When the groups
// could end at more than one place, the longest valid reference wins. A candidate passes
// only with the right check digits, so a false find needs a 1 in 97 coincidence; a
// caller matching payments must still check that the reference is one it issued.
func Find(text string) (Reference, bool) {
	if len(text) > maxFindText {
		text = text[:maxFindText]
	}
	words := strings.FieldsFunc(text, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '\u00a0', ',', ';', ':', '(', ')', '[', ']', '/', '"', '\'':
			return true
		}
		return false
	})
	for i, w := range words {
		w = strings.TrimRight(w, ".!?")
		if len(w) < 4 || !strings.EqualFold(w[:2], "RF") {
			continue
		}
		if len(w) == 4 {
			// The printed form: "RFnn" and then groups of four, the last maybe shorter.
			group := []string{w}
			for _, next := range words[i+1:] {
				next = strings.TrimRight(next, ".!?")
				if len(next) == 0 || len(next) > 4 || len(group) > 1+MaxBaseLen/4+1 {
					break
				}
				group = append(group, next)
				if len(next) < 4 {
					break
				}
			}
			for n := len(group); n > 1; n-- {
				if ref, err := Parse(strings.Join(group[:n], "")); err == nil {
					return ref, true
				}
			}
			continue
		}
		if ref, err := Parse(w); err == nil {
			return ref, true
		}
	}
	return "", false
}
