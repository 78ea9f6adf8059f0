package httpapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/batch"
	"github.com/tritiumhq/tritium/internal/record"
)

// Async batch writes (spec: "Async batch writes with callbacks"): POST
// stores the batch and answers 202 at once; the job queue writes it.

const batchesPath = "/api/v1/batches"

func (s *Server) batchRoutes() []route {
	if s.deps.Batches == nil {
		return nil
	}
	page := []param{{"page", "integer", "Page of item results, from 1 (default 1)"}, {"pageSize", "integer", "Item results per page, 1–1000 (default 100)"},
		{"failed", "boolean", "Only the items that failed"}}
	return []route{
		{"POST", batchesPath, s.submitBatch, opDoc{tag: "Batches", summary: "Queue up to 10,000 creates, updates, upserts or deletes of one form (202); processed in chunks, each one transaction; the callback follows completion. submit: true needs scope workflow too",
			body: "BatchRequest", status: 202, resp: "BatchQueued", errors: []int{403, 404}}},
		{"GET", batchesPath, s.listBatches, opDoc{tag: "Batches", summary: "The caller's batches, newest first",
			query: []param{{"offset", "integer", "Rows to skip (default 0)"}, {"limit", "integer", "Rows to return, 1–500 (default 50)"}}, status: 200, resp: "BatchList"}},
		{"GET", batchesPath + "/{id}", s.getBatch, opDoc{tag: "Batches", summary: "A batch's status, counts and a page of its item results (the caller's own batches; an administrator's: any)",
			query: page, status: 200, resp: "Batch", errors: []int{404}}},
	}
}

// batchCaller is who calls: an OAuth client, or the engine credential (a
// console session counts as the engine credential with its user's
// context, and its callbacks are signed with the engine secret); scope
// admin sees every batch.
func (s *Server) batchCaller(r *http.Request, a record.Actor) batch.Caller {
	admin := s.deps.Admin.UserID
	code := strings.TrimSpace(r.Header.Get("EngineCode"))
	if sessionOf(r) != nil {
		code, _ = s.deps.Auth.EngineCode(r.Context())
	}
	c := batch.Caller{Kind: "engine", ID: code, Admin: true}
	if cl := callerOf(r); cl != nil {
		c = batch.Caller{Kind: "client", ID: cl.token.ClientID, Admin: cl.token.Has(auth.ScopeAdmin)}
	}
	if a.UserID != admin {
		c.UserID = a.UserID
	}
	return c
}

// batchBody is POST /api/v1/batches.
type batchBody struct {
	Form         *string            `json:"form"`
	Operation    *string            `json:"operation"`
	SourceSystem *string            `json:"sourceSystem"`
	Items        *[]json.RawMessage `json:"items"`
	CallbackURL  *string            `json:"callbackUrl"`
	Submit       *bool              `json:"submit"`
	UserIDType   *string            `json:"userIdType"`
	UserID       *string            `json:"userId"`
}

type batchItemBody struct {
	SourceCode *string         `json:"sourceCode"`
	ObjectID   *string         `json:"objectId"`
	Data       json.RawMessage `json:"data"`
}

