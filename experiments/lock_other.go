//go:build !unix

package experiments

// processAlive cannot ask the system here (known is false), so a lock is
// judged by the age of its last heartbeat alone.
func processAlive(int) (alive, known bool) { return false, false }
