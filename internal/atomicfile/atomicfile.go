// Package atomicfile writes files so that a reader never sees half of one:
// results, checkpoints and artifacts of runs that may be killed at any
// moment.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to path (mode 0644, creating its directory) through a
// temporary file in the same directory, fsync and a rename, then syncs
// the directory, so that a crash leaves the old file or the new one. The
// temporary file is named ".<base>.tmp*" and removed on any error.
func Write(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644) // CreateTemp's 0600 would hide results from the rest of a team
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable; best effort
		d.Sync()
		d.Close()
	}
	return nil
}
