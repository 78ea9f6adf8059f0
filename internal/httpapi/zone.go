package httpapi

import (
	"time"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/workflow"
)

// zone puts the timestamps of API answers in the server's time zone
// (--timezone), the one location the form codec holds, so that every
// timestamp of an API is in the same zone: REST writes RFC 3339 with that
// zone's offset, H3Yun yyyy/MM/dd HH:mm:ss wall-clock time there. Records
// are encoded by record.Encoder with the codec's zone already; the types
// below come from the services in UTC and are converted here, on copies
// (forms are shared with the form cache), right before they are written.
type zone struct{ loc *time.Location }

func (z zone) at(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(z.loc)
}

func (z zone) form(f *form.Form) *form.Form {
	c := *f
	c.CreatedTime, c.ModifiedTime = z.at(f.CreatedTime), z.at(f.ModifiedTime)
	return &c
}

func (z zone) forms(fs []*form.Form) []*form.Form {
	out := make([]*form.Form, len(fs))
	for i, f := range fs {
		out[i] = z.form(f)
	}
	return out
}

func (z zone) user(u org.User) org.User {
	u.CreatedTime, u.ModifiedTime = z.at(u.CreatedTime), z.at(u.ModifiedTime)
	return u
}

func (z zone) department(d org.Department) org.Department {
	d.CreatedTime, d.ModifiedTime = z.at(d.CreatedTime), z.at(d.ModifiedTime)
	return d
}

func (z zone) position(p org.Position) org.Position {
	p.CreatedTime, p.ModifiedTime = z.at(p.CreatedTime), z.at(p.ModifiedTime)
	return p
}

func (z zone) valueSet(v org.ValueSet) org.ValueSet {
	v.CreatedTime, v.ModifiedTime = z.at(v.CreatedTime), z.at(v.ModifiedTime)
	return v
}

func (z zone) role(r org.Role) org.Role {
	r.CreatedTime, r.ModifiedTime = z.at(r.CreatedTime), z.at(r.ModifiedTime)
	return r
}

func (z zone) task(t *workflow.Task) *workflow.Task {
	if t == nil {
		return nil
	}
	c := *t
	c.Created, c.Acted = z.at(t.Created), z.at(t.Acted)
	return &c
}

func (z zone) taskView(v workflow.TaskView) workflow.TaskView {
	v.Task = z.task(v.Task)
	return v
}

func (z zone) instance(v workflow.InstanceView) workflow.InstanceView {
	tasks := make([]*workflow.Task, len(v.Tasks))
	for i, t := range v.Tasks {
		tasks[i] = z.task(t)
	}
	history := make([]workflow.HistEntry, len(v.History))
	for i, h := range v.History {
		h.Time = z.at(h.Time)
		history[i] = h
	}
	v.Tasks, v.History = tasks, history
	return v
}

func (z zone) items(its []workflow.Item) []workflow.Item {
	out := make([]workflow.Item, len(its))
	for i, it := range its {
		it.Created = z.at(it.Created)
		if it.Acted != nil {
			a := z.at(*it.Acted)
			it.Acted = &a
		}
		out[i] = it
	}
	return out
}

func (z zone) replay(v workflow.ReplayView) workflow.ReplayView {
	steps := make([]workflow.ReplayStep, len(v.Steps))
	for i, st := range v.Steps {
		st.Event.Time = z.at(st.Event.Time)
		open := make([]workflow.Task, len(st.OpenTasks))
		for j, t := range st.OpenTasks {
			open[j] = *z.task(&t)
		}
		st.OpenTasks = open
		steps[i] = st
	}
	v.Steps = steps
	return v
}
