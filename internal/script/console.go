package script

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// installConsole adds console.* and $log.*, both into Output.Console.
func (rt *vmRuntime) installConsole() error {
	fns := map[string]func(goja.FunctionCall) goja.Value{}
	for _, lvl := range []string{"log", "info", "warn", "error", "debug"} {
		level := lvl
		if level == "debug" {
			level = "log"
		}
		fns[lvl] = rt.native(func(c goja.FunctionCall) goja.Value {
			if ex := rt.cur; ex != nil {
				ex.log(level, rt.formatArgs(c.Arguments))
			}
			return goja.Undefined()
		})
	}
	if err := rt.vm.Set("console", rt.frozenObject(fns)); err != nil {
		return err
	}
	return rt.vm.Set("$log", rt.frozenObject(fns))
}

// log appends a line, bounded in count and length; the last line kept
// says how much was dropped.
func (ex *execution) log(level, msg string) {
	if ex.running() {
		ex.appendLog(level, msg)
	}
}

func (ex *execution) appendLog(level, msg string) {
	if len(msg) > MaxConsoleLine {
		cut := MaxConsoleLine
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…（已截断 truncated）"
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	switch n := len(ex.console); {
	case n < MaxConsoleLines-1:
		ex.console = append(ex.console, LogLine{Level: level, Message: msg, Time: time.Now()})
	case n == MaxConsoleLines-1:
		ex.console = append(ex.console, LogLine{Level: "warn", Message: "", Time: time.Now()})
		fallthrough
	default:
		ex.dropped++
		ex.console[MaxConsoleLines-1].Message = "输出超过 " + itoa(MaxConsoleLines) + " 行，其后 " + itoa(ex.dropped) + " 行已省略（console output truncated: " + itoa(ex.dropped) + " more lines dropped）"
	}
}

func (rt *vmRuntime) formatArgs(args []goja.Value) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(rt.format(a))
		if b.Len() > MaxConsoleLine {
			break
		}
	}
	return b.String()
}

// format shows a value as a developer expects: strings bare, Errors with
// their message and script position, objects as JSON.
func (rt *vmRuntime) format(v goja.Value) string {
	o, ok := v.(*goja.Object)
	if !ok {
		if v == nil {
			return "undefined"
		}
		return v.String()
	}
	switch o.ClassName() {
	case "Error":
		s := errorText(o)
		if o.Get("name").String() == "Error" {
			s = "Error: " + s
		}
		if ex := rt.cur; ex != nil {
			if st := o.Get("stack"); st != nil && !goja.IsUndefined(st) {
				if _, l, c := ex.p.rewriteStack(st.String()); l > 0 {
					s += " (" + ex.p.Name + ":" + itoa(l) + ":" + itoa(c) + ")"
				}
			}
		}
		return s
	case "Function":
		return "[Function]"
	}
	x := &exporter{rt: rt, budget: consoleExport}
	val, err := x.value(o)
	if err != nil {
		return o.String()
	}
	b, jerr := json.Marshal(val)
	if jerr != nil {
		return o.String()
	}
	return string(b)
}
