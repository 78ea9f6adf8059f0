package httpapi

import (
	"net/http"
	"slices"

	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/hook"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/script"
)

// The timestamps of scripts and of the integration hub, in the server's
// zone like every other answer's (see zone).

func (z zone) platform(p connector.Platform) connector.Platform {
	p.CreatedTime, p.ModifiedTime = z.at(p.CreatedTime), z.at(p.ModifiedTime)
	return p
}

func (z zone) connInstance(in connector.Instance) connector.Instance {
	in.CreatedTime, in.ModifiedTime = z.at(in.CreatedTime), z.at(in.ModifiedTime)
	return in
}

func (z zone) call(c connector.CallRecord) connector.CallRecord {
	c.Time = z.at(c.Time)
	return c
}

func (z zone) script(sc hook.Script) hook.Script {
	sc.ModifiedTime = z.at(sc.ModifiedTime)
	return sc
}

func (z zone) envVar(v hook.EnvVar) hook.EnvVar {
	v.ModifiedTime = z.at(v.ModifiedTime)
	return v
}

func (z zone) logLines(ls []script.LogLine) []script.LogLine {
	out := make([]script.LogLine, len(ls))
	for i, l := range ls {
		l.Time = z.at(l.Time)
		out[i] = l
	}
	return out
}

func (z zone) execution(e hook.Execution) hook.Execution {
	e.Started = z.at(e.Started)
	e.Console = z.logLines(e.Console)
	return e
}

// zoneAll converts every item with f.
func zoneAll[T any](items []T, f func(T) T) []T {
	out := make([]T, len(items))
	for i, it := range items {
		out[i] = f(it)
	}
	return out
}

// writeZoned writes a service's answer converted by f, or returns its error.
func writeZoned[T any](w http.ResponseWriter, status int, f func(T) T) func(v *T, err error) error {
	return func(v *T, err error) error {
		if err != nil {
			return err
		}
		writeJSON(w, status, f(*v))
		return nil
	}
}

// adminRoutes makes routes answer only the administrator (engine
// credentials without a user context): they configure what scripts reach
// and show what they sent.
func adminRoutes(s *Server, rs []route) []route {
	for i := range rs {
		rs[i] = adminRoute(s, rs[i])
	}
	return rs
}

// adminWrites makes the routes that change something (all but GET) answer
// only the administrator: a user acting through a user context must not
// reshape forms, processes or the organisation — adding themselves to a
// role would widen their own permissions.
func adminWrites(s *Server, rs []route) []route {
	for i := range rs {
		if rs[i].method != http.MethodGet {
			rs[i] = adminRoute(s, rs[i])
		}
	}
	return rs
}

func adminRoute(s *Server, rt route) route {
	h := rt.h
	rt.h = func(w http.ResponseWriter, r *http.Request, a record.Actor) error {
		if err := s.adminOnly(r, a); err != nil {
			return err
		}
		return h(w, r, a)
	}
	rt.doc.errors = append(slices.Clone(rt.doc.errors), http.StatusForbidden)
	return rt
}
