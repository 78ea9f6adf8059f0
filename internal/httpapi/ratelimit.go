package httpapi

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is a token bucket per credential, in memory on this node.
type limiter struct {
	rps   rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

func newLimiter(rps float64, burst int) *limiter {
	if burst <= 0 {
		burst = max(1, int(2*rps))
	}
	return &limiter{rps: rate.Limit(rps), burst: burst, m: map[string]*rate.Limiter{}}
}

// allow takes a token for key; when none is left it returns how long until
// one is.
func (l *limiter) allow(key string) (time.Duration, bool) {
	return l.allowRate(key, 0)
}

// allowRate is allow with key's own rate (requests per second; 0: the
// default), as an OAuth client has.
func (l *limiter) allowRate(key string, rps float64) (time.Duration, bool) {
	limit, burst := l.rps, l.burst
	if rps > 0 {
		limit, burst = rate.Limit(rps), max(1, int(2*rps))
	}
	if limit <= 0 {
		return 0, true
	}
	l.mu.Lock()
	lim := l.m[key]
	if lim == nil || lim.Limit() != limit {
		lim = rate.NewLimiter(limit, burst)
		l.m[key] = lim
	}
	l.mu.Unlock()
	now := time.Now()
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, false
	}
	return 0, true
}
