package script

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/dop251/goja"
	"github.com/evanw/esbuild/pkg/api"
	"github.com/go-sourcemap/sourcemap"
)

// The author's source runs as the body of an async arrow function so that
// top-level await and return work; the wrapper's first line is the only
// line added before the author's, so author line = generated-source line - 1.
const (
	wrapHead  = "(async () => {\n"
	wrapTail  = "\n})()"
	wrapLines = 1
)

// genFile is the file name goja sees; stack traces are rewritten to the
// program's name with the author's positions.
const genFile = "tritium-script.js"

// goja lacks these (checked against the pinned version): esbuild lowers
// them where it can and reports them as errors where it cannot.
var gojaUnsupported = map[string]bool{
	"for-await":            false,
	"async-generator":      false,
	"regexp-match-indices": false,
}

// Compile transpiles and checks source; a syntax or type-stripping error is
// an *Error of Kind "syntax" with the author's line and column.
func Compile(name string, lang Lang, source string) (*Program, error) {
	loader := api.LoaderJS
	switch lang {
	case TS:
		loader = api.LoaderTS
	case JS, "":
		lang = JS
	default:
		return nil, &Error{Script: name, Kind: "syntax", Message: fmt.Sprintf("不支持的脚本语言 %q（unsupported script language %q）", lang, lang)}
	}
	res := api.Transform(wrapHead+source+wrapTail, api.TransformOptions{
		Loader:         loader,
		Target:         api.ES2020,
		Supported:      gojaUnsupported,
		Sourcefile:     name,
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentExclude,
		LogLevel:       api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		return nil, esbuildError(name, source, res.Errors[0])
	}
	p := &Program{Name: name, Lang: lang, Source: source, JS: string(res.Code), lines: strings.Count(source, "\n") + 1}
	sm, err := sourcemap.Parse(genFile+".map", res.Map)
	if err != nil {
		return nil, &Error{Script: name, Kind: "internal", Message: "source map: " + err.Error()}
	}
	p.smap = sm
	prg, err := goja.Compile(genFile, p.JS, false)
	if err != nil {
		return nil, p.gojaCompileError(err)
	}
	p.prg = prg
	return p, nil
}

// esbuildError places an esbuild message at the author's line and column
// (1-based; columns count UTF-16 units, as editors do).
func esbuildError(name, source string, m api.Message) *Error {
	e := &Error{Script: name, Kind: "syntax", Message: m.Text}
	if m.Location == nil {
		return e
	}
	e.Line = m.Location.Line - wrapLines
	col := m.Location.Column
	if col > len(m.Location.LineText) {
		col = len(m.Location.LineText)
	}
	e.Column = utf16Len(m.Location.LineText[:col]) + 1
	// An error in the wrapper's tail (e.g. an unclosed brace) belongs at
	// the end of the author's last line.
	lines := strings.Split(source, "\n")
	if e.Line > len(lines) {
		e.Line = len(lines)
		e.Column = utf16Len(lines[len(lines)-1]) + 1
	}
	if e.Line < 1 {
		e.Line, e.Column = 1, 1
	}
	return e
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// gojaCompileError reports a construct esbuild let through but goja cannot
// compile, at the author's position when the source map knows it.
func (p *Program) gojaCompileError(err error) *Error {
	e := &Error{Script: p.Name, Kind: "syntax", Message: err.Error()}
	if ce, ok := err.(*goja.CompilerSyntaxError); ok {
		e.Message = ce.Message
		if ce.File != nil {
			pos := ce.File.Position(ce.Offset)
			e.Line, e.Column = p.authorPos(pos.Line, pos.Column)
		}
	}
	return e
}

// authorPos maps a 1-based generated line and column back to the author's
// source; 0, 0 when the position is in code the author did not write.
func (p *Program) authorPos(line, col int) (int, int) {
	if p.smap == nil || line < 1 {
		return 0, 0
	}
	_, _, l, c, ok := p.smap.Source(line, col-1)
	if !ok {
		return 0, 0
	}
	l -= wrapLines
	if l < 1 || l > p.lines {
		return 0, 0
	}
	return l, c + 1
}
