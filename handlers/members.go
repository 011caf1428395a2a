package handlers

import (
	"context"
	"slices"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"

	"github.com/danielgtaylor/huma/v2"
	"github.com/kracht-coop/kracht/cooperative"
)

// Statutes and membership.
//
// Who a member is: membership is not a role grant. Applying needs a signed-in account
// (any verified account, no role in the cooperative), and the member record keeps that
// account's id, so the applicant can later read their own records through it. Routes about
// one member's records (their membership, subscriptions, holdings, certificates,
// withdrawals) are therefore guarded as "signed in" and decided per object here: the
// account the record belongs to, or the board or accountant of the cooperative. Anyone
// else gets 404, as if the record did not exist, except a board member or accountant of
// the cooperative calling an operation that is not theirs (they know the record exists),
// who gets 403.

// allowMember decides whether the caller may act on member m: as its own account when
// owner is true, or holding one of roles in m's cooperative. It returns the actor for the
// audit log, with the role that allowed the call ("member" for the owner).
func (s *Server) allowMember(ctx context.Context, m membership.Member, owner bool, roles ...identity.Role) (cooperative.Actor, error) {
	actor := actorFrom(ctx)
	if owner && m.UserID != "" && m.UserID == actor.UserID {
		actor.Role = string(identity.RoleMember)
		return actor, nil
	}
	g, err := s.accounts.GetRoleGrant(ctx, m.CooperativeID, actor.UserID)
	if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		return actor, err
	}
	for _, r := range roles {
		if g.Has(r) {
			actor.Role = string(r)
			// A route open to members lets staff act on someone else's record here, not
			// in its policy: the rule of withMFA (every staff change needs the second
			// factor) is applied here for that path.
			if isWrite(ctx) && !principalFrom(ctx).MFA {
				return actor, cooperative.Errorf(cooperative.EFORBIDDEN,
					"Acting as %s on someone else's record needs a session with two-factor authentication.", r)
			}
			return actor, nil
		}
	}
	if g.Has(identity.RoleBoard, identity.RoleAccountant) {
		return actor, cooperative.Errorf(cooperative.EFORBIDDEN, "Your roles in this cooperative do not allow this.")
	}
	return actor, cooperative.Errorf(cooperative.ENOTFOUND, "member %s not found", m.ID)
}

// staff are the roles that read every member's records of their own cooperative.
func staff() []identity.Role {
	return []identity.Role{identity.RoleBoard, identity.RoleAccountant}
}

// memberFor loads a member and checks the caller may act on it (see allowMember).
func (s *Server) memberFor(ctx context.Context, cooperativeID, memberID string, owner bool, roles ...identity.Role) (membership.Member, cooperative.Actor, error) {
	if !cooperative.ValidID(cooperativeID) {
		return membership.Member{}, cooperative.Actor{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
	}
	m, err := s.members.GetMember(ctx, cooperativeID, memberID)
	if err != nil {
		return m, cooperative.Actor{}, err
	}
	actor, err := s.allowMember(ctx, m, owner, roles...)
	return m, actor, err
}

// today is the server's calendar date (UTC), the default of every "as of" query.
func (s *Server) today() cooperative.Date { return cooperative.DateOf(s.now()) }

// dateOr returns d, or today when it is empty.
func (s *Server) dateOr(d string) cooperative.Date {
	if d == "" {
		return s.today()
	}
	return cooperative.Date(d)
}

// --- statutes ---

type shareClassBody struct {
	Code              string `json:"code" maxLength:"20" doc:"1 to 20 capitals, digits or _, for example A."`
	Name              string `json:"name" maxLength:"100"`
	NominalCents      int64  `json:"nominalCents" minimum:"1" doc:"Nominal value of one share, in cents. Never changes once adopted."`
	MinPerMember      int64  `json:"minPerMember" minimum:"0"`
	MaxPerMember      int64  `json:"maxPerMember" minimum:"1"`
	ConfersMembership bool   `json:"confersMembership" doc:"Holding this class makes one a member (at least one class must)."`
}

type adoptStatutesInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          struct {
		EffectiveFrom      string           `json:"effectiveFrom" format:"date" doc:"The day the version takes effect: after the current version's, and not in the past (the first version may be dated back)."`
		ShareClasses       []shareClassBody `json:"shareClasses" minItems:"1" maxItems:"20"`
		MembershipFeeCents int64            `json:"membershipFeeCents" minimum:"0" doc:"In cents."`
		DividendCapBP      int64            `json:"dividendCapBp" minimum:"0" maximum:"10000" doc:"The dividend cap in basis points."`
		NoticePeriodDays   int              `json:"noticePeriodDays" minimum:"0" maximum:"1830" doc:"Notice period for a withdrawal, in days."`
		Allocation         string           `json:"allocation" enum:"pro_rata,first_come" doc:"How an oversubscribed offering is allocated."`
	}
}

type statutesOutput struct {
	Body membership.Statutes
}

