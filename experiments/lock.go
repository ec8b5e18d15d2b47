package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// A trial lock, checkpoints/<trial>.lock, marks a trial as being run by
// one process, so that two runs into the same results folder (a command
// started twice, or overlapping shards of a cluster job on a shared file
// system) never train the same trial at once and overwrite each other's
// checkpoints and records. The holder refreshes the file's modification
// time every lockHeartbeat; a lock whose process is gone (same host) is
// taken over at once, and one that has not been refreshed for lockStale
// is taken over on any host: on another host the process cannot be
// asked, and on this one a live pid proves nothing (a pid reused after a
// crash, a process not yet reaped, pid 1 after a container restart),
// while a live holder would have refreshed the file.
const (
	lockHeartbeat = time.Minute
	lockStale     = lockStaleBeats * lockHeartbeat
	// lockStaleBeats is the margin: heartbeats a holder may miss (a
	// suspended laptop, a stalled file system) before its lock is stale.
	lockStaleBeats = 10
)

// lockHolder is the content of a lock file.
type lockHolder struct {
	Host  string    `json:"host"`
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}

// BusyError reports a trial that another process is running.
type BusyError struct {
	Trial  string
	Holder lockHolder
	Path   string
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("trial %s is running in another process (pid %d on %s since %s; lock %s, "+
		"taken over once its heartbeat is %s old; if no genbench process runs it, delete the lock file by hand)",
		e.Trial, e.Holder.PID, e.Holder.Host, e.Holder.Since.Format(time.RFC3339), e.Path, lockStale)
}

// ErrBusy is wrapped by Run's error when trials were left to other processes.
var ErrBusy = errors.New("trials running in another process")

// trialLock is a held lock; release removes it.
type trialLock struct {
	path string
	stop chan struct{}
	done chan struct{}
}

func lockPath(dir, trial string) string {
	return filepath.Join(dir, "checkpoints", trial+".lock")
}

// acquireTrialLock takes the lock of trial in the results folder dir, or
// returns a *BusyError naming the process that holds it.
func acquireTrialLock(dir, trial string) (*trialLock, error) {
	path := lockPath(dir, trial)
	host, _ := os.Hostname()
	me := lockHolder{Host: host, PID: os.Getpid(), Since: time.Now().UTC().Truncate(time.Second)}
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			data, _ := json.Marshal(me)
			_, werr := f.Write(append(data, '\n'))
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				os.Remove(path)
				return nil, fmt.Errorf("writing lock %s: %w", path, werr)
			}
			l := &trialLock{path: path, stop: make(chan struct{}), done: make(chan struct{})}
			go l.heartbeat()
			return l, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("trial lock: %w", err)
		}
		holder, stale := inspectLock(path, host)
		if !stale || attempt > 0 {
			return nil, &BusyError{Trial: trial, Holder: holder, Path: path}
		}
		// Taken over once; if another process takes it first, the retry
		// finds its fresh lock and reports it busy.
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("removing stale lock: %w", err)
		}
	}
}

// inspectLock reads a lock file and says whether its holder is gone.
func inspectLock(path, host string) (lockHolder, bool) {
	var h lockHolder
	info, err := os.Stat(path)
	if err != nil {
		return h, errors.Is(err, os.ErrNotExist)
	}
	data, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(data, &h) != nil || h.PID <= 0 {
		// Unreadable, or still being written: judge by its age alone.
		return h, time.Since(info.ModTime()) > lockStale
	}
	if h.Host == host {
		if h.PID == os.Getpid() {
			return h, false
		}
		if alive, known := processAlive(h.PID); known && !alive {
			return h, true
		}
	}
	return h, time.Since(info.ModTime()) > lockStale
}

func (l *trialLock) heartbeat() {
	defer close(l.done)
	tick := time.NewTicker(lockHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			now := time.Now()
			os.Chtimes(l.path, now, now)
		}
	}
}

// release stops the heartbeat and removes the lock.
func (l *trialLock) release() {
	close(l.stop)
	<-l.done
	os.Remove(l.path)
}
