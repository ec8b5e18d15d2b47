//go:build unix

package experiments

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with this pid exists on this
// host (signal 0 checks without sending anything; EPERM means it exists
// but belongs to another user); known is always true here.
func processAlive(pid int) (alive, known bool) {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM), true
}
