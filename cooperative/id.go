package cooperative

import (
	"regexp"

	"github.com/google/uuid"
)

// NewID returns a new object id: a UUIDv7, so ids sort by creation time and cursor
// pagination in id order stays stable while records are added.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// nameID is a stable id made from a name, for records found by what they are rather
// than by a lookup: the name-based UUID of name read as a URL ("kracht:…", "mailto:…"),
// whose scheme keeps the uses apart.
func NameID(name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(name)).String()
}

// ValidID reports whether s has the form of an id made by NewID.
func ValidID(s string) bool { return idPattern.MatchString(s) }
