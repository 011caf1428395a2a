package handlers

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/kracht-coop/kracht/cooperative"
)

// Every change by a board member, an accountant or a platform admin needs the second
// factor. TestStaffWritesNeedMFA walks the server's route table and fails for a write
// route staff may call whose policy lacks withMFA. A write route that is public or open
// to any signed-in account is not a staff route; each must be listed below with the
// reason, so a new one cannot be added without deciding.
var writesWithoutMFA = map[string]string{
	// No principal: the credential or token in the body is the authentication.
	"signup":                 "public: creates an account",
	"verify-email":           "public: the mailed token authenticates",
	"login":                  "public: how a session starts, with the second factor if it is on",
	"refresh":                "public: the refresh token carries the session's factors",
	"request-password-reset": "public: answers the same for every address",
	"confirm-password-reset": "public: the mailed token authenticates; ends every session",
	"accept-invitation":      "public: the mailed token authenticates",
	"confirm-payout-account": "public: the token mailed to the member's address on file authenticates",
	"stripe-webhook":         "public: Stripe's signature on the body authenticates",
	"unsubscribe":            "public: the mail's token authenticates",
	// One's own account: these are how the second factor is turned on and given, or they
	// only end sessions.
	"logout":          "own session: ends it",
	"change-password": "own account: needs the current password and ends every session",
	"enroll-totp":     "own account: the way to a second factor",
	"confirm-totp":    "own account: the way to a second factor",
	"verify-totp":     "own account: gives the second factor (step-up)",
	// A member's own records. Staff acting on someone else's record through these go
	// through allowMember, which demands the second factor of a staff write (the
	// withdraw-subscription row of TestAuthorizationMatrix: board without it, 403); the
	// others answer staff 403.
	"apply-for-membership":           "a person's own application",
	"subscribe":                      "a member's own subscription (staff: 403)",
	"withdraw-subscription":          "a member's own; the board's path needs the second factor in allowMember",
	"request-withdrawal":             "a member's own request (staff: 403)",
	"change-payout-account":          "a member's own (staff: 403); applies with a TOTP code in the body, else by the mailed link",
	"create-checkout-session":        "a member paying their own subscription (staff: 403)",
	"transfer-instructions":          "a member paying their own subscription (staff: 403)",
	"subscribe-bonds":                "a member's own bond subscription (staff: 403)",
	"bond-transfer-instructions":     "a member paying their own bond subscription (staff: 403)",
	"bond-checkout":                  "a member paying their own bond subscription (staff: 403)",
	"request-bond-redemption":        "a holder's own request (staff: 403); the board decides it with the second factor",
	"set-distribution-election":      "a member's own election (staff: 403)",
	"propose-fund-project":           "a member's own proposal (staff: 403); the board admits it with the second factor",
	"cast-fund-ballot":               "a member's own secret ballot (staff: 403)",
	"donate-to-fund":                 "anyone's own gift; it moves no money until paid",
	"donation-transfer-instructions": "the donor's way to pay; it moves no money",
	"donation-checkout":              "the donor's online payment; Stripe moves the money",
	"report-own-grant-progress":      "the proposing member's own public report; it moves no money",
	"count-fund-round":               "public: once voting closed the result follows from the ballots alone; a counted round is returned as it is",
}

