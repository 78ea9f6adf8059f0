package delivery

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Webhook is a subscription to change-feed events. Its secret signs its
// deliveries; it is stored sealed and shown once, when made or rotated.
type Webhook struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	URL    string   `json:"url"`
	Events []string `json:"events"` // feed event types
	Form   string   `json:"form"`   // only this form's events ("" every form)
	// Enabled is false when switched off, or turned off after DisableAfter
	// failed deliveries in a row (DisabledReason says so).
	Enabled bool `json:"enabled"`
	// Failures counts the failed deliveries since the last one delivered.
	Failures       int       `json:"failures"`
	DisabledReason string    `json:"disabledReason"`
	CreatedTime    time.Time `json:"createdTime"`
	ModifiedTime   time.Time `json:"modifiedTime"`
	// Secret is set only in the answer that creates or rotates it.
	Secret string `json:"secret,omitempty"`
}

// WebhookInput creates or changes a webhook; nil fields stay as they are.
// Enabling a webhook clears its failures and disabled reason.
type WebhookInput struct {
	Name    *string   `json:"name"`
	URL     *string   `json:"url"`
	Events  *[]string `json:"events"`
	Form    *string   `json:"form"`
	Enabled *bool     `json:"enabled"`
}

// Forms finds forms (package form's service implements it).
type Forms interface {
	Lookup(ctx context.Context, code string) (*form.Form, error)
}

func (s *Service) apply(ctx context.Context, w *Webhook, in WebhookInput) error {
	if in.Name != nil {
		w.Name = strings.TrimSpace(*in.Name)
	}
	if len(w.Name) > 200 || !utf8.ValidString(w.Name) || strings.ContainsRune(w.Name, 0) {
		return apperr.Field("name", "name 不超过 200 字节 (name is at most 200 bytes of text)")
	}
	if in.URL != nil {
		w.URL = *in.URL
	}
	if err := s.CheckURL("url", w.URL); err != nil {
		return err
	}
	if in.Events != nil {
		w.Events = []string{}
		for _, e := range *in.Events {
			if !slices.Contains(feed.Types, e) {
				return apperr.Field("events", "未知的事件类型: %q (unknown event type; use %s)", clip(e), strings.Join(feed.Types, ", "))
			}
			if !slices.Contains(w.Events, e) {
				w.Events = append(w.Events, e)
			}
		}
	}
	if len(w.Events) == 0 {
		return apperr.Field("events", "events 至少需要一个事件类型 (events needs at least one event type)")
	}
	if in.Form != nil {
		w.Form = *in.Form
	}
	if w.Form != "" && s.cfg.Forms != nil {
		if _, err := s.cfg.Forms.Lookup(ctx, w.Form); apperr.Is(err, apperr.NotFound) {
			return apperr.Field("form", "表单不存在: %s (no form with this code)", clip(w.Form))
		} else if err != nil {
			return err
		}
	}
	if in.Enabled != nil {
		if *in.Enabled && !w.Enabled {
			w.Failures, w.DisabledReason = 0, ""
		}
		if !*in.Enabled && w.Enabled {
			w.DisabledReason = ""
		}
		w.Enabled = *in.Enabled
	}
	return nil
}

func clip(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// CreateWebhook stores a subscription and returns it with its secret
// (shown only now).
func (s *Service) CreateWebhook(ctx context.Context, in WebhookInput) (Webhook, error) {
	w := Webhook{ID: "wh_" + randomText(20), Events: []string{}, Enabled: true}
	if in.URL == nil {
		return Webhook{}, apperr.Field("url", "url 不能为空 (url is required)")
	}
	if err := s.apply(ctx, &w, in); err != nil {
		return Webhook{}, err
	}
	sealed, secret, err := s.newSecret()
	if err != nil {
		return Webhook{}, err
	}
	w.CreatedTime = sqldb.Now()
	w.ModifiedTime = w.CreatedTime
	err = s.db.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		_, err := tx.Exec(ctx, `INSERT INTO webhooks (id, name, url, events, form, enabled, secret_sealed, failures, disabled_reason, created_time, modified_time)
VALUES (?, ?, ?, ?, ?, ?, ?, 0, '', ?, ?)`, w.ID, w.Name, w.URL, mustJSON(w.Events), w.Form, boolInt(w.Enabled), sealed,
			d.TimeValue(w.CreatedTime), d.TimeValue(w.ModifiedTime))
		return err
	})
	if err != nil {
		return Webhook{}, fmt.Errorf("create webhook: %w", err)
	}
	w.Secret = secret
	return w, nil
}

// newSecret makes a webhook secret and seals it.
func (s *Service) newSecret() (sealed, plain string, err error) {
	if s.cfg.Box == nil {
		return "", "", errors.New("webhook secrets need the server's secret key")
	}
	plain = "whsec_" + randomText(40)
	sealed, err = s.cfg.Box.Seal(plain)
	return sealed, plain, err
}

const webhookCols = "id, name, url, events, form, enabled, failures, disabled_reason, created_time, modified_time"

