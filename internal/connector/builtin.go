package connector

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
)

//go:embed builtin/*.json
var builtinFS embed.FS

// loadBuiltins reads the platforms shipped in the binary (WeCom qywx,
// DingTalk, Feishu). They have the JSON form of any exported platform and
// are read-only; an admin adds an instance with the credentials.
func loadBuiltins() (map[string]*Platform, error) {
	out := map[string]*Platform{}
	files, err := fs.Glob(builtinFS, "builtin/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		raw, err := builtinFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var p Platform
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("built-in platform %s: %w", f, err)
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("built-in platform %s: %w", f, err)
		}
		p.BuiltIn = true
		out[p.Key] = &p
	}
	return out, nil
}
