package httpapi

import (
	"net/http"
	"strings"

	"github.com/tritiumhq/tritium/internal/auth"
)

// Every REST route declares the OAuth scope a bearer token needs for it;
// engine credentials hold them all. The table (docs/oauth.md shows it):
//
//	records:read   GET forms, GET records (the Excel export and template too), running a
//	               form's onLoad/onChange on a draft,
//	               the event stream (its task and instance events need workflow too)
//	records:write  record writes (create, update, delete, batch, Excel import), async batches
//	               (submitting, reading and listing them), custom API actions,
//	               the delivery log (a token without admin sees its client's own)
//	workflow       processes (read), simulate, tasks, instances, submitting a record,
//	               external-approval callbacks
//	org            users, departments, roles, positions, value sets (their writes too)
//	admin          form writes, process writes, permissions, scripts, $env,
//	               connectors, OAuth clients and keys, webhooks, users'
//	               passwords, the engine credential (read, rotate)
//	files          the file API: upload, download, metadata, preview links
//	               (the H3Yun file endpoints take engine credentials only)
//	impersonate    acting as a user (X-User-Id) on any route
//
// The console's session routes (/api/v1/session…) have none: they take
// the session cookie only (rest_session.go).
//
// /OpenApi/Invoke takes a token too (h3yun.go): records:read for
// LoadBizObject(s), records:write for the other actions.
//
// Inside a route, actions only the administrator may do (terminate, jump…)
// need scope admin as well.

// withScopes sets each route's scope where the route did not.
func withScopes(rs []route) []route {
	for i := range rs {
		if rs[i].doc.scope == "" && !rs[i].doc.session {
			rs[i].doc.scope = scopeFor(rs[i].method, rs[i].pattern)
		}
	}
	return rs
}

func scopeFor(method, pattern string) string {
	read := method == http.MethodGet
	p := strings.TrimPrefix(pattern, "/api/v1/")
	switch {
	case strings.HasPrefix(p, "forms/{code}/records"):
		if strings.HasSuffix(p, "/submit") {
			return auth.ScopeWorkflow
		}
		if read {
			return auth.ScopeRecordsRead
		}
		return auth.ScopeRecordsWrite
	case p == "forms/{code}/workflow":
		if read {
			return auth.ScopeWorkflow
		}
		return auth.ScopeAdmin
	case strings.HasPrefix(p, "forms/{code}/scripts/"):
		return auth.ScopeRecordsRead
	case p == "forms" || p == "forms/{code}":
		if read {
			return auth.ScopeRecordsRead
		}
		return auth.ScopeAdmin
	case strings.HasPrefix(p, "workflow/"), strings.HasPrefix(p, "tasks"), strings.HasPrefix(p, "instances/"), strings.HasPrefix(p, "external-approvals/"):
		return auth.ScopeWorkflow
	case p == "events":
		return auth.ScopeRecordsRead
	case strings.HasPrefix(p, "custom/"), strings.HasPrefix(p, "batches"), strings.HasPrefix(p, "deliveries"):
		return auth.ScopeRecordsWrite
	case strings.HasPrefix(p, "users"), strings.HasPrefix(p, "departments"), strings.HasPrefix(p, "roles"), strings.HasPrefix(p, "positions"),
		strings.HasPrefix(p, "value-sets"):
		return auth.ScopeOrg
	case p == "files" || strings.HasPrefix(p, "files/"):
		return auth.ScopeFiles
	}
	return auth.ScopeAdmin
}

// security is an operation's OpenAPI security: engine credentials, or an
// OAuth2 token with the route's scope.
func security(rt route) []obj {
	switch {
	case rt.doc.public:
		return []obj{}
	case rt.doc.session:
		return []obj{{"session": []string{}}}
	}
	return []obj{
		{"session": []string{}},
		{"EngineCode": []string{}, "EngineSecret": []string{}},
		{"oauth2": []string{rt.doc.scope}},
	}
}

func oauthSecurityScheme() obj {
	scopes := obj{
		auth.ScopeRecordsRead:  "Read forms and records",
		auth.ScopeRecordsWrite: "Create, update and delete records; custom API actions",
		auth.ScopeWorkflow:     "Processes (read), tasks and instances",
		auth.ScopeFiles:        "Files: upload, download, metadata, preview links",
		auth.ScopeOrg:          "Users, departments, roles, positions and value sets",
		auth.ScopeAdmin:        "Configuration: forms, processes, permissions, scripts, connectors, OAuth clients; administrator-only actions",
		auth.ScopeImpersonate:  "Act as a user with X-User-Id",
	}
	return obj{"type": "oauth2", "description": "OAuth2 client credentials (RFC 6749 §4.4): POST /oauth/token, then Authorization: Bearer <token>",
		"flows": obj{"clientCredentials": obj{"tokenUrl": pathToken, "scopes": scopes}}}
}
