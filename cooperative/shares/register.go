package shares

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
)

// The share register is the legal record of who held which shares from when to when.
// It is kept twice, in one transaction: as an append-only journal of events
// ("register/<cooperativeID>": shares issued, transferred, withdrawn, each with its share
// numbers), which is the record; and as current-state records (a holding per member and
// class, a counter per class), which carry optimistic versions so that "holdings are
// never negative" and "numbers are never issued twice" are enforced by the transaction
// and not by luck. The property tests check that the state always equals the replay of
// the events.
//
// Share numbers are issued per class in contiguous ranges from the class's next number
// and never reused. A transfer or a withdrawal takes the holder's lowest numbers first
// (the oldest shares), so the result is deterministic and ranges stay few.

// ShareRange is the shares numbered First to Last, both included (the arithmetic is
// package numbered's, which the bond register shares).
type ShareRange = numbered.Range

// FormatRanges writes ranges as "1-10, 15, 20-22".
func FormatRanges(rs []ShareRange) string { return numbered.Format(rs) }

// RegisterEventType is what happened to shares.
type RegisterEventType string

const (
	RegisterIssue      RegisterEventType = "issue"      // new shares to a member (To)
	RegisterTransfer   RegisterEventType = "transfer"   // from one member to another
	RegisterWithdrawal RegisterEventType = "withdrawal" // redeemed and cancelled (From)
)

// RegisterEvent is one entry of the register's journal. The short JSON names keep a
// journal of millions of events small; the format is documented here for auditors.
type RegisterEvent struct {
	Seq    int64             `json:"-"`
	Type   RegisterEventType `json:"t"`
	Date   cooperative.Date  `json:"d"`
	Class  string            `json:"c"`
	From   string            `json:"f,omitempty"`
	To     string            `json:"to,omitempty"`
	Ranges []ShareRange      `json:"r"`
	// Ref is what caused it: the subscription, transfer or withdrawal id.
	Ref string `json:"ref"`
}

// Shares is how many shares the event moves.
func (e RegisterEvent) Shares() int64 { return numbered.Count(e.Ranges) }

// RegisterJournal is the name of a cooperative's register journal.
func RegisterJournal(cooperativeID string) string { return "register/" + cooperativeID }

// Holding is the shares of one class a member holds.
type Holding struct {
	CooperativeID string       `json:"cooperativeId"`
	MemberID      string       `json:"memberId"`
	Class         string       `json:"class"`
	Shares        int64        `json:"shares"`
	Ranges        []ShareRange `json:"ranges"`
	version       int64
}

const (
	collectionHoldings    = "holdings"
	collectionClassState  = "share_class_state"
	collectionRegHeads    = "register_heads"
	collectionCheckpoints = "register_checkpoints"
)

func holdingID(memberID, class string) string { return memberID + ":" + class }

func (h Holding) record() cooperative.Record {
	return cooperative.Record{Collection: collectionHoldings, ID: holdingID(h.MemberID, h.Class), Version: h.version, Data: cooperative.Encode(h),
		Index: map[string]string{"cooperative": h.CooperativeID, "member": h.MemberID}}
}

func getHolding(tx cooperative.Tx, cooperativeID, memberID, class string) (Holding, error) {
	h, rec, err := cooperative.GetAs[Holding](tx, collectionHoldings, holdingID(memberID, class))
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return Holding{CooperativeID: cooperativeID, MemberID: memberID, Class: class, Ranges: []ShareRange{}}, nil
	}
	h.version = rec.Version
	return h, err
}

func saveHolding(tx cooperative.Tx, h Holding) error {
	h.Shares = numbered.Count(h.Ranges)
	_, err := cooperative.Put(tx, h.record())
	return err
}

// memberShares is the number of shares of every class a member holds now.
func memberShares(tx cooperative.Tx, cooperativeID, memberID string) (int64, error) {
	list, _, err := cooperative.FindAs[Holding](tx, cooperative.Query{Collection: collectionHoldings, Index: "member", Value: memberID, Limit: cooperative.MaxPageSize})
	var n int64
	for _, h := range list {
		if h.CooperativeID == cooperativeID {
			n += h.Shares
		}
	}
	return n, err
}

// HeldShares is the number of shares of every class a member holds now: what the
// Members service is given (MembersOptions.HeldShares) to refuse ending a membership
// while shares are held.
func HeldShares(tx cooperative.Tx, cooperativeID, memberID string) (int64, error) {
	return memberShares(tx, cooperativeID, memberID)
}

// classState numbers a class's shares.
type classState struct {
	NextNumber  int64 `json:"nextNumber"`
	Outstanding int64 `json:"outstanding"`
}

