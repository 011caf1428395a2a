//go:build unix

package embedded

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// openCommitCounter maps the file at path (two 64-bit counters, made if missing) into
// memory shared by every process that opens the same database, the way SQLite shares its
// WAL index in the -shm file.
func openCommitCounter(path string) (*commitCounter, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close() // the mapping outlives the descriptor
	const size = 16
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if fi.Size() < size {
		if err := f.Truncate(size); err != nil {
			return nil, err
		}
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", path, err)
	}
	// A mapping starts on a page boundary, so both counters are 8-byte aligned.
	c := &commitCounter{
		begun:   (*atomic.Uint64)(unsafe.Pointer(&mem[0])),
		ended:   (*atomic.Uint64)(unsafe.Pointer(&mem[8])),
		release: func() error { return syscall.Munmap(mem) },
	}
	return c, nil
}
