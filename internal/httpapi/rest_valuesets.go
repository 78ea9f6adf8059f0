package httpapi

import (
	"net/http"

	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
)

// valueSetRoutes are the value sets (值集): the six routes of every org
// kind, batch upsert, and the values of one set by its code (独立值集值查询).
func (s *Server) valueSetRoutes() []route {
	o := s.deps.Org
	sets := entity[org.ValueSet, org.ValueSetPatch]{
		name: "value-sets", schema: "ValueSet", zone: s.zone.valueSet,
		fresh:  func() org.ValueSet { return org.ValueSet{Enabled: true} },
		create: o.CreateValueSet, get: o.GetValueSet, update: o.UpdateValueSet, del: o.DeleteValueSet, upsert: o.UpsertValueSetByExternalID,
		list: func(r *http.Request, offset, limit int) ([]org.ValueSet, int, error) {
			return o.ListValueSets(r.Context(), org.ValueSetQuery{Search: r.URL.Query().Get("search"), Offset: offset, Limit: limit})
		},
		query: []param{{"search", "string", "Contained in the code or the name"}},
	}
	rs := entityRoutes(sets)
	rs = append(rs, batchUpsertRoute(s, sets, func(v org.ValueSet) string { return v.ID }))
	rs = append(rs, route{"GET", "/api/v1/value-sets/{code}/values", s.valueSetValues, opDoc{tag: "Org",
		summary: "The values of the value set with this code, in order (独立值集值查询); enabled=true: only those new writes may use",
		query: []param{{"enabled", "boolean", "true: only enabled values (none when the set is disabled); false: only the others"},
			{"q", "string", "Contained in the value's code or label, ignoring case"}},
		status: 200, resp: "ValueSetValues", errors: []int{404}}})
	return rs
}

// valueSetValuesOut is the answer of GET /api/v1/value-sets/{code}/values.
type valueSetValuesOut struct {
	ID      string      `json:"id"`
	Code    string      `json:"code"`
	Name    string      `json:"name"`
	Enabled bool        `json:"enabled"`
	Items   []org.Value `json:"items"`
	Total   int         `json:"total"`
}

func (s *Server) valueSetValues(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var enabled *bool
	if r.URL.Query().Has("enabled") {
		on, err := boolParam(r, "enabled")
		if err != nil {
			return err
		}
		enabled = &on
	}
	set, err := s.deps.Org.ValueSetValues(r.Context(), r.PathValue("code"), enabled, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, valueSetValuesOut{ID: set.ID, Code: set.Code, Name: set.Name, Enabled: set.Enabled, Items: set.Values, Total: len(set.Values)})
	return nil
}
