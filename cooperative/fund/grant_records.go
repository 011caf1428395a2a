package fund

import "github.com/kracht-coop/kracht/cooperative"

// What grants and the public page need of rounds and proposals, through the rounds' and
// proposals' own records (rounds.go, proposals.go): each write over the version read.

func grantGetRound(tx cooperative.Tx, cooperativeID, id string) (Round, int64, error) {
	r, err := roundGet(tx, cooperativeID, id)
	return r, r.version, err
}

func grantPutRound(tx cooperative.Tx, r Round, version int64) error {
	r.version = version
	_, err := cooperative.Put(tx, r.record())
	return err
}

func grantGetProposal(tx cooperative.Tx, cooperativeID, id string) (Proposal, int64, error) {
	p, err := proposalGet(tx, cooperativeID, id)
	return p, p.version, err
}

func grantPutProposal(tx cooperative.Tx, p Proposal, version int64) error {
	p.version = version
	_, err := cooperative.Put(tx, p.record())
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
	return roundsOf(tx, cooperativeID)
}

// grantProposalsOf is every proposal of the cooperative's rounds.
func grantProposalsOf(tx cooperative.Tx, cooperativeID string, rounds []Round) ([]Proposal, error) {
	var out []Proposal
	for _, r := range rounds {
		ps, err := proposalsOf(tx, r.ID)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.CooperativeID == cooperativeID {
				out = append(out, p)
			}
		}
	}
	return out, nil
}
