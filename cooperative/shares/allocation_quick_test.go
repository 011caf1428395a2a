package shares

import (
	"math/big"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/kracht-coop/kracht/cooperative/membership"
)

// claimsInput is a random allocation problem for testing/quick.
type claimsInput struct {
	Cap    int64
	Claims []allocationClaim
}

func (claimsInput) Generate(r *rand.Rand, size int) reflect.Value {
	in := claimsInput{Cap: r.Int63n(int64(5*size + 1))}
	for range r.Intn(size + 1) {
		want := r.Int63n(int64(size + 1))
		in.Claims = append(in.Claims, allocationClaim{Want: want, Floor: r.Int63n(min(want, 3) + 1)})
	}
	return reflect.ValueOf(in)
}

// TestAllocateProperties: for both methods, whatever the claims, exactly
// min(cap, Σ want) is given, no claim gets more than it wants; pro rata serves every
// floor when the floors fit and is then within one share of floor + exact quota; first
// come serves a prefix in full.
func TestAllocateProperties(t *testing.T) {
	prop := func(in claimsInput, firstCome bool) bool {
		method := membership.AllocationProRata
		if firstCome {
			method = membership.AllocationFirstCome
		}
		alloc, err := allocate(method, in.Cap, in.Claims)
		if err != nil || len(alloc) != len(in.Claims) {
			t.Logf("%v %d", err, len(alloc))
			return false
		}
		var sum, demand, floors int64
		for i, c := range in.Claims {
			if alloc[i] < 0 || alloc[i] > c.Want {
				t.Logf("claim %d wants %d, got %d", i, c.Want, alloc[i])
				return false
			}
			sum += alloc[i]
			demand += c.Want
			floors += c.Floor
		}
		if sum != min(in.Cap, demand) {
			t.Logf("gave %d, cap %d, demand %d", sum, in.Cap, demand)
			return false
		}
		if demand <= in.Cap {
			return true
		}
		if method == membership.AllocationFirstCome {
			left := in.Cap
			for i, c := range in.Claims {
				if alloc[i] != min(c.Want, left) {
					return false
				}
				left -= alloc[i]
			}
			return true
		}
		if floors > in.Cap {
			return true
		}
		// Within one share of floor + (cap − Σ floor) × (want − floor) / Σ (want − floor).
		rest := demand - floors
		for i, c := range in.Claims {
			exact := new(big.Rat).SetFrac64((in.Cap-floors)*(c.Want-c.Floor), rest)
			exact.Add(exact, new(big.Rat).SetInt64(c.Floor))
			diff := new(big.Rat).Sub(new(big.Rat).SetInt64(alloc[i]), exact)
			if alloc[i] < c.Floor || diff.Abs(diff).Cmp(big.NewRat(1, 1)) >= 0 {
				t.Logf("claim %+v got %d, exact %s", c, alloc[i], exact.FloatString(3))
				return false
			}
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 5000}); err != nil {
		t.Fatal(err)
	}
}
