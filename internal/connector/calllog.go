package connector

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// CallRecord is one logged call: the request as sent with secrets and
// tokens replaced by "***", the answer (its body truncated), the caller.
type CallRecord struct {
	ID              string            `json:"id"`
	Time            time.Time         `json:"time"`
	Platform        string            `json:"platform"`
	Instance        string            `json:"instance"`
	Interface       string            `json:"interface"`
	Caller          Caller            `json:"caller"`
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	RequestHeaders  map[string]string `json:"requestHeaders"`
	RequestBody     string            `json:"requestBody"`
	Status          int               `json:"status"`
	Code            int               `json:"code"`
	ResponseHeaders map[string]string `json:"responseHeaders"`
	ResponseBody    string            `json:"responseBody"`
	Truncated       bool              `json:"truncated"`
	DurationMS      int64             `json:"duration_ms"`
	Error           string            `json:"error,omitempty"`
	input           string            // sealed replayInput
}

// replayInput is what a replay sends again: the call as the script made
// it. Credentials are not in it: a replay authenticates afresh.
type replayInput struct {
	Interface string         `json:"interface"`
	Args      []any          `json:"args,omitempty"`
	Path      map[string]any `json:"path,omitempty"`
	Query     map[string]any `json:"query,omitempty"`
	Header    map[string]any `json:"header,omitempty"`
	Body      any            `json:"body,omitempty"`
	HasBody   bool           `json:"hasBody,omitempty"`
}

// sensitiveHeaders are always shown as "***".
var sensitiveHeaders = map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true, "x-api-key": true}