func (s *Server) adoptStatutes(ctx context.Context, in *adoptStatutesInput) (*statutesOutput, error) {
	b := in.Body
	classes := make([]membership.ShareClass, len(b.ShareClasses))
	for i, c := range b.ShareClasses {
		classes[i] = membership.ShareClass(c)
	}
	st, err := s.members.AdoptStatutes(ctx, actorFrom(ctx), membership.Statutes{CooperativeID: in.CooperativeID,
		EffectiveFrom: cooperative.Date(b.EffectiveFrom), ShareClasses: classes, MembershipFeeCents: b.MembershipFeeCents,
		DividendCapBP: b.DividendCapBP, NoticePeriodDays: b.NoticePeriodDays, Allocation: membership.AllocationMethod(b.Allocation)})
	if err != nil {
		return nil, err
	}
	return &statutesOutput{Body: st}, nil
}

type statutesOnInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Date          string `query:"date" format:"date" doc:"The day asked about (YYYY-MM-DD); today when left out."`
}

func (s *Server) getStatutes(ctx context.Context, in *statutesOnInput) (*statutesOutput, error) {
	if !cooperative.ValidID(in.CooperativeID) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", in.CooperativeID)
	}
	st, err := s.members.StatutesOn(ctx, in.CooperativeID, s.dateOr(in.Date))
	if err != nil {
		return nil, err
	}
	return &statutesOutput{Body: st}, nil
}

type statutesHistoryOutput struct {
	Body struct {
		Items []membership.Statutes `json:"items" doc:"Every version, oldest first."`
	}
}

func (s *Server) listStatutes(ctx context.Context, in *cooperativeIDInput) (*statutesHistoryOutput, error) {
	if !cooperative.ValidID(in.CooperativeID) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", in.CooperativeID)
	}
	if _, err := cooperative.GetCooperative(ctx, s.store, in.CooperativeID); err != nil {
		return nil, err
	}
	h, err := s.members.StatutesHistory(ctx, in.CooperativeID)
	if err != nil {
		return nil, err
	}
	out := &statutesHistoryOutput{}
	out.Body.Items = h
	return out, nil
}

// --- membership ---

type applyInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Body          membershipApplication
}

// membershipApplication is an application for membership.
type membershipApplication struct {
	Kind               string             `json:"kind" enum:"person,entity" doc:"A natural person or a legal entity."`
	Name               string             `json:"name" maxLength:"200"`
	Address            membership.Address `json:"address"`
	DateOfBirth        string             `json:"dateOfBirth,omitempty" format:"date" doc:"Required for a person (and dropped for an entity)."`
	RegistrationNumber string             `json:"registrationNumber,omitempty" maxLength:"40" doc:"Required for an entity: its chamber of commerce number (dropped for a person)."`
	Email              string             `json:"email" maxLength:"254"`
	IBAN               string             `json:"iban" maxLength:"42" doc:"Checked: SEPA country, its length and the mod-97 check digits."`
	Language           string             `json:"language" enum:"nl,en"`
	StatutesVersion    int                `json:"consentToStatutesVersion" minimum:"1" doc:"The version of the statutes the applicant read and consents to: the one in force today. The server records the time."`
}

// TransformSchema publishes the fields required by kind (JSON Schema if/then/else): a
// person has a dateOfBirth, an entity a registrationNumber. huma does not evaluate
// if/then; the domain enforces the rule (validatePersonal), with a 400 naming the field.
func (membershipApplication) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	if s.Extensions == nil {
		s.Extensions = map[string]any{}
	}
	s.Extensions["if"] = &huma.Schema{Properties: map[string]*huma.Schema{"kind": {Enum: []any{string(membership.MemberPerson)}}},
		Required: []string{"kind"}}
	s.Extensions["then"] = &huma.Schema{Required: []string{"dateOfBirth"}}
	s.Extensions["else"] = &huma.Schema{Required: []string{"registrationNumber"}}
	return s
}

type memberOutput struct {
	Body membership.Member
}

func (s *Server) apply(ctx context.Context, in *applyInput) (*memberOutput, error) {
	if !cooperative.ValidID(in.CooperativeID) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", in.CooperativeID)
	}
	b := in.Body
	m, err := s.members.Apply(ctx, membership.Application{CooperativeID: in.CooperativeID, Kind: membership.MemberKind(b.Kind),
		Name: b.Name, Address: b.Address, DateOfBirth: cooperative.Date(b.DateOfBirth), RegistrationNumber: b.RegistrationNumber,
		Email: b.Email, IBAN: b.IBAN, Language: b.Language, StatutesVersion: b.StatutesVersion, UserID: principalFrom(ctx).ID})
	if err != nil {
		return nil, err
	}
	return &memberOutput{Body: m}, nil
}

type memberList = page[membership.Member]

