package membership

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// The payout account: the IBAN a member's payouts go to (Member.IBAN, checked at
// application) and the name on it. A change of IBAN is the classic fraud, so the member
// changes it only with the second factor, or with a link mailed to the address on file,
// and is told at that address whenever it changes, whoever changed it. A payout that the
// bank returns holds further payouts to that IBAN (MarkPayoutAccountSuspect) until it
// changes.

const (
	// maxAccountHolder is SEPA's limit for a creditor's name.
	maxAccountHolder = 70
	// payoutAccountLinkTTL is how long a confirmation link works: a day to find the mail.
	payoutAccountLinkTTL = 24 * time.Hour
	// payoutAccountPage is the web app's page a confirmation link opens.
	payoutAccountPage = "/confirm-payout-account"
)

// PayoutAccountChange is a change of payout account waiting for its mailed link.
type PayoutAccountChange struct {
	// ID names this request; the link names it too, so a link of a request replaced
	// since no longer works.
	ID            string    `json:"id"`
	IBAN          string    `json:"iban"`
	AccountHolder string    `json:"accountHolder"`
	RequestedAt   time.Time `json:"requestedAt"`
	ExpiresAt     time.Time `json:"expiresAt"`
}

// PayoutAccount is where a member's payouts go.
type PayoutAccount struct {
	IBAN    string
	Holder  string // the name on the account: AccountHolder, or the member's name
	Suspect string // why payouts are held ("" when they may go); also "" IBAN → held
}

// PayoutAccount returns where m's payouts go, and why they are held if they are.
func (m Member) PayoutAccount() PayoutAccount {
	a := PayoutAccount{IBAN: m.IBAN, Holder: m.AccountHolder, Suspect: m.IBANSuspect}
	if a.Holder == "" {
		a.Holder = m.Name
	}
	if a.Suspect == "" {
		if m.IBAN == "" {
			a.Suspect = "no IBAN on file"
		} else if _, err := cooperative.ParseIBAN(m.IBAN); err != nil {
			a.Suspect = "the IBAN on file is not valid: " + cooperative.ErrorMessage(err)
		}
	}
	return a
}

// PayoutAccountOf returns the member's payout account (ENOTFOUND when the member is not of cooperativeID).
func PayoutAccountOf(tx cooperative.Tx, cooperativeID, memberID string) (PayoutAccount, error) {
	m, err := GetMember(tx, cooperativeID, memberID)
	if err != nil {
		return PayoutAccount{}, err
	}
	return m.PayoutAccount(), nil
}

// MarkPayoutAccountSuspect holds payouts to iban of the member: sets IBANSuspect to reason when the member's IBAN is
// still iban (a member who changed it since is left alone), audited with actor. No mail (the caller mails).
// Marking it again with the same reason changes nothing, so a statement imported twice
// leaves one entry.
func MarkPayoutAccountSuspect(tx cooperative.Tx, actor cooperative.Actor, cooperativeID, memberID, iban, reason string, now time.Time) error {
	reason, err := CheckText("reason", reason, 500)
	if err != nil {
		return err
	}
	m, err := GetMember(tx, cooperativeID, memberID)
	if err != nil {
		return err
	}
	if m.IBAN != compactIBAN(iban) || m.IBANSuspect == reason {
		return nil
	}
	before := m
	m.IBANSuspect = reason
	if m, err = SaveMember(tx, m, "payout_account_suspect", actor, now); err != nil {
		return err
	}
	return cooperative.AppendAudit(tx, actor, cooperativeID, "member.payout_account.suspect", "member", m.ID, before, m, now)
}