// registerHead serialises a cooperative's register writes and keeps their dates in
// order, so that a replay up to date D can stop at the first later event; it also lists
// the checkpoints.
type registerHead struct {
	LastDate    cooperative.Date `json:"lastDate"`
	Checkpoints []checkpointRef  `json:"checkpoints,omitempty"`
}

type checkpointRef struct {
	Seq  int64            `json:"seq"`
	Date cooperative.Date `json:"date"` // of the last event it includes
	ID   string           `json:"id"`
}

// appendRegisterEvent appends ev. Its date is never earlier than the last event's (a
// clock step back cannot reorder the register).
func appendRegisterEvent(tx cooperative.Tx, cooperativeID, key string, ev RegisterEvent) (RegisterEvent, error) {
	head, rec, err := cooperative.GetAs[registerHead](tx, collectionRegHeads, cooperativeID)
	if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		return ev, err
	}
	if ev.Date.Before(head.LastDate) {
		ev.Date = head.LastDate
	}
	je, appended, err := tx.Append(cooperative.JournalEntry{Journal: RegisterJournal(cooperativeID), Key: key, Data: cooperative.Encode(ev)})
	if err != nil {
		return ev, err
	}
	if !appended {
		return ev, cooperative.Errorf(cooperative.EINTERNAL, "register event %s was already recorded", key) // callers check state first
	}
	ev.Seq = je.Seq
	head.LastDate = ev.Date
	_, err = cooperative.Put(tx, cooperative.Record{Collection: collectionRegHeads, ID: cooperativeID, Version: rec.Version, Data: cooperative.Encode(head)})
	return ev, err
}

// issueShares gives a member n new shares of class, numbered from the class's next
// number, and records the event.
func issueShares(tx cooperative.Tx, cooperativeID, class, memberID string, n int64, date cooperative.Date, ref string) (RegisterEvent, error) {
	if n <= 0 {
		return RegisterEvent{}, cooperative.Errorf(cooperative.EINVALID, "issue a positive number of shares")
	}
	csID := cooperativeID + ":" + class
	cs, rec, err := cooperative.GetAs[classState](tx, collectionClassState, csID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		cs, err = classState{NextNumber: 1}, nil
	}
	if err != nil {
		return RegisterEvent{}, err
	}
	r := ShareRange{First: cs.NextNumber, Last: cs.NextNumber + n - 1}
	cs.NextNumber += n
	cs.Outstanding += n
	_, err = cooperative.Put(tx, cooperative.Record{Collection: collectionClassState, ID: csID, Version: rec.Version, Data: cooperative.Encode(cs)})
	if err != nil {
		return RegisterEvent{}, err
	}
	h, err := getHolding(tx, cooperativeID, memberID, class)
	if err != nil {
		return RegisterEvent{}, err
	}
	h.Ranges = numbered.Add(h.Ranges, []ShareRange{r})
	if err := saveHolding(tx, h); err != nil {
		return RegisterEvent{}, err
	}
	return appendRegisterEvent(tx, cooperativeID, "issue:"+ref,
		RegisterEvent{Type: RegisterIssue, Date: date, Class: class, To: memberID, Ranges: []ShareRange{r}, Ref: ref})
}

// moveShares takes n shares (lowest numbers first) from a member and gives them to
// another (a transfer) or cancels them (to == "": a withdrawal).
func moveShares(tx cooperative.Tx, cooperativeID, class, from, to string, n int64, date cooperative.Date, ref string) (RegisterEvent, error) {
	src, err := getHolding(tx, cooperativeID, from, class)
	if err != nil {
		return RegisterEvent{}, err
	}
	if n <= 0 || n > src.Shares {
		return RegisterEvent{}, cooperative.RuleError("shares_held", "the member holds %d shares of class %s, not %d", src.Shares, class, n)
	}
	taken, rest := numbered.TakeLowest(src.Ranges, n)
	src.Ranges = rest
	if src.Ranges == nil {
		src.Ranges = []ShareRange{}
	}
	if err := saveHolding(tx, src); err != nil {
		return RegisterEvent{}, err
	}
	ev := RegisterEvent{Date: date, Class: class, From: from, To: to, Ranges: taken, Ref: ref}
	key := "withdrawal:" + ref
	if to != "" {
		dst, err := getHolding(tx, cooperativeID, to, class)
		if err != nil {
			return RegisterEvent{}, err
		}
		dst.Ranges = numbered.Add(dst.Ranges, taken)
		if err := saveHolding(tx, dst); err != nil {
			return RegisterEvent{}, err
		}
		ev.Type, key = RegisterTransfer, "transfer:"+ref
	} else {
		ev.Type = RegisterWithdrawal
		csID := cooperativeID + ":" + class
		cs, rec, err := cooperative.GetAs[classState](tx, collectionClassState, csID)
		if err != nil {
			return RegisterEvent{}, err
		}
		cs.Outstanding -= n
		if _, err := tx.Replace(cooperative.Record{Collection: collectionClassState, ID: csID, Version: rec.Version, Data: cooperative.Encode(cs)}); err != nil {
			return RegisterEvent{}, err
		}
	}
	return appendRegisterEvent(tx, cooperativeID, key, ev)
}

