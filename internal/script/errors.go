package script

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// A frame in goja's stack text: "name (file:line:col(pc))" or "file:line:col(pc)".
var frameRe = regexp.MustCompile(regexp.QuoteMeta(genFile) + `:(\d+):(\d+)\(\d+\)`)

// vmError turns what the VM returned into an *Error.
func (rt *vmRuntime) vmError(ex *execution, err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if e, ok := ie.Value().(*Error); ok {
			return e
		}
		return &Error{Kind: "timeout", Message: fmt.Sprint(ie.Value())}
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return limitError("调用栈超过 %d 层", "call stack deeper than %d frames", MaxCallStack, MaxCallStack)
	}
	var je *goja.Exception
	if errors.As(err, &je) {
		e := rt.thrownError(ex.p, je.Value())
		if e.Line == 0 {
			for _, f := range je.Stack() {
				pos := f.Position()
				if l, c := ex.p.authorPos(pos.Line, pos.Column); l > 0 {
					e.Line, e.Column = l, c
					break
				}
			}
		}
		return e
	}
	return &Error{Kind: "internal", Message: err.Error()}
}

// thrownError describes a value the script threw or rejected with, at the
// author's line: the first frame of its stack that maps into the source.
func (rt *vmRuntime) thrownError(p *Program, v goja.Value) *Error {
	e := &Error{Script: p.Name, Kind: "thrown"}
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() != "Error" {
		if v == nil {
			v = goja.Undefined()
		}
		e.Message = v.String()
		return e
	}
	e.Message = errorText(o)
	if st := o.Get("stack"); st != nil && !goja.IsUndefined(st) {
		e.Stack, e.Line, e.Column = p.rewriteStack(st.String())
	}
	return e
}

// errorText is "message", or "TypeError: message" for the other kinds, so
// a runtime error says what it is.
func errorText(o *goja.Object) string {
	msg := ""
	if m := o.Get("message"); m != nil && !goja.IsUndefined(m) {
		msg = m.String()
	}
	if n := o.Get("name"); n != nil && !goja.IsUndefined(n) && n.String() != "Error" && n.String() != "" {
		return n.String() + ": " + msg
	}
	return msg
}

// rewriteStack puts the author's positions and the program's name in
// goja's stack text; it also returns the first mapped position.
func (p *Program) rewriteStack(stack string) (string, int, int) {
	line, col := 0, 0
	out := frameRe.ReplaceAllStringFunc(stack, func(m string) string {
		sub := frameRe.FindStringSubmatch(m)
		gl, _ := strconv.Atoi(sub[1])
		gc, _ := strconv.Atoi(sub[2])
		l, c := p.authorPos(gl, gc)
		if l == 0 {
			return p.Name
		}
		if line == 0 {
			line, col = l, c
		}
		return p.Name + ":" + strconv.Itoa(l) + ":" + strconv.Itoa(c)
	})
	return strings.TrimSpace(out), line, col
}

func panicMessage(r any) string {
	return fmt.Sprintf("内部错误（internal error）: %v", r)
}
