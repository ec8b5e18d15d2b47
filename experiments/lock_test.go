package experiments

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestTrialLockExcludes(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755)
	l, err := acquireTrialLock(dir, "a")
	if err != nil {
		t.Fatal(err)
	}
	_, err = acquireTrialLock(dir, "a")
	var busy *BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("second acquire: %v, want a *BusyError", err)
	}
	host, _ := os.Hostname()
	if busy.Holder.PID != os.Getpid() || busy.Holder.Host != host {
		t.Errorf("holder %+v, want pid %d on %s", busy.Holder, os.Getpid(), host)
	}
	if other, err := acquireTrialLock(dir, "b"); err != nil {
		t.Errorf("another trial's lock: %v", err)
	} else {
		other.release()
	}
	l.release()
	if _, err := os.Stat(lockPath(dir, "a")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock file after release: %v", err)
	}
	l, err = acquireTrialLock(dir, "a")
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	l.release()
}

// TestTrialLockStale: locks of dead processes on this host, and locks on
// any host not refreshed for lockStale, are taken over; others are not.
func TestTrialLockStale(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skipf("no process to outlive: %v", err)
	}
	host, _ := os.Hostname()
	old := time.Now().Add(-2 * lockStale)
	for _, c := range []struct {
		name     string
		content  string
		mtime    time.Time
		takeOver bool
	}{
		{"this host, process gone", holderJSON(host, dead.Process.Pid), time.Now(), true},
		{"this host, process alive, refreshed", holderJSON(host, os.Getppid()), time.Now(), false},
		// Issue 14: a live pid (reused, unreaped, pid 1 after a container
		// restart) does not keep a lock without heartbeats.
		{"this host, process alive, not refreshed", holderJSON(host, os.Getppid()), old, true},
		{"this host, pid 1, not refreshed", holderJSON(host, 1), old, true},
		{"other host, refreshed", holderJSON("elsewhere", 1), time.Now(), false},
		{"other host, not refreshed", holderJSON("elsewhere", 1), old, true},
		{"unreadable, new", "{garbage", time.Now(), false},
		{"unreadable, old", "{garbage", old, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755)
			path := lockPath(dir, "x")
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(path, c.mtime, c.mtime)
			l, err := acquireTrialLock(dir, "x")
			if c.takeOver {
				if err != nil {
					t.Fatalf("not taken over: %v", err)
				}
				l.release()
				return
			}
			var busy *BusyError
			if !errors.As(err, &busy) {
				if l != nil {
					l.release()
				}
				t.Fatalf("taken over (err %v), want a *BusyError", err)
			}
		})
	}
}

func holderJSON(host string, pid int) string {
	data, _ := json.Marshal(lockHolder{Host: host, PID: pid, Since: time.Now()})
	return string(data)
}

// TestRunLeavesLockedTrial: a trial locked by a live process is skipped
// with ErrBusy while the others run; once the lock is gone a second run
// completes it, and no lock files remain.
func TestRunLeavesLockedTrial(t *testing.T) {
	dir := t.TempDir()
	spec, err := Parse("tiny.yaml", []byte(tinySpec))
	if err != nil {
		t.Fatal(err)
	}
	trials := spec.TrialSpecs()
	os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755)
	held, err := acquireTrialLock(dir, trials[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(spec, Options{Out: dir})
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("run with a locked trial: %v, want ErrBusy", err)
	}
	if out.Busy != 1 || out.Ran != len(trials)-1 {
		t.Fatalf("busy %d, ran %d of %d trials; want 1 busy and the rest run", out.Busy, out.Ran, len(trials))
	}
	if _, err := os.Stat(filepath.Join(dir, "trials", trials[1].ID+".json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the locked trial has a record: %v", err)
	}
	held.release()
	out, err = Run(spec, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if out.Ran != 1 || out.Skipped != len(trials)-1 {
		t.Errorf("second run: ran %d, skipped %d; want 1 and %d", out.Ran, out.Skipped, len(trials)-1)
	}
	locks, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.lock"))
	if len(locks) != 0 {
		t.Errorf("lock files left: %v", locks)
	}
}
