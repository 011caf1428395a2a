package fund

import "github.com/kracht-coop/kracht/cooperative"

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
