package cooperative

import (
	"context"
	"time"
)

// GrantRoleUnchecked writes a role grant past every rule, as a release from before the
// rule that platform admins hold no role did: tests of what such data does use it.
func GrantRoleUnchecked(ctx context.Context, s Store, cooperativeID, userID string, role Role, now time.Time) error {
	return s.Update(ctx, func(tx Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		_, _, err = addRole(tx, cooperativeID, u, role, now)
		return err
	})
}
