package connector

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Call sends one outbound request as a script asks for it and logs it.
// Unknown names and missing parameters are *apperr.Error; transport
// failures are *CallError. Any HTTP answer, even 500, is a Result.
func (s *Service) Call(ctx context.Context, req CallRequest) (*Result, error) {
	p, in, f, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	pr, err := bind(p, in, f, req)
	if err != nil {
		return nil, err
	}
	c := &call{s: s, p: p, in: in, f: f, req: req, start: time.Now(), id: newID()}
	res, err := c.run(ctx, pr)
	s.calls.add(ctx, c.entry(res, err))
	return res, err
}

// call is one Call in progress.
type call struct {
	s     *Service
	p     *plat
	in    *inst
	f     *iface
	req   CallRequest
	start time.Time
	id    string
	sent  *http.Request // the last request sent, for the log
	body  []byte
	raw   []byte // the last response body
	trunc bool
	hide  []string // values to redact: secrets and tokens used
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return strconv.FormatInt(time.Now().UnixMicro(), 36) + hex.EncodeToString(b[:])
}

func (c *call) run(ctx context.Context, pr *prepared) (*Result, error) {
	for _, v := range c.in.secrets {
		c.hide = append(c.hide, v)
	}
	res, vcode, err := c.attempt(ctx, pr, "")
	if err != nil || !c.refreshable() {
		return res, err
	}
	if res.Status == http.StatusUnauthorized || c.invalidToken(vcode) {
		return c.retryAuth(ctx, pr)
	}
	return res, nil
}

func (c *call) retryAuth(ctx context.Context, pr *prepared) (*Result, error) {
	res, _, err := c.attempt(ctx, pr, c.tokenUsed())
	return res, err
}

// attempt authorizes and sends pr (retrying idempotent methods on
// transport failures and 502–504) and maps the answer. stale, when set,
// is a token to replace.
func (c *call) attempt(ctx context.Context, pr *prepared, stale string) (*Result, any, error) {
	tries := 1 + c.f.def.Retries
	var lastErr error
	for i := range tries {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, nil, c.fail(ctx.Err())
			case <-time.After(time.Duration(100<<(i-1)) * time.Millisecond):
			}
		}
		req, err := c.request(ctx, pr)
		if err != nil {
			return nil, nil, err
		}
		if !c.f.def.NoAuth {
			if err := c.authorize(ctx, req, stale); err != nil {
				return nil, nil, err
			}
		}
		res, vcode, err := c.send(ctx, req)
		if err == nil && (i == tries-1 || res.Status < 502 || res.Status > 504) {
			return res, vcode, nil
		}
		var blocked *blockedError
		if err != nil && (errors.As(err, &blocked) || ctx.Err() != nil || errors.Is(err, errBodyCap)) {
			return nil, nil, err
		}
		if err != nil {
			lastErr = err
		} else {
			lastErr = nil
			if i == tries-1 {
				return res, vcode, nil
			}
		}
	}
	return nil, nil, lastErr
}

func (c *call) request(ctx context.Context, pr *prepared) (*http.Request, error) {
	u := *pr.url
	req, err := http.NewRequestWithContext(ctx, pr.method, u.String(), nil)
	if err != nil {
		return nil, c.fail(err)
	}
	req.Header = pr.header.Clone()
	if pr.body != nil {
		req.Body = io.NopCloser(bytes.NewReader(pr.body))
		req.ContentLength = int64(len(pr.body))
		body := pr.body
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	c.body = pr.body
	return req, nil
}

var errBodyCap = errors.New("response body over the cap")

// send dials (within the platform's limits and the interface's timeout)
// and reads the answer.
func (c *call) send(ctx context.Context, req *http.Request) (*Result, any, error) {
	if err := c.p.lim.acquire(ctx); err != nil {
		return nil, nil, c.fail(err)
	}
	defer c.p.lim.release()
	ctx, cancel := context.WithTimeout(ctx, c.f.timeout)
	defer cancel()
	req = req.WithContext(ctx)
	c.sent = req
	t0 := time.Now()
	resp, err := c.in.client.Do(req)
	if err != nil {
		return nil, nil, c.fail(err)
	}
	defer resp.Body.Close()
	max := c.s.cfg.MaxResponseBytes
	raw, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, nil, c.fail(err)
	}
	if int64(len(raw)) > max {
		c.raw, c.trunc = raw[:min(len(raw), c.s.cfg.LogBodyBytes)], true
		return nil, nil, c.fail(fmt.Errorf("%w (%d bytes)", errBodyCap, max))
	}
	c.raw = raw
	res := &Result{Status: resp.StatusCode, Code: resp.StatusCode, Message: http.StatusText(resp.StatusCode),
		Headers: make(map[string]string, len(resp.Header)), DurationMS: time.Since(t0).Milliseconds(), CallID: c.id}
	for k, v := range resp.Header {
		res.Headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	vcode := mapBody(res, raw, resp.Header.Get("Content-Type"), c.f.success)
	return res, vcode, nil
}

// mapBody sets data, and code and message by the success mapping; it
// returns the vendor code it read (nil when none).
func mapBody(res *Result, raw []byte, ctype string, sm *Success) any {
	t := bytes.TrimSpace(raw)
	res.Data = string(raw)
	if len(t) == 0 {
		res.Data = nil
		if len(raw) > 0 {
			res.Data = string(raw)
		}
		return nil
	}
	if strings.Contains(ctype, "json") || t[0] == '{' || t[0] == '[' {
		var v any
		if json.Unmarshal(t, &v) == nil {
			res.Data = v
		}
	}
	if sm == nil {
		return nil
	}
	code, ok := getPath(res.Data, sm.CodePath)
	if !ok || res.Data == nil {
		return nil
	}
	if _, isStr := res.Data.(string); isStr {
		return nil
	}
	if sameValue(code, sm.OK) {
		res.Code = 200
	} else if n, err := strconv.Atoi(text(code)); err == nil {
		res.Code = n
	}
	if sm.MessagePath != "" {
		if m, ok := getPath(res.Data, sm.MessagePath); ok {
			res.Message = text(m)
		}
	}
	if sm.DataPath != "" && res.Code == 200 {
		if d, ok := getPath(res.Data, sm.DataPath); ok {
			res.Data = d
		}
	}
	return code
}

// fail turns a transport error into a *CallError with words for a person.
func (c *call) fail(err error) error {
	return &CallError{Platform: c.p.def.Key, Interface: c.f.def.Key, Cause: cause(err, c.f.timeout), Err: err, CallID: c.id}
}

func cause(err error, timeout time.Duration) string {
	var blocked *blockedError
	var dns *net.DNSError
	switch {
	case errors.As(err, &blocked):
		return blocked.Error()
	case errors.Is(err, errBodyCap):
		return "the response body is over the size cap"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("timed out after %s", timeout)
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &dns):
		return fmt.Sprintf("cannot resolve host %s", dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
