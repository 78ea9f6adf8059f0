package httpapi

import (
	"net/http"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/record"
)

// GET /api/v1/forms/{code}/access: what the calling user may do on a form
// — per action whether a grant gives it, and the fields it hides or
// keeps read-only — so a client (the console) shows only the buttons and
// fields that will work. It is the caller's own access: no filters, no
// grants (an administrator reads those through …/permissions/explain).

type myAction struct {
	Action   string   `json:"action"`
	Allowed  bool     `json:"allowed"`
	Hidden   []string `json:"hidden"`
	ReadOnly []string `json:"readOnly"`
}

type myAccess struct {
	Form string `json:"form"`
	// Administrator: engine credentials without a user context, or the
	// built-in admin — every action, no field restrictions.
	Administrator bool       `json:"administrator"`
	Actions       []myAction `json:"actions"`
}

func (s *Server) accessRoutes() []route {
	return []route{{"GET", "/api/v1/forms/{code}/access", s.myAccess, opDoc{tag: "Permissions",
		summary: "What the calling user may do on the form: per action (view, create, edit, delete, submit, import, export, print) whether it is allowed and the fields it hides or keeps read-only",
		status:  200, resp: "MyAccess", errors: []int{404}}}}
}

func (s *Server) myAccess(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	f, err := s.deps.Forms.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	out := myAccess{Form: f.Code, Administrator: a.Subject == nil, Actions: []myAction{}}
	for _, action := range access.Actions {
		e := myAction{Action: action, Allowed: true, Hidden: []string{}, ReadOnly: []string{}}
		d, err := s.deps.Records.Decision(r.Context(), a.Subject, f.Code, action)
		if err != nil {
			return err
		}
		if d != nil {
			e.Allowed = d.Allowed
			e.Hidden = append(e.Hidden, d.Hidden...)
			e.ReadOnly = append(e.ReadOnly, d.ReadOnly...)
		}
		out.Actions = append(out.Actions, e)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func accessSchemas() obj {
	codes := obj{"type": "array", "items": obj{"type": "string"}}
	return obj{"MyAccess": obj{"type": "object", "required": []string{"form", "administrator", "actions"}, "properties": obj{
		"form": obj{"type": "string"}, "administrator": obj{"type": "boolean"},
		"actions": obj{"type": "array", "items": obj{"type": "object", "required": []string{"action", "allowed", "hidden", "readOnly"}, "properties": obj{
			"action": obj{"type": "string"}, "allowed": obj{"type": "boolean"}, "hidden": codes, "readOnly": codes,
		}}},
	}}}
}