func (s *Server) myMembers(ctx context.Context, in *cooperativeIDInput) (*pageOutput[membership.Member], error) {
	if !cooperative.ValidID(in.CooperativeID) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", in.CooperativeID)
	}
	list, err := s.members.MembersOfUser(ctx, in.CooperativeID, principalFrom(ctx).ID)
	if err != nil {
		return nil, err
	}
	return pageOf(list, "", asIs), nil
}

type listMembersInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	Status        string `query:"status" enum:"applied,rejected,active,resigned,excluded,deceased" doc:"Only members in this status; all when left out."`
	Cursor        string `query:"cursor" doc:"The next cursor of the previous page; empty for the first page."`
	Limit         int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Page size."`
}

func (s *Server) listMembers(ctx context.Context, in *listMembersInput) (*pageOutput[membership.Member], error) {
	list, next, err := s.members.ListMembers(ctx, in.CooperativeID, membership.MemberStatus(in.Status), in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOf(list, next, asIs), nil
}

type memberInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's (or applicant's) id."`
}

func (s *Server) getMember(ctx context.Context, in *memberInput) (*memberOutput, error) {
	m, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...)
	if err != nil {
		return nil, err
	}
	return &memberOutput{Body: m}, nil
}

type memberHistoryOutput struct {
	Body struct {
		Items []membership.MemberChange `json:"items" doc:"Every version of the record, oldest first."`
	}
}

func (s *Server) memberHistory(ctx context.Context, in *memberInput) (*memberHistoryOutput, error) {
	if _, _, err := s.memberFor(ctx, in.CooperativeID, in.MemberID, true, staff()...); err != nil {
		return nil, err
	}
	h, err := s.members.MemberHistory(ctx, in.CooperativeID, in.MemberID)
	if err != nil {
		return nil, err
	}
	out := &memberHistoryOutput{}
	out.Body.Items = nonNil(h)
	return out, nil
}

func (s *Server) approveMember(ctx context.Context, in *memberInput) (*memberOutput, error) {
	m, err := s.members.Approve(ctx, actorFrom(ctx), in.CooperativeID, in.MemberID)
	if err != nil {
		return nil, err
	}
	return &memberOutput{Body: m}, nil
}

type rejectMemberInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The applicant's id."`
	Body          struct {
		Reason string `json:"reason" minLength:"1" maxLength:"1000" doc:"Mailed to the applicant."`
	}
}

func (s *Server) rejectMember(ctx context.Context, in *rejectMemberInput) (*memberOutput, error) {
	m, err := s.members.Reject(ctx, actorFrom(ctx), in.CooperativeID, in.MemberID, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &memberOutput{Body: m}, nil
}

type endMembershipInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
	Body          struct {
		Status string `json:"status" enum:"resigned,excluded,deceased"`
		On     string `json:"on" format:"date" doc:"The day the membership ended: not before admission, not in the future."`
		Reason string `json:"reason,omitempty" maxLength:"1000" doc:"Required for an exclusion."`
	}
}

func (s *Server) endMembership(ctx context.Context, in *endMembershipInput) (*memberOutput, error) {
	m, err := s.members.End(ctx, actorFrom(ctx), in.CooperativeID, in.MemberID, membership.MemberStatus(in.Body.Status),
		cooperative.Date(in.Body.On), in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &memberOutput{Body: m}, nil
}

type correctMemberInput struct {
	CooperativeID string `path:"cooperativeID" doc:"The cooperative's id."`
	MemberID      string `path:"memberID" doc:"The member's id."`
	Body          struct {
		Name               *string             `json:"name,omitempty" maxLength:"200"`
		Address            *membership.Address `json:"address,omitempty"`
		DateOfBirth        *string             `json:"dateOfBirth,omitempty" format:"date"`
		RegistrationNumber *string             `json:"registrationNumber,omitempty" maxLength:"40"`
		Email              *string             `json:"email,omitempty" maxLength:"254"`
		IBAN               *string             `json:"iban,omitempty" maxLength:"42" doc:"The payout account; its change is mailed to the member at the address on file."`
		AccountHolder      *string             `json:"accountHolder,omitempty" maxLength:"70" doc:"The name on the payout account; its change is mailed to the member too."`
		Language           *string             `json:"language,omitempty" enum:"nl,en"`
	}
}

func (s *Server) correctMember(ctx context.Context, in *correctMemberInput) (*memberOutput, error) {
	b := in.Body
	c := membership.Correction{Name: b.Name, Address: b.Address, RegistrationNumber: b.RegistrationNumber,
		Email: b.Email, IBAN: b.IBAN, AccountHolder: b.AccountHolder, Language: b.Language}
	if b.DateOfBirth != nil {
		d := cooperative.Date(*b.DateOfBirth)
		c.DateOfBirth = &d
	}
	m, err := s.members.Correct(ctx, actorFrom(ctx), in.CooperativeID, in.MemberID, c)
	if err != nil {
		return nil, err
	}
	return &memberOutput{Body: m}, nil
}

// nonNil makes an empty list [] rather than null in JSON.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return slices.Clip(list)
}
