package httpapi

// The OpenAPI entries of the file API beyond the route table: its schemas
// and the preview path, which takes no credentials.

func binaryContent() obj {
	return obj{"application/octet-stream": obj{"schema": obj{"type": "string", "format": "binary"}},
		"image/*": obj{"schema": obj{"type": "string", "format": "binary"}}, "application/pdf": obj{"schema": obj{"type": "string", "format": "binary"}}}
}

func fileSchemas() obj {
	s := func(desc string) obj { return obj{"type": "string", "description": desc} }
	return obj{
		"FileUpload": obj{"type": "object", "required": []string{"file"}, "properties": obj{
			"file":                 obj{"type": "string", "format": "binary", "description": "The content, with its filename (only the last path element is kept; control and bidirectional characters are dropped; NUL or invalid UTF-8 is refused)"},
			"sourceSystem":         s("Your system's code, at most 128 characters"),
			"sourceDocumentNumber": s("Your document the file belongs to, at most 128 characters"),
		}},
		"File": obj{"type": "object", "required": []string{"fileKey", "name", "size", "contentType"}, "properties": obj{
			"fileKey": s("Put it in an attachment field: [\"<fileKey>\"] or [{\"fileKey\": …}]"), "name": s("The cleaned file name"),
			"size": obj{"type": "integer"}, "contentType": s("As declared, else from the extension or the content; metadata only: downloads are served as the sniffed image/PDF type or application/octet-stream"),
			"sourceSystem": s(""), "sourceDocumentNumber": s(""), "createdBy": s("The uploading user"),
			"createdTime": obj{"type": "string", "format": "date-time"},
			"formCode":    s("The form of the first record that held the file"), "objectId": s("That record (for a child row, its main record)"),
		}},
		"FileList": listOf("File"),
		"PreviewLinkInput": obj{"type": "object", "description": "Optional (an empty body is fine)", "properties": obj{
			"expiresIn": obj{"type": "integer", "minimum": 1, "description": "Seconds (default 600, at most --preview-max-ttl)"},
		}},
		"PreviewLink": obj{"type": "object", "required": []string{"url", "expiresAt"}, "properties": obj{
			"url": s("Open it in a browser: no credentials needed until expiresAt"), "expiresAt": obj{"type": "string", "format": "date-time"},
			"expiresIn": obj{"type": "integer"},
		}},
	}
}

func filePaths() obj {
	q := func(name, desc string) obj {
		return obj{"name": name, "in": "query", "required": true, "description": desc, "schema": obj{"type": "string"}}
	}
	errResp := obj{"$ref": "#/components/responses/Error"}
	return obj{filesPath + "/{fileKey}/preview": obj{"get": obj{
		"tags": []string{"Files"}, "operationId": "get_files_fileKey_preview", "security": []obj{},
		"summary":     "Open a preview link (from POST …/preview-link; no credentials)",
		"description": "Images (PNG, JPEG, GIF, WebP, BMP) and PDFs, as their content was sniffed, show inline; anything else downloads as application/octet-stream. Always X-Content-Type-Options: nosniff and a Content-Security-Policy that runs nothing. An altered link is 403, an expired one 410.",
		"parameters": []obj{
			{"name": "fileKey", "in": "path", "required": true, "schema": obj{"type": "string"}},
			q("expires", "Unix seconds"), q("signature", "base64url HMAC-SHA256"),
		},
		"responses": obj{
			"200": obj{"description": "The file", "content": binaryContent(), "headers": obj{
				"Content-Disposition":     obj{"description": "inline or attachment, with filename and filename* (RFC 6266, 5987)", "schema": obj{"type": "string"}},
				"Content-Security-Policy": obj{"schema": obj{"type": "string"}},
			}},
			"206": obj{"description": "A range of the file", "content": binaryContent()},
			"304": obj{"description": "Not modified"},
			"400": errResp, "403": errResp, "404": errResp, "410": errResp, "412": errResp, "416": errResp, "500": errResp,
		},
	}}}
}
