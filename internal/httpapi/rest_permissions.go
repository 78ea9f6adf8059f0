package httpapi

import (
	"net/http"
	"strings"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
)

const permissionsPath = "/api/v1/forms/{code}/permissions"

// permissionRoutes manage a form's grants; only the administrator may use
// them (a user must not widen their own permissions, nor learn others').
func (s *Server) permissionRoutes() []route {
	if s.deps.Access == nil {
		return nil
	}
	return adminRoutes(s, []route{
		{"GET", permissionsPath, s.getPermissions, opDoc{tag: "Permissions", summary: "The form's grants (the defaults while it has none of its own)", status: 200, resp: "Permissions", errors: []int{404}}},
		{"PUT", permissionsPath, s.putPermissions, opDoc{tag: "Permissions", summary: "Replace the form's grants, all or nothing; an empty list leaves users no access", body: "PermissionsInput", status: 200, resp: "Permissions", errors: []int{404}}},
		{"DELETE", permissionsPath, s.resetPermissions, opDoc{tag: "Permissions", summary: "Remove the form's grants: the defaults apply again", status: 200, resp: "Permissions", errors: []int{404}}},
		{"GET", permissionsPath + "/explain", s.explainPermissions, opDoc{tag: "Permissions", summary: "What a user may do on the form and why: per action the effective filter, hidden and read-only fields and the grants that gave it; with object, whether each action reaches that object",
			query:  []param{{"user", "string", "The user (required)"}, {"userIdType", "string", "What user is: USERID (default), EMAIL or LOGINNAME"}, {"object", "string", "An object id: does each action reach it?"}},
			status: 200, resp: "Explanation", errors: []int{404}, enums: map[string][]string{"userIdType": {"USERID", "EMAIL", "LOGINNAME"}}}},
	})
}

// grantView is a grant with the rule it expands into.
type grantView struct {
	access.Grant
	// Expands is the grant's scope as a rule ("" for all): presets and
	// rules are one mechanism.
	Expands string `json:"expands"`
}

type permissionsView struct {
	Form string `json:"form"`
	// Defaults: the form has no grants of its own, these apply.
	Defaults bool        `json:"defaults"`
	Grants   []grantView `json:"grants"`
}

func (s *Server) permissions(r *http.Request, f *form.Form) permissionsView {
	gs, set := s.deps.Access.Grants(r.Context(), f.Code)
	if !set {
		gs = access.Defaults(f.Code)
	}
	v := permissionsView{Form: f.Code, Defaults: !set, Grants: make([]grantView, len(gs))}
	for i, g := range gs {
		v.Grants[i] = grantView{Grant: g, Expands: g.RuleText()}
	}
	return v
}

func (s *Server) getPermissions(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	f, err := s.deps.Forms.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.permissions(r, f))
	return nil
}

