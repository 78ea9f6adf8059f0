package hook

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/script"
)

// DB is $db: the record service, acting as the execution's user, with the
// validation (and, once they exist, the permissions) of every API. It
// implements script.DB.
type DB struct{ r *record.Service }

// NewDB returns $db over records.
func NewDB(records *record.Service) *DB { return &DB{r: records} }

func actorOf(u script.User) record.Actor {
	return record.Actor{UserID: u.ID, DepartmentID: u.DepartmentID}
}

func (d *DB) encode(o *record.Object, p *record.Projection) (map[string]any, error) {
	enc := record.Encoder{Codec: d.r.Codec(), Flavor: form.REST, Proj: p}
	var m map[string]any
	if err := json.Unmarshal(enc.Append(nil, o), &m); err != nil {
		return nil, fmt.Errorf("encode %s: %w", o.ID, err)
	}
	return m, nil
}

// Query lists objects of form by the REST filter language.
func (d *DB) Query(ctx context.Context, u script.User, form string, q script.DBQuery) (script.DBPage, error) {
	node, err := filter.Parse(q.Filter)
	if err != nil {
		return script.DBPage{}, err
	}
	sorts, err := filter.ParseSort(q.Sort)
	if err != nil {
		return script.DBPage{}, err
	}
	page, err := d.r.List(ctx, form, record.Query{Filter: node, Sort: sorts, Offset: q.Offset, Limit: q.Limit, Count: true, Fields: q.Fields})
	if err != nil {
		return script.DBPage{}, err
	}
	out := script.DBPage{Items: make([]map[string]any, 0, len(page.Objects)), Total: page.Total}
	for _, o := range page.Objects {
		m, err := d.encode(o, page.Projection)
		if err != nil {
			return script.DBPage{}, err
		}
		out.Items = append(out.Items, m)
	}
	return out, nil
}

// Get loads one object.
func (d *DB) Get(ctx context.Context, u script.User, form, id string) (map[string]any, error) {
	o, err := d.r.Load(ctx, form, id)
	if err != nil {
		return nil, err
	}
	return d.encode(o, nil)
}

// Create creates an object (its form's hooks run as for any write).
func (d *DB) Create(ctx context.Context, u script.User, form string, data map[string]any, submit bool) (string, error) {
	c, err := d.r.Create(ctx, actorOf(u), form, data, record.CreateOptions{Submit: submit})
	return c.ID, err
}

// Update changes an object.
func (d *DB) Update(ctx context.Context, u script.User, form, id string, data map[string]any) error {
	_, err := d.r.Update(ctx, actorOf(u), form, id, data, record.UpdateOptions{})
	return err
}