// entry builds the log record of a finished call.
func (c *call) entry(res *Result, err error) *CallRecord {
	a := &c.p.def.Auth
	if c.f.tokenFor && res != nil {
		if tok, ok := getPath(res.Data, a.TokenPath); ok {
			c.hide = append(c.hide, text(tok))
		}
	}
	hidden := map[string]bool{}
	for k := range sensitiveHeaders {
		hidden[k] = true
	}
	if a.Name != "" {
		hidden[strings.ToLower(a.Name)] = true
	}
	if a.Method == "hmac_signature" {
		hidden[strings.ToLower(or(a.SignatureHeader, "X-Signature"))] = true
	}
	r := redactor(c.hide)
	rec := &CallRecord{ID: c.id, Time: sqldb.Now(), Platform: c.p.def.Key, Instance: c.in.def.Key, Interface: c.f.def.Key,
		Caller: c.req.Caller, DurationMS: time.Since(c.start).Milliseconds(), RequestHeaders: map[string]string{}, ResponseHeaders: map[string]string{}}
	lim := c.s.cfg.LogBodyBytes
	if c.sent != nil {
		rec.Method = c.sent.Method
		u := *c.sent.URL
		q := u.Query()
		for k := range q {
			if hidden[strings.ToLower(k)] {
				q.Set(k, "***")
			}
		}
		u.RawQuery = q.Encode()
		rec.URL = r.Replace(unescape(u.String()))
		for k, v := range c.sent.Header {
			val := strings.Join(v, ", ")
			if hidden[strings.ToLower(k)] {
				val = "***"
			}
			rec.RequestHeaders[k] = r.Replace(val)
		}
		rec.RequestBody = r.Replace(clip(string(c.body), lim))
	}
	if res != nil {
		rec.Status, rec.Code = res.Status, res.Code
		for k, v := range res.Headers {
			if sensitiveHeaders[k] {
				v = "***"
			}
			rec.ResponseHeaders[k] = v
		}
	}
	if c.raw != nil {
		rec.ResponseBody = r.Replace(clip(string(c.raw), lim))
		rec.Truncated = c.trunc || len(c.raw) > lim
	}
	if err != nil {
		rec.Error = err.Error()
	}
	in, _ := json.Marshal(replayInput{Interface: c.f.def.Key, Args: c.req.Args, Path: c.req.Path, Query: c.req.Query,
		Header: c.req.Header, Body: c.req.Body, HasBody: c.req.HasBody})
	if sealed, err := c.s.box.Seal(string(in)); err == nil {
		rec.input = sealed
	}
	return rec
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func redactor(hide []string) *strings.Replacer {
	var pairs []string
	for _, h := range hide {
		if len(h) >= 3 {
			pairs = append(pairs, h, "***")
			if e := url.QueryEscape(h); e != h {
				pairs = append(pairs, e, "***")
			}
		}
	}
	return strings.NewReplacer(pairs...)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8Start(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] >= 0x80 {
		s = s[:len(s)-1]
	}
	return s
}

func utf8Start(b byte) bool { return b < 0x80 || b >= 0xC0 }

// callLog writes records in the background, many per transaction, so a
// call never waits for a write of its own.
type callLog struct {
	s       *Service
	ch      chan *CallRecord
	flushes chan chan error
	done    chan struct{}
	once    sync.Once
}

func newCallLog(s *Service) *callLog {
	l := &callLog{s: s, ch: make(chan *CallRecord, 8192), flushes: make(chan chan error), done: make(chan struct{})}
	go l.loop()
	return l
}

// add queues a record; it waits only when the writer is 8192 behind.
func (l *callLog) add(ctx context.Context, r *CallRecord) {
	select {
	case l.ch <- r:
	case <-l.done:
	case <-ctx.Done():
		l.s.log.Warn("connector call log: record dropped", "id", r.ID, "platform", r.Platform)
	}
}

func (l *callLog) loop() {
	t := time.NewTicker(l.s.cfg.LogFlushEvery)
	defer t.Stop()
	var batch []*CallRecord
	write := func() error {
		for len(l.ch) > 0 && len(batch) < 4096 {
			batch = append(batch, <-l.ch)
		}
		if len(batch) == 0 {
			return nil
		}
		err := l.s.writeCalls(context.Background(), batch)
		if err != nil {
			l.s.log.Warn("connector call log: write failed", "records", len(batch), "err", err)
		}
		batch = batch[:0]
		return err
	}
	for {
		select {
		case r := <-l.ch:
			batch = append(batch, r)
			if len(batch) >= 256 {
				write()
			}
		case <-t.C:
			write()
		case reply := <-l.flushes:
			var err error
			for len(l.ch) > 0 || len(batch) > 0 {
				if e := write(); e != nil {
					err = e
				}
			}
			reply <- err
		case <-l.done:
			for len(l.ch) > 0 || len(batch) > 0 {
				if write() != nil {
					return
				}
			}
			return
		}
	}
}

// Flush writes every queued call record.
func (s *Service) Flush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case s.calls.flushes <- reply:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.calls.done:
		return nil
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *callLog) close() error {
	err := l.s.Flush(context.Background())
	l.once.Do(func() { close(l.done) })
	return err
}

func (s *Service) writeCalls(ctx context.Context, recs []*CallRecord) error {
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		var b sqldb.Batch
		for _, r := range recs {
			rh, _ := json.Marshal(r.RequestHeaders)
			sh, _ := json.Marshal(r.ResponseHeaders)
			b.Queue(`INSERT INTO conn_calls (id, created_time, platform_key, instance_key, interface_key, caller_kind, caller_script,
				caller_form, caller_object, caller_instance, caller_execution, caller_label, method, url, request_headers, request_body,
				status, code, response_headers, response_body, truncated, duration_ms, error, input)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				r.ID, d.TimeValue(r.Time), r.Platform, r.Instance, r.Interface, r.Caller.Kind, r.Caller.Script, r.Caller.Form,
				r.Caller.ObjectID, r.Caller.InstanceID, r.Caller.Execution, r.Caller.Label, r.Method, r.URL, string(rh), r.RequestBody,
				r.Status, r.Code, string(sh), r.ResponseBody, d.BoolValue(r.Truncated), r.DurationMS, r.Error, r.input)
		}
		_, err := tx.ExecBatch(ctx, &b)
		return err
	})
}
