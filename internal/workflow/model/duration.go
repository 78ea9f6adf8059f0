package model

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration written either as Go does ("2h30m") or
// in ISO 8601 ("PT2H30M", "P1DT12H", "P2W"), the form BPMN timers use. ISO
// days are 24 hours and weeks 7 days; years and months are refused because
// their length depends on the calendar.
func ParseDuration(s string) (time.Duration, error) {
	if rest, ok := strings.CutPrefix(s, "P"); ok {
		return parseISODuration(rest)
	}
	return time.ParseDuration(s)
}

var errISODuration = errors.New("not an ISO 8601 duration such as PT2H or P1DT12H (years and months are not supported)")

func parseISODuration(s string) (time.Duration, error) {
	date, clock, hasT := strings.Cut(s, "T")
	if s == "" || hasT && clock == "" {
		return 0, errISODuration
	}
	d1, err := isoPart(date, "WD", []time.Duration{7 * 24 * time.Hour, 24 * time.Hour})
	if err != nil {
		return 0, err
	}
	d2, err := isoPart(clock, "HMS", []time.Duration{time.Hour, time.Minute, time.Second})
	if err != nil {
		return 0, err
	}
	if d1 > math.MaxInt64-d2 {
		return 0, errors.New("duration too long")
	}
	return d1 + d2, nil
}

// isoPart sums "<number><unit>" items whose units appear in units, in that
// order, each at most once.
func isoPart(s, units string, scale []time.Duration) (time.Duration, error) {
	var sum time.Duration
	next := 0 // index in units the next item may use
	for s != "" {
		i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != ',' })
		if i <= 0 {
			return 0, errISODuration
		}
		u := strings.IndexByte(units[next:], s[i])
		if u < 0 {
			return 0, errISODuration
		}
		next += u
		d, ok := scaled(strings.Replace(s[:i], ",", ".", 1), scale[next])
		if !ok || d > math.MaxInt64-sum {
			return 0, errISODuration
		}
		sum += d
		next++
		s = s[i+1:]
	}
	return sum, nil
}

// scaled is the decimal number num times unit, computed exactly (floats
// would turn PT0.000000001S into zero).
func scaled(num string, unit time.Duration) (time.Duration, bool) {
	ip, fp, _ := strings.Cut(num, ".")
	if ip == "" {
		ip = "0"
	}
	i, err := strconv.ParseInt(ip, 10, 64)
	if err != nil || i > math.MaxInt64/int64(unit) || num == "." {
		return 0, false
	}
	d := time.Duration(i) * unit
	for _, c := range fp {
		if c < '0' || c > '9' {
			return 0, false
		}
		unit /= 10
		d += time.Duration(c-'0') * unit
	}
	return d, d >= 0
}

// isoDuration writes a positive d in ISO 8601, for BPMN timers.
func isoDuration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10) + "H")
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10) + "M")
		d -= m * time.Minute
	}
	if d > 0 {
		b.WriteString(strconv.FormatInt(int64(d/time.Second), 10))
		if ns := int64(d % time.Second); ns > 0 {
			b.WriteString(strings.TrimRight(fmt.Sprintf(".%09d", ns), "0"))
		}
		b.WriteString("S")
	}
	return b.String()
}
