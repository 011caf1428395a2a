package fund

// The public fund page: what anyone sees of a cooperative's fund, without signing in.
// Every euro in and out is read from the ledger's entries on community_fund, in the
// same snapshot as the rounds and grants, so the page's sums are the ledger's: money in
// by kind (donations per month unless the donor chose to be named, the distribution's
// appropriation, donated dividends and amounts under the payout threshold), money out
// per grant. It is rendered as JSON, CSV and an Atom feed.

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/xml"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/ledger"
)

// Kinds of money on the public page.
const (
	FlowDonation      = "donation"      // a named donor
	FlowDonations     = "donations"     // a month's donors who are not named, together
	FlowAppropriation = "appropriation" // the yearly distribution's appropriation
	FlowDistribution  = "distribution"  // donated dividends and amounts under the threshold
	FlowGrant         = "grant"         // a grant awarded (out)
	FlowOther         = "other"         // anything else on the fund (a reversal, a correction)
)

// PublicFlow is money into or out of the fund, as the page shows it.
type PublicFlow struct {
	Month    string `json:"month"` // YYYY-MM of the booking date
	Kind     string `json:"kind"`
	Name     string `json:"name,omitempty"`    // a named donor, or the project of a grant
	GrantID  string `json:"grantId,omitempty"` // for a grant
	Entries  int    `json:"entries"`           // ledger entries it sums
	InCents  int64  `json:"inCents"`
	OutCents int64  `json:"outCents"`
}

// PublicProject is a proposal as the page shows it: its approvals once voting closed.
type PublicProject struct {
	ID            string         `json:"id"`
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	Neighbourhood string         `json:"neighbourhood"`
	BudgetCents   int64          `json:"budgetCents"`
	Status        ProposalStatus `json:"status"`
	Reason        string         `json:"reason,omitempty"`
	Approvals     *int64         `json:"approvals,omitempty"`
	InResult      bool           `json:"inResult,omitempty"`
}

// PublicRound is a round as the page shows it.
type PublicRound struct {
	ID            string           `json:"id"`
	Title         string           `json:"title"`
	Status        RoundStatus      `json:"status"`
	BudgetCents   int64            `json:"budgetCents"`
	GrantedCents  int64            `json:"grantedCents"`
	ProposalsFrom time.Time        `json:"proposalsFrom"`
	ProposalsTo   time.Time        `json:"proposalsTo"`
	VotingFrom    time.Time        `json:"votingFrom"`
	VotingTo      time.Time        `json:"votingTo"`
	Ballots       int64            `json:"ballots,omitempty"`
	Result        []string         `json:"result,omitempty"`
	Projects      []PublicProject  `json:"projects"`
	CreatedAt     time.Time        `json:"createdAt"`
	RecordDate    cooperative.Date `json:"recordDate"`
}

// PublicGrant is a grant with its tranches and progress reports.
type PublicGrant struct {
	ID          string     `json:"id"`
	RoundID     string     `json:"roundId"`
	ProposalID  string     `json:"proposalId"`
	Title       string     `json:"title"`
	Beneficiary string     `json:"beneficiary"` // the name only: the IBAN is not public
	AmountCents int64      `json:"amountCents"`
	OwedCents   int64      `json:"owedCents"` // put into payouts so far
	Reason      string     `json:"reason,omitempty"`
	AwardedAt   time.Time  `json:"awardedAt"`
	Tranches    []Tranche  `json:"tranches"`
	Progress    []Progress `json:"progress"`
}

// PublicPage is the fund as anyone sees it.
type PublicPage struct {
	CooperativeID string `json:"cooperativeId"`
	Cooperative   string `json:"cooperative"`
	// BalanceCents is the fund's balance (in less out); ReservedCents what open rounds
	// hold; FreeCents the rest.
	BalanceCents  int64         `json:"balanceCents"`
	ReservedCents int64         `json:"reservedCents"`
	FreeCents     int64         `json:"freeCents"`
	InCents       int64         `json:"inCents"`
	OutCents      int64         `json:"outCents"`
	LedgerSeq     int64         `json:"ledgerSeq"` // the last ledger entry on the fund it counts
	Flows         []PublicFlow  `json:"flows"`
	Rounds        []PublicRound `json:"rounds"`
	Grants        []PublicGrant `json:"grants"`
	Updated       time.Time     `json:"updated"`
}

