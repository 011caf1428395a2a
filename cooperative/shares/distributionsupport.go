package shares

import (
	"cmp"
	"slices"
	"strings"

	gojson "github.com/goccy/go-json"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/numbered"
)

// What the yearly distribution needs of the register: who held how many shares of which
// class over which days of the year, and issuing the shares a member buys with what they
// reinvest. The distribution imports shares, not the other way round, so the periods are
// this package's own type.

// SharePeriod is a number of shares of one class a member held from From (that day
// included) to To (that day excluded). A share counts from its issue date to its
// transfer or withdrawal date, as the register dates them.
type SharePeriod struct {
	MemberID string           `json:"memberId"`
	Class    string           `json:"class"`
	Shares   int64            `json:"shares"`
	From     cooperative.Date `json:"from"`
	To       cooperative.Date `json:"to"`
}

// periodOpen is a holding's count now and since which day of the window (an index into
// the days SharePeriods keeps) it has been that.
type periodOpen struct {
	key    holdingKey
	shares int64
	since  int32
}

// periodSpan is a period while the register is folded: small numbers without pointers,
// which a million of cost little to grow and nothing to scan.
type periodSpan struct {
	holding, from, to int32
	shares            int64
}

// periodEvent is what SharePeriods reads of a register event: the counts, not the
// numbers (the replays of HoldingsOn and ReplayRegister prove the numbers consistent).
type periodEvent struct {
	Date   cooperative.Date `json:"d"`
	Class  string           `json:"c"`
	From   string           `json:"f"`
	To     string           `json:"to"`
	Ranges []ShareRange     `json:"r"`
}

// SharePeriods returns every member's holding of each class over [from, to) as periods:
// a period ends where an issue, transfer or withdrawal changes the member's count of the
// class, and one held through to ends at to. Sorted by member, class and From. It reads
// the register once: the latest checkpoint from before from, the events after it up to
// from (folded into counts), then the events of the window; no query per member.
func SharePeriods(tx cooperative.Tx, cooperativeID string, from, to cooperative.Date) ([]SharePeriod, error) {
	if _, err := cooperative.ParseDate(string(from)); err != nil {
		return nil, err
	}
	if _, err := cooperative.ParseDate(string(to)); err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "the period runs from %s to a later date, not %s", from, to)
	}
	// Holdings by index, and the days the window's events fall on (in order, as the
	// register is), so that a period is a few numbers while the register is folded and
	// becomes a SharePeriod once, in its place in the answer.
	index := map[holdingKey]int32{}
	var (
		open    []periodOpen
		periods []periodSpan
		days    = []cooperative.Date{from}
	)
	slot := func(k holdingKey) int32 {
		i, ok := index[k]
		if !ok {
			i = int32(len(open))
			index[k] = i
			open = append(open, periodOpen{key: k})
		}
		return i
	}
	var after int64
	head, _, err := cooperative.GetAs[registerHead](tx, collectionRegHeads, cooperativeID)
	if err != nil && cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		return nil, err
	}
	for i := len(head.Checkpoints) - 1; i >= 0; i-- {
		ref := head.Checkpoints[i]
		if !ref.Date.Before(from) {
			continue // it holds events of the window
		}
		cp, _, err := cooperative.GetAs[checkpoint](tx, collectionCheckpoints, ref.ID)
		if err != nil {
			return nil, err
		}
		for _, h := range cp.Holdings {
			o := &open[slot(holdingKey{h.Member, h.Class})]
			for j := 0; j+1 < len(h.Ranges); j += 2 {
				o.shares += h.Ranges[j+1] - h.Ranges[j] + 1
			}
		}
		after = cp.Seq
		break
	}
	change := func(member, class string, by int64, on cooperative.Date) {
		i := slot(holdingKey{member, class})
		o := &open[i]
		if on.Before(from) {
			o.shares += by
			return
		}
		if days[len(days)-1] != on {
			days = append(days, on)
		}
		day := int32(len(days) - 1)
		if o.shares > 0 && o.since < day {
			periods = append(periods, periodSpan{holding: i, from: o.since, to: day, shares: o.shares})
		}
		o.shares += by
		o.since = day
	}
	var ev periodEvent
	for done := false; !done; {
		page, err := tx.ReadJournal(RegisterJournal(cooperativeID), after, cooperative.MaxPageSize)
		if err != nil {
			return nil, err
		}
		for _, je := range page {
			ev = periodEvent{Ranges: ev.Ranges[:0]}
			if err := gojson.Unmarshal(je.Data, &ev); err != nil {
				return nil, cooperative.WrapError(cooperative.EINTERNAL, err, "corrupt register event")
			}
			if !ev.Date.Before(to) { // the register is in date order: nothing later counts
				done = true
				break
			}
			n := numbered.Count(ev.Ranges)
			if ev.From != "" {
				change(ev.From, ev.Class, -n, ev.Date)
			}
			if ev.To != "" {
				change(ev.To, ev.Class, n, ev.Date)
			}
			after = je.Seq
		}
		done = done || len(page) < cooperative.MaxPageSize
	}
	days = append(days, to)
	last := int32(len(days) - 1)
	for i, o := range open {
		if o.shares < 0 {
			return nil, cooperative.Errorf(cooperative.EINTERNAL, "the register leaves %s with %d shares of class %s", o.key.member, o.shares, o.key.class)
		}
		if o.shares > 0 {
			periods = append(periods, periodSpan{holding: int32(i), from: o.since, to: last, shares: o.shares})
		}
	}
	return sortedPeriods(open, periods, days), nil
}

