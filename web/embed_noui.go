//go:build noui

package web

import "io/fs"

// Dist returns nil: this binary was built with -tags noui, without the
// console.
func Dist() fs.FS { return nil }
