package form

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A serial pattern is literal text with placeholders: {yyyy} {yy} {MM} {dd}
// for the creation date and one run of zeros, {000000}, for the counter and
// its width. The counter restarts whenever the date part of the pattern
// changes (a pattern with {yyyy} counts per year).
type serialPattern struct {
	parts []string // literal text and placeholders, in order
	width int
}

func parsePattern(p string) (serialPattern, error) {
	var sp serialPattern
	rest := p
	counters := 0
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			sp.parts = append(sp.parts, rest)
			break
		}
		if i > 0 {
			sp.parts = append(sp.parts, rest[:i])
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return sp, fmt.Errorf("pattern %q: unclosed {", p)
		}
		ph := rest[i : i+j+1]
		switch inner := ph[1 : len(ph)-1]; {
		case inner == "yyyy" || inner == "yy" || inner == "MM" || inner == "dd":
		case inner != "" && strings.Trim(inner, "0") == "":
			counters++
			sp.width = len(inner)
		default:
			return sp, fmt.Errorf("pattern %q: unknown placeholder %s (use {yyyy} {yy} {MM} {dd} {000000})", p, ph)
		}
		sp.parts = append(sp.parts, ph)
		rest = rest[i+j+1:]
	}
	if counters != 1 {
		return sp, fmt.Errorf("pattern %q: needs exactly one counter such as {000000}", p)
	}
	return sp, nil
}

// SerialPeriod is the date part of the serial pattern for t: the counter's
// scope.
func (fd *Field) SerialPeriod(t time.Time) string {
	sp, _ := parsePattern(fd.Pattern)
	var b strings.Builder
	for _, part := range sp.parts {
		switch part {
		case "{yyyy}", "{yy}", "{MM}", "{dd}":
			b.WriteString(datePart(part, t))
		}
	}
	return b.String()
}

// FormatSerial renders the serial value for counter n at time t.
func (fd *Field) FormatSerial(t time.Time, n int64) string {
	sp, _ := parsePattern(fd.Pattern)
	var b strings.Builder
	for _, part := range sp.parts {
		switch {
		case part == "{yyyy}" || part == "{yy}" || part == "{MM}" || part == "{dd}":
			b.WriteString(datePart(part, t))
		case strings.HasPrefix(part, "{"):
			s := strconv.FormatInt(n, 10)
			if pad := sp.width - len(s); pad > 0 {
				b.WriteString(strings.Repeat("0", pad))
			}
			b.WriteString(s)
		default:
			b.WriteString(part)
		}
	}
	return b.String()
}

func datePart(ph string, t time.Time) string {
	switch ph {
	case "{yyyy}":
		return t.Format("2006")
	case "{yy}":
		return t.Format("06")
	case "{MM}":
		return t.Format("01")
	}
	return t.Format("02")
}
