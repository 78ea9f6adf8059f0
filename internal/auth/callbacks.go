package auth

import (
	"context"
	"maps"
	"net/url"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// callbackKeys are the keys of a client's callbacks: the async batch
// operations, and "default" for one without its own.
var callbackKeys = []string{"create", "update", "upsert", "delete", "default"}

// applyCallbacks sets the client's callbacks from in, checking each URL's
// form (where it may point is the delivery's network policy, at dial
// time).
func (in ClientInput) applyCallbacks(c *Client) error {
	if in.Callbacks != nil {
		c.Callbacks = maps.Clone(*in.Callbacks)
	}
	if c.Callbacks == nil {
		c.Callbacks = map[string]string{}
	}
	for k, v := range c.Callbacks {
		known := false
		for _, ck := range callbackKeys {
			known = known || k == ck
		}
		if !known {
			return apperr.Field("callbacks", "未知的回调键: %q (callbacks keys are %s)", clip(k), strings.Join(callbackKeys, ", "))
		}
		if v == "" {
			delete(c.Callbacks, k)
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(v) > 2000 {
			return apperr.Field("callbacks."+k, "回调地址须为 http(s) URL, 不含用户信息: %q (callbacks.%s must be an http or https URL without user info)", clip(v), k)
		}
	}
	return nil
}

// ClientCallback is the client's callback URL for an async batch
// operation: its own, else the default ("" when neither is set).
func (s *Service) ClientCallback(ctx context.Context, clientID, operation string) (string, error) {
	c, err := s.GetClient(ctx, clientID)
	if err != nil {
		return "", err
	}
	if u := c.Callbacks[operation]; u != "" {
		return u, nil
	}
	return c.Callbacks["default"], nil
}
