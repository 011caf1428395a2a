package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/kracht-coop/kracht/cooperative/identity"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
	"github.com/kracht-coop/kracht/cooperative"
)

// Authorization is declared per operation: every route of routes_*.go is added with
// route(), which takes a policy saying who may call it. The guard enforces it before the
// request body is even parsed, so a caller who may not call an operation learns nothing
// from its validation errors either. What a policy cannot say (a member may read only
// their own record) is checked in the handler, with the principal the guard leaves in
// the context.
//
// 401 means no valid credentials; 403 means valid credentials without the role; 404 is
// used where the object belongs to someone else and its existence is itself private (a
// member asking for another member's record), so the answer is the same as for an object
// that does not exist. Cooperatives themselves are public (their profiles are), so
// asking about one you have no role in is a 403, not a 404.
type policy struct {
	// signedIn: a valid access token of a live session.
	signedIn bool
	// admin: the platform admin flag. Admins get platform functions only, nothing inside
	// a cooperative unless they also hold a role there.
	admin bool
	// roles: the roles in the path's {cooperativeID} that may call (any one of them).
	roles []identity.Role
	// self: also anyone with a role in the cooperative, for the path's {userID} when it
	// is their own id; for someone else's they get 404.
	self bool
	// mfa: the access token must come from a session with a second factor (for writes
	// that move money or change the register, and for admins' writes).
	mfa bool
}

func public() policy                              { return policy{} }
func signedIn() policy                            { return policy{signedIn: true} }
func platformAdmin() policy                       { return policy{signedIn: true, admin: true} }
func inCooperative(roles ...identity.Role) policy { return policy{signedIn: true, roles: roles} }

// withMFA returns p requiring a second factor.
func (p policy) withMFA() policy { p.mfa = true; return p }

// orSelf returns p also allowing a person with any role in the cooperative to act on
// their own {userID}.
func (p policy) orSelf() policy { p.self = true; return p }

func (p policy) scoped() bool { return len(p.roles) > 0 }

// String describes the policy for the OpenAPI document and the tests.
func (p policy) String() string {
	var s string
	switch {
	case !p.signedIn:
		return "public"
	case p.admin:
		s = "platform admin"
	case p.scoped():
		names := make([]string, len(p.roles))
		for i, r := range p.roles {
			names[i] = string(r)
		}
		s = strings.Join(names, " or ") + " of the cooperative"
		if p.self {
			s += ", or the person themself"
		}
	default:
		s = "signed in"
	}
	if p.mfa {
		s += ", with two-factor authentication"
	}
	return s
}

const policyMetadataKey = "kracht-policy"

// route adds an operation with its policy. Every route of routes_*.go is added this way;
// the authorization matrix test fails for an operation without a policy.
func route[I, O any](s *Server, p policy, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[policyMetadataKey] = p
	op.Description = strings.TrimSpace(op.Description + "\n\nWho may call: " + p.String() + ".")
	if p.signedIn {
		op.Security = []map[string][]string{{"bearer": {}}}
		op.Errors = append(op.Errors, http.StatusUnauthorized)
	} else {
		// An empty list, not none: the document then says the operation needs no
		// credentials, where a missing one leaves it to a default.
		op.Security = []map[string][]string{}
	}
	if p.admin || p.scoped() || p.mfa {
		op.Errors = append(op.Errors, http.StatusForbidden)
	}
	op.Middlewares = append(op.Middlewares, s.guard(p))
	register(s, op, handler)
}

type authContextKey int

const (
	keyPrincipal authContextKey = iota
	keyClientIP
	keyActingRole
	keyWrite
)

// isWrite says whether the request may change something (any method but GET and HEAD).
func isWrite(ctx context.Context) bool {
	w, _ := ctx.Value(keyWrite).(bool)
	return w
}

// principalFrom returns who the request acts for (zero on public routes).
func principalFrom(ctx context.Context) identity.Principal {
	p, _ := ctx.Value(keyPrincipal).(identity.Principal)
	return p
}

func clientIPFrom(ctx context.Context) string {
	ip, _ := ctx.Value(keyClientIP).(string)
	return ip
}

// actorFrom describes the caller for the audit log, with the role that allowed the call.
func actorFrom(ctx context.Context) cooperative.Actor {
	p := principalFrom(ctx)
	role, _ := ctx.Value(keyActingRole).(string)
	return cooperative.Actor{UserID: p.ID, Email: p.Email, Role: role, RequestID: requestIDFrom(ctx)}
}

