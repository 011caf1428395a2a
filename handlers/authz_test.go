package handlers

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/notify"

	"github.com/danielgtaylor/huma/v2"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/pquerna/otp/totp"
)

// The authorization matrix: every operation × every kind of caller, with the status
// each must get. TestAuthorizationMatrix fails when an operation of the OpenAPI document
// has no row, so a new route cannot be added without deciding who may call it.

type caller int

const (
	anonymous   caller = iota
	ownMember          // a member of cooperative A, and the object ({userID}) itself
	otherMember        // another member of cooperative A
	otherBoard         // a board member of cooperative B
	accountant         // the accountant of cooperative A (TOTP on)
	board              // a board member of cooperative A (TOTP on)
	boardNoMFA         // a board member of cooperative A who has not turned TOTP on
	admin              // a platform admin (TOTP on), with no role in any cooperative
	callers
)

var callerNames = [callers]string{"anonymous", "own member", "other member", "board of B", "accountant",
	"board", "board without TOTP", "admin"}

// matrixFixture is two cooperatives and one person of each kind.
type matrixFixture struct {
	as         *authServer
	coopA      string
	coopB      string
	people     [callers]*session
	unsubToken string

	// Register objects (registry_authz_test.go), built on first use.
	t    *testing.T
	reg  *registryFixture
	bond *bondFixture // bonds_authz_test.go
	dist bool         // distribution_authz_test.go
	fund *fundFixture // fund_authz_test.go
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	// Generous limits: this test is about who may call what, and every cell signs in.
	as := newAuthServer(t, func(o *Options) {
		*o = withServices(*o, identity.AccountsOptions{
			Limits: identity.SignInLimits{Window: 1, PerAccount: 1 << 20, PerIP: 1 << 20, MailsPerIP: 1 << 20},
			Sends:  identity.SendLimits{Window: time.Hour}}) // no limit, only its window
	})
	f := &matrixFixture{as: as, t: t}
	f.people[admin] = as.admin(t, "ops@kracht.test")
	f.coopA = as.newCooperative(t, f.people[admin], "Coop A")
	f.coopB = as.newCooperative(t, f.people[admin], "Coop B")
	as.join(t, f.people[admin], f.coopA, "board-a@example.org", "board")
	as.join(t, f.people[admin], f.coopB, "board-b@example.org", "board")
	f.people[board] = as.signIn(t, "board-a@example.org")
	as.turnOnTOTP(t, f.people[board])
	f.people[otherBoard] = as.signIn(t, "board-b@example.org")
	as.turnOnTOTP(t, f.people[otherBoard])
	for who, email := range map[caller]string{ownMember: "own@example.org", otherMember: "other@example.org",
		accountant: "accountant@example.org", boardNoMFA: "board2-a@example.org"} {
		role := map[caller]string{ownMember: "member", otherMember: "member", accountant: "accountant", boardNoMFA: "board"}[who]
		as.join(t, f.people[board], f.coopA, email, role)
		f.people[who] = as.signIn(t, email)
	}
	as.turnOnTOTP(t, f.people[accountant])
	var err error
	if f.unsubToken, err = notify.UnsubscribeToken([]byte(testUnsubSecret), "own@example.org", notify.EventApplicationReceived); err != nil {
		t.Fatal(err)
	}
	return f
}

// accessToken signs who in afresh (with the TOTP code when they have TOTP on), so a cell
// that ends a session (logout, password change) does not change the next.
func (f *matrixFixture) accessToken(t *testing.T, who caller) string {
	if who == anonymous {
		return ""
	}
	s := f.people[who]
	if s.totp != "" {
		return f.as.signInMFA(t, s).tokens.AccessToken
	}
	return f.as.signIn(t, s.email).tokens.AccessToken
}

type matrixRow struct {
	op     string // operationId
	method string
	path   string // {cooperativeID} is A, {userID} the own member, {id} a random id
	body   func(f *matrixFixture, who caller) any
	want   [callers]int
}

// Shorthands for rows.
func all(status int) [callers]int {
	var w [callers]int
	for i := range w {
		w[i] = status
	}
	return w
}

func signedInAll(status int) [callers]int {
	w := all(status)
	w[anonymous] = 401
	return w
}

// only: 401 for anonymous, ok for the listed callers, 403 for the rest.
func only(ok int, who ...caller) [callers]int {
	w := signedInAll(403)
	for _, c := range who {
		w[c] = ok
	}
	return w
}

func with(w [callers]int, who caller, status int) [callers]int { w[who] = status; return w }

