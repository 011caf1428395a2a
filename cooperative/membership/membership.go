package membership

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/notify"
)

// MemberKind tells a natural person from a legal entity.
type MemberKind string

const (
	MemberPerson MemberKind = "person"
	MemberEntity MemberKind = "entity"
)

// MemberStatus is where a member is in the lifecycle:
//
//	applied → active | rejected
//	active  → resigned | excluded | deceased
//
// rejected, resigned, excluded and deceased are final.
type MemberStatus string

const (
	MemberApplied  MemberStatus = "applied"
	MemberRejected MemberStatus = "rejected"
	MemberActive   MemberStatus = "active"
	MemberResigned MemberStatus = "resigned"
	MemberExcluded MemberStatus = "excluded"
	MemberDeceased MemberStatus = "deceased"
)

// Address is a postal address.
type Address struct {
	Street     string `json:"street"`
	PostalCode string `json:"postalCode"`
	City       string `json:"city"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
}

func (a Address) String() string {
	return strings.Join([]string{a.Street, strings.TrimSpace(a.PostalCode + " " + a.City), a.Country}, ", ")
}

// Consent records which version of the statutes the applicant agreed to, and when.
type Consent struct {
	StatutesVersion int       `json:"statutesVersion"`
	At              time.Time `json:"at"`
}

// Member is an applicant or member of one cooperative.
type Member struct {
	ID            string     `json:"id"`
	CooperativeID string     `json:"cooperativeId"`
	Number        int64      `json:"number,omitempty"` // given on approval, sequential per cooperative
	Kind          MemberKind `json:"kind"`
	Name          string     `json:"name"`
	Address       Address    `json:"address"`
	// DateOfBirth is for a person, RegistrationNumber (chamber of commerce) for an entity.
	DateOfBirth        cooperative.Date `json:"dateOfBirth,omitempty"`
	RegistrationNumber string           `json:"registrationNumber,omitempty"`
	Email              string           `json:"email"`
	IBAN               string           `json:"iban"`
	Language           string           `json:"language"`
	Consent            Consent          `json:"consent"`
	UserID             string           `json:"userId,omitempty"` // the account that applied, if any
	Status             MemberStatus     `json:"status"`
	AppliedAt          time.Time        `json:"appliedAt"`
	AdmittedOn         cooperative.Date `json:"admittedOn,omitempty"`
	CeasedOn           cooperative.Date `json:"ceasedOn,omitempty"`
	Reason             string           `json:"reason,omitempty"` // of a rejection or exclusion
	UpdatedAt          time.Time        `json:"updatedAt"`
	// The payout account is IBAN (payoutaccount.go): where redemptions, refunds, interest
	// and dividends go. AccountHolder is the name on it, "" for the member's own.
	AccountHolder string `json:"accountHolder,omitempty"`
	// IBANSuspect says why payouts to IBAN are held (a payout came back); a change of
	// IBAN clears it.
	IBANSuspect string `json:"ibanSuspect,omitempty"`
	// PayoutAccountChange is the member's change of payout account waiting for the
	// mailed link; a new request replaces it.
	PayoutAccountChange *PayoutAccountChange `json:"payoutAccountChange,omitempty"`
	version             int64
}

// Application is what someone submits to become a member.
type Application struct {
	CooperativeID      string
	Kind               MemberKind
	Name               string
	Address            Address
	DateOfBirth        cooperative.Date
	RegistrationNumber string
	Email              string
	IBAN               string
	Language           string
	// StatutesVersion is the version the applicant was shown and consents to; it must be
	// the one in force today.
	StatutesVersion int
	UserID          string
}

const (
	collectionMembers       = "members"
	collectionMemberCounter = "member_counters"
)

// memberHistoryJournal holds every version of one member's record: the register keeps
// the history of every change (a correction never loses what was there before).
func memberHistoryJournal(memberID string) string { return "member/" + memberID }

func (m Member) record() cooperative.Record {
	index := map[string]string{"cooperative": m.CooperativeID, "status": m.CooperativeID + ":" + string(m.Status)}
	if m.UserID != "" {
		index["user"] = m.CooperativeID + ":" + m.UserID
	}
	return cooperative.Record{Collection: collectionMembers, ID: m.ID, Version: m.version, Data: cooperative.Encode(m), Index: index}
}

func CheckText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > max || notify.HasControl(s, false) {
		return s, cooperative.Errorf(cooperative.EINVALID, "%s must be 1 to %d printable characters", field, max)
	}
	return s, nil
}

func (a Address) validate() (Address, error) {
	var err error
	if a.Street, err = CheckText("address.street", a.Street, 200); err != nil {
		return a, err
	}
	if a.PostalCode, err = CheckText("address.postalCode", a.PostalCode, 20); err != nil {
		return a, err
	}
	if a.City, err = CheckText("address.city", a.City, 100); err != nil {
		return a, err
	}
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if len(a.Country) != 2 || strings.Trim(a.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return a, cooperative.Errorf(cooperative.EINVALID, "address.country must be an ISO 3166 two-letter code")
	}
	return a, nil
}

// validatePersonal checks the part of a member that can be corrected, the same way on
// application and on correction.
func (m Member) validatePersonal(today cooperative.Date) (Member, error) {
	var err error
	if m.Name, err = CheckText("name", m.Name, 200); err != nil {
		return m, err
	}
	if m.Address, err = m.Address.validate(); err != nil {
		return m, err
	}
	switch m.Kind {
	case MemberPerson:
		if _, err := cooperative.ParseDate(string(m.DateOfBirth)); err != nil {
			return m, cooperative.Errorf(cooperative.EINVALID, "a person needs a dateOfBirth of the form YYYY-MM-DD")
		}
		if !m.DateOfBirth.Before(today) || m.DateOfBirth.Before("1900-01-01") {
			return m, cooperative.Errorf(cooperative.EINVALID, "dateOfBirth is not plausible")
		}
		m.RegistrationNumber = ""
	case MemberEntity:
		if m.RegistrationNumber, err = CheckText("registrationNumber", m.RegistrationNumber, 40); err != nil {
			return m, err
		}
		m.DateOfBirth = ""
	default:
		return m, cooperative.Errorf(cooperative.EINVALID, "kind must be person or entity")
	}
	if m.Email, err = identity.NormalizeEmail(m.Email); err != nil {
		return m, err
	}
	if m.IBAN, err = cooperative.ParseIBAN(m.IBAN); err != nil {
		return m, err
	}
	if m.Language, err = notify.NotificationLanguage(m.Language); err != nil {
		return m, err
	}
	return m, nil
}

func GetMember(tx cooperative.Tx, cooperativeID, id string) (Member, error) {
	if !cooperative.ValidID(id) {
		return Member{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a member id", id)
	}
	m, rec, err := cooperative.GetAs[Member](tx, collectionMembers, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && m.CooperativeID != cooperativeID) {
		return Member{}, cooperative.Errorf(cooperative.ENOTFOUND, "member %s not found", id)
	}
	m.version = rec.Version
	return m, err
}

// MemberChange is one version of a member's record in its history.
type MemberChange struct {
	Change    string    `json:"change"`
	At        time.Time `json:"at"`
	ActorID   string    `json:"actorId,omitempty"`
	ActorRole string    `json:"actorRole,omitempty"`
	Member    Member    `json:"member"`
}

// saveMember writes m (a new member when it was never stored) and appends the new
// version to its history.
func SaveMember(tx cooperative.Tx, m Member, change string, actor cooperative.Actor, now time.Time) (Member, error) {
	m.UpdatedAt = now
	rec, err := cooperative.Put(tx, m.record())
	if err != nil {
		return m, err
	}
	m.version = rec.Version
	hist := MemberChange{Change: change, At: now, ActorID: actor.UserID, ActorRole: actor.Role, Member: m}
	_, _, err = tx.Append(cooperative.JournalEntry{Journal: memberHistoryJournal(m.ID), Key: strconv.FormatInt(rec.Version, 10),
		Data: cooperative.Encode(hist)})
	return m, err
}

// Apply records an application for membership and mails a receipt.
func (ms *Members) Apply(ctx context.Context, in Application) (Member, error) {
	var m Member
	err := ms.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		c, err := cooperative.GetCooperativeTx(tx, in.CooperativeID)
		if err != nil {
			return err
		}
		m = Member{ID: cooperative.NewID(), CooperativeID: c.ID, Kind: in.Kind, Name: in.Name, Address: in.Address,
			DateOfBirth: in.DateOfBirth, RegistrationNumber: in.RegistrationNumber, Email: in.Email, IBAN: in.IBAN,
			Language: in.Language, UserID: in.UserID, Status: MemberApplied, AppliedAt: now}
		if m, err = m.validatePersonal(cooperative.DateOf(now)); err != nil {
			return err
		}
		st, err := StatutesOn(tx, c.ID, cooperative.DateOf(now))
		if err != nil {
			return err
		}
		if in.StatutesVersion != st.Version {
			return cooperative.RuleError("consent_to_statutes", "the applicant must consent to the statutes in force, version %d", st.Version)
		}
		m.Consent = Consent{StatutesVersion: st.Version, At: now}
		if err := identity.ReserveSend(tx, identity.SendKeys("application", in.UserID, m.Email, ms.opts.Sends), ms.opts.Sends, now); err != nil {
			return err
		}
		if m, err = SaveMember(tx, m, "applied", cooperative.Actor{UserID: in.UserID, Role: "applicant"}, now); err != nil {
			return err
		}
		if err := notify.Enqueue(tx, notify.Notification{DedupeKey: "application_received:" + m.ID, Event: notify.EventApplicationReceived,
			CooperativeID: c.ID, To: m.Email, ToName: m.Name, Language: m.Language, CreatedAt: now,
			Data: map[string]string{"cooperative": c.Name}}); err != nil {
			return err
		}
		return mailBoardOfApplication(tx, c, m, now)
	})
	return m, err
}

// mailBoardOfApplication tells every board member of a new application, in their own
// language: the board decides it. Keyed by application and board member, so a retried
// transaction tells each of them once.
func mailBoardOfApplication(tx cooperative.Tx, c cooperative.Cooperative, m Member, now time.Time) error {
	return identity.EachBoardMember(tx, c.ID, func(u identity.User, lang string) error {
		return notify.Enqueue(tx, notify.Notification{DedupeKey: "application_submitted:" + m.ID + ":" + u.ID,
			Event: notify.EventApplicationSubmitted, CooperativeID: c.ID, To: u.Email, Language: lang, CreatedAt: now,
			Data: map[string]string{"cooperative": c.Name, "applicant": m.Name, "kind": string(m.Kind)}})
	})
}

// memberCounter hands out member numbers: updated in the approving transaction, so
// numbers have no gaps and no duplicates.
type memberCounter struct {
	Next int64 `json:"next"`
}

func nextMemberNumber(tx cooperative.Tx, cooperativeID string) (int64, error) {
	c, rec, err := cooperative.GetAs[memberCounter](tx, collectionMemberCounter, cooperativeID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		c, err = memberCounter{Next: 1}, nil
	}
	if err != nil {
		return 0, err
	}
	n := c.Next
	c.Next++
	_, err = cooperative.Put(tx, cooperative.Record{Collection: collectionMemberCounter, ID: cooperativeID, Version: rec.Version, Data: cooperative.Encode(c)})
	return n, err
}

// Approve admits an applicant: the next member number, status active, a mail. Approving
// an approved member again returns it unchanged (idempotent); approving a rejected
// application is refused.
func (ms *Members) Approve(ctx context.Context, actor cooperative.Actor, cooperativeID, memberID string) (Member, error) {
	return ms.decideApplication(ctx, actor, cooperativeID, memberID, applicationDecision{
		status: MemberActive, change: "approved", action: "member.approve", event: notify.EventApplicationApproved,
		apply: func(tx cooperative.Tx, m *Member, now time.Time) error {
			n, err := nextMemberNumber(tx, cooperativeID)
			if err != nil {
				return err
			}
			m.Number, m.Status, m.AdmittedOn = n, MemberActive, cooperative.DateOf(now)
			return nil
		},
		data: func(c cooperative.Cooperative, m Member) map[string]string {
			return map[string]string{"cooperative": c.Name, "member_number": strconv.FormatInt(m.Number, 10)}
		},
	})
}

// Reject turns an application down with a reason, which the applicant is mailed.
// Rejecting a rejected application again is harmless; rejecting a member is refused.
func (ms *Members) Reject(ctx context.Context, actor cooperative.Actor, cooperativeID, memberID, reason string) (Member, error) {
	reason, err := CheckText("reason", reason, 1000)
	if err != nil {
		return Member{}, err
	}
	return ms.decideApplication(ctx, actor, cooperativeID, memberID, applicationDecision{
		status: MemberRejected, change: "rejected", action: "member.reject", event: notify.EventApplicationRejected,
		apply: func(_ cooperative.Tx, m *Member, _ time.Time) error {
			m.Status, m.Reason = MemberRejected, reason
			return nil
		},
		data: func(c cooperative.Cooperative, _ Member) map[string]string {
			return map[string]string{"cooperative": c.Name, "reason": reason}
		},
	})
}

// applicationDecision is what approving or rejecting an application changes and says.
type applicationDecision struct {
	status MemberStatus             // what the application becomes
	change string                   // the member history's word for it, and the refusal's
	action string                   // the audit action
	event  notify.NotificationEvent // the mail to the applicant
	apply  func(tx cooperative.Tx, m *Member, now time.Time) error
	data   func(c cooperative.Cooperative, m Member) map[string]string
}

// decideApplication settles an open application the way d says, with its history entry,
// audit entry and mail in the same transaction. An application already settled that
// way is returned unchanged; one settled otherwise is refused.
func (ms *Members) decideApplication(ctx context.Context, actor cooperative.Actor, cooperativeID, memberID string, d applicationDecision) (Member, error) {
	var m Member
	err := ms.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		c, err := cooperative.GetCooperativeTx(tx, cooperativeID)
		if err != nil {
			return err
		}
		if m, err = GetMember(tx, cooperativeID, memberID); err != nil {
			return err
		}
		switch m.Status {
		case d.status:
			return nil
		case MemberApplied:
		default:
			return cooperative.RuleError("application_open", "the application is %s and can no longer be %s", m.Status, d.change)
		}
		before := m
		if err := d.apply(tx, &m, now); err != nil {
			return err
		}
		if m, err = SaveMember(tx, m, d.change, actor, now); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, actor, cooperativeID, d.action, "member", m.ID, before, m, now); err != nil {
			return err
		}
		return notify.Enqueue(tx, notify.Notification{DedupeKey: string(d.event) + ":" + m.ID, Event: d.event,
			CooperativeID: c.ID, To: m.Email, ToName: m.Name, Language: m.Language, CreatedAt: now, Data: d.data(c, m)})
	})
	return m, err
}

// Correction changes a member's personal data; nil fields stay as they are.
type Correction struct {
	Name               *string
	Address            *Address
	DateOfBirth        *cooperative.Date
	RegistrationNumber *string
	Email              *string
	IBAN               *string
	Language           *string
	// AccountHolder is the name on the payout account (1 to 70 characters).
	AccountHolder *string
}

// Correct changes personal data. The previous version stays in the member's history. A
// change of payout account (IBAN or the name on it) is mailed to the member at the
// address on file before the correction, like the member's own change.
func (ms *Members) Correct(ctx context.Context, actor cooperative.Actor, cooperativeID, memberID string, c Correction) (Member, error) {
	var holder string
	if c.AccountHolder != nil {
		var err error
		if holder, err = CheckText("accountHolder", *c.AccountHolder, maxAccountHolder); err != nil {
			return Member{}, err
		}
	}
	var m Member
	err := ms.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		var err error
		if m, err = GetMember(tx, cooperativeID, memberID); err != nil {
			return err
		}
		before := m
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = *src
			}
		}
		set(&m.Name, c.Name)
		set(&m.RegistrationNumber, c.RegistrationNumber)
		set(&m.Email, c.Email)
		set(&m.IBAN, c.IBAN)
		set(&m.Language, c.Language)
		if c.Address != nil {
			m.Address = *c.Address
		}
		if c.DateOfBirth != nil {
			m.DateOfBirth = *c.DateOfBirth
		}
		if c.AccountHolder != nil {
			m.AccountHolder = holder
		}
		if m, err = m.validatePersonal(cooperative.DateOf(now)); err != nil {
			return err
		}
		if m.IBAN != before.IBAN {
			// A new account: the hold on the old one, and a change the member has not
			// confirmed yet, no longer apply.
			m.IBANSuspect, m.PayoutAccountChange = "", nil
		}
		if m, err = SaveMember(tx, m, "corrected", actor, now); err != nil {
			return err
		}
		if err := cooperative.AppendAudit(tx, actor, cooperativeID, "member.correct", "member", m.ID, before, m, now); err != nil {
			return err
		}
		if m.IBAN == before.IBAN && m.AccountHolder == before.AccountHolder {
			return nil
		}
		return mailPayoutAccountChanged(tx, before, m, true, now)
	})
	return m, err
}

// End ends a membership: resigned, excluded or deceased, on date (not in the future).
// A member who resigns or is excluded must first have withdrawn or transferred every
// share, so the register never shows shares of a former member; a deceased member's
// shares stay registered until they are transferred to the heirs.
func (ms *Members) End(ctx context.Context, actor cooperative.Actor, cooperativeID, memberID string, status MemberStatus, on cooperative.Date, reason string) (Member, error) {
	switch status {
	case MemberResigned, MemberExcluded, MemberDeceased:
	default:
		return Member{}, cooperative.Errorf(cooperative.EINVALID, "a membership ends as resigned, excluded or deceased")
	}
	if _, err := cooperative.ParseDate(string(on)); err != nil {
		return Member{}, err
	}
	if status == MemberExcluded {
		var err error
		if reason, err = CheckText("reason", reason, 1000); err != nil {
			return Member{}, err
		}
	}
	var m Member
	err := ms.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		var err error
		if m, err = GetMember(tx, cooperativeID, memberID); err != nil {
			return err
		}
		if m.Status == status && m.CeasedOn == on {
			return nil
		}
		if m.Status != MemberActive {
			return cooperative.RuleError("member_active", "only an active member's membership can end; this one is %s", m.Status)
		}
		if cooperative.DateOf(now).Before(on) || on.Before(m.AdmittedOn) {
			return cooperative.Errorf(cooperative.EINVALID, "the end date must lie between admission and today")
		}
		if status != MemberDeceased {
			held, err := ms.opts.HeldShares(tx, cooperativeID, m.ID)
			if err != nil {
				return err
			}
			if held > 0 {
				return cooperative.RuleError("no_shares_left", "the member still holds %d shares: withdraw or transfer them first", held)
			}
		}
		before := m
		m.Status, m.CeasedOn, m.Reason = status, on, strings.TrimSpace(reason)
		if m, err = SaveMember(tx, m, string(status), actor, now); err != nil {
			return err
		}
		return cooperative.AppendAudit(tx, actor, cooperativeID, "member."+string(status), "member", m.ID, before, m, now)
	})
	return m, err
}

// GetMember returns one member of a cooperative.
func (ms *Members) GetMember(ctx context.Context, cooperativeID, memberID string) (Member, error) {
	var m Member
	err := ms.view(ctx, func(tx cooperative.Tx) (err error) {
		m, err = GetMember(tx, cooperativeID, memberID)
		return err
	})
	return m, err
}

// MembersOfUser returns the member records an account holds in a cooperative (usually
// one; an account may apply for a person and for their company).
func (ms *Members) MembersOfUser(ctx context.Context, cooperativeID, userID string) ([]Member, error) {
	var list []Member
	err := ms.view(ctx, func(tx cooperative.Tx) (err error) {
		list, _, err = cooperative.FindAs[Member](tx, cooperative.Query{Collection: collectionMembers, Index: "user",
			Value: cooperativeID + ":" + userID, Limit: cooperative.MaxPageSize})
		return err
	})
	return list, err
}

// ListMembers returns a page of a cooperative's members and applicants in application
// order; status "" lists all.
func (ms *Members) ListMembers(ctx context.Context, cooperativeID string, status MemberStatus, after string, limit int) ([]Member, string, error) {
	q := cooperative.Query{Collection: collectionMembers, Index: "cooperative", Value: cooperativeID, After: after, Limit: limit}
	if status != "" {
		q.Index, q.Value = "status", cooperativeID+":"+string(status)
	}
	return cooperative.ListPage[Member](ctx, ms.run.Store(), q)
}

// MemberHistory returns every version of a member's record, oldest first.
func (ms *Members) MemberHistory(ctx context.Context, cooperativeID, memberID string) ([]MemberChange, error) {
	var out []MemberChange
	err := ms.view(ctx, func(tx cooperative.Tx) error {
		if _, err := GetMember(tx, cooperativeID, memberID); err != nil {
			return err
		}
		var after int64
		for {
			page, err := tx.ReadJournal(memberHistoryJournal(memberID), after, cooperative.MaxPageSize)
			if err != nil {
				return err
			}
			for _, je := range page {
				var c MemberChange
				if err := cooperative.Decode(cooperative.Record{Collection: "member history", ID: memberID, Data: je.Data}, &c); err != nil {
					return err
				}
				out = append(out, c)
				after = je.Seq
			}
			if len(page) < cooperative.MaxPageSize {
				return nil
			}
		}
	})
	return out, err
}

// forEachMember calls fn for every member record of a cooperative.
func ForEachMember(tx cooperative.Tx, cooperativeID string, fn func(Member) error) error {
	after := ""
	for {
		list, next, err := cooperative.FindAs[Member](tx, cooperative.Query{Collection: collectionMembers, Index: "cooperative",
			Value: cooperativeID, After: after, Limit: cooperative.MaxPageSize})
		if err != nil {
			return err
		}
		for _, m := range list {
			if err := fn(m); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}
