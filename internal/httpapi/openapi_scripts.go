package httpapi

// scriptSchemas are the OpenAPI schemas of the script routes.
func scriptSchemas() obj {
	str := obj{"type": "string"}
	integer := obj{"type": "integer"}
	anyObj := obj{"type": "object", "additionalProperties": true}
	scriptErr := obj{"type": []string{"object", "null"}, "properties": obj{
		"script": str, "line": integer, "column": integer, "message": str, "stack": str,
		"kind": obj{"type": "string", "enum": []string{"thrown", "syntax", "timeout", "limit", "internal"}},
	}}
	console := obj{"type": "array", "items": obj{"type": "object", "properties": obj{"level": str, "message": str, "time": obj{"type": "string", "format": "date-time"}}}}
	calls := obj{"type": "array", "items": obj{"type": "object", "properties": obj{"id": str, "platform": str, "interface": str, "code": integer, "error": str, "duration_ms": integer}}}
	sc := obj{"type": "object", "properties": obj{
		"scope": obj{"type": "string", "enum": []string{"form", "flow", "api", "auth"}}, "target": str, "name": str, "version": integer,
		"lang": obj{"type": "string", "enum": []string{"js", "ts"}}, "source": str, "timeoutMs": integer, "enabled": obj{"type": "boolean"},
		"modifiedBy": str, "modifiedTime": obj{"type": "string", "format": "date-time"},
	}}
	exec := obj{"type": "object", "properties": obj{
		"id": str, "eventId": str, "scope": str, "target": str, "name": str, "version": integer, "hook": str,
		"formCode": str, "objectId": str, "instanceId": str, "status": obj{"type": "string", "enum": []string{"ok", "error"}},
		"attempt": integer, "started": obj{"type": "string", "format": "date-time"}, "durationMs": obj{"type": "number"},
		"result": obj{}, "error": scriptErr, "console": console, "calls": calls,
	}}
	env := obj{"type": "object", "properties": obj{"name": str, "value": obj{"type": "string", "description": "empty for a secret"}, "secret": obj{"type": "boolean"},
		"modifiedBy": str, "modifiedTime": obj{"type": "string", "format": "date-time"}}}
	return obj{
		"Script":     sc,
		"ScriptList": listOf("Script"),
		"ScriptInput": obj{"type": "object", "required": []string{"source"}, "properties": obj{
			"lang": obj{"type": "string", "enum": []string{"js", "ts"}, "default": "js"}, "source": str,
			"timeoutMs": obj{"type": "integer", "minimum": 1, "maximum": 60000, "default": 5000}, "enabled": obj{"type": "boolean", "default": true},
		}},
		"ScriptRun": obj{"type": "object", "required": []string{"source"}, "properties": obj{
			"lang": obj{"type": "string", "enum": []string{"js", "ts"}}, "source": str, "form": anyObj, "formCode": str, "objectId": str,
			"args": obj{}, "flow": anyObj, "timeoutMs": integer,
		}},
		"ScriptRunResult": obj{"type": "object", "properties": obj{
			"result": obj{}, "form": anyObj, "changed": obj{"type": "array", "items": str}, "console": console, "calls": calls,
			"error": scriptErr, "durationMs": obj{"type": "number"},
		}},
		"Execution":     exec,
		"ExecutionList": listOf("Execution"),
		"EnvVar":        env,
		"EnvList":       listOf("EnvVar"),
		"EnvInput":      obj{"type": "object", "properties": obj{"value": str, "secret": obj{"type": "boolean"}}},
		"DraftInput":    obj{"type": "object", "properties": obj{"values": anyObj, "objectId": str, "field": obj{"type": "string", "description": "onChange: the field that changed"}}},
		"DraftResult": obj{"type": "object", "properties": obj{
			"values": anyObj, "changed": obj{"type": "array", "items": str}, "result": obj{}, "console": console,
		}},
		"CustomInput":  obj{"type": "object", "description": "The action's $args", "additionalProperties": true},
		"CustomResult": obj{"type": "object", "properties": obj{"data": obj{"description": "The action's return value"}}},
	}
}
