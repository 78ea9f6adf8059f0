package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// chunkJob is the payload of a chunk job: the batch and the generation of
// its job chain (a chain taken over by Resume leaves the old one idle).
type chunkJob struct {
	Batch string `json:"batch"`
	Gen   int64  `json:"gen"`
}

// Submit validates req, stores it with its items and enqueues its first
// chunk, all in one transaction, and returns the queued batch. Errors name
// the field (items[3].sourceCode); what is wrong with an item's data is
// that item's result, not an error here.
func (s *Service) Submit(ctx context.Context, c Caller, req Request) (Batch, error) {
	if err := s.validate(ctx, req); err != nil {
		return Batch{}, err
	}
	url := strings.TrimSpace(req.CallbackURL)
	if url == "" && c.Kind == "client" && s.cfg.ClientCallback != nil {
		var err error
		if url, err = s.cfg.ClientCallback(ctx, c.ID, string(req.Operation)); err != nil {
			return Batch{}, err
		}
	}
	if url != "" {
		if s.cfg.Notifier == nil {
			return Batch{}, apperr.Field("callbackUrl", "此服务器未启用回调 (callbacks are not available on this server)")
		}
		if err := s.cfg.Notifier.CheckURL(url); err != nil {
			return Batch{}, err
		}
	}
	now := sqldb.Now()
	b := Batch{ID: uuid.NewString(), Form: req.Form, Operation: req.Operation, SourceSystem: req.SourceSystem, Submit: req.Submit,
		Status: StatusQueued, Counts: Counts{Total: len(req.Items)}, CallbackURL: url, CreatedTime: now,
		owner: c.Owner(), actor: c.UserID, secretKind: c.Kind, secretID: c.ID, gen: 1}
	err := s.cfg.DB.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		_, err := tx.Exec(ctx, `INSERT INTO batches (id, owner, form_code, operation, source_system, submit, actor, callback_url, secret_kind, secret_id,
 status, total, done, succeeded, failed, gen, message, created_time, modified_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, '', ?, ?)`,
			b.ID, b.owner, b.Form, string(b.Operation), b.SourceSystem, boolInt(b.Submit), b.actor, b.CallbackURL, b.secretKind, b.secretID,
			b.Status, b.Counts.Total, b.gen, d.TimeValue(now), d.TimeValue(now))
		if err != nil {
			return fmt.Errorf("store batch: %w", err)
		}
		if err := s.insertItems(ctx, tx, b.ID, req.Items); err != nil {
			return err
		}
		return s.cfg.Jobs.Enqueue(ctx, tx, jobChunk, chunkJob{Batch: b.ID, Gen: b.gen}, time.Time{})
	})
	if err != nil {
		return Batch{}, err
	}
	return b, nil
}