// staffWriteGaps lists srv's write operations that staff may call without the second
// factor, and the write operations open to others that writesWithoutMFA does not list
// (or lists needlessly).
func staffWriteGaps(srv *Server) []string {
	var gaps []string
	seen := map[string]bool{}
	for path, item := range srv.OpenAPI().Paths {
		for method, op := range map[string]*struct {
			id   string
			meta map[string]any
		}{"POST": opOf(item.Post), "PUT": opOf(item.Put), "PATCH": opOf(item.Patch), "DELETE": opOf(item.Delete)} {
			if op == nil {
				continue
			}
			p, ok := op.meta[policyMetadataKey].(policy)
			if !ok {
				gaps = append(gaps, fmt.Sprintf("%s (%s %s) has no policy", op.id, method, path))
				continue
			}
			staff := p.admin || p.scoped() // platform admin, or roles of the cooperative (orSelf too)
			_, excepted := writesWithoutMFA[op.id]
			seen[op.id] = excepted
			switch {
			case staff && !p.mfa:
				gaps = append(gaps, fmt.Sprintf("%s (%s %s) is a staff write (%s) without withMFA", op.id, method, path, p))
			case staff && excepted:
				gaps = append(gaps, fmt.Sprintf("%s is a staff route: it needs no exception", op.id))
			case !staff && !p.mfa && !excepted:
				gaps = append(gaps, fmt.Sprintf("%s (%s %s, %s) writes without the second factor: give it withMFA or a reasoned exception",
					op.id, method, path, p))
			}
		}
	}
	for id := range writesWithoutMFA {
		if !seen[id] {
			gaps = append(gaps, fmt.Sprintf("exception %s names no write operation without the second factor", id))
		}
	}
	sort.Strings(gaps)
	return gaps
}

func TestStaffWritesNeedMFA(t *testing.T) {
	srv := newPaymentServer(t).Server
	for _, gap := range staffWriteGaps(srv) {
		t.Error(gap)
	}
	// The walk sees the GET and HEAD routes too, and skips them: reads need no step-up.
	if n := len(srv.OpenAPI().Paths); n < 50 {
		t.Fatalf("only %d paths: is the route table complete?", n)
	}
}

// TestResolvingAReviewNeedsMFA: an accountant in a session without the second factor is
// refused (403, a problem) when resolving a review item, whatever the resolution; after
// the step-up the same request resolves it.
func TestResolvingAReviewNeedsMFA(t *testing.T) {
	ps := newPaymentServer(t)
	base := "/v1/cooperatives/" + ps.coop
	// Two credits without a reference: two items waiting for review.
	r := ps.do(t, "POST", base+"/bank-statements", "application/xml", strings.NewReader(bigStatement(2)),
		"Authorization", "Bearer "+ps.accountantToken)
	wantStatus(t, r, 200)
	items := decodeBody[struct{ Items []payments.PaymentReview }](t,
		ps.call(t, "GET", base+"/payment-reviews", ps.accountantToken, nil)).Items
	if len(items) != 2 {
		t.Fatalf("%d review items", len(items))
	}
	// A second accountant's session begun before two-factor authentication was on (it
	// is turned on in another session): it has no second factor until it steps up.
	ps.join(t, ps.board, ps.coop, "acct2-p@example.org", "accountant")
	acct := ps.signIn(t, "acct2-p@example.org")
	other := ps.signIn(t, "acct2-p@example.org")
	ps.turnOnTOTP(t, other)
	acct.totp = other.totp
	for _, body := range []map[string]string{
		{"action": "ignore", "note": "a gift, not a payment"},
		{"action": "refunded", "note": "sent back by hand"},
	} {
		r := ps.call(t, "POST", base+"/payment-reviews/"+items[0].ID+"/resolve", acct.tokens.AccessToken, body)
		wantProblem(t, r, http.StatusForbidden, cooperative.EFORBIDDEN)
	}
	open := decodeBody[struct{ Items []payments.PaymentReview }](t,
		ps.call(t, "GET", base+"/payment-reviews", ps.accountantToken, nil)).Items
	if len(open) != 2 {
		t.Fatalf("a refused resolution changed the queue: %d open", len(open))
	}

	// Step up in the same session, then the same request succeeds.
	r = ps.call(t, "POST", "/v1/auth/totp/verify", acct.tokens.AccessToken, map[string]string{"code": ps.code(t, acct.totp)})
	wantStatus(t, r, 200)
	stepped := decodeBody[accessTokenBody](t, r).AccessToken
	r = ps.call(t, "POST", base+"/payment-reviews/"+items[0].ID+"/resolve", stepped,
		map[string]string{"action": "ignore", "note": "a gift, not a payment"})
	wantStatus(t, r, 200)
	if got := decodeBody[payments.PaymentReview](t, r); got.Status != payments.ReviewResolved || got.Resolution != "ignore" {
		t.Fatalf("resolved: %+v", got)
	}
}
