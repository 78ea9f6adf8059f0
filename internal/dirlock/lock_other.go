//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package dirlock

import "os"

// Elsewhere (no flock, no LockFileEx) the lock file is a marker only:
// nothing stops a second process.
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }
