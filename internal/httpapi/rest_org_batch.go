package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/record"
)

// maxOrgBatch is how many entries one batch upsert takes: an ERP syncs a
// whole organisation in a few calls.
const maxOrgBatch = 1000

// orgBatchItem is one entry's outcome: its id and whether it was created,
// or why it was refused.
type orgBatchItem struct {
	ExternalID string         `json:"externalId"`
	ID         string         `json:"id,omitempty"`
	Created    bool           `json:"created,omitempty"`
	Error      *orgBatchError `json:"error,omitempty"`
}

type orgBatchError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// batchUpsertRoute is POST /api/v1/{kind}:upsert — each item a PATCH-style
// body with its externalId, upserted like PUT …/external/{externalId}, in
// order, each on its own (one refused item does not stop the others).
func batchUpsertRoute[T, P any](s *Server, e entity[T, P], id func(T) string) route {
	return route{"POST", "/api/v1/" + e.name + ":upsert", func(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
		var in struct {
			Items *[]json.RawMessage `json:"items"`
		}
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		if in.Items == nil {
			return apperr.Field("items", "缺少 items (items is required: an array of objects, each with its externalId)")
		}
		if len(*in.Items) > maxOrgBatch {
			return apperr.Field("items", "一次最多 %d 项, 收到 %d (at most %d items per call)", maxOrgBatch, len(*in.Items), maxOrgBatch)
		}
		out := struct {
			Items   []orgBatchItem `json:"items"`
			Created int            `json:"created"`
			Updated int            `json:"updated"`
			Failed  int            `json:"failed"`
		}{Items: make([]orgBatchItem, 0, len(*in.Items))}
		for i, raw := range *in.Items {
			it, err := upsertOne(r, e, i, raw, id)
			if err != nil {
				ae := toAPIError(r, s.log, err)
				it.Error = &orgBatchError{Code: ae.code, Message: ae.message, Field: ae.field}
				out.Failed++
			} else if it.Created {
				out.Created++
			} else {
				out.Updated++
			}
			out.Items = append(out.Items, it)
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}, opDoc{tag: "Org", summary: "Create or update up to 1,000 " + e.name + " by their externalId, each on its own: per-item id and created, or the item's error", body: e.schema + "Batch", status: 200, resp: "OrgBatchResult", errors: []int{400, 422}}}
}

func upsertOne[T, P any](r *http.Request, e entity[T, P], i int, raw json.RawMessage, id func(T) string) (orgBatchItem, error) {
	var it orgBatchItem
	if jsonKind(raw) != "object" {
		zh, en := valueWords(jsonKind(raw))
		return it, apperr.Field("items", "items 第%d个元素需要 JSON 对象, 收到%s (items[%d] must be a JSON object, not %s)", i+1, zh, i, en)
	}
	var key struct {
		ExternalID json.RawMessage `json:"externalId"`
	}
	_ = json.Unmarshal(raw, &key) // an object: cannot fail
	if err := json.Unmarshal(key.ExternalID, &it.ExternalID); err != nil || strings.TrimSpace(it.ExternalID) == "" {
		return it, apperr.Field("externalId", "第%d项缺少 externalId (item %d needs its externalId, a non-empty string)", i+1, i+1)
	}
	var p P
	if err := decodeObject(raw, &p); err != nil {
		return it, err
	}
	v, created, err := e.upsert(r.Context(), it.ExternalID, p)
	if err != nil {
		return it, err
	}
	it.ID, it.Created = id(v), created
	return it, nil
}
