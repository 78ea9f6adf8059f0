package script

import (
	"fmt"
	"time"
)

// Limits on what crosses between JavaScript and Go. goja has no memory
// limit, so the bindings cap what they accept and what a run returns.
const (
	MaxStringBytes = 1 << 20  // one string passed to a binding or returned
	MaxArrayLen    = 100_000  // one array
	MaxExportBytes = 10 << 20 // everything one value carries, in total
	MaxDepth       = 64       // nesting of objects and arrays

	MaxConsoleLines = 200
	MaxConsoleLine  = 4 << 10

	MaxCalls      = 1000 // $proxy and $db calls per execution
	MaxInFlight   = 32   // concurrent Go-side calls per execution; more wait their turn
	MaxTimers     = 1000 // setTimeout/setInterval per execution
	MaxRandomHex  = 1024 // bytes $crypto.randomHex may ask for
	MaxCallStack  = 2000 // JS frames; deeper recursion is a limit error
	consoleExport = 64 << 10
)

// limitError is an Error of Kind "limit"; what names the limit in words.
func limitError(zh, en string, args ...any) *Error {
	return &Error{Kind: "limit", Message: fmt.Sprintf(zh+"（"+en+"）", args...)}
}

func errStringTooLong(n int) *Error {
	return limitError("字符串长度 %d 字节超过 %d 字节上限", "string of %d bytes exceeds the %d-byte limit", n, MaxStringBytes, n, MaxStringBytes)
}

func errArrayTooLong(n int64) *Error {
	return limitError("数组长度 %d 超过 %d 项上限", "array of %d items exceeds the %d-item limit", n, MaxArrayLen, n, MaxArrayLen)
}

func errExportTooBig() *Error {
	return limitError("数据总量超过 %d 字节上限", "value exceeds the %d-byte total limit", MaxExportBytes, MaxExportBytes)
}

func errTooDeep() *Error {
	return limitError("嵌套超过 %d 层或存在循环引用", "value nested deeper than %d levels or circular", MaxDepth, MaxDepth)
}

func errTimeout(d time.Duration) *Error {
	return &Error{Kind: "timeout", Message: fmt.Sprintf("脚本执行超过 %s 时限（script exceeded its %s time limit）", d, d)}
}
