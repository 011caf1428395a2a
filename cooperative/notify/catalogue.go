package notify

import (
	"fmt"
	"slices"
)

// The mail catalogue: the kinds of mail every capability brings
// (catalogue_<capability>.go), one line per capability in catalogueParts. Fixed tables,
// not state: the functions hand out copies.

// CataloguePart is the kinds of mail one capability brings to the catalogue.
type CataloguePart struct {
	Owner string
	Kinds []NotificationSpec
}

// catalogueParts is the mail catalogue, one part per capability.
func catalogueParts() []CataloguePart {
	return []CataloguePart{
		identityCatalogue,
		membershipCatalogue,
		sharesCatalogue,
		paymentsCatalogue,
		payoutsCatalogue,
	}
}

// NotificationEvents returns the catalogue: every capability's kinds, in the order of
// catalogueParts.
func NotificationEvents() []NotificationSpec {
	var out []NotificationSpec
	for _, p := range catalogueParts() {
		for _, s := range p.Kinds {
			out = append(out, s.clone())
		}
	}
	return out
}

// Spec returns the catalogue entry of e, and false for an unknown event.
func (e NotificationEvent) Spec() (NotificationSpec, bool) {
	for _, p := range catalogueParts() {
		for _, s := range p.Kinds {
			if s.Event == e {
				return s.clone(), true
			}
		}
	}
	return NotificationSpec{}, false
}

// clone copies the field lists, so a caller cannot change the catalogue's table.
func (s NotificationSpec) clone() NotificationSpec {
	s.Fields, s.Optional = slices.Clone(s.Fields), slices.Clone(s.Optional)
	return s
}

// checkCatalogue refuses parts that declare a kind of mail twice, one named like the
// unsubscribe scope AllNotifications, or one without a name.
func checkCatalogue(parts []CataloguePart) error {
	owner := map[NotificationEvent]string{AllNotifications: "the unsubscribe scope"}
	for _, p := range parts {
		for _, s := range p.Kinds {
			if s.Event == "" {
				return fmt.Errorf("%s declares a kind of mail without a name", p.Owner)
			}
			if o, dup := owner[s.Event]; dup {
				return fmt.Errorf("mail %s is declared by %s and by %s", s.Event, o, p.Owner)
			}
			owner[s.Event] = p.Owner
		}
	}
	return nil
}
