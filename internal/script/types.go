package script

import _ "embed"

// typesDTS describes every global for editors (Monaco, VS Code).
//
//go:embed tritium.d.ts
var typesDTS string