// registerState is the register folded: the ranges each member holds per class.
type registerState map[holdingKey][]ShareRange

type holdingKey struct{ member, class string }

// apply folds one event in. It refuses an event that moves shares the holder does not
// hold, so a replay also proves the journal consistent.
func (s registerState) apply(ev RegisterEvent) error {
	if ev.From != "" {
		k := holdingKey{ev.From, ev.Class}
		rest, ok := numbered.Remove(s[k], ev.Ranges)
		if !ok {
			return cooperative.WrapError(cooperative.EINTERNAL, fmt.Errorf("register event %d moves shares %s that %s does not hold",
				ev.Seq, FormatRanges(ev.Ranges), ev.From), "inconsistent register")
		}
		if len(rest) == 0 {
			delete(s, k)
		} else {
			s[k] = rest
		}
	}
	if ev.To != "" {
		k := holdingKey{ev.To, ev.Class}
		s[k] = numbered.Add(s[k], ev.Ranges)
	}
	return nil
}

func (s registerState) holdings(cooperativeID string) []Holding {
	out := make([]Holding, 0, len(s))
	for k, rs := range s {
		out = append(out, Holding{CooperativeID: cooperativeID, MemberID: k.member, Class: k.class,
			Shares: numbered.Count(rs), Ranges: rs})
	}
	slices.SortFunc(out, func(a, b Holding) int {
		return cmp.Or(strings.Compare(a.MemberID, b.MemberID), strings.Compare(a.Class, b.Class))
	})
	return out
}

// checkpoint is the register state after event Seq. Holdings are stored compactly
// (member, class, ranges as flat pairs): a checkpoint of 100,000 members is a few MB.
type checkpoint struct {
	Seq      int64              `json:"seq"`
	Date     cooperative.Date   `json:"date"`
	Holdings []checkpointHolder `json:"h"`
}

type checkpointHolder struct {
	Member string  `json:"m"`
	Class  string  `json:"c"`
	Ranges []int64 `json:"r"` // first, last, first, last, …
}

// replayRegister folds the journal from the best checkpoint up to date (inclusive; an
// empty date means to the end). Events are in date order (appendRegisterEvent keeps
// them so), so it stops at the first later event. Cost: loading one checkpoint plus the
// events after it; CheckpointRegister bounds the latter.
func replayRegister(tx cooperative.Tx, cooperativeID string, upTo cooperative.Date) (registerState, int64, cooperative.Date, error) {
	state := registerState{}
	var after int64
	var lastDate cooperative.Date
	head, _, err := cooperative.GetAs[registerHead](tx, collectionRegHeads, cooperativeID)
	if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		return nil, 0, "", err
	}
	for i := len(head.Checkpoints) - 1; i >= 0; i-- {
		ref := head.Checkpoints[i]
		if upTo != "" && upTo.Before(ref.Date) {
			continue
		}
		cp, _, err := cooperative.GetAs[checkpoint](tx, collectionCheckpoints, ref.ID)
		if err != nil {
			return nil, 0, "", err
		}
		for _, h := range cp.Holdings {
			rs := make([]ShareRange, len(h.Ranges)/2)
			for j := range rs {
				rs[j] = ShareRange{First: h.Ranges[2*j], Last: h.Ranges[2*j+1]}
			}
			state[holdingKey{h.Member, h.Class}] = rs
		}
		after, lastDate = cp.Seq, cp.Date
		break
	}
	err = foldRegister(tx, cooperativeID, after, func(ev RegisterEvent) (bool, error) {
		if upTo != "" && upTo.Before(ev.Date) {
			return false, nil
		}
		if err := state.apply(ev); err != nil {
			return false, err
		}
		after, lastDate = ev.Seq, ev.Date
		return true, nil
	})
	if err != nil {
		return nil, 0, "", err
	}
	return state, after, lastDate, nil
}