// uniq numbers addresses and registrations, so rows running in parallel never collide.
var uniq atomic.Int64

func fresh(prefix string) string { return fmt.Sprintf("%s%d@example.org", prefix, uniq.Add(1)) }

func matrixRows() []matrixRow {
	noBody := func(*matrixFixture, caller) any { return nil }
	body := func(v any) func(*matrixFixture, caller) any { return func(*matrixFixture, caller) any { return v } }
	mfaOn := func(w [callers]int, status int) [callers]int {
		for _, c := range []caller{otherBoard, accountant, board, admin} {
			w[c] = status
		}
		return w
	}
	return append([]matrixRow{
		{"healthz", "GET", "/healthz", noBody, all(200)},
		{"readyz", "GET", "/readyz", noBody, all(200)},
		{"list-cooperatives", "GET", "/v1/cooperatives", noBody, all(200)},
		{"get-cooperative", "GET", "/v1/cooperatives/{cooperativeID}", noBody, all(200)},
		{"get-cooperative-about", "GET", "/v1/cooperatives/{cooperativeID}/about", noBody, all(200)},
		{"set-cooperative-about", "PUT", "/v1/cooperatives/{cooperativeID}/about",
			body(map[string]string{"textNl": "Wij wekken zonnestroom op.", "city": "Zonnedorp"}), only(200, board)},

		{"signup", "POST", "/v1/auth/signup", func(*matrixFixture, caller) any {
			return map[string]string{"email": fresh("new"), "password": testPassword, "language": "en"}
		}, all(202)},
		{"verify-email", "POST", "/v1/auth/verify-email", body(map[string]string{"token": "krl_forged"}), all(400)},
		{"login", "POST", "/v1/auth/login", func(*matrixFixture, caller) any {
			return map[string]string{"email": fresh("nobody"), "password": "not the password"}
		}, all(401)},
		{"refresh", "POST", "/v1/auth/refresh", body(map[string]string{"refreshToken": "krr_forged"}), all(401)},
		{"logout", "POST", "/v1/auth/logout", noBody, signedInAll(204)},
		{"request-password-reset", "POST", "/v1/auth/password-reset/request", func(*matrixFixture, caller) any {
			return map[string]string{"email": fresh("reset")}
		}, all(202)},
		{"confirm-password-reset", "POST", "/v1/auth/password-reset/confirm",
			body(map[string]string{"token": "krl_forged", "newPassword": "a long new password"}), all(400)},
		{"change-password", "POST", "/v1/auth/password",
			body(map[string]string{"currentPassword": testPassword, "newPassword": testPassword}), signedInAll(204)},
		{"enroll-totp", "POST", "/v1/auth/totp/enroll", noBody, mfaOn(signedInAll(200), 409)},
		{"confirm-totp", "POST", "/v1/auth/totp/confirm", body(map[string]string{"code": "123456"}), mfaOn(signedInAll(422), 409)},
		{"verify-totp", "POST", "/v1/auth/totp/verify", func(f *matrixFixture, who caller) any {
			if s := f.people[who]; s != nil && s.totp != "" {
				f.as.clock.advance(30 * time.Second) // a code is accepted once per step
				code, _ := totp.GenerateCode(s.totp, f.as.clock.Now())
				return map[string]string{"code": code}
			}
			return map[string]string{"code": "123456"}
		}, mfaOn(signedInAll(422), 200)},
		{"recovery-codes", "GET", "/v1/auth/totp/recovery-codes", noBody, signedInAll(200)},
		// Only a session with the second factor: the people with TOTP on signed in with it.
		{"regenerate-recovery-codes", "POST", "/v1/auth/totp/recovery-codes", noBody, mfaOn(signedInAll(403), 200)},
		// The same for replacing the authenticator; with nothing started, there is
		// nothing to confirm.
		{"replace-totp", "POST", "/v1/auth/totp/replace", noBody, mfaOn(signedInAll(403), 200)},
		{"confirm-totp-replacement", "POST", "/v1/auth/totp/replace/confirm", body(map[string]string{"code": "123456"}),
			mfaOn(signedInAll(403), 422)},
		{"me", "GET", "/v1/me", noBody, signedInAll(200)},

		{"admin-create-cooperative", "POST", "/v1/admin/cooperatives", func(*matrixFixture, caller) any {
			return map[string]string{"name": "New", "kind": "care", "country": "BE", "registrationNumber": fmt.Sprint(uniq.Add(1)),
				"iban": "BE68539007547034", "bic": "GEBABEBB"}
		}, only(201, admin)},
		{"admin-invite-board-member", "POST", "/v1/admin/cooperatives/{cooperativeID}/invitations", func(*matrixFixture, caller) any {
			return map[string]string{"email": fresh("chair"), "language": "nl"}
		}, only(201, admin)},
		{"admin-audit", "GET", "/v1/admin/audit", noBody, only(200, admin)},
		{"admin-list-dead-mail", "GET", "/v1/admin/outbox/dead", noBody, only(200, admin)},
		// The admin passes the check and learns there is no such mail.
		{"admin-retry-dead-mail", "POST", "/v1/admin/outbox/{id}/retry", noBody, only(404, admin)},

		{"accept-invitation", "POST", "/v1/invitations/accept",
			body(map[string]string{"token": "kri_forged", "password": testPassword}), all(400)},
		{"invite", "POST", "/v1/cooperatives/{cooperativeID}/invitations", func(*matrixFixture, caller) any {
			return map[string]string{"email": fresh("invitee"), "language": "en", "role": "member"}
		}, only(201, board)},
		{"list-roles", "GET", "/v1/cooperatives/{cooperativeID}/roles", noBody, only(200, board, boardNoMFA, accountant)},
		// A member reads their own grant; another member of the same cooperative gets 404,
		// as if it did not exist.
		{"get-roles", "GET", "/v1/cooperatives/{cooperativeID}/roles/{userID}", noBody,
			with(only(200, ownMember, board, boardNoMFA, accountant), otherMember, 404)},
		{"set-roles", "PUT", "/v1/cooperatives/{cooperativeID}/roles/{userID}", body(map[string][]string{"roles": {"member"}}),
			only(200, board)},
		{"audit", "GET", "/v1/cooperatives/{cooperativeID}/audit", noBody, only(200, board, boardNoMFA, accountant)},
		{"audit-csv", "GET", "/v1/cooperatives/{cooperativeID}/audit.csv", noBody, only(200, board, boardNoMFA, accountant)},

		{"show-unsubscribe", "GET", "/v1/unsubscribe?token={unsubscribe}", noBody, all(200)},
		{"unsubscribe", "POST", "/v1/unsubscribe?token={unsubscribe}", noBody, all(200)},
	}, slices.Concat(registryMatrixRows(), paymentMatrixRows(), payoutMatrixRows(), bondMatrixRows(), distributionMatrixRows(), fundMatrixRows())...)
}