func (s *Service) queryWebhooks(ctx context.Context, q sqldb.Querier, where, lock string, args ...any) ([]Webhook, error) {
	rows, err := q.Query(ctx, "SELECT "+webhookCols+" FROM webhooks"+where+" ORDER BY created_time, id"+lock, args...)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []Webhook{}
	d := q.Dialect()
	for rows.Next() {
		var w Webhook
		var events string
		var en int64
		var ct, mt any
		if err := rows.Scan(&w.ID, &w.Name, &w.URL, &events, &w.Form, &en, &w.Failures, &w.DisabledReason, &ct, &mt); err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		json.Unmarshal([]byte(events), &w.Events)
		w.Enabled = en != 0
		if w.CreatedTime, err = d.ScanTime(ct); err != nil {
			return nil, err
		}
		if w.ModifiedTime, err = d.ScanTime(mt); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Webhooks lists every subscription, oldest first.
func (s *Service) Webhooks(ctx context.Context) ([]Webhook, error) {
	return s.queryWebhooks(ctx, s.db.Reader(), "", "")
}

// GetWebhook returns one subscription.
func (s *Service) GetWebhook(ctx context.Context, id string) (Webhook, error) {
	return s.getWebhook(ctx, s.db.Reader(), id, "")
}

// getWebhook reads one subscription (lock: "" or the dialect's FOR UPDATE).
func (s *Service) getWebhook(ctx context.Context, q sqldb.Querier, id, lock string) (Webhook, error) {
	ws, err := s.queryWebhooks(ctx, q, " WHERE id = ?", lock, id)
	if err != nil {
		return Webhook{}, err
	}
	if len(ws) == 0 {
		return Webhook{}, apperr.New(apperr.NotFound, "Webhook 不存在: %s (no webhook with this id)", clip(id))
	}
	return ws[0], nil
}

// UpdateWebhook changes a subscription.
func (s *Service) UpdateWebhook(ctx context.Context, id string, in WebhookInput) (Webhook, error) {
	var w Webhook
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		var err error
		if w, err = s.getWebhook(ctx, tx, id, tx.Dialect().ForUpdate()); err != nil {
			return err
		}
		if err := s.apply(ctx, &w, in); err != nil {
			return err
		}
		w.ModifiedTime = sqldb.Now()
		_, err = tx.Exec(ctx, "UPDATE webhooks SET name = ?, url = ?, events = ?, form = ?, enabled = ?, failures = ?, disabled_reason = ?, modified_time = ? WHERE id = ?",
			w.Name, w.URL, mustJSON(w.Events), w.Form, boolInt(w.Enabled), w.Failures, w.DisabledReason, tx.Dialect().TimeValue(w.ModifiedTime), id)
		return err
	})
	return w, err
}

// RotateWebhookSecret gives the subscription a new secret (returned only
// now); deliveries not yet sent are signed with it.
func (s *Service) RotateWebhookSecret(ctx context.Context, id string) (Webhook, error) {
	sealed, secret, err := s.newSecret()
	if err != nil {
		return Webhook{}, err
	}
	var w Webhook
	err = s.db.Write(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE webhooks SET secret_sealed = ?, modified_time = ? WHERE id = ?", sealed, tx.Dialect().TimeValue(sqldb.Now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "Webhook 不存在: %s (no webhook with this id)", clip(id))
		}
		w, err = s.getWebhook(ctx, tx, id, "")
		return err
	})
	w.Secret = secret
	return w, err
}

// DeleteWebhook removes a subscription; its pending deliveries fail when
// due (nothing is left to sign them with).
func (s *Service) DeleteWebhook(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM webhooks WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "Webhook 不存在: %s (no webhook with this id)", clip(id))
		}
		return nil
	})
}

func (s *Service) webhookSecret(ctx context.Context, id string) (string, error) {
	var sealed string
	err := s.db.Reader().QueryRow(ctx, "SELECT secret_sealed FROM webhooks WHERE id = ?", id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: webhook %s was deleted", errUnsignable, clip(id))
	}
	if err != nil {
		return "", fmt.Errorf("load webhook secret: %w", err)
	}
	if s.cfg.Box == nil {
		return "", fmt.Errorf("%w: no secret key configured", errUnsignable)
	}
	plain, err := s.cfg.Box.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errUnsignable, err)
	}
	return plain, nil
}

// webhookDone counts a subscription's failed deliveries in a row and
// turns it off after DisableAfter of them; a delivered one resets the
// count.
func (s *Service) webhookDone(ctx context.Context, tx *sqldb.Tx, d Delivery) error {
	if !strings.HasPrefix(d.Ref, "wh_") {
		return nil
	}
	if d.Status == StatusDelivered {
		_, err := tx.Exec(ctx, "UPDATE webhooks SET failures = 0 WHERE id = ? AND failures <> 0", d.Ref)
		return err
	}
	reason := fmt.Sprintf("连续 %d 次投递失败, 已自动停用; 最后一次: %s (turned off after %d failed deliveries in a row; re-enable it with PATCH enabled=true)",
		s.cfg.DisableAfter, clip(d.LastError), s.cfg.DisableAfter)
	_, err := tx.Exec(ctx, `UPDATE webhooks SET failures = failures + 1,
 disabled_reason = CASE WHEN enabled = 1 AND failures + 1 >= ? THEN ? ELSE disabled_reason END,
 enabled = CASE WHEN failures + 1 >= ? THEN 0 ELSE enabled END,
 modified_time = ? WHERE id = ?`, s.cfg.DisableAfter, reason, s.cfg.DisableAfter, tx.Dialect().TimeValue(sqldb.Now()), d.Ref)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

const textAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomText draws n characters uniformly from textAlphabet.
func randomText(n int) string {
	limit := 256 - 256%len(textAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf)
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, textAlphabet[int(c)%len(textAlphabet)])
			}
		}
	}
	return string(out)
}
