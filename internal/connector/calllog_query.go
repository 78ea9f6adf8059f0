package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// CallQuery filters the call log; zero fields match everything. Newest
// first.
type CallQuery struct {
	Platform, Interface string
	Status              int   // HTTP status; 0 any
	Failed              *bool // true: transport errors only; false: answered calls only
	Form, ObjectID      string
	InstanceID          string // workflow instance
	From, To            time.Time
	Offset, Limit       int
}

const callCols = `id, created_time, platform_key, instance_key, interface_key, caller_kind, caller_script, caller_form, caller_object,
	caller_instance, caller_execution, caller_label, method, url, request_headers, request_body, status, code, response_headers,
	response_body, truncated, duration_ms, error, input`

// ListCalls returns a page of the call log and how many records match.
func (s *Service) ListCalls(ctx context.Context, q CallQuery) ([]CallRecord, int, error) {
	d := s.db.Dialect()
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if q.Platform != "" {
		add("platform_key = ?", q.Platform)
	}
	if q.Interface != "" {
		add("interface_key = ?", q.Interface)
	}
	if q.Status != 0 {
		add("status = ?", q.Status)
	}
	if q.Failed != nil {
		if *q.Failed {
			where = append(where, "error <> ''")
		} else {
			where = append(where, "error = ''")
		}
	}
	if q.Form != "" {
		add("caller_form = ?", q.Form)
	}
	if q.ObjectID != "" {
		add("caller_object = ?", q.ObjectID)
	}
	if q.InstanceID != "" {
		add("caller_instance = ?", q.InstanceID)
	}
	if !q.From.IsZero() {
		add("created_time >= ?", d.TimeValue(q.From.UTC()))
	}
	if !q.To.IsZero() {
		add("created_time < ?", d.TimeValue(q.To.UTC()))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.Reader().QueryRow(ctx, "SELECT COUNT(*) FROM conn_calls"+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count calls: %w", err)
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	rows, err := s.db.Reader().Query(ctx, "SELECT "+callCols+" FROM conn_calls"+cond+" ORDER BY created_time DESC, id DESC LIMIT ? OFFSET ?",
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list calls: %w", err)
	}
	defer rows.Close()
	out := []CallRecord{}
	for rows.Next() {
		r, err := scanCall(d, rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, *r)
	}
	return out, total, rows.Err()
}

// GetCall returns one logged call.
func (s *Service) GetCall(ctx context.Context, id string) (*CallRecord, error) {
	rows, err := s.db.Reader().Query(ctx, "SELECT "+callCols+" FROM conn_calls WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("get call: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.NotFound, "没有这条调用记录: %s (no such call)", id)
	}
	return scanCall(s.db.Dialect(), rows)
}

func scanCall(d sqldb.Dialect, rows sqldb.Rows) (*CallRecord, error) {
	var r CallRecord
	var ct, trunc any
	var rh, sh string
	c := &r.Caller
	if err := rows.Scan(&r.ID, &ct, &r.Platform, &r.Instance, &r.Interface, &c.Kind, &c.Script, &c.Form, &c.ObjectID, &c.InstanceID,
		&c.Execution, &c.Label, &r.Method, &r.URL, &rh, &r.RequestBody, &r.Status, &r.Code, &sh, &r.ResponseBody, &trunc,
		&r.DurationMS, &r.Error, &r.input); err != nil {
		return nil, fmt.Errorf("read call: %w", err)
	}
	var err error
	if r.Time, err = d.ScanTime(ct); err != nil {
		return nil, err
	}
	if r.Truncated, err = d.ScanBool(trunc); err != nil {
		return nil, err
	}
	json.Unmarshal([]byte(rh), &r.RequestHeaders)
	json.Unmarshal([]byte(sh), &r.ResponseHeaders)
	return &r, nil
}

// ReplayCall sends a logged call again, authenticated afresh, and logs it
// as a new call whose caller kind is replay (label: the original's id).
func (s *Service) ReplayCall(ctx context.Context, id string) (*Result, error) {
	r, err := s.GetCall(ctx, id)
	if err != nil {
		return nil, err
	}
	plain, err := s.box.Open(r.input)
	if err != nil {
		return nil, apperr.Wrap(apperr.Conflict, err, "调用 %s 的请求无法解密, 不能重放 (the stored request cannot be opened: was the secret key changed?)", id)
	}
	var in replayInput
	if err := json.Unmarshal([]byte(plain), &in); err != nil {
		return nil, fmt.Errorf("replay %s: %w", id, err)
	}
	c := r.Caller
	return s.Call(ctx, CallRequest{Platform: r.Platform, Instance: r.Instance, Interface: in.Interface, Args: in.Args, Path: in.Path,
		Query: in.Query, Header: in.Header, Body: in.Body, HasBody: in.HasBody,
		Caller: Caller{Kind: "replay", Script: c.Script, Form: c.Form, ObjectID: c.ObjectID, InstanceID: c.InstanceID, Label: id}})
}

// PruneCalls deletes records older than LogMaxAge and beyond the newest
// LogMaxRows; it returns how many went.
func (s *Service) PruneCalls(ctx context.Context) (int64, error) {
	var n int64
	d := s.db.Dialect()
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		n = 0
		res, err := tx.Exec(ctx, "DELETE FROM conn_calls WHERE created_time < ?", d.TimeValue(sqldb.Now().Add(-s.cfg.LogMaxAge)))
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n += k
		res, err = tx.Exec(ctx, `DELETE FROM conn_calls WHERE created_time < (SELECT created_time FROM conn_calls
			ORDER BY created_time DESC LIMIT 1 OFFSET ?)`, s.cfg.LogMaxRows-1)
		if err != nil {
			return err
		}
		k, _ = res.RowsAffected()
		n += k
		return nil
	})
	return n, err
}
