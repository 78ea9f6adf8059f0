//go:build windows

package dirlock

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockRegion is one byte far past the pid the file holds: Windows locks
// are mandatory, and the pid must stay readable to the process refused.
func lockRegion() *windows.Overlapped { return &windows.Overlapped{OffsetHigh: 1} }

// lockFile locks with LockFileEx; Windows releases the lock when the handle
// closes or the process exits.
func lockFile(f *os.File) error {
	ol := lockRegion()
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errBusy
	}
	return err
}

func unlockFile(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, lockRegion())
}
