//go:build !noui

// Package web holds the web console's built files: dist/, made from the
// sources beside it by `npm run build` and committed, so `go build` and
// `go install` need no Node. Build with -tags noui to leave them out.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built console (index.html at its root), or nil in a
// binary built with -tags noui.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: cannot happen
	}
	return sub
}
