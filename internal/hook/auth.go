package hook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/script"
)

// maxSignBody is the most of a request body an auth script sees.
const maxSignBody = 1 << 20

// SignRequest is the connector's script auth method: the platform's
// "auth/<platform>/sign" script gets the request as $args ({platform,
// instance, method, url, path, query, headers, body}) and returns
// {headers, query} to add.
func (r *Runner) SignRequest(ctx context.Context, platform, instance string, req *http.Request) error {
	k := Key{ScopeAuth, platform, "sign"}
	e, ok := r.store.program(ctx, k)
	if !ok {
		return fmt.Errorf("platform %s signs its requests with a script, but %s is not saved or not enabled", platform, k)
	}
	var body string
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, maxSignBody))
			rc.Close()
			body = string(b)
		}
	} else if req.Body != nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxSignBody))
		if err != nil {
			return err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		body = string(b)
	}
	headers := map[string]any{}
	for name := range req.Header {
		headers[name] = req.Header.Get(name)
	}
	query := map[string]any{}
	for name := range req.URL.Query() {
		query[name] = req.URL.Query().Get(name)
	}
	in := script.Input{Args: map[string]any{"platform": platform, "instance": instance, "method": req.Method, "url": req.URL.String(),
		"path": req.URL.Path, "query": query, "headers": headers, "body": body},
		Event: map[string]any{"hook": "sign", "platform": platform}, Caller: connector.Caller{Kind: "auth"}}
	out := r.exec(ctx, e, "sign", in, 1)
	if out.Err != nil {
		return fmt.Errorf("%s: %w", k, out.Err)
	}
	m, _ := out.Value.(map[string]any)
	if h, ok := m["headers"].(map[string]any); ok {
		for name, v := range h {
			req.Header.Set(name, fmt.Sprint(v))
		}
	}
	if q, ok := m["query"].(map[string]any); ok && len(q) > 0 {
		vals := req.URL.Query()
		for name, v := range q {
			vals.Set(name, fmt.Sprint(v))
		}
		req.URL.RawQuery = vals.Encode()
	}
	return nil
}