func TestAuthorizationMatrix(t *testing.T) {
	rows := matrixRows()
	// Completeness: every documented operation has a row and a policy, and every row an
	// operation with its method and path.
	for _, gap := range matrixGaps(newAuthServer(t).Server, rows) {
		t.Error(gap)
	}
	if t.Failed() {
		t.FailNow()
	}

	for _, row := range rows {
		t.Run(row.op, func(t *testing.T) {
			t.Parallel()
			f := newMatrixFixture(t)
			path := strings.NewReplacer("{cooperativeID}", f.coopA, "{userID}", f.people[ownMember].userID,
				"{id}", cooperative.NewID(), "{batchID}", cooperative.NewID(), "{unsubscribe}", url.QueryEscape(f.unsubToken)).Replace(row.path)
			path = f.registryPath(f.bondPath(f.distributionPath(f.fundPath(path))))
			var got [callers]int
			for who := range callers {
				token := f.accessToken(t, who)
				r := f.as.call(t, row.method, path, token, row.body(f, who))
				got[who] = r.status
				if r.status >= 400 {
					wantProblem(t, r, r.status, r.problem.Code)
				}
			}
			if got != row.want {
				var b strings.Builder
				for who := range callers {
					mark := ""
					if got[who] != row.want[who] {
						mark = "   <- want " + fmt.Sprint(row.want[who])
					}
					fmt.Fprintf(&b, "\n  %-20s %d%s", callerNames[who], got[who], mark)
				}
				t.Errorf("%s %s:%s", row.method, row.path, b.String())
			}
		})
	}
}

