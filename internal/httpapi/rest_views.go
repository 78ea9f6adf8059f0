package httpapi

import (
	"net/http"

	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/savedview"
)

// Saved views of a form's record table (the console's 视图): each user's
// own, by name (docs/rest-api.md "Saved views").

const viewsPath = "/api/v1/forms/{code}/views"

func (s *Server) viewRoutes() []route {
	if s.deps.Views == nil {
		return nil
	}
	return []route{
		{"GET", viewsPath, s.listViews, opDoc{tag: "Records", summary: "The calling user's saved views of the form's records (filter, sort, columns, page size), by name", status: 200, resp: "SavedViewList", errors: []int{404}}},
		{"PUT", viewsPath + "/{name}", s.putView, opDoc{tag: "Records", summary: "Save a view under this name for the calling user (201 new, 200 replaced); at most 100 per form", body: "SavedViewInput", status: 200, more: []int{201}, resp: "SavedView", errors: []int{404}}},
		{"DELETE", viewsPath + "/{name}", s.deleteView, opDoc{tag: "Records", summary: "Delete the calling user's view of this name", status: 204, errors: []int{404}}},
	}
}

// viewInput is the body of PUT …/views/{name}: the view without its name
// and times.
type viewInput struct {
	Filter   string   `json:"filter"`
	Sort     string   `json:"sort"`
	Columns  []string `json:"columns"`
	PageSize *int     `json:"pageSize"`
}

func (s *Server) listViews(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	f, err := s.deps.Forms.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	vs, err := s.deps.Views.List(r.Context(), a.UserID, f.Code)
	if err != nil {
		return err
	}
	for i := range vs {
		vs[i] = s.zone.view(vs[i])
	}
	writeJSON(w, http.StatusOK, list[savedview.View]{Items: vs, Total: len(vs), Limit: len(vs)})
	return nil
}

func (s *Server) putView(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	f, err := s.deps.Forms.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := savedview.CheckName(name); err != nil {
		return err
	}
	var in viewInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	size := 20
	if in.PageSize != nil {
		size = *in.PageSize
	}
	v, created, err := s.deps.Views.Put(r.Context(), a.UserID, f.Code, savedview.View{Name: name, Filter: in.Filter, Sort: in.Sort, Columns: in.Columns, PageSize: size})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, s.zone.view(v))
	return nil
}

func (s *Server) deleteView(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	f, err := s.deps.Forms.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if err := s.deps.Views.Delete(r.Context(), a.UserID, f.Code, r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func viewSchemas() obj {
	view := obj{
		"filter":   obj{"type": "string", "description": "A filter expression (docs/filter.md), at most 8 KiB; checked when a list runs it"},
		"sort":     obj{"type": "string", "description": "As the list's sort parameter, at most 1 KiB"},
		"columns":  obj{"type": "array", "items": obj{"type": "string"}, "description": "Field codes shown, in order (at most 200)"},
		"pageSize": obj{"type": "integer", "minimum": 1, "maximum": 500, "description": "Records per page (default 20)"},
	}
	full := obj{"name": obj{"type": "string", "description": "1–100 characters"},
		"createdTime": obj{"type": "string", "format": "date-time"}, "modifiedTime": obj{"type": "string", "format": "date-time"}}
	for k, v := range view {
		full[k] = v
	}
	return obj{
		"SavedViewInput": obj{"type": "object", "properties": view, "additionalProperties": false},
		"SavedView":      obj{"type": "object", "required": []string{"name", "filter", "sort", "columns", "pageSize"}, "properties": full},
		"SavedViewList":  listOf("SavedView"),
	}
}

func (z zone) view(v savedview.View) savedview.View {
	v.CreatedTime, v.ModifiedTime = z.at(v.CreatedTime), z.at(v.ModifiedTime)
	return v
}
