package identity

import (
	"context"
	"slices"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/google/uuid"
)

// Role is what a person may do in one cooperative. One person can hold different roles in
// different cooperatives, and several in one (a board member is usually a member too).
// Platform admin is not a role of a cooperative but a flag of the account: it grants the
// platform's functions and nothing inside any cooperative.
type Role string

const (
	RoleMember     Role = "member"
	RoleBoard      Role = "board"
	RoleAccountant Role = "accountant"
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleMember, RoleBoard, RoleAccountant:
		return r, nil
	}
	return "", cooperative.Errorf(cooperative.EINVALID, "role must be member, board or accountant")
}

// RoleGrant is the roles one person holds in one cooperative.
type RoleGrant struct {
	CooperativeID string    `json:"cooperativeId"`
	UserID        string    `json:"userId"`
	Email         string    `json:"email"`
	Roles         []Role    `json:"roles"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	version       int64
}

// Has reports whether the grant holds any of roles.
func (g RoleGrant) Has(roles ...Role) bool {
	return slices.ContainsFunc(g.Roles, func(r Role) bool { return slices.Contains(roles, r) })
}

const collectionRoleGrants = "role_grants"

// roleGrantID is derived from the pair, so the grant of a person in a cooperative is one
// Get, and two concurrent grants for the same pair collide on the id.
func roleGrantID(cooperativeID, userID string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("kracht role grant\n"+cooperativeID+"\n"+userID)).String()
}

// Index "board" lists a cooperative's board members, so the last one cannot be removed.
func (g RoleGrant) record() cooperative.Record {
	index := map[string]string{"cooperative": g.CooperativeID, "user": g.UserID}
	if g.Has(RoleBoard) {
		index["board"] = g.CooperativeID
	}
	return cooperative.Record{Collection: collectionRoleGrants, ID: roleGrantID(g.CooperativeID, g.UserID), Version: g.version,
		Data: cooperative.Encode(g), Index: index}
}

func findRoleGrant(tx cooperative.Tx, cooperativeID, userID string) (RoleGrant, bool, error) {
	g, rec, err := cooperative.GetAs[RoleGrant](tx, collectionRoleGrants, roleGrantID(cooperativeID, userID))
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return RoleGrant{}, false, nil
	}
	g.version = rec.Version
	return g, err == nil, err
}

// normaliseRoles sorts and de-duplicates, so grants compare and print the same way.
func normaliseRoles(roles []Role) ([]Role, error) {
	out := make([]Role, 0, len(roles))
	for _, r := range roles {
		if _, err := ParseRole(string(r)); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// addRole grants role to a user in a cooperative, creating the grant if needed. It returns
// the grant before (zero if there was none) and after.
func addRole(tx cooperative.Tx, cooperativeID string, u storedUser, role Role, now time.Time) (RoleGrant, RoleGrant, error) {
	before, found, err := findRoleGrant(tx, cooperativeID, u.ID)
	if err != nil {
		return before, before, err
	}
	after := before
	after.Roles, _ = normaliseRoles(append(slices.Clone(before.Roles), role))
	after.UpdatedAt = now
	if !found {
		after = RoleGrant{CooperativeID: cooperativeID, UserID: u.ID, Email: u.Email, Roles: []Role{role},
			CreatedAt: now, UpdatedAt: now}
		_, err = tx.Insert(after.record())
		return RoleGrant{}, after, err
	}
	if slices.Equal(before.Roles, after.Roles) {
		return before, before, nil
	}
	_, err = tx.Replace(after.record())
	return before, after, err
}

// SetRoles replaces the roles of someone who already has a grant in the cooperative (new
// people come in through an invitation). An empty list takes every role away; the grant
// stays, with the history of who changed it in the audit log. The last board member
// cannot be taken off the board: the cooperative would have nobody to run it.
func (a *Accounts) SetRoles(ctx context.Context, actor cooperative.Actor, cooperativeID, userID string, roles []Role) (RoleGrant, error) {
	if !cooperative.ValidID(userID) {
		return RoleGrant{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a user id", userID)
	}
	roles, err := normaliseRoles(roles)
	if err != nil {
		return RoleGrant{}, err
	}
	now := a.now()
	var after RoleGrant
	err = a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		before, found, err := findRoleGrant(tx, cooperativeID, userID)
		if err != nil {
			return err
		}
		if !found {
			return cooperative.Errorf(cooperative.ENOTFOUND, "this person has no roles in the cooperative")
		}
		// Taking every role away is allowed, so a grant made before this rule can go.
		if u, err := GetUser(tx, userID); err != nil {
			return err
		} else if u.PlatformAdmin && len(roles) > 0 {
			return errAdminHoldsNoRole()
		}
		after = before
		after.Roles, after.UpdatedAt = roles, now
		if before.Has(RoleBoard) && !after.Has(RoleBoard) {
			page, err := tx.Find(cooperative.Query{Collection: collectionRoleGrants, Index: "board", Value: cooperativeID, Limit: 2})
			if err != nil {
				return err
			}
			if len(page.Records) < 2 {
				return cooperative.Errorf(cooperative.ERULE, "a cooperative needs at least one board member: appoint another before this one steps down")
			}
		}
		if slices.Equal(before.Roles, after.Roles) {
			return nil
		}
		if _, err := tx.Replace(after.record()); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, actor, cooperativeID, "roles.update", "role_grant", userID, before, after, now); err != nil {
			return err
		}
		return mailRolesGranted(tx, before, after, "board", actor.Email, now)
	})
	return after, err
}

// mailRolesGranted tells the cooperative's board, as it is after the change, of each
// role after holds that before did not: one mail per role and board member. A role given
// by mistake or by someone who took over an account is then seen by the people who can
// take it away. via is "invitation" or "board"; by is the address of the inviter or of
// the board member who changed the roles ("" when unknown).
func mailRolesGranted(tx cooperative.Tx, before, after RoleGrant, via, by string, now time.Time) error {
	var granted []Role
	for _, r := range after.Roles {
		if !before.Has(r) {
			granted = append(granted, r)
		}
	}
	if len(granted) == 0 {
		return nil
	}
	coop, _, err := cooperative.GetAs[cooperative.Cooperative](tx, cooperative.CollectionCooperatives, after.CooperativeID)
	if err != nil {
		return err
	}
	// The board as it stands after the change: whoever this grant put on the board is
	// told too, and whoever it took off is not, whether or not tx.Find sees the write.
	ids, err := BoardMemberIDs(tx, after.CooperativeID)
	if err != nil {
		return err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == after.UserID })
	if after.Has(RoleBoard) {
		ids = append(ids, after.UserID)
	}
	event := cooperative.NewID()
	for _, userID := range ids {
		u, err := GetUser(tx, userID)
		if err != nil {
			return err
		}
		for _, r := range granted {
			data := map[string]string{"cooperative": coop.Name, "person": after.Email, "role": string(r), "via": via}
			if by != "" {
				data["by"] = by
			}
			if err := notify.Enqueue(tx, notify.Notification{DedupeKey: "role_granted:" + event + ":" + string(r) + ":" + u.ID,
				Event: notify.EventRoleGranted, CooperativeID: after.CooperativeID, To: u.Email, Language: u.Language,
				Data: data, CreatedAt: now}); err != nil {
				return err
			}
		}
	}
	return nil
}

// boardMemberIDs returns the ids of the cooperative's board members, as tx sees them.
func BoardMemberIDs(tx cooperative.Tx, cooperativeID string) ([]string, error) {
	var ids []string
	after := ""
	for {
		grants, next, err := cooperative.FindAs[RoleGrant](tx, cooperative.Query{Collection: collectionRoleGrants, Index: "board",
			Value: cooperativeID, After: after, Limit: cooperative.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, g := range grants {
			if g.CooperativeID == cooperativeID && g.Has(RoleBoard) {
				ids = append(ids, g.UserID)
			}
		}
		if next == "" {
			return ids, nil
		}
		after = next
	}
}

// EachBoardMember calls fn for every board member of the cooperative, as tx sees them,
// with the language their mails are in (English for an account without a usable one, the
// language most can read); it stops at fn's first error.
func EachBoardMember(tx cooperative.Tx, cooperativeID string, fn func(u User, lang string) error) error {
	ids, err := BoardMemberIDs(tx, cooperativeID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		u, err := GetUser(tx, id)
		if err != nil {
			return err
		}
		lang, err := notify.NotificationLanguage(u.Language)
		if err != nil {
			lang = notify.LanguageEnglish
		}
		if err := fn(u.view(), lang); err != nil {
			return err
		}
	}
	return nil
}

// GetRoleGrant returns one person's roles in a cooperative.
func (a *Accounts) GetRoleGrant(ctx context.Context, cooperativeID, userID string) (RoleGrant, error) {
	if !cooperative.ValidID(userID) {
		return RoleGrant{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a user id", userID)
	}
	var g RoleGrant
	err := a.run.View(ctx, func(tx cooperative.Tx) error {
		var found bool
		var err error
		g, found, err = findRoleGrant(tx, cooperativeID, userID)
		if err == nil && !found {
			return cooperative.Errorf(cooperative.ENOTFOUND, "this person has no roles in the cooperative")
		}
		return err
	})
	return g, err
}

// ListRoleGrants returns one page of the people who hold roles in a cooperative.
func (a *Accounts) ListRoleGrants(ctx context.Context, cooperativeID, after string, limit int) ([]RoleGrant, string, error) {
	return cooperative.ListPage[RoleGrant](ctx, a.run.Store(), cooperative.Query{Collection: collectionRoleGrants, Index: "cooperative",
		Value: cooperativeID, After: after, Limit: limit})
}

// RoleGrantsOf returns every cooperative a user holds roles in (for "who am I").
func (a *Accounts) RoleGrantsOf(ctx context.Context, userID string) ([]RoleGrant, error) {
	var all []RoleGrant
	err := a.run.View(ctx, func(tx cooperative.Tx) error {
		all = nil
		after := ""
		for {
			page, next, err := cooperative.FindAs[RoleGrant](tx, cooperative.Query{Collection: collectionRoleGrants, Index: "user",
				Value: userID, After: after, Limit: cooperative.MaxPageSize})
			if err != nil {
				return err
			}
			for _, g := range page {
				if len(g.Roles) > 0 {
					all = append(all, g)
				}
			}
			if next == "" {
				return nil
			}
			after = next
		}
	})
	return all, err
}