func (s *Server) submitBatch(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	var in batchBody
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	req := batch.Request{Form: deref(in.Form), Operation: record.WriteOp(deref(in.Operation)), SourceSystem: strings.TrimSpace(deref(in.SourceSystem)),
		CallbackURL: deref(in.CallbackURL), Submit: in.Submit != nil && *in.Submit}
	if in.Items == nil {
		return apperr.Field("items", "缺少 items (items is required: an array of 1 to %d objects)", batch.MaxItems)
	}
	if len(*in.Items) > batch.MaxItems {
		return apperr.Field("items", "一次最多 %d 项, 收到 %d (at most %d items per batch)", batch.MaxItems, len(*in.Items), batch.MaxItems)
	}
	req.Items = make([]batch.Item, len(*in.Items))
	for i, raw := range *in.Items {
		it, err := batchItem(i, raw)
		if err != nil {
			return err
		}
		req.Items[i] = it
	}
	if req.Submit {
		if c := callerOf(r); c != nil && !c.token.Has(auth.ScopeWorkflow) {
			return errMissingScope(auth.ScopeWorkflow)
		}
	}
	if in.UserID != nil && *in.UserID != "" {
		var err error
		if a, err = s.bodyUserContext(r, deref(in.UserIDType), *in.UserID); err != nil {
			return err
		}
	}
	if a.Subject != nil {
		// Refuse now what the user may never do here; item by item, the
		// grants are checked again when the items are written.
		if err := s.deps.Records.Permit(r.Context(), a, req.Form, permitAction(req.Operation), ""); err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
	}
	b, err := s.deps.Batches.Submit(r.Context(), s.batchCaller(r, a), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", batchesPath+"/"+b.ID)
	writeJSON(w, http.StatusAccepted, map[string]string{"batchId": b.ID, "status": b.Status})
	return nil
}

func permitAction(op record.WriteOp) string {
	switch op {
	case record.WriteUpdate:
		return "edit"
	case record.WriteDelete:
		return "delete"
	}
	return "create"
}

// batchItem decodes items[i], naming the item in every error.
func batchItem(i int, raw json.RawMessage) (batch.Item, error) {
	at := func(err error) error {
		if e := apperr.As(err); e != nil {
			e.Field = fmt.Sprintf("items[%d]", i) + dotted(e.Field)
			e.Message = fmt.Sprintf("第%d项: %s", i+1, e.Message)
		}
		return err
	}
	if kind := jsonKind(raw); kind != "object" {
		zh, en := valueWords(kind)
		return batch.Item{}, apperr.Field(fmt.Sprintf("items[%d]", i), "items 第%d个元素需要 JSON 对象, 收到%s (items[%d] must be a JSON object, not %s)", i+1, zh, i, en)
	}
	var in batchItemBody
	if err := decodeStrict(raw, &in); err != nil {
		return batch.Item{}, at(decodeError(err, doc{"该项", "the item"}))
	}
	it := batch.Item{SourceCode: strings.TrimSpace(deref(in.SourceCode)), ObjectID: strings.TrimSpace(deref(in.ObjectID))}
	switch kind := jsonKind(in.Data); kind {
	case "", "null":
	case "object":
		it.Data = in.Data
	default:
		zh, en := valueWords(kind)
		return batch.Item{}, apperr.Field(fmt.Sprintf("items[%d].data", i), "第%d项: data 需要 JSON 对象, 收到%s (items[%d].data must be a JSON object, not %s)", i+1, zh, i, en)
	}
	return it, nil
}

func dotted(field string) string {
	if field == "" {
		return ""
	}
	return "." + field
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// bodyUserContext is the user context given in the body (userIdType +
// userId), as X-User-Id-Type + X-User-Id would give it.
func (s *Server) bodyUserContext(r *http.Request, by, id string) (record.Actor, error) {
	if r.Header.Get("X-User-Id") != "" {
		return record.Actor{}, apperr.Field("userId", "用户身份只能在请求头或请求体之一给出 (give the user context in the headers or the body, not both)")
	}
	if c := callerOf(r); c != nil && !c.token.Has(auth.ScopeImpersonate) {
		return record.Actor{}, errMissingScope(auth.ScopeImpersonate)
	}
	if by == "" {
		by = "USERID"
	}
	uid, err := s.deps.Org.FindUserID(r.Context(), by, id)
	if err != nil {
		return record.Actor{}, err
	}
	return s.actAs(r.Context(), strings.ToUpper(by), uid)
}

func (s *Server) getBatch(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	pg, err := intParam(r, "page", 1)
	if err != nil {
		return err
	}
	size, err := intParam(r, "pageSize", 100)
	if err != nil {
		return err
	}
	if pg < 1 {
		return apperr.Field("page", "page 从 1 开始 (page starts at 1)")
	}
	if size < 1 || size > 1000 {
		return apperr.Field("pageSize", "pageSize 须在 1 到 1000 之间 (pageSize must be 1–1000)")
	}
	failed, err := boolParam(r, "failed")
	if err != nil {
		return err
	}
	b, items, total, err := s.deps.Batches.Results(r.Context(), s.batchCaller(r, a), r.PathValue("id"), failed, (pg-1)*size, size)
	if err != nil {
		return err
	}
	b = s.zone.batch(b)
	writeJSON(w, http.StatusOK, struct {
		batch.Batch
		Items      []batch.Result `json:"items"`
		ItemsTotal int            `json:"itemsTotal"`
		Page       int            `json:"page"`
		PageSize   int            `json:"pageSize"`
	}{b, items, total, pg, size})
	return nil
}

func (s *Server) listBatches(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		return err
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	bs, total, err := s.deps.Batches.List(r.Context(), s.batchCaller(r, a), offset, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[batch.Batch]{Items: zoneAll(bs, s.zone.batch), Total: total, Offset: offset, Limit: limit})
	return nil
}

// batch shows a batch's times in the wire's time zone.
func (z zone) batch(b batch.Batch) batch.Batch {
	b.CreatedTime = z.at(b.CreatedTime)
	if b.FinishedTime != nil {
		t := z.at(*b.FinishedTime)
		b.FinishedTime = &t
	}
	return b
}

// batchSchemas are the OpenAPI schemas of the batch routes.
func batchSchemas() obj {
	str := obj{"type": "string"}
	ops := []string{string(record.WriteCreate), string(record.WriteUpdate), string(record.WriteUpsert), string(record.WriteDelete)}
	result := obj{"type": "object", "required": []string{"sourceCode", "code", "subCode"}, "properties": obj{
		"sourceCode": str, "objectId": str,
		"code":    obj{"type": "string", "enum": []string{batch.CodeOK, batch.CodeFailed}, "description": "0 success, 1 failure"},
		"subCode": obj{"type": "string", "description": "created, updated, unchanged (a create whose pair existed), deleted; validation_failed, not_found, conflict, version_conflict, forbidden, failed"},
		"message": str,
	}}
	counts := obj{"type": "object", "properties": obj{"total": obj{"type": "integer"}, "done": obj{"type": "integer"}, "succeeded": obj{"type": "integer"}, "failed": obj{"type": "integer"}}}
	props := obj{
		"batchId": str, "form": str, "operation": obj{"type": "string", "enum": ops}, "sourceSystem": str, "submit": obj{"type": "boolean"},
		"status": obj{"type": "string", "enum": []string{batch.StatusQueued, batch.StatusRunning, batch.StatusCompleted, batch.StatusFailed}},
		"counts": counts, "code": obj{"type": "string", "enum": []string{batch.CodeOK, batch.CodeFailed}},
		"subCode": obj{"type": "string", "enum": []string{batch.SubSuccess, batch.SubPartialFailure, batch.SubFailure}},
		"message": str, "callbackUrl": str,
		"createdTime": obj{"type": "string", "format": "date-time"}, "finishedTime": obj{"type": "string", "format": "date-time"},
	}
	withItems := maps.Clone(props)
	maps.Copy(withItems, obj{"items": obj{"type": "array", "items": ref("BatchItemResult")}, "itemsTotal": obj{"type": "integer"},
		"page": obj{"type": "integer"}, "pageSize": obj{"type": "integer"}})
	return obj{
		"BatchRequest": obj{"type": "object", "required": []string{"form", "operation", "sourceSystem", "items"}, "properties": obj{
			"form": str, "operation": obj{"type": "string", "enum": ops},
			"sourceSystem": obj{"type": "string", "maxLength": 64, "description": "The calling system: with each item's sourceCode, the key of its object"},
			"items": obj{"type": "array", "minItems": 1, "maxItems": batch.MaxItems, "items": obj{"type": "object", "properties": obj{
				"sourceCode": obj{"type": "string", "description": "Required for create and upsert; unique within the batch"},
				"objectId":   obj{"type": "string", "description": "update, delete: the object, instead of sourceCode"},
				"data":       obj{"type": "object", "additionalProperties": true, "description": "The record's fields (as RecordInput, without sourceSystem/sourceCode); none for delete"},
			}}},
			"callbackUrl": obj{"type": "string", "description": "Where the completion callback goes (default: the OAuth client's callback for the operation)"},
			"submit":      obj{"type": "boolean", "description": "create, upsert: submit what is created (start its workflow); needs scope workflow"},
			"userIdType":  obj{"type": "string", "enum": []string{"USERID", "EMAIL", "LOGINNAME"}},
			"userId":      obj{"type": "string", "description": "Write the items as this user (as X-User-Id)"},
		}},
		"BatchQueued":     obj{"type": "object", "properties": obj{"batchId": str, "status": obj{"type": "string", "enum": []string{batch.StatusQueued}}}},
		"BatchItemResult": result,
		"BatchSummary":    obj{"type": "object", "properties": props},
		"Batch":           obj{"type": "object", "properties": withItems},
		"BatchList":       listOf("BatchSummary"),
	}
}
