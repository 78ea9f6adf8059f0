// Package scripttest holds what tests of scripts share: the seed's script
// examples (../testdata/seed), exactly as the seed shows them.
package scripttest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Seed returns one of the seed's script examples by file name.
func Seed(tb testing.TB, name string) string {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "testdata", "seed", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
