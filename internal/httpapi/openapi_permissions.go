package httpapi

import (
	"maps"
	"strings"

	"github.com/tritiumhq/tritium/internal/access"
)

// permissionSchemas are the OpenAPI schemas of the permission routes.
func permissionSchemas() obj {
	str := obj{"type": "string"}
	strs := obj{"type": "array", "items": str}
	grantProps := obj{
		"id":   obj{"type": "string", "description": "Given on save when absent"},
		"form": obj{"type": "string", "description": "The form's code (optional on input; must match the path)"},
		"principal": obj{"type": "object", "required": []string{"kind"}, "properties": obj{
			"kind": obj{"type": "string", "enum": []string{access.ForUser, access.ForRole, access.ForDepartment, access.ForPosition, access.ForEveryone}},
			"id":   obj{"type": "string", "description": "The user, role, department or position id; absent for everyone"},
		}},
		"actions":  obj{"type": "array", "items": obj{"type": "string", "enum": access.Actions}},
		"scope":    obj{"type": "string", "enum": access.Scopes, "description": "own 本人 (OwnerId = @user.id), department 本部门 (OwnerDeptId in @user.departments), departmentTree 本部门及下属 (OwnerDeptId in @user.departmentTree), all 全部, custom 自定义 (rule)"},
		"rule":     obj{"type": "string", "description": "The custom scope's filter, with variables " + strings.Join(access.VariableNames(), ", ")},
		"hidden":   obj{"type": "array", "items": str, "description": "Fields left out of every answer, unknown to filters and sorts"},
		"readOnly": obj{"type": "array", "items": str, "description": "Fields refused on write"},
		"note":     str,
	}
	grant := obj{"type": "object", "required": []string{"principal", "actions", "scope"}, "properties": grantProps}
	shown := obj{"type": "object", "properties": withExpands(grantProps)}
	return obj{
		"Grant": grant,
		"Permissions": obj{"type": "object", "properties": obj{
			"form": str, "defaults": obj{"type": "boolean", "description": "The form has no grants of its own: these defaults apply"},
			"grants": obj{"type": "array", "items": shown},
		}},
		"PermissionsInput": obj{"type": "object", "required": []string{"grants"}, "properties": obj{"grants": obj{"type": "array", "items": ref("Grant")}}},
		"Explanation": obj{"type": "object", "properties": obj{
			"form": str, "defaults": obj{"type": "boolean"},
			"user": obj{"type": "object", "properties": obj{"id": str, "administrator": obj{"type": "boolean", "description": "Not held to grants"},
				"departments": strs, "departmentTree": strs, "roles": strs, "positions": strs, "leaderOf": strs}},
			"actions": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
				"action": str, "allowed": obj{"type": "boolean"},
				"filter": obj{"type": "string", "description": "The records the action reaches, bound to the user (true: all, false: none)"},
				"hidden": strs, "readOnly": strs, "grants": obj{"type": "array", "items": shown},
				"object": obj{"type": "boolean", "description": "With ?object=: whether the action reaches it"},
				"participation": obj{"type": "object", "description": "view, on a workflow form: the objects the user sees because they take part in their approvals (initiator, task, cc), and the fields the nodes hide from them",
					"properties": obj{"objects": obj{"type": "integer"}, "hidden": strs}},
			}}},
		}},
	}
}

// withExpands is grant's properties and the rule it expands into.
func withExpands(grant obj) obj {
	out := maps.Clone(grant)
	out["expands"] = obj{"type": "string", "description": "The rule the grant expands into (\"\" for all)"}
	return out
}