// Public returns the cooperative's public fund page.
//
// The page is cached per cooperative: it reads the whole journal, and a public page is
// asked for far more often than the fund changes. A cached page is served while nothing
// was posted to the ledger since (its head), this service wrote nothing since, and it is
// younger than publicCacheTTL, which bounds how long a change made by another replica
// without a posting (a proposal admitted, a progress report) takes to show.
func (f *Fund) Public(ctx context.Context, cooperativeID string) (PublicPage, error) {
	var pg PublicPage
	err := f.view(ctx, func(tx cooperative.Tx) (err error) {
		head, err := ledger.HeadSeq(tx, cooperativeID)
		if err != nil {
			return err
		}
		gen := f.writes.Load()
		if c, ok := f.pages.get(cooperativeID, head, gen, f.run.Now()); ok {
			pg = c
			return nil
		}
		if pg, err = publicPage(tx, cooperativeID); err == nil {
			f.pages.put(cooperativeID, pg, head, gen, f.run.Now())
		}
		return err
	})
	return pg, err
}

// publicCacheTTL is how long a cached public page may be served at most.
const publicCacheTTL = 5 * time.Second

// publicCache holds the last page of each cooperative with what it was computed from.
type publicCache struct {
	mu    sync.Mutex
	pages map[string]publicCached
}

type publicCached struct {
	page      PublicPage
	head, gen int64
	at        time.Time
}

func (c *publicCache) get(cooperativeID string, head, gen int64, now time.Time) (PublicPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pages[cooperativeID]
	if !ok || p.head != head || p.gen != gen || now.Sub(p.at) >= publicCacheTTL || now.Before(p.at) {
		return PublicPage{}, false
	}
	return p.page, true
}

func (c *publicCache) put(cooperativeID string, page PublicPage, head, gen int64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil {
		c.pages = map[string]publicCached{}
	}
	c.pages[cooperativeID] = publicCached{page: page, head: head, gen: gen, at: now}
}

