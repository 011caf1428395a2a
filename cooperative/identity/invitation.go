package identity

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// An invitation brings a person into a cooperative with a role: a platform admin invites
// the first board member of a new cooperative, the board invites the others. It is a
// single-use secret mailed to the address, valid for a week. Accepting it proves the
// address; it creates the account when there is none, or, when there is, asks for its
// password, so a forwarded mail cannot attach a stranger's account.
type invitation struct {
	ID            string    `json:"id"` // for the audit log; the record id is the secret's hash
	CooperativeID string    `json:"cooperativeId"`
	Email         string    `json:"email"`
	Role          Role      `json:"role"`
	Language      string    `json:"language"`
	InvitedBy     string    `json:"invitedBy"`
	CreatedAt     time.Time `json:"createdAt"`
	ExpiresAt     time.Time `json:"expiresAt"`
	AcceptedAt    time.Time `json:"acceptedAt,omitzero"`
	AcceptedBy    string    `json:"acceptedBy,omitempty"`
	version       int64
}

// The record id is the hash of the secret. Invitations are indexed by cooperative, and by
// the day they may be swept (cleanup.go).
func (inv invitation) record(hash string) cooperative.Record {
	index := sweepIndexOf(inv)
	index["cooperative"] = inv.CooperativeID
	return cooperative.Record{Collection: collectionInvitations, ID: hash, Version: inv.version, Data: cooperative.Encode(inv), Index: index}
}

// sweepAt is when an invitation that was accepted or expired may be removed.
func (inv invitation) sweepAt() time.Time {
	ended := inv.ExpiresAt
	if !inv.AcceptedAt.IsZero() && inv.AcceptedAt.Before(ended) {
		ended = inv.AcceptedAt
	}
	return ended.Add(invitationRetention)
}

const (
	collectionInvitations = "invitations"
	invitationPrefix      = "kri_"
	invitationTTL         = 7 * 24 * time.Hour
)

// NewInvitation is what an inviter gives.
type NewInvitation struct {
	CooperativeID string
	Email         string
	Role          Role
	// Language of the invitation mail (nl or en), and of the account if one is made.
	Language string
}

// InvitationSent is what the inviter sees: never the secret, which only the invitee gets.
type InvitationSent struct {
	ID            string    `json:"id"`
	CooperativeID string    `json:"cooperativeId"`
	Email         string    `json:"email"`
	Role          Role      `json:"role"`
	ExpiresAt     time.Time `json:"expiresAt"`
}

// Invite stores an invitation and mails it, in one transaction, with an audit entry.
func (a *Accounts) Invite(ctx context.Context, actor cooperative.Actor, in NewInvitation) (InvitationSent, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return InvitationSent{}, err
	}
	if _, err := ParseRole(string(in.Role)); err != nil {
		return InvitationSent{}, err
	}
	lang, err := notify.NotificationLanguage(in.Language)
	if err != nil {
		return InvitationSent{}, cooperative.Errorf(cooperative.EINVALID, "language is required: nl or en")
	}
	if !cooperative.ValidID(in.CooperativeID) {
		return InvitationSent{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", in.CooperativeID)
	}
	now := a.now()
	inv := invitation{ID: cooperative.NewID(), CooperativeID: in.CooperativeID, Email: email, Role: in.Role, Language: lang,
		InvitedBy: actor.UserID, CreatedAt: now, ExpiresAt: now.Add(invitationTTL)}
	sent := InvitationSent{ID: inv.ID, CooperativeID: inv.CooperativeID, Email: email, Role: inv.Role, ExpiresAt: inv.ExpiresAt}
	err = a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		coop, _, err := cooperative.GetAs[cooperative.Cooperative](tx, cooperative.CollectionCooperatives, in.CooperativeID)
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return cooperative.Errorf(cooperative.ENOTFOUND, "cooperative %s not found", in.CooperativeID)
		}
		if err != nil {
			return err
		}
		if err := checkInvitee(tx, actor, email); err != nil {
			return err
		}
		if err := ReserveSend(tx, SendKeys("invitation", actor.UserID, email, a.opts.Sends), a.opts.Sends, now); err != nil {
			return err
		}
		secret, hash := cooperative.NewSecret(invitationPrefix)
		if _, err := tx.Insert(inv.record(hash)); err != nil {
			return err
		}
		if err := notify.Enqueue(tx, notify.Notification{DedupeKey: "invitation:" + hash, Event: notify.EventInvitation,
			CooperativeID: inv.CooperativeID, To: email, Language: lang, CreatedAt: now,
			Data: map[string]string{"link": a.link("/invitations/accept", secret), "cooperative": coop.Name,
				"role": string(inv.Role)}}); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, inv.CooperativeID, "invitation.create", "invitation", inv.ID, nil, sent, now)
	})
	return sent, err
}

// errAdminHoldsNoRole: a platform admin runs the platform, not the cooperatives. An
// account that could do both could make itself board of any cooperative and read its
// members' personal data, so no role in a cooperative goes to such an account.
func errAdminHoldsNoRole() error {
	return cooperative.RuleError("platform_admin_holds_no_role",
		"a platform admin's account cannot hold a role in a cooperative: use an account of another address for that")
}

