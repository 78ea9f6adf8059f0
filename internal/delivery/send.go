package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/netpolicy"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Headers of a delivery.
const (
	HeaderDelivery  = "X-Tritium-Delivery"
	HeaderTimestamp = "X-Tritium-Timestamp"
	HeaderSignature = "X-Tritium-Signature"
	HeaderEvent     = "X-Tritium-Event"
)

// Sign returns hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is the signature of timestamp and body
// under secret, compared in constant time. A receiver should also refuse
// a timestamp far from its clock (replays).
func Verify(secret, timestamp string, body []byte, signature string) bool {
	got, err := hex.DecodeString(signature)
	if err != nil || secret == "" || timestamp == "" {
		return false
	}
	want, _ := hex.DecodeString(Sign(secret, timestamp, body))
	return hmac.Equal(got, want)
}

func newClient(p *netpolicy.Policy, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil, // an environment proxy would dial for us, past the policy
		DialContext:           p.DialContext(timeout),
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	// A redirect is an answer, not a 2xx: following it would send the
	// signed body somewhere the subscriber did not name.
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// row is what an attempt reads of its delivery.
type row struct {
	Delivery
	body                   string
	secret                 SecretRef
	generation, roundTried int
}

// work is one attempt: read the delivery, POST it, and return the commit
// that logs the attempt and schedules the next one (or ends it).
func (s *Service) work(ctx context.Context, payload json.RawMessage, _ int) (func(context.Context, *sqldb.Tx) error, error) {
	var a attemptJob
	if err := json.Unmarshal(payload, &a); err != nil {
		return nil, fmt.Errorf("delivery job: %w", err)
	}
	r, err := s.load(ctx, s.db.Reader(), a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.Status != StatusPending || r.generation != a.Gen || r.roundTried != a.N-1 {
		return nil, nil // re-sent since, or this attempt already committed
	}
	secret, err := s.secret(ctx, r.secret)
	if err != nil {
		if errors.Is(err, errUnsignable) {
			res := result{started: sqldb.Now(), err: "无法签名: " + err.Error() + " (the delivery cannot be signed)", final: true}
			return s.commit(a, res), nil
		}
		return nil, err
	}
	res := s.send(ctx, r, secret)
	return s.commit(a, res), nil
}

// result is one attempt's outcome.
type result struct {
	started  time.Time
	code     int
	latency  time.Duration
	err      string
	response string
	final    bool // no further attempt, whatever the schedule says
}

func (r result) ok() bool { return r.err == "" && r.code >= 200 && r.code < 300 }

// logBody is how much of a response the attempt log keeps.
const logBody = 1 << 10

func (s *Service) send(ctx context.Context, r row, secret string) result {
	res := result{started: sqldb.Now()}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	body := []byte(r.body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		res.err, res.final = "无效的地址 (invalid URL): "+err.Error(), true
		return res
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tritium-Delivery/1")
	req.Header.Set(HeaderDelivery, r.ID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	req.Header.Set(HeaderEvent, r.Kind)
	t0 := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		res.latency = time.Since(t0)
		res.err = describe(err, s.cfg.Timeout)
		return res
	}
	b, rerr := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxResponse))
	resp.Body.Close()
	res.latency, res.code = time.Since(t0), resp.StatusCode
	if len(b) > logBody {
		b = b[:logBody]
	}
	res.response = string(bytes.ToValidUTF8(bytes.ReplaceAll(b, []byte{0}, nil), []byte("�")))
	switch {
	case rerr != nil && res.code >= 200 && res.code < 300:
		// The answer was 2xx: the receiver has it, a cut body changes nothing.
	case res.code < 200 || res.code >= 300:
		res.err = fmt.Sprintf("接收方返回 HTTP %d (the receiver answered HTTP %d)", res.code, res.code)
	}
	return res
}

// describe turns a transport error into words for the log.
func describe(err error, timeout time.Duration) string {
	var blocked *netpolicy.BlockedError
	switch {
	case errors.As(err, &blocked):
		return "网络策略拒绝 (refused by the network policy): " + blocked.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("超时 (timed out after %s)", timeout)
	}
	msg := err.Error()
	if len(msg) > 500 || !utf8.ValidString(msg) {
		msg = string([]rune(msg)[:min(len([]rune(msg)), 500)])
	}
	return "连接失败 (could not deliver): " + msg
}

// commit logs the attempt and moves the delivery on, unless another run of
// the same attempt (or a re-send) got there first.
func (s *Service) commit(a attemptJob, res result) func(context.Context, *sqldb.Tx) error {
	return func(ctx context.Context, tx *sqldb.Tx) error {
		d := tx.Dialect()
		now := sqldb.Now()
		status, next := StatusPending, any(nil)
		var at time.Time
		switch {
		case res.ok():
			status = StatusDelivered
		case res.final || a.N >= s.Attempts():
			status = StatusFailed
		default:
			at = now.Add(s.cfg.Backoff[a.N-1])
			next = d.TimeValue(at)
		}
		delivered := any(nil)
		if status == StatusDelivered {
			delivered = d.TimeValue(now)
		}
		upd, err := tx.Exec(ctx, `UPDATE deliveries SET status = ?, round_attempts = ?, attempts = attempts + 1, response_code = ?, latency_ms = ?,
 last_error = ?, next_attempt_time = ?, modified_time = ?, delivered_time = COALESCE(?, delivered_time)
WHERE id = ? AND generation = ? AND round_attempts = ? AND status = ?`,
			status, a.N, res.code, res.latency.Milliseconds(), res.err, next, d.TimeValue(now), delivered,
			a.ID, a.Gen, a.N-1, StatusPending)
		if err != nil {
			return fmt.Errorf("log delivery attempt: %w", err)
		}
		if n, _ := upd.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO delivery_attempts (delivery_id, attempt, generation, started_time, response_code, latency_ms, error, response)
SELECT id, attempts, ?, ?, ?, ?, ?, ? FROM deliveries WHERE id = ?`,
			a.Gen, d.TimeValue(res.started), res.code, res.latency.Milliseconds(), res.err, res.response, a.ID); err != nil {
			return fmt.Errorf("log delivery attempt: %w", err)
		}
		if status == StatusPending {
			return s.jobs.Enqueue(ctx, tx, jobName, attemptJob{ID: a.ID, Gen: a.Gen, N: a.N + 1}, at)
		}
		return s.finished(ctx, tx, a.ID)
	}
}

// finished tells the kind's DoneFuncs that a delivery ended.
func (s *Service) finished(ctx context.Context, tx *sqldb.Tx, id string) error {
	r, err := s.load(ctx, tx, id)
	if err != nil {
		return err
	}
	s.mu.RLock()
	fns := s.done[r.Kind]
	s.mu.RUnlock()
	for _, fn := range fns {
		if err := fn(ctx, tx, r.Delivery); err != nil {
			return err
		}
	}
	return nil
}

// errUnsignable is a secret that does not exist (any more) or cannot be
// opened: trying again will not help.
var errUnsignable = errors.New("no secret to sign with")

// secret looks up the key a delivery is signed with.
func (s *Service) secret(ctx context.Context, ref SecretRef) (string, error) {
	var plain string
	var err error
	switch ref.Kind {
	case SecretClient:
		plain, err = s.cfg.Secrets.ClientSigningSecret(ctx, ref.ID)
	case SecretEngine:
		plain, err = s.cfg.Secrets.EngineSigningSecret(ctx, ref.ID)
	case SecretWebhook:
		plain, err = s.webhookSecret(ctx, ref.ID)
	case SecretRawSealed:
		if s.cfg.Box == nil {
			return "", fmt.Errorf("%w: no secret key configured", errUnsignable)
		}
		if plain, err = s.cfg.Box.Open(ref.Sealed); err != nil {
			return "", fmt.Errorf("%w: %v", errUnsignable, err)
		}
	default:
		s.mu.RLock()
		fn := s.secrets[ref.Kind]
		s.mu.RUnlock()
		if fn == nil {
			return "", fmt.Errorf("%w: unknown secret kind %q", errUnsignable, ref.Kind)
		}
		plain, err = fn(ctx, ref.ID)
	}
	if err != nil {
		if errors.Is(err, errUnsignable) || isNoSecret(err) {
			return "", fmt.Errorf("%w: %v", errUnsignable, err)
		}
		return "", err
	}
	if plain == "" {
		return "", errUnsignable
	}
	return plain, nil
}

func isNoSecret(err error) bool { return errors.Is(err, auth.ErrNoSigningSecret) }