// compactIBAN is an IBAN in the form members' IBANs are stored in (ParseIBAN's).
func compactIBAN(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// MaskIBAN hides all of an IBAN but its last four characters, for mails: enough for the
// member to recognise their account, too little to be of use to anyone reading the mail.
func MaskIBAN(iban string) string {
	iban = compactIBAN(iban)
	if len(iban) <= 4 {
		return "****"
	}
	return "**** " + iban[len(iban)-4:]
}

// PayoutAccountRequest is a member's own request to change their payout account.
type PayoutAccountRequest struct {
	CooperativeID string
	MemberID      string
	IBAN          string
	AccountHolder string // 1 to 70 characters
	// SecondFactor applies the change at once when the account has two-factor
	// authentication on; without it (or without a code) a link is mailed instead.
	SecondFactor identity.SecondFactor
	// ClientIP counts a code against the client address, as at sign-in.
	ClientIP string
}

// PayoutAccountOutcome is what became of a request to change a payout account.
type PayoutAccountOutcome string

const (
	// PayoutAccountChanged: the second factor was given; the change applied.
	PayoutAccountChanged PayoutAccountOutcome = "changed"
	// PayoutAccountConfirmationSent: a link to confirm it was mailed to the address on file.
	PayoutAccountConfirmationSent PayoutAccountOutcome = "confirmation_sent"
)

// RequestPayoutAccountChange changes the payout account of the member of actor's own
// account. With a right TOTP or recovery code of an account that has two-factor
// authentication on, the change applies at once; otherwise a link to confirm it is mailed
// to the member's address on file, and ConfirmPayoutAccountChange applies it. A wrong
// code is refused (EINVALID) and counted towards the account's lock-out, as at sign-in.
func (ms *Members) RequestPayoutAccountChange(ctx context.Context, actor cooperative.Actor, in PayoutAccountRequest) (Member, PayoutAccountOutcome, error) {
	iban, holder, err := checkPayoutAccount(in.IBAN, in.AccountHolder)
	if err != nil {
		return Member{}, "", err
	}
	f := in.SecondFactor
	code := strings.TrimSpace(f.TOTPCode) != "" || strings.TrimSpace(f.RecoveryCode) != ""
	if strings.TrimSpace(f.TOTPCode) != "" && strings.TrimSpace(f.RecoveryCode) != "" {
		return Member{}, "", cooperative.Errorf(cooperative.EINVALID, "Send either a TOTP code or a recovery code, not both.")
	}
	if ms.opts.Accounts == nil {
		return Member{}, "", cooperative.Errorf(cooperative.EINTERNAL, "membership: changing a payout account needs MembersOptions.Accounts")
	}
	// Without a code the link is mailed, and mailPayoutAccountLink reads the member with
	// ownMember's answers itself.
	var twoFactor bool
	if code {
		if err := ms.view(ctx, func(tx cooperative.Tx) error {
			m, err := ownMember(tx, actor, in.CooperativeID, in.MemberID)
			if err != nil {
				return err
			}
			twoFactor, err = identity.TwoFactorOn(tx, m.UserID)
			return err
		}); err != nil {
			return Member{}, "", err
		}
	}
	if twoFactor {
		m, err := ms.changePayoutAccountNow(ctx, actor, in, iban, holder)
		if err != nil {
			return Member{}, "", err
		}
		return m, PayoutAccountChanged, nil
	}
	m, err := ms.mailPayoutAccountLink(ctx, actor, in, iban, holder)
	if err != nil {
		return Member{}, "", err
	}
	return m, PayoutAccountConfirmationSent, nil
}

// changePayoutAccountNow applies a change with the second factor in its transaction.
func (ms *Members) changePayoutAccountNow(ctx context.Context, actor cooperative.Actor, in PayoutAccountRequest, iban, holder string) (Member, error) {
	// Counted in a transaction of its own, so a wrong code stays counted when the
	// change's transaction rolls back.
	attempt, err := ms.opts.Accounts.ReserveSecondFactor(ctx, actor.UserID, in.ClientIP)
	if err != nil {
		return Member{}, err
	}
	var m Member
	err = ms.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		var err error
		if m, err = ownMember(tx, actor, in.CooperativeID, in.MemberID); err != nil {
			return err
		}
		if _, err := ms.opts.Accounts.CheckSecondFactor(tx, attempt, in.SecondFactor, actor.RequestID, now); err != nil {
			return err
		}
		m, err = applyPayoutAccount(tx, m, iban, holder, actor, now)
		return err
	})
	return m, err
}

// mailPayoutAccountLink keeps a change waiting (in place of any earlier one) and mails the
// link that applies it.
func (ms *Members) mailPayoutAccountLink(ctx context.Context, actor cooperative.Actor, in PayoutAccountRequest, iban, holder string) (Member, error) {
	var m Member
	err := ms.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		var err error
		if m, err = ownMember(tx, actor, in.CooperativeID, in.MemberID); err != nil {
			return err
		}
		c, err := cooperative.GetCooperativeTx(tx, m.CooperativeID)
		if err != nil {
			return err
		}
		before := m
		change := PayoutAccountChange{ID: cooperative.NewID(), IBAN: iban, AccountHolder: holder, RequestedAt: now,
			ExpiresAt: now.Add(payoutAccountLinkTTL)}
		m.PayoutAccountChange = &change
		if m, err = SaveMember(tx, m, "payout_account_change_requested", actor, now); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, actor, m.CooperativeID, "member.payout_account.request", "member", m.ID, before, m, now); err != nil {
			return err
		}
		link, linkID, err := ms.opts.Accounts.NewLink(tx, identity.LinkPayoutAccount, payoutLinkSubject(m, change), m.UserID,
			payoutAccountPage, payoutAccountLinkTTL, now)
		if err != nil {
			return err
		}
		// To the address on file: whoever got hold of the session cannot confirm from
		// an inbox of their own.
		return notify.Enqueue(tx, notify.Notification{DedupeKey: "payout_account_confirmation:" + linkID,
			Event: notify.EventPayoutAccountConfirmation, CooperativeID: c.ID, To: m.Email, ToName: m.Name, Language: m.Language,
			CreatedAt: now, Data: map[string]string{"cooperative": c.Name, "link": link, "iban": MaskIBAN(iban), "account_holder": holder}})
	})
	return m, err
}

