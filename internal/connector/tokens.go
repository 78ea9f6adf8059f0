package connector

import (
	"context"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/time/rate"
)

// tokenCache keeps one token per (platform, instance): fetched once,
// shared by concurrent calls, refreshed shortly before it expires or when
// the vendor refuses it.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]*tokenEntry
}

type tokenEntry struct {
	mu      sync.Mutex // held while fetching: one fetch per key at a time
	token   string
	expires time.Time
}

func (tc *tokenCache) entry(key string) *tokenEntry {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	e := tc.m[key]
	if e == nil {
		e = &tokenEntry{}
		tc.m[key] = e
	}
	return e
}

func (tc *tokenCache) current(key string) string {
	e := tc.entry(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.token
}

// get returns the cached token, fetching one when there is none, it is
// about to expire, or it is stale (a token the vendor refused; when
// another call already replaced it, the new one is returned).
func (tc *tokenCache) get(ctx context.Context, key, stale string, fetch func(context.Context) (string, time.Duration, error)) (string, error) {
	e := tc.entry(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.token != "" && time.Now().Before(e.expires) && (stale == "" || e.token != stale) {
		return e.token, nil
	}
	tok, ttl, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	margin := min(5*time.Minute, ttl/10)
	e.token, e.expires = tok, time.Now().Add(ttl-margin)
	return tok, nil
}

// oauth2Token runs the client-credentials grant over the instance's
// policy-checked client.
func (c *call) oauth2Token(ctx context.Context, sc *scope) (string, time.Duration, error) {
	a := &c.p.def.Auth
	cc := clientcredentials.Config{ClientID: sc.renderText(a.ClientID), ClientSecret: sc.renderText(a.ClientSecret),
		TokenURL: sc.renderText(a.TokenURL), Scopes: a.Scopes}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.in.client)
	ctx, cancel := context.WithTimeout(ctx, c.f.timeout)
	defer cancel()
	t, err := cc.Token(ctx)
	if err != nil {
		return "", 0, err
	}
	ttl := time.Until(t.Expiry)
	if t.Expiry.IsZero() {
		ttl = time.Hour
	}
	return t.AccessToken, ttl, nil
}

// limiter bounds one platform's calls on this node: a semaphore for
// calls in flight and an optional rate.
type limiter struct {
	cfg  Limits
	sem  chan struct{}
	rate *rate.Limiter
}

func newLimiter(l Limits) *limiter {
	n := l.Concurrency
	if n <= 0 {
		n = defaultConcurrency
	}
	lim := &limiter{cfg: l, sem: make(chan struct{}, n)}
	if l.Rate > 0 {
		b := l.Burst
		if b <= 0 {
			b = max(1, int(l.Rate))
		}
		lim.rate = rate.NewLimiter(rate.Limit(l.Rate), b)
	}
	return lim
}

func (l *limiter) acquire(ctx context.Context) error {
	if l.rate != nil {
		if err := l.rate.Wait(ctx); err != nil {
			return err
		}
	}
	select {
	case l.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *limiter) release() { <-l.sem }