// registerEvents reads up to limit events of a cooperative's register after seq after.
func registerEvents(tx cooperative.Tx, cooperativeID string, after int64, limit int) ([]RegisterEvent, error) {
	page, err := tx.ReadJournal(RegisterJournal(cooperativeID), after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]RegisterEvent, len(page))
	for i, je := range page {
		if err := json.Unmarshal(je.Data, &out[i]); err != nil {
			return nil, cooperative.WrapError(cooperative.EINTERNAL, err, "corrupt register event")
		}
		out[i].Seq = je.Seq
	}
	return out, nil
}

// foldRegister calls fn with each event after seq after, in order, until fn returns
// false or an error, or the journal ends.
func foldRegister(tx cooperative.Tx, cooperativeID string, after int64, fn func(RegisterEvent) (bool, error)) error {
	for {
		page, err := registerEvents(tx, cooperativeID, after, cooperative.MaxPageSize)
		if err != nil {
			return err
		}
		for _, ev := range page {
			if more, err := fn(ev); !more || err != nil {
				return err
			}
			after = ev.Seq
		}
		if len(page) < cooperative.MaxPageSize {
			return nil
		}
	}
}

// HoldingsOn answers "who held which shares on date D": every member's holding per
// class at the end of that day, with share numbers, sorted by member id.
func (r *Registry) HoldingsOn(ctx context.Context, cooperativeID string, date cooperative.Date) ([]Holding, error) {
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return nil, err
	}
	var out []Holding
	err := r.view(ctx, func(tx cooperative.Tx) error {
		state, _, _, err := replayRegister(tx, cooperativeID, date)
		out = state.holdings(cooperativeID)
		return err
	})
	return out, err
}

// CurrentHoldings returns the current-state holding records of a cooperative (kept in
// step with the events), without empty ones, sorted by member id.
func (r *Registry) CurrentHoldings(ctx context.Context, cooperativeID string) ([]Holding, error) {
	var out []Holding
	err := r.view(ctx, func(tx cooperative.Tx) error {
		after := ""
		for {
			list, next, err := cooperative.FindAs[Holding](tx, cooperative.Query{Collection: collectionHoldings, Index: "cooperative",
				Value: cooperativeID, After: after, Limit: cooperative.MaxPageSize})
			if err != nil {
				return err
			}
			for _, h := range list {
				if h.Shares > 0 {
					out = append(out, h)
				}
			}
			if next == "" {
				return nil
			}
			after = next
		}
	})
	slices.SortFunc(out, func(a, b Holding) int {
		return cmp.Or(strings.Compare(a.MemberID, b.MemberID), strings.Compare(a.Class, b.Class))
	})
	return out, err
}

// MemberHoldings returns what one member holds now, per class, sorted by class: read
// through the holdings' member index, so its cost is this member's few records however
// large the register (the member portal's dashboard reads it on every view).
func (r *Registry) MemberHoldings(ctx context.Context, cooperativeID, memberID string) ([]Holding, error) {
	out := []Holding{}
	err := r.view(ctx, func(tx cooperative.Tx) error {
		list, _, err := cooperative.FindAs[Holding](tx, cooperative.Query{Collection: collectionHoldings, Index: "member",
			Value: memberID, Limit: cooperative.MaxPageSize})
		for _, h := range list {
			if h.CooperativeID == cooperativeID && h.Shares > 0 {
				out = append(out, h)
			}
		}
		return err
	})
	slices.SortFunc(out, func(a, b Holding) int { return strings.Compare(a.Class, b.Class) })
	return out, err
}

// ReplayRegister folds the whole journal from its first event, ignoring checkpoints:
// what an auditor would do by hand. Tests compare it with CurrentHoldings and HoldingsOn.
func (r *Registry) ReplayRegister(ctx context.Context, cooperativeID string) ([]Holding, error) {
	var out []Holding
	err := r.view(ctx, func(tx cooperative.Tx) error {
		state := registerState{}
		if err := foldRegister(tx, cooperativeID, 0, func(ev RegisterEvent) (bool, error) {
			return true, state.apply(ev)
		}); err != nil {
			return err
		}
		out = state.holdings(cooperativeID)
		return nil
	})
	return out, err
}

