package httpapi

import (
	"net/http"

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
