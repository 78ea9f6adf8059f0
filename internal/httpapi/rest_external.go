package httpapi

import (
	"net/http"

	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/workflow"
)

// externalRoutes: the callback of an external-approval node (外部系统审批后回调).
// The token in the path is the one-time credential the signed request
// carried; the caller must be an authenticated API caller as well.
func (s *Server) externalRoutes() []route {
	return []route{
		{"POST", "/api/v1/external-approvals/{token}", s.decideExternal, opDoc{tag: "Workflow",
			summary: "An external system's decision on an external-approval node: approve or reject, once, while the node waits (404: unknown token; 409: already decided, timed out or the instance moved on)",
			body:    "ExternalDecision", status: 200, resp: "ExternalResult", errors: []int{404, 409}}},
	}
}

func (s *Server) decideExternal(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	buf, err := readBody(r)
	if err != nil {
		return err
	}
	defer bufPool.Put(buf)
	var in workflow.ExternalDecision
	if err := decodeObject(buf.Bytes(), &in); err != nil {
		return err
	}
	res, err := s.deps.Workflow.DecideExternal(r.Context(), r.PathValue("token"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func externalSchemas() obj {
	str := obj{"type": "string"}
	return obj{
		"ExternalDecision": obj{"type": "object", "required": []string{"action", "approver"}, "properties": obj{
			"action":   obj{"type": "string", "enum": []string{"approve", "reject"}},
			"approver": obj{"type": "string", "maxLength": 200, "description": "Who decided in the external system (shown in the history)"},
			"comment":  obj{"type": "string", "maxLength": 2000},
		}},
		"ExternalResult": obj{"type": "object", "properties": obj{
			"instanceId": str, "taskId": str, "taskStatus": obj{"type": "string", "enum": []string{"approved", "rejected"}},
			"instanceStatus": obj{"type": "string", "enum": []string{"running", "approved", "rejected", "canceled", "terminated"}},
		}},
	}
}