// CheckpointRegister stores the register's state after its last event, so that later
// as-of queries replay only the events after it. It changes nothing a query answers; a
// background job runs it (for example every 50,000 events: BenchmarkHoldingsOn shows that
// cadence keeps a query over 100,000 members under a second). It returns the sequence
// number covered, and stores nothing when no event came after the last one.
func (r *Registry) CheckpointRegister(ctx context.Context, cooperativeID string) (int64, error) {
	var covered int64
	err := r.run.Update(ctx, func(tx cooperative.Tx, _ time.Time) error {
		state, seq, date, err := replayRegister(tx, cooperativeID, "")
		if err != nil {
			return err
		}
		head, rec, err := cooperative.GetAs[registerHead](tx, collectionRegHeads, cooperativeID)
		if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
			return err
		}
		covered = seq
		if n := len(head.Checkpoints); seq == 0 || (n > 0 && head.Checkpoints[n-1].Seq == seq) {
			return nil
		}
		cp := checkpoint{Seq: seq, Date: date, Holdings: make([]checkpointHolder, 0, len(state))}
		for k, rs := range state {
			flat := make([]int64, 0, 2*len(rs))
			for _, r := range rs {
				flat = append(flat, r.First, r.Last)
			}
			cp.Holdings = append(cp.Holdings, checkpointHolder{Member: k.member, Class: k.class, Ranges: flat})
		}
		id := fmt.Sprintf("%s:%015d", cooperativeID, seq)
		if _, err := tx.Insert(cooperative.Record{Collection: collectionCheckpoints, ID: id, Data: cooperative.Encode(cp)}); err != nil {
			return err
		}
		head.Checkpoints = append(head.Checkpoints, checkpointRef{Seq: seq, Date: date, ID: id})
		if head.LastDate.Before(date) {
			head.LastDate = date
		}
		_, err = cooperative.Put(tx, cooperative.Record{Collection: collectionRegHeads, ID: cooperativeID, Version: rec.Version, Data: cooperative.Encode(head)})
		return err
	})
	return covered, err
}

// ReadRegister returns up to limit register events after seq after, and the next cursor
// (0 at the end).
func (r *Registry) ReadRegister(ctx context.Context, cooperativeID string, after int64, limit int) ([]RegisterEvent, int64, error) {
	if after < 0 {
		return nil, 0, cooperative.Errorf(cooperative.EINVALID, "the cursor must not be negative")
	}
	limit = cooperative.ClampLimit(limit)
	out := []RegisterEvent{}
	err := r.view(ctx, func(tx cooperative.Tx) error {
		page, err := registerEvents(tx, cooperativeID, after, limit)
		out = append(out, page...)
		return err
	})
	var next int64
	if len(out) == limit {
		next = out[len(out)-1].Seq
	}
	return out, next, err
}

// CapitalDifference is a member whose capital in the ledger differs from the register.
type CapitalDifference struct {
	MemberID      string `json:"memberId"`
	RegisterCents int64  `json:"registerCents"` // shares held × nominal value
	LedgerCents   int64  `json:"ledgerCents"`   // credit balance of member_capital:<id>
}

// ReconcileCapital compares, per member, the ledger's member capital on date with the
// register's shares × nominal value on that date. An empty answer means they agree, as
// they must at all times.
func (r *Registry) ReconcileCapital(ctx context.Context, cooperativeID string, date cooperative.Date) ([]CapitalDifference, error) {
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return nil, err
	}
	out := []CapitalDifference{}
	err := r.view(ctx, func(tx cooperative.Tx) error {
		state, _, _, err := replayRegister(tx, cooperativeID, date)
		if err != nil {
			return err
		}
		register := map[string]int64{}
		if len(state) > 0 {
			st, err := membership.LatestStatutes(tx, cooperativeID)
			if err != nil {
				return err
			}
			for k, rs := range state {
				class, ok := st.Class(k.class)
				if !ok {
					return cooperative.Errorf(cooperative.EINTERNAL, "share class %s is not in the statutes", k.class)
				}
				v, err := cooperative.MulMoney(numbered.Count(rs), class.NominalCents)
				if err != nil {
					return err
				}
				if register[k.member], err = cooperative.AddMoney(register[k.member], v); err != nil {
					return err
				}
			}
		}
		balances, err := ledger.AccountBalances(tx, cooperativeID, date)
		if err != nil {
			return err
		}
		booked := map[string]int64{}
		prefix := string(ledger.AccountMemberCapital) + ":"
		for account, b := range balances {
			if member, ok := strings.CutPrefix(account, prefix); ok && b != 0 {
				booked[member] = -b // capital is a credit balance
			}
		}
		for m, v := range register {
			if booked[m] != v {
				out = append(out, CapitalDifference{MemberID: m, RegisterCents: v, LedgerCents: booked[m]})
			}
		}
		for m, v := range booked {
			if _, ok := register[m]; !ok {
				out = append(out, CapitalDifference{MemberID: m, LedgerCents: v})
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b CapitalDifference) int { return strings.Compare(a.MemberID, b.MemberID) })
	return out, err
}