// matrixGaps lists what the matrix misses of srv's operations, and what it has too much.
func matrixGaps(srv *Server, rows []matrixRow) []string {
	byOp := map[string]matrixRow{}
	for _, r := range rows {
		byOp[r.op] = r
	}
	var gaps []string
	documented := map[string]bool{}
	for path, item := range srv.OpenAPI().Paths {
		for method, op := range map[string]*struct {
			id   string
			meta map[string]any
		}{"GET": opOf(item.Get), "POST": opOf(item.Post), "PUT": opOf(item.Put), "PATCH": opOf(item.Patch), "DELETE": opOf(item.Delete)} {
			if op == nil {
				continue
			}
			documented[op.id] = true
			if _, ok := op.meta[policyMetadataKey].(policy); !ok {
				gaps = append(gaps, fmt.Sprintf("operation %s was added without a policy (use route, not register)", op.id))
			}
			row, ok := byOp[op.id]
			if !ok {
				gaps = append(gaps, fmt.Sprintf("operation %s (%s %s) has no row in the authorization matrix", op.id, method, path))
				continue
			}
			if row.method != method || strings.Split(row.path, "?")[0] != path {
				gaps = append(gaps, fmt.Sprintf("row %s says %s %s, the API %s %s", op.id, row.method, row.path, method, path))
			}
		}
	}
	for _, r := range rows {
		if !documented[r.op] {
			gaps = append(gaps, fmt.Sprintf("row %s names no operation of the API", r.op))
		}
	}
	sort.Strings(gaps)
	return gaps
}

// TestMatrixNoticesANewRoute: the completeness check itself.
func TestMatrixNoticesANewRoute(t *testing.T) {
	as := newAuthServer(t)
	if gaps := matrixGaps(as.Server, matrixRows()); len(gaps) != 0 {
		t.Fatalf("gaps before: %v", gaps)
	}
	route(as.Server, signedIn(), huma.Operation{OperationID: "test-new", Method: "GET", Path: "/v1/new"},
		func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
	register(as.Server, huma.Operation{OperationID: "test-unguarded", Method: "GET", Path: "/v1/unguarded"},
		func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
	gaps := strings.Join(matrixGaps(as.Server, matrixRows()), "\n")
	for _, want := range []string{"test-new (GET /v1/new) has no row", "test-unguarded was added without a policy"} {
		if !strings.Contains(gaps, want) {
			t.Errorf("gaps do not say %q:\n%s", want, gaps)
		}
	}
}

func opOf(op *huma.Operation) *struct {
	id   string
	meta map[string]any
} {
	if op == nil {
		return nil
	}
	return &struct {
		id   string
		meta map[string]any
	}{op.OperationID, op.Metadata}
}

// TestTenantsStayApart: the object-level checks behind the matrix. A board member of B
// cannot reach A's people through B's path, and a member's grant in one cooperative
// gives nothing in another.
func TestTenantsStayApart(t *testing.T) {
	f := newMatrixFixture(t)
	as := f.as
	boardB := f.accessToken(t, otherBoard)
	member := f.people[ownMember].userID
	wantProblem(t, as.call(t, "GET", "/v1/cooperatives/"+f.coopB+"/roles/"+member, boardB, nil), 404, cooperative.ENOTFOUND)
	wantProblem(t, as.call(t, "PUT", "/v1/cooperatives/"+f.coopB+"/roles/"+member, boardB,
		map[string][]string{"roles": {"board"}}), 404, cooperative.ENOTFOUND)
	list := decodeBody[roleList](t, as.call(t, "GET", "/v1/cooperatives/"+f.coopB+"/roles", boardB, nil))
	for _, g := range list.Items {
		if g.CooperativeID != f.coopB {
			t.Fatalf("B's list shows %+v", g)
		}
	}
	audit := decodeBody[auditList](t, as.call(t, "GET", "/v1/cooperatives/"+f.coopB+"/audit", boardB, nil))
	for _, e := range audit.Items {
		if e.CooperativeID != f.coopB || strings.Contains(string(e.After), f.coopA) {
			t.Fatalf("B's audit shows %+v", e)
		}
	}
	// Ids in paths are checked before anything else.
	wantProblem(t, as.call(t, "GET", "/v1/cooperatives/not-an-id/roles", boardB, nil), 400, cooperative.EINVALID)
	wantProblem(t, as.call(t, "GET", "/v1/cooperatives/"+f.coopB+"/roles/%27%20OR%201=1", boardB, nil), 400, cooperative.EINVALID)
	// The OpenAPI document tells clients who may call each operation.
	var policies []string
	for _, item := range as.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put} {
			if op != nil && !strings.Contains(op.Description, "Who may call: ") {
				policies = append(policies, op.OperationID)
			}
		}
	}
	sort.Strings(policies)
	if len(policies) > 0 {
		t.Fatalf("operations whose description does not say who may call: %v", policies)
	}
}
