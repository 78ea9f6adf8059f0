package hook

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/script"
)

// DB is $db: the record service, acting as the execution's user, with the
// validation and the permissions of every API. It implements script.DB.
type DB struct {
	r        *record.Service
	subjects Subjects
}

// Subjects resolves a user for permission rules; nil (and no error) for
// a user not held to them (the administrator).
type Subjects func(ctx context.Context, userID string) (*access.Subject, error)

// NewDB returns $db over records; with subjects, a script acting as a
// user reads and writes with that user's permissions.
func NewDB(records *record.Service, subjects Subjects) *DB {
	return &DB{r: records, subjects: subjects}
}

func (d *DB) actor(ctx context.Context, u script.User) (record.Actor, error) {
	a := record.Actor{UserID: u.ID, DepartmentID: u.DepartmentID}
	if d.subjects == nil || u.ID == "" {
		return a, nil
	}
	var err error
	a.Subject, err = d.subjects(ctx, u.ID)
	return a, err
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
	a, err := d.actor(ctx, u)
	if err != nil {
		return script.DBPage{}, err
	}
	page, err := d.r.List(ctx, form, record.Query{Filter: node, Sort: sorts, Offset: q.Offset, Limit: q.Limit, Count: true, Fields: q.Fields, Subject: a.Subject})
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
	a, err := d.actor(ctx, u)
	if err != nil {
		return nil, err
	}
	o, p, err := d.r.LoadAs(ctx, a.Subject, form, id)
	if err != nil {
		return nil, err
	}
	return d.encode(o, p)
}

// Create creates an object (its form's hooks run as for any write).
func (d *DB) Create(ctx context.Context, u script.User, form string, data map[string]any, submit bool) (string, error) {
	a, err := d.actor(ctx, u)
	if err != nil {
		return "", err
	}
	c, err := d.r.Create(ctx, a, form, data, record.CreateOptions{Submit: submit})
	return c.ID, err
}

// Update changes an object.
func (d *DB) Update(ctx context.Context, u script.User, form, id string, data map[string]any) error {
	a, err := d.actor(ctx, u)
	if err != nil {
		return err
	}
	_, err = d.r.Update(ctx, a, form, id, data, record.UpdateOptions{})
	return err
}
