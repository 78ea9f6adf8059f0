package httpapi

import (
	"context"
	"net/http"

	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
)

// entity adapts one org kind (users, departments, roles, positions) to the same six
// REST routes. T is the stored type, P its patch.
type entity[T, P any] struct {
	name, schema string
	fresh        func() T // the value a create body is decoded onto (defaults)
	create       func(context.Context, T) (T, error)
	get          func(context.Context, string) (T, error)
	update       func(context.Context, string, P) (T, error)
	del          func(context.Context, string) error
	list         func(*http.Request, int, int) ([]T, int, error)
	upsert       func(context.Context, string, P) (T, bool, error)
	query        []param
	zone         func(T) T // its timestamps in the server's zone
}

func entityRoutes[T, P any](e entity[T, P]) []route {
	base := "/api/v1/" + e.name
	tag := "Org"
	pageQuery := append([]param{{"offset", "integer", "Rows to skip"}, {"limit", "integer", "Rows to return, 1–500 (default 50)"}}, e.query...)
	return []route{
		{"GET", base, func(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
			offset, err := intParam(r, "offset", 0)
			if err != nil {
				return err
			}
			limit, err := limitParam(r)
			if err != nil {
				return err
			}
			items, total, err := e.list(r, offset, limit)
			if err != nil {
				return err
			}
			for i := range items {
				items[i] = e.zone(items[i])
			}
			writeJSON(w, http.StatusOK, list[T]{Items: items, Total: total, Offset: offset, Limit: limit})
			return nil
		}, opDoc{tag: tag, summary: "List " + e.name, query: pageQuery, status: 200, resp: e.schema + "List", errors: []int{422}}},
		{"POST", base, func(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
			v := e.fresh()
			if err := decodeBody(r, &v); err != nil {
				return err
			}
			out, err := e.create(r.Context(), v)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, e.zone(out))
			return nil
		}, opDoc{tag: tag, summary: "Create one of " + e.name, body: e.schema, status: 201, resp: e.schema, errors: []int{400, 409, 422}}},
		{"GET", base + "/{id}", func(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
			out, err := e.get(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, e.zone(out))
			return nil
		}, opDoc{tag: tag, summary: "Get one of " + e.name, status: 200, resp: e.schema, errors: []int{404}}},
		{"PATCH", base + "/{id}", func(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
			var p P
			if err := decodeBody(r, &p); err != nil {
				return err
			}
			out, err := e.update(r.Context(), r.PathValue("id"), p)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, e.zone(out))
			return nil
		}, opDoc{tag: tag, summary: "Change the fields sent", body: e.schema + "Patch", status: 200, resp: e.schema, errors: []int{400, 404, 409, 422}}},
		{"DELETE", base + "/{id}", func(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
			if err := e.del(r.Context(), r.PathValue("id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}, opDoc{tag: tag, summary: "Delete one of " + e.name, status: 204, errors: []int{403, 404, 409}}},
		{"PUT", base + "/external/{externalId}", func(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
			var p P
			if err := decodeBody(r, &p); err != nil {
				return err
			}
			out, created, err := e.upsert(r.Context(), r.PathValue("externalId"), p)
			if err != nil {
				return err
			}
			status := http.StatusOK
			if created {
				status = http.StatusCreated
			}
			writeJSON(w, status, e.zone(out))
			return nil
		}, opDoc{tag: tag, summary: "Create or update by the caller's own id (externalId): 201 when created, 200 when updated", body: e.schema + "Patch", status: 200, more: []int{201}, resp: e.schema, errors: []int{409}}},
	}
}

func (s *Server) orgRoutes() []route {
	o := s.deps.Org
	users := entity[org.User, org.UserPatch]{
		name: "users", schema: "User", zone: s.zone.user,
		fresh:  func() org.User { return org.User{Enabled: true} },
		create: o.CreateUser, get: o.GetUser, update: o.UpdateUser, del: o.DeleteUser, upsert: o.UpsertUserByExternalID,
		list: func(r *http.Request, offset, limit int) ([]org.User, int, error) {
			q := r.URL.Query()
			return o.ListUsers(r.Context(), org.UserQuery{DepartmentID: q.Get("departmentId"), Search: q.Get("search"), Offset: offset, Limit: limit})
		},
		query: []param{{"departmentId", "string", "Direct members of this department"}, {"search", "string", "Contained in name, loginName or email"}},
	}
	depts := entity[org.Department, org.DepartmentPatch]{
		name: "departments", schema: "Department", zone: s.zone.department,
		fresh:  func() org.Department { return org.Department{} },
		create: o.CreateDepartment, get: o.GetDepartment, update: o.UpdateDepartment, del: o.DeleteDepartment, upsert: o.UpsertDepartmentByExternalID,
		list: func(r *http.Request, offset, limit int) ([]org.Department, int, error) {
			return o.ListDepartments(r.Context(), org.DepartmentQuery{ParentID: r.URL.Query().Get("parentId"), Offset: offset, Limit: limit})
		},
		query: []param{{"parentId", "string", "Direct children of this department"}},
	}
	roles := entity[org.Role, org.RolePatch]{
		name: "roles", schema: "Role", zone: s.zone.role,
		fresh:  func() org.Role { return org.Role{} },
		create: o.CreateRole, get: o.GetRole, update: o.UpdateRole, del: o.DeleteRole, upsert: o.UpsertRoleByExternalID,
		list: func(r *http.Request, offset, limit int) ([]org.Role, int, error) {
			return o.ListRoles(r.Context(), org.RoleQuery{Search: r.URL.Query().Get("search"), Offset: offset, Limit: limit})
		},
		query: []param{{"search", "string", "Contained in the name"}},
	}
	positions := entity[org.Position, org.PositionPatch]{
		name: "positions", schema: "Position", zone: s.zone.position,
		fresh:  func() org.Position { return org.Position{} },
		create: o.CreatePosition, get: o.GetPosition, update: o.UpdatePosition, del: o.DeletePosition, upsert: o.UpsertPositionByExternalID,
		list: func(r *http.Request, offset, limit int) ([]org.Position, int, error) {
			q := r.URL.Query()
			return o.ListPositions(r.Context(), org.PositionQuery{DepartmentID: q.Get("departmentId"), Search: q.Get("search"), Offset: offset, Limit: limit})
		},
		query: []param{{"departmentId", "string", "Positions of this department"}, {"search", "string", "Contained in the code or the name"}},
	}
	var rs []route
	rs = append(rs, entityRoutes(users)...)
	rs = append(rs, batchUpsertRoute(s, users, func(u org.User) string { return u.ID }))
	rs = append(rs, entityRoutes(depts)...)
	rs = append(rs, batchUpsertRoute(s, depts, func(d org.Department) string { return d.ID }))
	rs = append(rs, entityRoutes(roles)...)
	rs = append(rs, batchUpsertRoute(s, roles, func(r org.Role) string { return r.ID }))
	rs = append(rs, entityRoutes(positions)...)
	rs = append(rs, batchUpsertRoute(s, positions, func(p org.Position) string { return p.ID }))
	return rs
}