// sortedPeriods orders periods by member and class, keeping each holding's periods in
// date order: the holdings are sorted, then the periods placed by their holding's rank
// (a counting sort: one pass, where sorting the periods themselves took a fifth of the
// time over a million events).
func sortedPeriods(open []periodOpen, periods []periodSpan, days []cooperative.Date) []SharePeriod {
	order := make([]int32, len(open))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ka, kb := open[a].key, open[b].key
		return cmp.Or(strings.Compare(ka.member, kb.member), strings.Compare(ka.class, kb.class))
	})
	start := make([]int, len(open)+1) // by rank: where its periods begin
	rank := make([]int32, len(open))
	for r, i := range order {
		rank[i] = int32(r)
	}
	for _, p := range periods {
		start[rank[p.holding]+1]++
	}
	for r := 1; r < len(start); r++ {
		start[r] += start[r-1]
	}
	sorted := make([]SharePeriod, len(periods))
	for _, p := range periods {
		r, k := rank[p.holding], open[p.holding].key
		sorted[start[r]] = SharePeriod{MemberID: k.member, Class: k.class, Shares: p.shares, From: days[p.from], To: days[p.to]}
		start[r]++
	}
	return sorted
}

// IssueReinvested issues shares a member buys with a distribution's reinvested amount, on
// date (the execution date), numbered from the class's next number like any issue, and
// keeps the member's holding. It posts nothing: the caller books the money (Dr the
// amount reinvested / Cr member capital and share premium) in the same transaction, and
// audits the execution as a whole, as closing an offering does for its allocations, so
// actor is not written per issue here. It refuses a class the statutes in force on date
// do not have, a member who is not active, a price below the nominal value and a holding
// over the class maximum (rule max_per_member): the caller pays such an amount out
// instead. Called again with the same ref it returns the event issued the first time and
// changes nothing; the same ref for other shares is ECONFLICT.
func IssueReinvested(tx cooperative.Tx, actor cooperative.Actor, cooperativeID, memberID, class string, shares, priceCents int64,
	date cooperative.Date, ref string) (RegisterEvent, error) {
	if shares <= 0 {
		return RegisterEvent{}, cooperative.Errorf(cooperative.EINVALID, "issue a positive number of shares")
	}
	if strings.TrimSpace(ref) == "" {
		return RegisterEvent{}, cooperative.Errorf(cooperative.EINVALID, "a reinvestment needs a reference")
	}
	if _, err := cooperative.ParseDate(string(date)); err != nil {
		return RegisterEvent{}, err
	}
	if je, err := tx.JournalEntryByKey(RegisterJournal(cooperativeID), "issue:"+ref /* issueShares' key */); err == nil {
		var ev RegisterEvent
		if err := gojson.Unmarshal(je.Data, &ev); err != nil {
			return ev, cooperative.WrapError(cooperative.EINTERNAL, err, "corrupt register event")
		}
		ev.Seq = je.Seq
		if ev.Type != RegisterIssue || ev.To != memberID || ev.Class != class || ev.Shares() != shares {
			return RegisterEvent{}, cooperative.Errorf(cooperative.ECONFLICT, "shares were issued under reference %s for other figures", ref)
		}
		return ev, nil
	} else if cooperative.ErrorCode(err) != cooperative.ENOTFOUND {
		return RegisterEvent{}, err
	}
	m, err := membership.GetMember(tx, cooperativeID, memberID)
	if err != nil {
		return RegisterEvent{}, err
	}
	if m.Status != membership.MemberActive {
		return RegisterEvent{}, cooperative.RuleError("member_active", "shares are issued to an active member; %s is %s", memberID, m.Status)
	}
	_, sc, err := membership.ClassOn(tx, cooperativeID, class, date)
	if err != nil {
		return RegisterEvent{}, err
	}
	if priceCents < sc.NominalCents {
		return RegisterEvent{}, cooperative.RuleError("share_price", "the price of a share of class %s is at least its nominal value %d cents, not %d",
			class, sc.NominalCents, priceCents)
	}
	if _, err := cooperative.MulMoney(shares, priceCents); err != nil {
		return RegisterEvent{}, err
	}
	h, err := getHolding(tx, cooperativeID, memberID, class)
	if err != nil {
		return RegisterEvent{}, err
	}
	if h.Shares+shares > sc.MaxPerMember {
		return RegisterEvent{}, cooperative.RuleError("max_per_member", "a member may hold at most %d shares of class %s; %s holds %d",
			sc.MaxPerMember, class, memberID, h.Shares)
	}
	return issueShares(tx, cooperativeID, class, memberID, shares, date, ref)
}