// insertItems stores the items, one row per chunk of ChunkSize.
func (s *Service) insertItems(ctx context.Context, tx *sqldb.Tx, id string, items []Item) error {
	for first := 0; first < len(items); first += s.cfg.ChunkSize {
		part := items[first:min(first+s.cfg.ChunkSize, len(items))]
		b := []byte{'['}
		for i, it := range part {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = appendString(b, it.SourceCode)
			b = append(b, ',')
			b = appendString(b, it.ObjectID)
			b = append(b, ',')
			if len(it.Data) > 0 {
				b = append(b, it.Data...) // JSON checked when decoded
			} else {
				b = append(b, "null"...)
			}
			b = append(b, ']')
		}
		b = append(b, ']')
		if _, err := tx.Exec(ctx, "INSERT INTO batch_items (batch_id, first, items) VALUES (?, ?, ?)", id, first, string(b)); err != nil {
			return fmt.Errorf("store batch items: %w", err)
		}
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// validate checks the envelope: what a batch must be to be queued.
func (s *Service) validate(ctx context.Context, req Request) error {
	if strings.TrimSpace(req.Form) == "" {
		return apperr.Field("form", "缺少 form (form is required: the code of the form to write)")
	}
	if _, err := s.cfg.Records.Forms().Lookup(ctx, req.Form); err != nil {
		if e := apperr.As(err); e != nil && e.Code == apperr.NotFound {
			e.Field = "form"
		}
		return err
	}
	switch req.Operation {
	case record.WriteCreate, record.WriteUpdate, record.WriteUpsert, record.WriteDelete:
	case "":
		return apperr.Field("operation", "缺少 operation (operation is required: create, update, upsert or delete)")
	default:
		return apperr.Field("operation", "operation 无效: %q (operation must be create, update, upsert or delete)", clip(string(req.Operation)))
	}
	if strings.TrimSpace(req.SourceSystem) == "" {
		return apperr.Field("sourceSystem", "缺少 sourceSystem (sourceSystem is required: the name of the calling system)")
	}
	if len(req.SourceSystem) > 64 {
		return apperr.Field("sourceSystem", "sourceSystem 最多 64 字节 (sourceSystem is at most 64 bytes)")
	}
	if req.Submit && req.Operation != record.WriteCreate && req.Operation != record.WriteUpsert {
		return apperr.Field("submit", "submit 只用于 create 或 upsert (submit applies to create and upsert only)")
	}
	switch n := len(req.Items); {
	case n == 0:
		return apperr.Field("items", "缺少 items (items is required: 1 to %d items)", MaxItems)
	case n > MaxItems:
		return apperr.Field("items", "一次最多 %d 项, 收到 %d (at most %d items per batch)", MaxItems, n, MaxItems)
	}
	return checkItems(req)
}

// checkItems refuses items without the key their operation needs, and
// two items with the same key.
func checkItems(req Request) error {
	codes := make(map[string]int, len(req.Items))
	ids := map[string]int{}
	keyed := req.Operation == record.WriteCreate || req.Operation == record.WriteUpsert
	for i, it := range req.Items {
		field := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
		switch {
		case it.SourceCode == "" && keyed:
			return apperr.Field(field("sourceCode"), "第%d项缺少 sourceCode (items[%d].sourceCode is required for %s)", i+1, i, req.Operation)
		case it.SourceCode == "" && it.ObjectID == "":
			return apperr.Field(field("sourceCode"), "第%d项需要 sourceCode 或 objectId (items[%d] needs its sourceCode or objectId)", i+1, i)
		case len(it.SourceCode) > 200:
			return apperr.Field(field("sourceCode"), "第%d项的 sourceCode 最多 200 字节 (items[%d].sourceCode is at most 200 bytes)", i+1, i)
		case it.ObjectID != "" && keyed:
			return apperr.Field(field("objectId"), "%s 的项以 sourceCode 标识, 不接受 objectId (items[%d].objectId: %s items are keyed by sourceCode)", req.Operation, i, req.Operation)
		}
		if it.SourceCode != "" {
			if j, dup := codes[it.SourceCode]; dup {
				return apperr.Field(field("sourceCode"), "第%d项与第%d项的 sourceCode 重复: %s (items[%d].sourceCode repeats items[%d])", i+1, j+1, clip(it.SourceCode), i, j)
			}
			codes[it.SourceCode] = i
		}
		if it.ObjectID != "" {
			if j, dup := ids[it.ObjectID]; dup {
				return apperr.Field(field("objectId"), "第%d项与第%d项的 objectId 重复: %s (items[%d].objectId repeats items[%d])", i+1, j+1, clip(it.ObjectID), i, j)
			}
			ids[it.ObjectID] = i
		}
		if req.Operation != record.WriteDelete && len(it.Data) == 0 {
			return apperr.Field(field("data"), "第%d项缺少 data (items[%d].data is required: a JSON object)", i+1, i)
		}
		if req.Operation == record.WriteDelete && len(it.Data) > 0 {
			return apperr.Field(field("data"), "delete 的项不带 data (items[%d].data: delete items carry no data)", i)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