func publicPage(tx cooperative.Tx, cooperativeID string) (PublicPage, error) {
	c, err := cooperative.GetCooperativeTx(tx, cooperativeID)
	if err != nil {
		return PublicPage{}, err
	}
	pg := PublicPage{CooperativeID: c.ID, Cooperative: c.Name, Flows: []PublicFlow{}, Rounds: []PublicRound{}, Grants: []PublicGrant{}}
	grants, err := grantReadAll[Grant](tx, cooperative.Query{Collection: grantCollection, Index: "cooperative", Value: cooperativeID})
	if err != nil {
		return PublicPage{}, err
	}
	grantTitle := make(map[string]string, len(grants))
	for _, g := range grants {
		grantTitle[g.ID] = g.Title
	}
	donationOf, err := donationsByPayment(tx, cooperativeID)
	if err != nil {
		return PublicPage{}, err
	}
	flows := map[[3]string]*PublicFlow{}
	var order [][3]string
	err = ledger.EachEntry(tx, cooperativeID, func(e ledger.Entry) error {
		var amount int64 // credit on the fund: money in
		for _, l := range e.Lines {
			if l.Account == string(ledger.AccountCommunityFund) {
				amount -= l.Amount
			}
		}
		if amount == 0 {
			return nil
		}
		pg.LedgerSeq = e.Seq
		month := string(e.BookingDate)[:7]
		kind, name, grantID := FlowOther, "", ""
		switch e.Source.Type {
		case "payment":
			if d, ok := donationOf[e.Source.ID]; ok {
				kind = FlowDonations
				if d.Public {
					kind, name = FlowDonation, d.Name
				}
			}
		case "appropriation":
			kind = FlowAppropriation
		case "distribution":
			kind = FlowDistribution
		case "fund_grant":
			if t, ok := grantTitle[e.Source.ID]; ok {
				kind, name, grantID = FlowGrant, t, e.Source.ID
			}
		}
		if kind == FlowOther {
			name = e.Source.Type
		}
		k := [3]string{month, kind, name + "\x00" + grantID}
		fl := flows[k]
		if fl == nil {
			fl = &PublicFlow{Month: month, Kind: kind, Name: name, GrantID: grantID}
			flows[k] = fl
			order = append(order, k)
		}
		fl.Entries++
		if amount > 0 {
			fl.InCents += amount
			pg.InCents += amount
		} else {
			fl.OutCents -= amount
			pg.OutCents -= amount
		}
		return nil
	})
	if err != nil {
		return PublicPage{}, err
	}
	for _, k := range order {
		pg.Flows = append(pg.Flows, *flows[k])
	}
	slices.SortStableFunc(pg.Flows, func(a, b PublicFlow) int { return cmp.Compare(a.Month, b.Month) })
	pg.BalanceCents = pg.InCents - pg.OutCents

	rounds, err := roundsOf(tx, cooperativeID)
	if err != nil {
		return PublicPage{}, err
	}
	if pg.ReservedCents, err = balanceReserved(rounds); err != nil {
		return PublicPage{}, err
	}
	pg.FreeCents = pg.BalanceCents - pg.ReservedCents
	proposals, err := grantProposalsOf(tx, cooperativeID, rounds)
	if err != nil {
		return PublicPage{}, err
	}
	slices.SortStableFunc(proposals, func(a, b Proposal) int { return a.ProposedAt.Compare(b.ProposedAt) })
	slices.SortStableFunc(rounds, func(a, b Round) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for _, r := range rounds {
		pr := PublicRound{ID: r.ID, Title: r.Title, Status: r.Status, BudgetCents: r.BudgetCents, GrantedCents: r.GrantedCents,
			ProposalsFrom: r.ProposalsFrom, ProposalsTo: r.ProposalsTo, VotingFrom: r.VotingFrom, VotingTo: r.VotingTo,
			Result: r.Result, Projects: []PublicProject{}, CreatedAt: r.CreatedAt, RecordDate: r.RecordDate}
		counted := r.Status != RoundOpen // counts are public once voting closed and the round was counted
		if counted {
			pr.Ballots = r.Ballots
		}
		for _, p := range proposals {
			if p.RoundID != r.ID || p.Status == ProposalProposed {
				continue // a proposal is public once the board admitted or rejected it
			}
			pp := PublicProject{ID: p.ID, Title: p.Title, Description: p.Description, Neighbourhood: p.Neighbourhood,
				BudgetCents: p.BudgetCents, Status: p.Status, Reason: p.Reason, InResult: slices.Contains(r.Result, p.ID)}
			if counted && p.Status != ProposalRejected {
				n := r.Counts[p.ID]
				pp.Approvals = &n
			}
			pr.Projects = append(pr.Projects, pp)
		}
		pg.Rounds = append(pg.Rounds, pr)
		pg.Updated = publicLater(pg.Updated, r.CreatedAt, r.CountedAt, r.ClosedAt)
	}
	progress, err := grantReadAll[Progress](tx, cooperative.Query{Collection: grantCollectionLog, Index: "cooperative", Value: cooperativeID})
	if err != nil {
		return PublicPage{}, err
	}
	slices.SortStableFunc(grants, func(a, b Grant) int { return a.AwardedAt.Compare(b.AwardedAt) })
	for _, g := range grants {
		pgr := PublicGrant{ID: g.ID, RoundID: g.RoundID, ProposalID: g.ProposalID, Title: g.Title, Beneficiary: g.Beneficiary.Name,
			AmountCents: g.AmountCents, OwedCents: g.OwedCents, Reason: g.Reason, AwardedAt: g.AwardedAt,
			Tranches: append([]Tranche{}, g.Tranches...), Progress: []Progress{}}
		for i := range pgr.Tranches {
			pgr.Tranches[i].CreatedBy = "" // who at the board: not public
		}
		for _, p := range progress {
			if p.GrantID == g.ID {
				p.ReportedBy = ""
				pgr.Progress = append(pgr.Progress, p)
				pg.Updated = publicLater(pg.Updated, p.ReportedAt)
			}
		}
		slices.SortStableFunc(pgr.Progress, func(a, b Progress) int { return a.ReportedAt.Compare(b.ReportedAt) })
		pg.Grants = append(pg.Grants, pgr)
		pg.Updated = publicLater(pg.Updated, g.AwardedAt)
	}
	if pg.Updated.IsZero() {
		pg.Updated = c.CreatedAt
	}
	return pg, nil
}

func publicLater(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.After(t) {
			t = m
		}
	}
	return t
}

