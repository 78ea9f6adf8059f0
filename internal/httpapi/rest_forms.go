package httpapi

import (
	"net/http"
	"strconv"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
)

func (s *Server) formRoutes() []route {
	return []route{
		{"POST", "/api/v1/forms", s.createForm, opDoc{tag: "Forms", summary: "Create a form and its tables", body: "Form", status: 201, resp: "Form", errors: []int{400, 409, 422}}},
		{"GET", "/api/v1/forms", s.listForms, opDoc{tag: "Forms", summary: "List forms", status: 200, resp: "FormList"}},
		{"GET", "/api/v1/forms/{code}", s.getForm, opDoc{tag: "Forms", summary: "Get a form definition", status: 200, resp: "Form", errors: []int{404}}},
		{"PUT", "/api/v1/forms/{code}", s.updateForm, opDoc{tag: "Forms", summary: "Replace a form definition; alters its tables (a change existing data cannot take is refused and changes nothing)", body: "Form", status: 200, resp: "Form", errors: []int{400, 404, 409, 422}}},
		{"DELETE", "/api/v1/forms/{code}", s.deleteForm, opDoc{tag: "Forms", summary: "Delete a form, its tables and all its objects", status: 204, errors: []int{404, 409}}},
		{"GET", "/api/v1/forms/{code}/revisions", s.listFormRevisions, opDoc{tag: "Forms", summary: "List the definitions a form has had, newest first",
			query: []param{{"offset", "integer", "Rows to skip"}, {"limit", "integer", "Rows to return, 1–500 (default 50)"}}, status: 200, resp: "FormRevisionList", errors: []int{404}}},
		{"GET", "/api/v1/forms/{code}/revisions/{revision}", s.getFormRevision, opDoc{tag: "Forms", summary: "The definition a form had at one revision", status: 200, resp: "Form", errors: []int{404}}},
	}
}

func (s *Server) createForm(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var f form.Form
	if err := decodeBody(r, &f); err != nil {
		return err
	}
	out, err := s.deps.Forms.Create(r.Context(), &f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.zone.form(out))
	return nil
}

func (s *Server) listForms(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	forms := s.deps.Forms.List()
	writeJSON(w, http.StatusOK, list[*form.Form]{Items: s.zone.forms(forms), Total: len(forms), Limit: len(forms)})
	return nil
}

func (s *Server) getForm(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	f, err := s.deps.Forms.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.form(f))
	return nil
}

func (s *Server) updateForm(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var f form.Form
	if err := decodeBody(r, &f); err != nil {
		return err
	}
	out, err := s.deps.Forms.Update(r.Context(), r.PathValue("code"), &f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.form(out))
	return nil
}

func (s *Server) deleteForm(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	if err := s.deps.Forms.Delete(r.Context(), r.PathValue("code")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listFormRevisions(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		return err
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	items, total, err := s.deps.Forms.Revisions(r.Context(), r.PathValue("code"), offset, limit)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].ModifiedTime = s.zone.at(items[i].ModifiedTime)
	}
	writeJSON(w, http.StatusOK, list[form.RevisionInfo]{Items: items, Total: total, Offset: offset, Limit: limit})
	return nil
}

func (s *Server) getFormRevision(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	v := r.PathValue("revision")
	rev, err := strconv.ParseInt(v, 10, 64)
	if err != nil || rev < 1 {
		return apperr.New(apperr.NotFound, "表单版本不存在: %s (revision not found)", v)
	}
	f, err := s.deps.Forms.Revision(r.Context(), r.PathValue("code"), rev)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.zone.form(f))
	return nil
}
