package cooperative

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
)

// The audit log records every write by a board member, an accountant or a platform admin:
// who, in which role, in which cooperative, what they did to which object, the object
// before and after, when, and the request id that ties it to the server's logs. It is an
// append-only journal per cooperative ("audit/<id>"), written in the same transaction as
// the change, so a change without its entry (or an entry without its change) cannot
// exist. Platform functions that belong to no cooperative go to "audit/platform".
//
// Before and after hold views without secrets (no password hashes, TOTP secrets or
// tokens): the log is for the cooperative's board and accountant to read.

// Actor is who does a write.
type Actor struct {
	UserID string
	Email  string
	// Role is the role that allowed the action: board, accountant, admin, or invitee
	// (someone accepting an invitation), self (someone acting on their own account) and
	// cli (the command line).
	Role string
	// RequestID ties the entry to the server's logs; for Stripe, the event
	// ("stripe:evt_…").
	RequestID string
}

// AuditEntry is one entry of the log.
type AuditEntry struct {
	Seq           int64           `json:"seq"`
	At            time.Time       `json:"at"`
	ActorID       string          `json:"actorId,omitempty"`
	ActorEmail    string          `json:"actorEmail,omitempty"`
	ActorRole     string          `json:"actorRole"`
	CooperativeID string          `json:"cooperativeId,omitempty"`
	Action        string          `json:"action"`
	ObjectType    string          `json:"objectType"`
	ObjectID      string          `json:"objectId"`
	Before        json.RawMessage `json:"before,omitempty"`
	After         json.RawMessage `json:"after,omitempty"`
	RequestID     string          `json:"requestId,omitempty"`
}

func auditJournal(cooperativeID string) string {
	if cooperativeID == "" {
		return "audit/platform"
	}
	return "audit/" + cooperativeID
}

func rawJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	return Encode(v)
}

// appendAudit adds an entry to the cooperative's log ("" for the platform's) in tx.
func AppendAudit(tx Tx, actor Actor, cooperativeID, action, objectType, objectID string, before, after any, now time.Time) error {
	e := AuditEntry{At: now.UTC(), ActorID: actor.UserID, ActorEmail: actor.Email, ActorRole: actor.Role,
		CooperativeID: cooperativeID, Action: action, ObjectType: objectType, ObjectID: objectID,
		Before: rawJSON(before), After: rawJSON(after), RequestID: actor.RequestID}
	// Each entry is new: a fresh key. (If the transaction is run again, the first run
	// was rolled back, entry and all.)
	_, _, err := tx.Append(JournalEntry{Journal: auditJournal(cooperativeID), Key: NewID(), Data: Encode(e)})
	return err
}

// ReadAudit returns up to limit entries after sequence number after, oldest first, and
// the cursor of the next page (0 when there is none).
func ReadAudit(ctx context.Context, s Store, cooperativeID string, after int64, limit int) ([]AuditEntry, int64, error) {
	if after < 0 {
		return nil, 0, Errorf(EINVALID, "the cursor must not be negative")
	}
	limit = ClampLimit(limit)
	var out []AuditEntry
	var next int64
	err := s.View(ctx, func(tx Tx) error {
		out, next = nil, 0
		// One more than asked, to know whether there is a next page.
		entries, err := tx.ReadJournal(auditJournal(cooperativeID), after, min(limit+1, MaxPageSize))
		if err != nil {
			return err
		}
		for i, je := range entries {
			if i == limit {
				next = out[len(out)-1].Seq
				break
			}
			var e AuditEntry
			if err := json.Unmarshal(je.Data, &e); err != nil {
				return WrapError(EINTERNAL, err, "corrupt audit entry")
			}
			e.Seq = je.Seq
			out = append(out, e)
		}
		return nil
	})
	return out, next, err
}

// WriteAuditCSV writes a cooperative's whole log as CSV (RFC 4180), oldest first.
func WriteAuditCSV(ctx context.Context, s Store, cooperativeID string, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"seq", "at", "actor_id", "actor_email", "actor_role", "cooperative_id", "action",
		"object_type", "object_id", "before", "after", "request_id"}); err != nil {
		return err
	}
	var after int64
	for {
		page, next, err := ReadAudit(ctx, s, cooperativeID, after, MaxPageSize)
		if err != nil {
			return err
		}
		for _, e := range page {
			row := []string{strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339Nano), e.ActorID, e.ActorEmail,
				e.ActorRole, e.CooperativeID, e.Action, e.ObjectType, e.ObjectID, string(e.Before), string(e.After), e.RequestID}
			for i := range row {
				row[i] = CSVSafe(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		if next == 0 {
			break
		}
		after = next
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses formula injection: a spreadsheet runs a cell that starts with = + - @
// (or a tab or carriage return) as a formula, and e-mail addresses and names are chosen
// by users. OWASP's advice: prefix such a cell with a single quote.
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// AuditedStore returns a store whose every Update appends one audit entry in the same
// transaction as the writes of fn. It is for domain functions that run their own
// transaction (for example the outbox's RetryDead), so their change is still audited
// atomically.
func AuditedStore(s Store, actor Actor, cooperativeID, action, objectType, objectID string, after any, now func() time.Time) Store {
	return auditedStore{Store: s, audit: func(tx Tx) error {
		return AppendAudit(tx, actor, cooperativeID, action, objectType, objectID, nil, after, now())
	}}
}

type auditedStore struct {
	Store
	audit func(Tx) error
}

func (s auditedStore) Update(ctx context.Context, fn func(Tx) error) error {
	return s.Store.Update(ctx, func(tx Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.audit(tx)
	})
}

// CreateCooperativeAs creates a cooperative on behalf of a platform admin, with its entry
// in the new cooperative's audit log (so its board can see who set it up and how).
func CreateCooperativeAs(ctx context.Context, s Store, actor Actor, n NewCooperative, now time.Time) (Cooperative, error) {
	var c Cooperative
	err := RunAt(s, now).Update(ctx, func(tx Tx, _ time.Time) (err error) {
		if c, err = CreateCooperative(tx, n, now); err != nil {
			return err
		}
		return AppendAudit(tx, actor, c.ID, "cooperative.create", "cooperative", c.ID, nil, c, now)
	})
	return c, err
}
