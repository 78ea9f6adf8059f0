package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/idempotency"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/wiretext"
)

// maxReplayBody is the largest answer kept for replay; a larger one is not
// kept (the key is released, so a retry runs again).
const maxReplayBody = 4 << 20

// idempotent runs a REST POST that carries an Idempotency-Key once per
// credential and key: a retry within 24 hours (on any node) gets the first
// answer again — the same status and body, with Idempotent-Replayed: true
// — instead of a second write. The same key with another request is 422;
// while the first is still running, 409. Server errors (5xx) are not
// kept, so the client may retry them.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, a record.Actor, h restHandler) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method != http.MethodPost || s.deps.Idempotency == nil {
		return h(w, r, a)
	}
	if len(key) > 255 || wiretext.Check(key) != wiretext.OK || strings.TrimFunc(key, func(c rune) bool { return c > ' ' && c < 0x7f }) != "" {
		return apperr.Field("Idempotency-Key", "Idempotency-Key 需要 1–255 个可打印 ASCII 字符 (Idempotency-Key must be 1–255 printable ASCII characters)")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	owner := "engine:" + strings.TrimSpace(r.Header.Get("EngineCode"))
	if c := callerOf(r); c != nil {
		owner = "client:" + c.token.ClientID // a bearer token's client
	}
	if si := sessionOf(r); si != nil {
		owner = "user:" + si.sess.UserID // a console session's user
	}
	sum := sha256.New()
	ref := refOf(r) // the user context, from the headers or the body
	for _, part := range []string{r.Method, r.URL.Path, r.URL.RawQuery, ref.by, ref.id} {
		sum.Write([]byte(part))
		sum.Write([]byte{0})
	}
	sum.Write(body)
	fp := hex.EncodeToString(sum.Sum(nil))
	ctx := r.Context()
	out, prev, err := s.deps.Idempotency.Begin(ctx, owner, key, fp)
	if err != nil {
		return err
	}
	switch out {
	case idempotency.Replay:
		if prev.ContentType != "" {
			w.Header().Set("Content-Type", prev.ContentType)
		}
		if prev.Location != "" {
			w.Header().Set("Location", prev.Location)
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prev.Status)
		w.Write(prev.Body)
		return nil
	case idempotency.InFlight:
		return apperr.New(apperr.Conflict, "同一 Idempotency-Key 的请求仍在处理 (a request with this Idempotency-Key is still running; retry later)")
	case idempotency.Mismatch:
		return apperr.Field("Idempotency-Key", "Idempotency-Key 已用于另一个请求 (this Idempotency-Key was used for a different request)")
	}
	rec := &recorder{ResponseWriter: w}
	if err := h(rec, r, a); err != nil {
		writeError(rec, r, s.log, err)
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	// The answer is sent; keeping it must not depend on the client waiting.
	keep := context.WithoutCancel(ctx)
	if status >= 500 || rec.over {
		return logged(s, r, s.deps.Idempotency.Abandon(keep, owner, key))
	}
	return logged(s, r, s.deps.Idempotency.Finish(keep, owner, key, idempotency.Answer{Status: status,
		ContentType: rec.Header().Get("Content-Type"), Location: rec.Header().Get("Location"), Body: rec.buf.Bytes()}))
}

// logged logs err (the answer is already written, so it cannot be the
// client's error) and returns nil.
func logged(s *Server, r *http.Request, err error) error {
	if err != nil {
		s.log.Error("idempotency key not kept", "path", r.URL.Path, "err", err)
	}
	return nil
}

// recorder writes through to the client and keeps a copy of the answer.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
	over   bool
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if !r.over {
		if r.buf.Len()+len(b) > maxReplayBody {
			r.over, r.buf = true, bytes.Buffer{}
		} else {
			r.buf.Write(b)
		}
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
