package fund

// Stand-ins for the records of rounds and proposals, which rounds.go and proposals.go
// keep: grants read and rewrite them directly (collections fund_rounds and
// fund_proposals, JSON as types.go), each write over the version it read. The lead
// folds these into the rounds' own helpers at merge.

import "github.com/kracht-coop/kracht/cooperative"

const (
	grantCollectionRounds    = "fund_rounds"
	grantCollectionProposals = "fund_proposals"
)

func grantRoundRecord(r Round, version int64) cooperative.Record {
	return cooperative.Record{Collection: grantCollectionRounds, ID: r.ID, Version: version, Data: cooperative.Encode(r),
		Index: map[string]string{"cooperative": r.CooperativeID}}
}

func grantProposalRecord(p Proposal, version int64) cooperative.Record {
	return cooperative.Record{Collection: grantCollectionProposals, ID: p.ID, Version: version, Data: cooperative.Encode(p),
		Index: map[string]string{"cooperative": p.CooperativeID, "round": p.RoundID}}
}

// grantGetRound reads a round of the cooperative and the version it was read at.
func grantGetRound(tx cooperative.Tx, cooperativeID, id string) (Round, int64, error) {
	if !cooperative.ValidID(id) {
		return Round{}, 0, cooperative.Errorf(cooperative.EINVALID, "%q is not a round id", id)
	}
	r, rec, err := cooperative.GetAs[Round](tx, grantCollectionRounds, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && r.CooperativeID != cooperativeID) {
		return Round{}, 0, cooperative.Errorf(cooperative.ENOTFOUND, "round %s not found", id)
	}
	return r, rec.Version, err
}

func grantPutRound(tx cooperative.Tx, r Round, version int64) error {
	_, err := cooperative.Put(tx, grantRoundRecord(r, version))
	return err
}

// grantGetProposal reads a proposal of the cooperative and the version it was read at.
func grantGetProposal(tx cooperative.Tx, cooperativeID, id string) (Proposal, int64, error) {
	if !cooperative.ValidID(id) {
		return Proposal{}, 0, cooperative.Errorf(cooperative.EINVALID, "%q is not a proposal id", id)
	}
	p, rec, err := cooperative.GetAs[Proposal](tx, grantCollectionProposals, id)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND || (err == nil && p.CooperativeID != cooperativeID) {
		return Proposal{}, 0, cooperative.Errorf(cooperative.ENOTFOUND, "proposal %s not found", id)
	}
	return p, rec.Version, err
}

func grantPutProposal(tx cooperative.Tx, p Proposal, version int64) error {
	_, err := cooperative.Put(tx, grantProposalRecord(p, version))
	return err
}

// grantReadAll reads every record of q, page by page.
func grantReadAll[T any](tx cooperative.Tx, q cooperative.Query) ([]T, error) {
	var out []T
	q.Limit = cooperative.MaxPageSize
	for {
		page, next, err := cooperative.FindAs[T](tx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		q.After = next
	}
}

func grantRoundsOf(tx cooperative.Tx, cooperativeID string) ([]Round, error) {
	return grantReadAll[Round](tx, cooperative.Query{Collection: grantCollectionRounds, Index: "cooperative", Value: cooperativeID})
}

func grantProposalsOf(tx cooperative.Tx, cooperativeID string) ([]Proposal, error) {
	return grantReadAll[Proposal](tx, cooperative.Query{Collection: grantCollectionProposals, Index: "cooperative", Value: cooperativeID})
}
