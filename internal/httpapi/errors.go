package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// apiError is an error with its HTTP status, as written by REST v1:
// {"error": {"code", "message", "field"}}.
type apiError struct {
	status  int
	code    string
	message string
	field   string
}

func (e *apiError) Error() string { return e.message }

var statusOf = map[apperr.Code]int{
	apperr.Malformed:       http.StatusBadRequest,
	apperr.Invalid:         http.StatusUnprocessableEntity,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusConflict,
	apperr.VersionConflict: http.StatusConflict,
	apperr.Unauthorized:    http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.TooLarge:        http.StatusRequestEntityTooLarge,
	apperr.Gone:            http.StatusGone,
	apperr.RateLimited:     http.StatusTooManyRequests,
	apperr.Unavailable:     http.StatusServiceUnavailable,
}

// statusClientClosed is what the access log shows for a request whose
// client disconnected before the answer (nginx's 499).
const statusClientClosed = 499

// toAPIError maps any error to what the client sees, its message in both
// languages and naming its field (apperr.Complete): every error of both
// APIs leaves through here.
func toAPIError(r *http.Request, log *slog.Logger, err error) *apiError {
	ae := *classify(r, log, err)
	ae.message = apperr.Complete(apperr.Code(ae.code), ae.field, ae.message)
	return &ae
}

// classify maps an error to its status, code and message. Errors the
// services did not classify are internal: logged with the request id, and
// shown without detail.
func classify(r *http.Request, log *slog.Logger, err error) *apiError {
	var ae *apiError
	var mbe *http.MaxBytesError
	var rl *rateLimited
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, errUnauthorized):
		return &apiError{http.StatusUnauthorized, "unauthorized", "EngineCode或EngineSecret错误 (missing or wrong EngineCode/EngineSecret headers)", ""}
	case errors.Is(err, errInvalidToken):
		return &apiError{http.StatusUnauthorized, "unauthorized", "访问令牌无效或已过期 (the bearer token is invalid, expired or revoked)", ""}
	case errors.As(err, &rl):
		return &apiError{http.StatusTooManyRequests, "rate_limited", "调用频率超过限制 (rate limit exceeded; retry after " + retryAfter(rl) + "s)", ""}
	case errors.As(err, &mbe):
		return &apiError{http.StatusRequestEntityTooLarge, "payload_too_large", "请求体超过 " + strconv.FormatInt(mbe.Limit, 10) + " 字节 (request body too large)", ""}
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away: nobody reads this answer, and it is not
		// the server's fault, so it is not logged as an internal error.
		return &apiError{statusClientClosed, "client_closed", "客户端已断开 (the client closed the request)", ""}
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{http.StatusServiceUnavailable, "timeout", "请求超时 (request timed out)", ""}
	}
	if e := apperr.As(err); e != nil && e.Code != apperr.Internal {
		status, ok := statusOf[e.Code]
		if !ok {
			status = http.StatusBadRequest
		}
		return &apiError{status, string(e.Code), e.Message, e.Field}
	}
	log.Error("internal error", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "err", err)
	return &apiError{http.StatusInternalServerError, "internal", "服务器内部错误 (internal error); request id " + requestID(r), ""}
}

func retryAfter(rl *rateLimited) string {
	return strconv.Itoa(int(math.Ceil(rl.retryAfter.Seconds())))
}

// writeError writes err as a REST error response.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	ae := toAPIError(r, log, err)
	var rl *rateLimited
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", retryAfter(rl))
	}
	if errors.Is(err, errInvalidToken) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	body := struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field,omitempty"`
		} `json:"error"`
	}{}
	body.Error.Code, body.Error.Message, body.Error.Field = ae.code, ae.message, ae.field
	writeJSON(w, ae.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // JSON for programs, not HTML
	if err := enc.Encode(v); err != nil {
		writeRaw(w, http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"encode response"}}`))
		return
	}
	writeRaw(w, status, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
