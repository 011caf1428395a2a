package fund

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// Ballots are secret (see the package doc): a ballot record names its round and the
// projects approved, never the member. Its id is an HMAC of (cooperative, round, member)
// under the ballot key, so the member's own ballot is found again (to change it, or to
// answer "have I voted?") while the stored records, alone, cannot be tied to anyone.

const (
	collectionBallots = "fund_ballots"
	voteMinKeyBytes   = 32
	// voteCountGrace is how long after the voting window closes the count waits: a
	// ballot whose transaction started before the close may still be committing.
	voteCountGrace = 2 * time.Minute
)

// voteBallot is the stored ballot: no member, no time.
type voteBallot struct {
	RoundID  string   `json:"round"`
	Projects []string `json:"projects"`
}

// Ballot is a member's own ballot as the member sees it.
type Ballot struct {
	RoundID  string   `json:"roundId"`
	Voted    bool     `json:"voted"`
	Projects []string `json:"projects"` // the approved projects, in the order given
}

func (f *Fund) voteMAC(parts ...string) (string, error) {
	if f.ballotKey == nil {
		return "", cooperative.Errorf(cooperative.EINTERNAL, "no ballot key is configured")
	}
	m := hmac.New(sha256.New, f.ballotKey)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil)), nil
}

// voteKeyCheck is a value that tells the key a round opened with from another, without
// revealing it ("" when there is no key).
func (f *Fund) voteKeyCheck(roundID string) string {
	s, err := f.voteMAC("key-check", roundID)
	if err != nil {
		return ""
	}
	return s[:16]
}

func (f *Fund) voteBallotID(r Round, memberID string) (string, error) {
	if r.BallotKeyCheck != "" && r.BallotKeyCheck != f.voteKeyCheck(r.ID) {
		// Counting a second ballot of a member would be worse than refusing every one.
		return "", cooperative.Errorf(cooperative.EINTERNAL, "the ballot key is not the one round %s opened with", r.ID)
	}
	return f.voteMAC("ballot", r.CooperativeID, r.ID, memberID)
}

// voteEligible says whether member m was active on the record date: admitted on or
// before it and not ceased by it.
func voteEligible(m membership.Member, recordDate cooperative.Date) bool {
	return m.AdmittedOn != "" && !recordDate.Before(m.AdmittedOn) && (m.CeasedOn == "" || recordDate.Before(m.CeasedOn))
}

// CastBallot records a member's ballot in a round, replacing the one they cast before:
// approval of any set of the round's admitted projects (rule project_admitted) whose
// budgets together fit the round's budget (ballot_budget), inside the voting window
// (voting_window), by a member active on the record date (voter). An empty set is a
// ballot that approves nothing. The route checks the member record is the caller's own.
// Nothing else is written: no audit entry, which would tie the member to the moment.
func (f *Fund) CastBallot(ctx context.Context, cooperativeID, roundID, memberID string, projects []string) (Ballot, error) {
	if len(projects) > proposalMaxPerRound {
		return Ballot{}, cooperative.Errorf(cooperative.EINVALID, "a ballot names at most %d projects", proposalMaxPerRound)
	}
	seen := make(map[string]bool, len(projects))
	for _, id := range projects {
		if !cooperative.ValidID(id) {
			return Ballot{}, cooperative.Errorf(cooperative.EINVALID, "%q is not a proposal id", id)
		}
		if seen[id] {
			return Ballot{}, cooperative.Errorf(cooperative.EINVALID, "the ballot names project %s twice", id)
		}
		seen[id] = true
	}
	var out Ballot
	err := f.update(ctx, func(tx cooperative.Tx, now time.Time) error {
		r, err := roundGet(tx, cooperativeID, roundID)
		if err != nil {
			return err
		}
		m, err := membership.GetMember(tx, cooperativeID, memberID)
		if err != nil {
			return err
		}
		switch {
		case r.Status != RoundOpen || now.Before(r.VotingFrom) || !now.Before(r.VotingTo):
			return cooperative.RuleError("voting_window", "ballots are cast from %s until %s",
				r.VotingFrom.Format(time.RFC3339), r.VotingTo.Format(time.RFC3339))
		case !voteEligible(m, r.RecordDate):
			return cooperative.RuleError("voter", "only members active on the record date %s vote in this round", r.RecordDate)
		}
		var total int64
		for _, id := range projects {
			p, err := proposalGet(tx, cooperativeID, id)
			if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && (p.RoundID != r.ID || p.Status != ProposalAdmitted)) {
				return cooperative.RuleError("project_admitted", "project %s is not on this round's ballot", id)
			}
			if err != nil {
				return err
			}
			if total, err = cooperative.AddMoney(total, p.BudgetCents); err != nil {
				return err
			}
		}
		if total > r.BudgetCents {
			return cooperative.RuleError("ballot_budget", "the projects approved ask %d cents together; the round's budget is %d",
				total, r.BudgetCents)
		}
		id, err := f.voteBallotID(r, m.ID)
		if err != nil {
			return err
		}
		var version int64
		switch rec, err := tx.Get(collectionBallots, id); {
		case err == nil:
			version = rec.Version
		case cooperative.ErrorCode(err) != cooperative.ENOTFOUND:
			return err
		}
		b := voteBallot{RoundID: r.ID, Projects: slices.Clone(projects)}
		if b.Projects == nil {
			b.Projects = []string{}
		}
		// A first ballot racing the same member's other first ballot: one Insert wins,
		// the other gets ECONFLICT and runs again as a replacement.
		if _, err := cooperative.Put(tx, cooperative.Record{Collection: collectionBallots, ID: id, Version: version,
			Data: cooperative.Encode(b), Index: map[string]string{"round": r.ID}}); err != nil {
			return err
		}
		out = Ballot{RoundID: r.ID, Voted: true, Projects: b.Projects}
		return nil
	})
	return out, err
}

// MyBallot returns a member's own ballot in a round ("have I voted?"). The route lets
// only the member's own account ask: nobody else, the board included.
func (f *Fund) MyBallot(ctx context.Context, cooperativeID, roundID, memberID string) (Ballot, error) {
	var out Ballot
	err := f.view(ctx, func(tx cooperative.Tx) error {
		r, err := roundGet(tx, cooperativeID, roundID)
		if err != nil {
			return err
		}
		if _, err := membership.GetMember(tx, cooperativeID, memberID); err != nil {
			return err
		}
		id, err := f.voteBallotID(r, memberID)
		if err != nil {
			return err
		}
		out = Ballot{RoundID: r.ID, Projects: []string{}}
		b, _, err := cooperative.GetAs[voteBallot](tx, collectionBallots, id)
		switch {
		case cooperative.ErrorCode(err) == cooperative.ENOTFOUND:
			return nil
		case err != nil:
			return err
		}
		out.Voted, out.Projects = true, b.Projects
		return nil
	})
	return out, err
}