func (s *Server) putPermissions(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	f, err := s.deps.Forms.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	var in struct {
		Grants *[]access.Grant `json:"grants"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if in.Grants == nil {
		return apperr.Field("grants", "缺少 grants (grants is required: an array of grants; an empty array leaves users no access, DELETE restores the defaults)")
	}
	check := func(_ int, g *access.Grant) error {
		if g.Form != "" && !strings.EqualFold(g.Form, f.Code) {
			return apperr.Field("form", "授权属于表单 %s, 不是 %s (the grant names form %s, not %s)", g.Form, f.Code, g.Form, f.Code)
		}
		if err := s.principalExists(r, g.Principal); err != nil {
			return err
		}
		return access.Check(s.deps.DB.Dialect(), s.deps.Records.Codec(), f, g)
	}
	if _, err := s.deps.Access.Put(r.Context(), a.UserID, f.Code, *in.Grants, check); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.permissions(r, f))
	return nil
}

// principalExists refuses a grant for a user, role, department or
// position that does not exist.
func (s *Server) principalExists(r *http.Request, p access.Principal) error {
	var err error
	var zh, en string
	switch p.Kind {
	case access.ForUser:
		_, err = s.deps.Org.GetUser(r.Context(), p.ID)
		zh, en = "用户", "user"
	case access.ForRole:
		_, err = s.deps.Org.GetRole(r.Context(), p.ID)
		zh, en = "角色", "role"
	case access.ForDepartment:
		_, err = s.deps.Org.GetDepartment(r.Context(), p.ID)
		zh, en = "部门", "department"
	case access.ForPosition:
		_, err = s.deps.Org.GetPosition(r.Context(), p.ID)
		zh, en = "岗位", "position"
	}
	if apperr.Is(err, apperr.NotFound) {
		return apperr.Field("principal.id", "%s不存在: %s (no %s with id %s)", zh, p.ID, en, p.ID)
	}
	return err
}

func (s *Server) resetPermissions(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	f, err := s.deps.Forms.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if err := s.deps.Access.Reset(r.Context(), f.Code); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.permissions(r, f))
	return nil
}

// explainedAction is one action of an explanation.
type explainedAction struct {
	Action  string `json:"action"`
	Allowed bool   `json:"allowed"`
	// Filter is the records the action reaches, in the filter language,
	// bound to the user: "true" all, "false" none.
	Filter   string      `json:"filter"`
	Hidden   []string    `json:"hidden"`
	ReadOnly []string    `json:"readOnly"`
	Grants   []grantView `json:"grants"`
	// Participation (view, on a workflow form): the objects the user sees
	// because they take part in their approvals, beside the grants.
	Participation *participationView `json:"participation,omitempty"`
	// Object: with ?object=, whether the action reaches that object (not
	// for create and import, which reach no existing object).
	Object *bool `json:"object,omitempty"`
}

type participationView struct {
	Objects int      `json:"objects"`
	Hidden  []string `json:"hidden"`
}

type explanation struct {
	Form string `json:"form"`
	User struct {
		ID             string   `json:"id"`
		Administrator  bool     `json:"administrator"`
		Departments    []string `json:"departments"`
		DepartmentTree []string `json:"departmentTree"`
		Roles          []string `json:"roles"`
		Positions      []string `json:"positions"`
		LeaderOf       []string `json:"leaderOf"`
	} `json:"user"`
	Defaults bool              `json:"defaults"`
	Actions  []explainedAction `json:"actions"`
}

func (s *Server) explainPermissions(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	qs := r.URL.Query()
	f, err := s.deps.Forms.Lookup(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	id, by := strings.TrimSpace(qs.Get("user")), strings.ToUpper(strings.TrimSpace(qs.Get("userIdType")))
	if id == "" {
		return apperr.Field("user", "缺少 user (user is required: the id of the user to explain)")
	}
	if by == "" {
		by = "USERID"
	}
	id, err = s.deps.Org.FindUserID(r.Context(), by, id)
	if err != nil {
		return asUserParam(err)
	}
	a, err := s.actAs(r.Context(), by, id)
	if err != nil {
		return asUserParam(err)
	}
	perms := s.permissions(r, f)
	var out explanation
	out.Form, out.Defaults, out.Actions = f.Code, perms.Defaults, []explainedAction{}
	out.User.ID, out.User.Administrator = a.UserID, a.Subject == nil
	if sub := a.Subject; sub != nil {
		out.User.Departments, out.User.DepartmentTree, out.User.Roles = sub.Departments, sub.DepartmentTree, sub.Roles
		out.User.Positions, out.User.LeaderOf = sub.Positions, sub.LeaderOf
	}
	object := strings.TrimSpace(qs.Get("object"))
	for _, action := range access.Actions {
		e := explainedAction{Action: action, Allowed: true, Filter: "true", Hidden: []string{}, ReadOnly: []string{}, Grants: []grantView{}}
		d, err := s.deps.Records.Decision(r.Context(), a.Subject, f.Code, action)
		if err != nil {
			return err
		}
		if d != nil {
			e.Allowed, e.Hidden, e.ReadOnly = d.Allowed, d.Hidden, d.ReadOnly
			if e.Filter = d.Filter.String(); e.Filter == "" {
				e.Filter = "true"
			}
			for _, gid := range d.Grants {
				for _, g := range perms.Grants {
					if g.ID == gid {
						e.Grants = append(e.Grants, g)
					}
				}
			}
		}
		if action == access.View && f.Workflow && a.Subject != nil {
			p, err := s.deps.Records.ParticipationOf(r.Context(), a.Subject, f.Code)
			if err != nil {
				return err
			}
			e.Participation = &participationView{Objects: len(p.Objects), Hidden: append([]string{}, p.Hidden...)}
		}
		if object != "" && action != access.Create && action != access.Import {
			ok, err := s.deps.Records.Reaches(r.Context(), a, f.Code, action, object)
			if err != nil {
				return err
			}
			e.Object = &ok
		}
		out.Actions = append(out.Actions, e)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// asUserParam renames a user lookup's error to the user parameter.
func asUserParam(err error) error {
	if e := apperr.As(err); e != nil && (e.Field == "X-User-Id" || e.Field == "X-User-Id-Type") {
		c := *e
		c.Field = map[string]string{"X-User-Id": "user", "X-User-Id-Type": "userIdType"}[e.Field]
		c.Message = strings.NewReplacer("X-User-Id-Type", "userIdType", "X-User-Id", "user").Replace(c.Message)
		return &c
	}
	return err
}
