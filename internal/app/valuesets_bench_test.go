package app_test

import (
	"context"
	"testing"

	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// BenchmarkCreateValueSetField creates records through the record service
// on SQLite whose select and multiselect fields take inline options
// ("options") or a value set ("valueSet", checked against the org
// cache), in alternating rounds: the value set's cost is the ratio.
func BenchmarkCreateValueSetField(b *testing.B) {
	s := startServer(b, storeConfig(b, sqldb.SQLite))
	s.mustJSON("POST", "/api/v1/value-sets", contractTypes(), 201)
	s.mustCreateForm(valueSetForm())
	inline := valueSetForm()
	inline["code"], inline["children"] = "D000009Inline", nil
	for _, f := range inline["fields"].([]any)[1:] {
		m := f.(map[string]any)
		delete(m, "valueSet")
		m["options"] = []string{"SAL", "PUR", "OLD"}
	}
	s.mustCreateForm(inline)
	ctx := context.Background()
	admin := record.Actor{UserID: s.App.Admin.UserID, DepartmentID: s.App.Admin.DepartmentID}
	for i := range 6 {
		form, name := "D000009Inline", "options"
		if i%2 == 1 {
			form, name = "D000009Deal", "valueSet"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.App.Records.Create(ctx, admin, form, record.Data{"F0000001": "x", "F0000002": "PUR", "F0000003": []any{"SAL", "PUR"}}, record.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
