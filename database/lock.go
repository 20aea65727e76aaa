package database

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockFile is the file in DATA_DIR whose lock the process running the
// embedded store (a server, or an operator command) holds.
const LockFile = "speaksafe.lock"

// Holder is what the process holding a DATA_DIR publishes in its lock file.
type Holder struct {
	PID int `json:"pid"`
	// Purpose is "server" or the operator command that holds the directory.
	Purpose string `json:"purpose"`
	// StoreURI is the running embedded store's address once it accepts
	// connections; operator commands share a running server's store
	// through it.
	StoreURI string `json:"storeUri,omitempty"`
}

// ErrInUse means another process holds DATA_DIR.
var ErrInUse = errors.New("database: DATA_DIR is in use by another process")

// InUseError names the process holding DATA_DIR.
type InUseError struct {
	Dir    string
	Holder Holder
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("database: DATA_DIR %s is in use by process %d (%s)", e.Dir, e.Holder.PID, e.Holder.Purpose)
}

// Unwrap makes errors.Is(err, ErrInUse) hold.
func (e *InUseError) Unwrap() error { return ErrInUse }

// DirLock is this process's exclusive hold on a DATA_DIR: only one process
// at a time runs the embedded store on its files. The operating system
// drops the lock when the process ends, however it ends.
type DirLock struct {
	f      *os.File
	holder Holder
}

// LockDataDir takes dir for this process, or answers an *InUseError naming
// the process that holds it.
func LockDataDir(dir, purpose string) (*DirLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("database: data dir: %w", err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("database: lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			h, _ := readHolder(path)
			return nil, &InUseError{Dir: dir, Holder: h}
		}
		return nil, fmt.Errorf("database: lock %s: %w", path, err)
	}
	l := &DirLock{f: f, holder: Holder{PID: os.Getpid(), Purpose: purpose}}
	if err := l.write(); err != nil {
		l.Release()
		return nil, err
	}
	return l, nil
}

// Publish records the running embedded store's address in the lock file.
func (l *DirLock) Publish(storeURI string) error {
	l.holder.StoreURI = storeURI
	return l.write()
}

func (l *DirLock) write() error {
	b, _ := json.Marshal(l.holder)
	if _, err := l.f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("database: write lock file: %w", err)
	}
	if err := l.f.Truncate(int64(len(b))); err != nil {
		return fmt.Errorf("database: write lock file: %w", err)
	}
	return nil
}

// Release gives dir back. The lock file stays; only its lock matters.
func (l *DirLock) Release() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
}

// HolderOf answers the process holding dir, if one does.
func HolderOf(dir string) (Holder, bool, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, fmt.Errorf("database: lock file: %w", err)
	}
	defer f.Close()
	// A shared lock succeeds only when nobody holds the exclusive one.
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return Holder{}, false, nil
	}
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		return Holder{}, false, fmt.Errorf("database: lock %s: %w", path, err)
	}
	h, err := readHolder(path)
	return h, true, err
}

// readHolder reads the lock file. A holder may be rewriting it at that
// moment; the caller then sees an error and may ask again.
func readHolder(path string) (Holder, error) {
	var h Holder
	b, err := os.ReadFile(path)
	if err != nil {
		return h, fmt.Errorf("database: lock file: %w", err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("database: lock file is being written; try again: %w", err)
	}
	return h, nil
}