// WriteCSV writes the page's money in and out, a row per flow, and a last row with
// the totals and balance.
func (pg PublicPage) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"month", "kind", "name", "grant_id", "entries", "in_cents", "out_cents"}}
	for _, fl := range pg.Flows {
		rows = append(rows, []string{fl.Month, fl.Kind, publicCSVSafe(fl.Name), fl.GrantID, strconv.Itoa(fl.Entries),
			strconv.FormatInt(fl.InCents, 10), strconv.FormatInt(fl.OutCents, 10)})
	}
	rows = append(rows, []string{"", "total", "balance " + strconv.FormatInt(pg.BalanceCents, 10), "", "",
		strconv.FormatInt(pg.InCents, 10), strconv.FormatInt(pg.OutCents, 10)})
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// publicCSVSafe keeps a donor's or project's name from being read as a formula by a
// spreadsheet (CSV injection).
func publicCSVSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

type publicAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type publicAtomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type publicAtomEntry struct {
	ID      string         `xml:"id"`
	Title   string         `xml:"title"`
	Updated string         `xml:"updated"`
	Summary publicAtomText `xml:"summary"`
}

type publicAtomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Link    publicAtomLink    `xml:"link"`
	Entries []publicAtomEntry `xml:"entry"`
}

// WriteAtom writes the page as an Atom 1.0 feed (RFC 4287): an entry per round, grant
// and progress report, newest first. self is the feed's own address.
func (pg PublicPage) WriteAtom(w io.Writer, self string) error {
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	feed := publicAtomFeed{ID: "urn:uuid:" + pg.CooperativeID, Title: "Community fund of " + pg.Cooperative,
		Updated: stamp(pg.Updated), Link: publicAtomLink{Href: self, Rel: "self"}}
	feed.Author.Name = pg.Cooperative
	type dated struct {
		at time.Time
		e  publicAtomEntry
	}
	var all []dated
	for _, r := range pg.Rounds {
		all = append(all, dated{r.CreatedAt, publicAtomEntry{ID: "urn:uuid:" + r.ID, Title: "Round: " + r.Title, Updated: stamp(r.CreatedAt),
			Summary: publicAtomText{Type: "text", Body: "Budget " + cooperative.FormatEuro(r.BudgetCents, "en") + ", " + string(r.Status) +
				", granted " + cooperative.FormatEuro(r.GrantedCents, "en") + "."}}})
	}
	for _, g := range pg.Grants {
		all = append(all, dated{g.AwardedAt, publicAtomEntry{ID: "urn:uuid:" + g.ID, Title: "Grant: " + g.Title, Updated: stamp(g.AwardedAt),
			Summary: publicAtomText{Type: "text", Body: cooperative.FormatEuro(g.AmountCents, "en") + " to " + g.Beneficiary + "."}}})
		for _, p := range g.Progress {
			all = append(all, dated{p.ReportedAt, publicAtomEntry{ID: "urn:uuid:" + p.ID, Title: "Progress: " + g.Title + " (" + string(p.Date) + ")",
				Updated: stamp(p.ReportedAt), Summary: publicAtomText{Type: "text", Body: p.Text}}})
		}
	}
	slices.SortStableFunc(all, func(a, b dated) int { return b.at.Compare(a.at) })
	for _, d := range all {
		feed.Entries = append(feed.Entries, d.e)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc.Encode(feed)
}
