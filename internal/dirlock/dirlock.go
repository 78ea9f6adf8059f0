// Package dirlock keeps a data directory to one process: an exclusive OS
// file lock on a file in it, which the OS releases when the process ends,
// however it ends (kill -9 included), so a crash never leaves a stale lock.
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileName is the lock file's name inside the directory.
const FileName = "tritium.lock"

// ErrHeld is wrapped by Acquire's error when another process holds the lock.
var ErrHeld = errors.New("data directory locked by another process")

// errBusy is what lockFile returns when another process holds the lock.
var errBusy = errors.New("lock busy")

// Lock is a held lock; Release gives it up.
type Lock struct {
	f *os.File
}

// HeldError says which process holds the lock of Dir.
type HeldError struct {
	Dir string
	PID int // 0 when unknown
}

func (e *HeldError) Error() string {
	who := "另一个 tritium 进程"
	en := "another tritium process"
	if e.PID > 0 {
		who += fmt.Sprintf(" (pid %d)", e.PID)
		en += fmt.Sprintf(" (pid %d)", e.PID)
	}
	return fmt.Sprintf("数据目录 %s 正被%s使用, 一个 SQLite 数据目录只能由一个服务使用 (data directory %s is in use by %s: only one server may use a SQLite data directory)",
		e.Dir, who, e.Dir, en)
}

func (e *HeldError) Unwrap() error { return ErrHeld }

// Acquire creates dir if needed and takes its lock without waiting: when
// another process holds it, the error is a *HeldError.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errBusy) {
			return nil, &HeldError{Dir: dir, PID: readPID(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The holder's pid, for the message a second process shows. The lock is
	// the OS lock, not this content: a stale pid after a crash is harmless.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up (safe on nil and twice).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}
