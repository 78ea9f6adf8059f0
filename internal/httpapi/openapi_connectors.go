package httpapi

// connectorSchemas are the integration hub's schemas (docs/integrations.md).
func connectorSchemas() obj {
	s := func(d string) obj { return str(d) }
	anyObj := obj{"type": "object", "additionalProperties": true}
	success := obj{"type": "object", "required": []string{"codePath"}, "properties": obj{
		"codePath": s("Dotted path of the vendor code, e.g. errcode"), "ok": obj{"description": "The code meaning success (code 200)"},
		"messagePath": s("Dotted path of the vendor message"),
		"dataPath":    s("Dotted path of the payload: on success, data is the value there"),
	}}
	param := obj{"type": "object", "required": []string{"name", "in"}, "properties": obj{
		"name": s("Parameter name"), "in": obj{"type": "string", "enum": []string{"path", "query", "header", "body"}},
		"bodyPath": s("body: where it goes, e.g. text.content"), "required": obj{"type": "boolean"},
		"join": s("An array becomes one string joined by this"), "default": obj{}, "description": s("What it is"),
	}}
	iface := obj{"type": "object", "required": []string{"key"}, "properties": obj{
		"key": s("snake_case or camelCase; callable by both forms"), "name": s("Display name"), "description": s("What it does"),
		"method": obj{"type": "string", "enum": []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}},
		"path":   s("Path with {param}s"), "params": obj{"type": "array", "items": ref("ConnectorParam")},
		"headers": obj{"type": "object", "additionalProperties": obj{"type": "string"}}, "query": obj{"type": "object", "additionalProperties": obj{"type": "string"}},
		"body":           obj{"description": "JSON template: {{params.x}}, {{config.x}}, {{secret.x}}; {\"$json\": v} encodes v as a string"},
		"timeoutSeconds": obj{"type": "integer", "maximum": 60}, "retries": obj{"type": "integer", "maximum": 3},
		"success": ref("SuccessMapping"), "noAuth": obj{"type": "boolean"},
	}}
	auth := obj{"type": "object", "required": []string{"method"}, "additionalProperties": obj{}, "properties": obj{
		"method": obj{"type": "string", "enum": []string{"none", "basic", "bearer", "api_key", "oauth2_client_credentials", "token_fetch", "hmac_signature", "script"}},
	}}
	platform := obj{"type": "object", "required": []string{"key", "baseUrl"}, "properties": obj{
		"key": s("platform_key"), "name": s("Display name"), "description": s("Notes"), "baseUrl": s("http(s) URL"),
		"auth": auth, "network": obj{"type": "object", "properties": obj{"allow": obj{"type": "array", "items": obj{"type": "string"}}}},
		"success": ref("SuccessMapping"), "limits": obj{"type": "object", "properties": obj{
			"concurrency": obj{"type": "integer"}, "rate": obj{"type": "number"}, "burst": obj{"type": "integer"}}},
		"interfaces": obj{"type": "array", "items": ref("Interface")},
		"builtIn":    obj{"type": "boolean", "readOnly": true}, "revision": obj{"type": "integer", "readOnly": true},
		"createdTime": obj{"type": "string", "format": "date-time", "readOnly": true}, "modifiedTime": obj{"type": "string", "format": "date-time", "readOnly": true},
	}}
	instProps := obj{
		"name": s("Display name"), "baseUrl": s("Overrides the platform's"), "default": obj{"type": "boolean"},
		"config": anyObj, "secrets": obj{"type": "object", "additionalProperties": obj{"type": "string"}, "description": "Write: name → value; read: name → \"set\""},
		"network": obj{"type": "object", "properties": obj{"allow": obj{"type": "array", "items": obj{"type": "string"}}}},
	}
	instance := obj{"type": "object", "required": []string{"key"}, "properties": obj{"platform": s("platform_key"), "key": s("instance_key"),
		"revision": obj{"type": "integer", "readOnly": true}, "createdTime": obj{"type": "string", "format": "date-time"}, "modifiedTime": obj{"type": "string", "format": "date-time"}}}
	for k, v := range instProps {
		instance["properties"].(obj)[k] = v
	}
	result := obj{"type": "object", "properties": obj{
		"code": obj{"type": "integer"}, "data": obj{}, "message": obj{"type": "string"}, "status": obj{"type": "integer"},
		"headers": obj{"type": "object", "additionalProperties": obj{"type": "string"}}, "duration_ms": obj{"type": "integer"},
	}}
	hdrs := obj{"type": "object", "additionalProperties": obj{"type": "string"}}
	rec := obj{"type": "object", "properties": obj{
		"id": s("Call id"), "time": obj{"type": "string", "format": "date-time"}, "platform": s("platform_key"), "instance": s("instance_key"),
		"interface": s("Interface key"), "caller": anyObj, "method": s("HTTP method"), "url": s("Redacted URL"), "requestHeaders": hdrs,
		"requestBody": s("Redacted, truncated"), "status": obj{"type": "integer"}, "code": obj{"type": "integer"}, "responseHeaders": hdrs,
		"responseBody": s("Truncated"), "truncated": obj{"type": "boolean"}, "duration_ms": obj{"type": "integer"}, "error": s("Transport failure"),
	}}
	return obj{
		"SuccessMapping": success, "ConnectorParam": param, "Interface": iface, "InterfaceList": listOf("Interface"),
		"Platform": platform, "PlatformList": listOf("Platform"),
		"PlatformImport":    obj{"type": "object", "required": []string{"platforms"}, "properties": obj{"platforms": obj{"type": "array", "items": ref("Platform")}}},
		"ConnectorInstance": instance, "ConnectorInstancePatch": obj{"type": "object", "properties": instProps}, "ConnectorInstanceList": listOf("ConnectorInstance"),
		"CallInput": obj{"type": "object", "properties": obj{"instance": s("instance_key (default: the default instance)"),
			"args": obj{"type": "array", "items": obj{}}, "path": anyObj, "query": anyObj, "header": anyObj, "body": obj{}}},
		"OpenAPIDocument": obj{"type": "object", "additionalProperties": true, "description": "An OpenAPI 3 or Swagger 2 document, JSON or YAML"},
		"OpenAPIImportResult": obj{"type": "object", "required": []string{"platform", "imported"}, "properties": obj{
			"platform": ref("Platform"), "imported": obj{"type": "array", "items": obj{"type": "string"}, "description": "The interface keys added or replaced, in document order"}}},
		"CallResult": result, "CallRecord": rec, "CallRecordList": listOf("CallRecord"),
	}
}
