//go:build !unix

package embedded

import "errors"

// openCommitCounter needs memory shared between processes; without it the store keeps
// no record cache (Open goes on without one).
func openCommitCounter(string) (*commitCounter, error) {
	return nil, errors.New("no shared memory on this system")
}