// checkInvitee refuses an invitation that would end with the inviter, or a platform
// admin, holding the role. A board member who invites an address that turns out to be a
// platform admin's is not told so (that would tell who the admins are): the invitation
// goes out and its acceptance is refused. A platform admin knows the admins, and is told.
func checkInvitee(tx cooperative.Tx, actor cooperative.Actor, email string) error {
	var inviter storedUser
	if actor.UserID != "" {
		var err error
		if inviter, err = GetUser(tx, actor.UserID); err != nil {
			return err
		}
	}
	invitee, found, err := findUserByEmail(tx, email)
	if err != nil {
		return err
	}
	if inviter.PlatformAdmin && (email == inviter.Email || found && invitee.PlatformAdmin) {
		return errAdminHoldsNoRole()
	}
	if inviter.ID != "" && email == inviter.Email {
		return cooperative.RuleError("invite_someone_else", "an invitation is for someone else: you already have an account")
	}
	return nil
}

// AcceptInvitation carries out an invitation. password is the new account's password
// when the address has no account, and the account's password when it has one.
func (a *Accounts) AcceptInvitation(ctx context.Context, secret, password, clientIP string) (RoleGrant, error) {
	if !cooperative.PlausibleSecret(invitationPrefix, secret) {
		return RoleGrant{}, errInvalidLink()
	}
	hash := cooperative.HashSecret(secret)
	now := a.now()
	var (
		inv      invitation
		existing storedUser
		found    bool
	)
	if err := a.run.View(ctx, func(tx cooperative.Tx) error {
		var err error
		if inv, err = openInvitation(tx, hash, now); err != nil {
			return err
		}
		existing, found, err = findUserByEmail(tx, inv.Email)
		return err
	}); err != nil {
		return RoleGrant{}, err
	}
	var newHash string
	if found {
		if _, _, err := a.checkPassword(ctx, inv.Email, password, clientIP); err != nil {
			return RoleGrant{}, err
		}
	} else {
		if err := CheckPassword(password, inv.Email); err != nil {
			return RoleGrant{}, err
		}
		var err error
		if newHash, err = a.opts.Hasher.Hash(ctx, password); err != nil {
			return RoleGrant{}, err
		}
	}
	var grant RoleGrant
	err := a.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		inv, err := openInvitation(tx, hash, now)
		if err != nil {
			return err
		}
		var u storedUser
		if found {
			if u, err = GetUser(tx, existing.ID); err != nil {
				return err
			}
			if u.PasswordHash != existing.PasswordHash {
				return errBadCredentials() // changed while we checked it
			}
			if u.PlatformAdmin {
				return errAdminHoldsNoRole()
			}
			if err := a.forgive(tx, inv.Email, clientIP, now); err != nil {
				return err
			}
			if !u.EmailVerified {
				u.EmailVerified = true
				if u, err = replaceUser(tx, u); err != nil {
					return err
				}
			}
		} else {
			u, err = insertUser(tx, storedUser{ID: cooperative.NewID(), Email: inv.Email, EmailVerified: true, Language: inv.Language,
				PasswordHash: newHash, CreatedAt: now, PasswordChangedAt: now})
			if cooperative.ErrorCode(err) == cooperative.ECONFLICT {
				return cooperative.Errorf(cooperative.ECONFLICT, "An account for this address was made at the same moment; accept again with its password.")
			}
			if err != nil {
				return err
			}
		}
		before, after, err := addRole(tx, inv.CooperativeID, u, inv.Role, now)
		if err != nil {
			return err
		}
		grant = after
		inv.AcceptedAt, inv.AcceptedBy = now, u.ID
		if _, err := tx.Replace(inv.record(hash)); err != nil {
			return err
		}
		actor := cooperative.Actor{UserID: u.ID, Email: u.Email, Role: "invitee"}
		if err := cooperative.AppendAudit(tx, actor, inv.CooperativeID, "roles.grant", "role_grant", u.ID, nilIfZero(before), after, now); err != nil {
			return err
		}
		invitedBy := ""
		if inv.InvitedBy != "" {
			inviter, err := GetUser(tx, inv.InvitedBy)
			if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
				return err
			}
			invitedBy = inviter.Email
		}
		return mailRolesGranted(tx, before, after, "invitation", invitedBy, now)
	})
	return grant, err
}

// openInvitation returns a pending invitation, or the one answer for any link that is not.
func openInvitation(tx cooperative.Tx, hash string, now time.Time) (invitation, error) {
	inv, rec, err := cooperative.GetAs[invitation](tx, collectionInvitations, hash)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return inv, errInvalidLink()
	}
	if err != nil {
		return inv, err
	}
	inv.version = rec.Version
	if !inv.AcceptedAt.IsZero() || !now.Before(inv.ExpiresAt) {
		return inv, errInvalidLink()
	}
	return inv, nil
}

func nilIfZero(g RoleGrant) any {
	if g.UserID == "" {
		return nil
	}
	return g
}