// guard authenticates and authorizes a request according to p.
func (s *Server) guard(p policy) func(huma.Context, func(huma.Context)) {
	return func(hctx huma.Context, next func(huma.Context)) {
		hctx = huma.WithValue(hctx, keyClientIP, s.clientIP(humafiber.Unwrap(hctx)))
		m := hctx.Method()
		hctx = huma.WithValue(hctx, keyWrite, m != http.MethodGet && m != http.MethodHead)
		if !p.signedIn {
			next(hctx)
			return
		}
		principal, role, err := s.authorize(hctx, p)
		if err != nil {
			s.writeGuardProblem(hctx, err)
			return
		}
		hctx = huma.WithValue(hctx, keyPrincipal, principal)
		next(huma.WithValue(hctx, keyActingRole, role))
	}
}

// authorize returns the principal and the role that allows the call.
func (s *Server) authorize(hctx huma.Context, p policy) (identity.Principal, string, error) {
	ctx := hctx.Context()
	scheme, raw, _ := strings.Cut(strings.TrimSpace(hctx.Header(fiber.HeaderAuthorization)), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return identity.Principal{}, "", cooperative.Errorf(cooperative.EUNAUTHORIZED,
			"Sign in and send the access token as Authorization: Bearer <token>.")
	}
	claims, err := s.tokens.parse(strings.TrimSpace(raw))
	if err != nil {
		return identity.Principal{}, "", err
	}
	cooperativeID := ""
	if p.scoped() {
		cooperativeID = hctx.Param("cooperativeID")
		if !cooperative.ValidID(cooperativeID) {
			return identity.Principal{}, "", cooperative.Errorf(cooperative.EINVALID, "%q is not a cooperative id", cooperativeID)
		}
	}
	principal, err := s.accounts.Authenticate(ctx, claims.Subject, claims.SessionID, cooperativeID)
	if err != nil {
		return principal, "", err
	}
	// A second factor counts only when both the session and this token say so: a token
	// from before a step-up stays without it.
	principal.MFA = principal.MFA && claims.mfa()

	var role string
	switch {
	case p.admin:
		if !principal.PlatformAdmin {
			return principal, "", cooperative.Errorf(cooperative.EFORBIDDEN, "This is for platform admins only.")
		}
		role = "admin"
	case p.scoped():
		for _, r := range p.roles {
			if slices.Contains(principal.Roles, r) {
				role = string(r)
				break
			}
		}
		if role == "" && p.self && len(principal.Roles) > 0 {
			if hctx.Param("userID") != principal.ID {
				return principal, "", cooperative.Errorf(cooperative.ENOTFOUND, "Not found.")
			}
			role = "self"
		}
		if role == "" {
			return principal, "", cooperative.Errorf(cooperative.EFORBIDDEN, "Your roles in this cooperative do not allow this.")
		}
	}
	if p.mfa && !principal.MFA {
		return principal, "", cooperative.Errorf(cooperative.EFORBIDDEN,
			"This action needs two-factor authentication: turn it on (POST /v1/auth/totp/enroll and /v1/auth/totp/confirm) or sign in with your TOTP code.")
	}
	return principal, role, nil
}

// writeGuardProblem answers a refused request as problem+json, as register does.
func (s *Server) writeGuardProblem(hctx huma.Context, err error) {
	p := s.problemFor(hctx.Context(), err)
	if p.Status == http.StatusUnauthorized {
		hctx.SetHeader("WWW-Authenticate", `Bearer realm="kracht", error="invalid_token"`)
	}
	hctx.SetHeader("Content-Type", "application/problem+json")
	hctx.SetStatus(p.Status)
	_ = json.NewEncoder(hctx.BodyWriter()).Encode(p)
}

// clientIP is the address requests are counted by for throttling. Behind trusted
// proxies (KRACHT_TRUSTED_PROXIES) it is the right-most X-Forwarded-For hop that is not a
// trusted proxy: the left-most is whatever the client wrote, so trusting it would let an
// attacker pick a fresh address for every guess. IPv6 clients are counted per /64,
// since one customer usually holds a whole /64.
func (s *Server) clientIP(c *fiber.Ctx) string {
	addr, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	addr = addr.Unmap()
	if s.trustedProxy(addr) {
		hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			addr = hop.Unmap()
			if !s.trustedProxy(addr) {
				break
			}
		}
	}
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}

func (s *Server) trustedProxy(addr netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// redactSecrets drops the echoed value of a refused field that holds a secret
// (passwords, tokens, codes, and any field named after a recovery code): huma shows the
// value it refused, and a problem may end up in a proxy's or a browser's logs.
func redactSecrets(_ huma.Context, _ string, v any) (any, error) {
	p, ok := v.(*Problem)
	if !ok {
		return v, nil
	}
	for _, d := range p.Errors {
		loc := strings.ToLower(d.Location)
		if strings.Contains(loc, "password") || strings.Contains(loc, "token") || strings.Contains(loc, "code") ||
			strings.Contains(loc, "recovery") {
			d.Value = nil
		}
	}
	return p, nil
}