// ConfirmPayoutAccountChange applies the change of payout account the mailed link is
// for. The link works once, for a day, and only for the member's latest request.
func (ms *Members) ConfirmPayoutAccountChange(ctx context.Context, secret, requestID string) (Member, error) {
	var m Member
	err := ms.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		link, err := identity.ConsumeLink(tx, identity.LinkPayoutAccount, secret, now)
		if err != nil {
			return err
		}
		parts := strings.Split(link.Subject, ":")
		if len(parts) != 3 {
			return identity.ErrInvalidLink()
		}
		m, err = GetMember(tx, parts[0], parts[1])
		if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
			return identity.ErrInvalidLink()
		}
		if err != nil {
			return err
		}
		pc := m.PayoutAccountChange
		if pc == nil || pc.ID != parts[2] || m.UserID != link.UserID || !now.Before(pc.ExpiresAt) {
			// Replaced by a later request, applied otherwise since, or expired.
			return identity.ErrInvalidLink()
		}
		actor := cooperative.Actor{UserID: link.UserID, Email: link.Email, Role: string(identity.RoleMember), RequestID: requestID}
		m, err = applyPayoutAccount(tx, m, pc.IBAN, pc.AccountHolder, actor, now)
		return err
	})
	return m, err
}

// checkPayoutAccount checks and normalises a payout account, naming the field at fault.
func checkPayoutAccount(iban, holder string) (string, string, error) {
	iban, err := cooperative.ParseIBAN(iban)
	if err != nil {
		return "", "", cooperative.Errorf(cooperative.EINVALID, "iban: %s", cooperative.ErrorMessage(err))
	}
	if holder, err = CheckText("accountHolder", holder, maxAccountHolder); err != nil {
		return "", "", err
	}
	return iban, holder, nil
}

// ownMember reads the member of the actor's own account.
func ownMember(tx cooperative.Tx, actor cooperative.Actor, cooperativeID, memberID string) (Member, error) {
	m, err := GetMember(tx, cooperativeID, memberID)
	if err != nil {
		return m, err
	}
	if m.UserID == "" || m.UserID != actor.UserID {
		return m, cooperative.Errorf(cooperative.EFORBIDDEN,
			"Only the member's own account changes its payout account; the board corrects it with a correction.")
	}
	return m, nil
}

func payoutLinkSubject(m Member, c PayoutAccountChange) string {
	return m.CooperativeID + ":" + m.ID + ":" + c.ID
}

// applyPayoutAccount makes iban, in holder's name, m's payout account, with its history
// and audit entries and the mail to the member; a hold on the old account and a change
// waiting for its link end with it.
func applyPayoutAccount(tx cooperative.Tx, m Member, iban, holder string, actor cooperative.Actor, now time.Time) (Member, error) {
	before := m
	m.IBAN, m.AccountHolder, m.IBANSuspect, m.PayoutAccountChange = iban, holder, "", nil
	m, err := SaveMember(tx, m, "payout_account_changed", actor, now)
	if err != nil {
		return m, err
	}
	if err := cooperative.AppendAudit(tx, actor, m.CooperativeID, "member.payout_account.change", "member", m.ID, before, m, now); err != nil {
		return m, err
	}
	return m, mailPayoutAccountChanged(tx, before, m, false, now)
}

// mailPayoutAccountChanged tells the member that their payout account is now m's, at the
// address on file before the change (before's): if someone changed the address too, the
// member still hears of it.
func mailPayoutAccountChanged(tx cooperative.Tx, before, m Member, byBoard bool, now time.Time) error {
	c, err := cooperative.GetCooperativeTx(tx, m.CooperativeID)
	if err != nil {
		return err
	}
	data := map[string]string{"cooperative": c.Name, "iban": MaskIBAN(m.IBAN), "at": now.UTC().Format("2006-01-02 15:04 UTC")}
	if byBoard {
		data["changed_by"] = "board"
	}
	// The version names this change: one mail per change, whatever retries.
	return notify.Enqueue(tx, notify.Notification{DedupeKey: "payout_account_changed:" + m.ID + ":" + strconv.FormatInt(m.version, 10),
		Event: notify.EventPayoutAccountChanged, CooperativeID: c.ID, To: before.Email, ToName: before.Name, Language: m.Language,
		CreatedAt: now, Data: data})
}
