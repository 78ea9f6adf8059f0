package httpapi

import (
	"net/http"

	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/record"
)

// The OAuth clients' admin routes (administrator only; scope admin).

const clientsPath = "/api/v1/oauth-clients"

func (s *Server) oauthRoutes() []route {
	const tag = "OAuth"
	return []route{
		{"POST", clientsPath, s.createClient, opDoc{tag: tag, summary: "Create an OAuth2 client; its secret is in this answer only", body: "OAuthClientInput", status: 201, resp: "OAuthClient"}},
		{"GET", clientsPath, s.listClients, opDoc{tag: tag, summary: "List the OAuth2 clients (never their secrets)", status: 200, resp: "OAuthClientList"}},
		{"GET", clientsPath + "/{id}", s.getClient, opDoc{tag: tag, summary: "Get an OAuth2 client (never its secret)", status: 200, resp: "OAuthClient", errors: []int{404}}},
		{"PATCH", clientsPath + "/{id}", s.patchClient, opDoc{tag: tag, summary: "Change a client's name, scopes, rateLimit, allowedIps, callbacks or enabled (disabling stops its tokens at once)", body: "OAuthClientInput", status: 200, resp: "OAuthClient", errors: []int{404, 409}}},
		{"POST", clientsPath + "/{id}/rotate-secret", s.rotateClientSecret, opDoc{tag: tag, summary: "Give the client a new secret, in this answer only (tokens already issued stay valid)", status: 200, resp: "OAuthClient", errors: []int{404, 409}}},
		{"DELETE", clientsPath + "/{id}", s.revokeClient, opDoc{tag: tag, summary: "Revoke the client: its tokens stop working at once on every node", status: 204, errors: []int{404}}},
		{"POST", "/api/v1/oauth-keys/rotate", s.rotateKey, opDoc{tag: tag, summary: "A new key signs tokens from now on; the tokens the old keys signed stay valid until they expire", status: 200, resp: "OAuthKey"}},
	}
}

func (z zone) client(c auth.Client) auth.Client {
	c.CreatedTime, c.ModifiedTime = z.at(c.CreatedTime), z.at(c.ModifiedTime)
	return c
}

func (s *Server) createClient(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var in auth.ClientInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	c, err := s.deps.Auth.CreateClient(r.Context(), in)
	return writeZoned(w, http.StatusCreated, s.zone.client)(&c, err)
}

func (s *Server) listClients(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	cs, err := s.deps.Auth.Clients(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[auth.Client]{Items: zoneAll(cs, s.zone.client), Total: len(cs), Limit: len(cs)})
	return nil
}

func (s *Server) getClient(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	c, err := s.deps.Auth.GetClient(r.Context(), r.PathValue("id"))
	return writeZoned(w, http.StatusOK, s.zone.client)(&c, err)
}

func (s *Server) patchClient(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var in auth.ClientInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	c, err := s.deps.Auth.UpdateClient(r.Context(), r.PathValue("id"), in)
	return writeZoned(w, http.StatusOK, s.zone.client)(&c, err)
}

func (s *Server) rotateClientSecret(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	c, err := s.deps.Auth.RotateClientSecret(r.Context(), r.PathValue("id"))
	return writeZoned(w, http.StatusOK, s.zone.client)(&c, err)
}

func (s *Server) revokeClient(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	if err := s.deps.Auth.RevokeClient(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) rotateKey(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	kid, err := s.deps.Auth.RotateKey(r.Context(), true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"kid": kid})
	return nil
}

// oauthSchemas are the OpenAPI schemas of the OAuth routes.
func oauthSchemas() obj {
	str := obj{"type": "string"}
	scopes := obj{"type": "array", "items": obj{"type": "string", "enum": auth.AllScopes}}
	ips := obj{"type": "array", "items": obj{"type": "string"}, "description": "IP addresses or CIDR ranges the client's tokens may be used from (empty: anywhere)"}
	rate := obj{"type": "number", "minimum": 0, "description": "Requests per second for the client's tokens (0: the server's default)"}
	return obj{
		"OAuthClient": obj{"type": "object", "properties": obj{
			"id": str, "name": str, "scopes": scopes, "rateLimit": rate, "allowedIps": ips,
			"enabled": obj{"type": "boolean"}, "revoked": obj{"type": "boolean"}, "callbacks": obj{"type": "object", "description": "Async batch callback URLs by operation: create, update, upsert, delete, and default for the others", "additionalProperties": obj{"type": "string", "format": "uri"}},
			"createdTime": obj{"type": "string", "format": "date-time"}, "modifiedTime": obj{"type": "string", "format": "date-time"},
			"secret": obj{"type": "string", "description": "Only in the answers that create the client or rotate its secret"},
		}},
		"OAuthClientList": listOf("OAuthClient"),
		"OAuthClientInput": obj{"type": "object", "properties": obj{
			"name": str, "scopes": scopes, "rateLimit": rate, "allowedIps": ips, "enabled": obj{"type": "boolean"},
			"callbacks": obj{"type": "object", "description": "Async batch callback URLs by operation: create, update, upsert, delete, and default for the others", "additionalProperties": obj{"type": "string", "format": "uri"}},
		}},
		"OAuthKey":     obj{"type": "object", "properties": obj{"kid": str}},
		"TokenRequest": obj{"type": "object", "required": []string{"grant_type"}, "properties": obj{"grant_type": obj{"type": "string", "enum": []string{"client_credentials"}}, "client_id": str, "client_secret": str, "scope": obj{"type": "string", "description": "Space-separated; default: all of the client's"}}},
		"Token": obj{"type": "object", "properties": obj{"access_token": str, "token_type": obj{"type": "string", "enum": []string{"Bearer"}},
			"expires_in": obj{"type": "integer"}, "scope": str}},
		"TokenError": obj{"type": "object", "properties": obj{
			"error":             obj{"type": "string", "enum": []string{"invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope", "server_error"}},
			"error_description": str}},
	}
}

// tokenPath documents POST /oauth/token.
func tokenPath() obj {
	body := obj{"schema": ref("TokenRequest")}
	errResp := func(desc string) obj { return obj{"description": desc, "content": jsonContent(ref("TokenError"))} }
	return obj{"post": obj{"tags": []string{"OAuth"}, "operationId": "oauth_token", "security": []obj{{}, {"clientBasic": []string{}}},
		"summary":     "OAuth2 client credentials grant (RFC 6749 §4.4): client id and secret by HTTP Basic or in the body",
		"requestBody": obj{"required": true, "content": obj{"application/x-www-form-urlencoded": body, "application/json": body}},
		"responses": obj{
			"200": obj{"description": "The access token (Cache-Control: no-store)", "content": jsonContent(ref("Token"))},
			"400": errResp("invalid_request, unsupported_grant_type or invalid_scope"),
			"401": errResp("invalid_client (with WWW-Authenticate: Basic when Basic was used)"),
			"500": errResp("server_error"),
		}}}
}
