package connector

import "time"

// Platform is a third-party system scripts call through $proxy: its base
// URL, how requests are authenticated, which hosts it may reach and its
// interfaces. Built-in platforms and exported ones have this same JSON form.
type Platform struct {
	Key         string      `json:"key"` // platform_key
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	BaseURL     string      `json:"baseUrl"`
	Auth        Auth        `json:"auth"`
	Network     Network     `json:"network,omitzero"`
	Success     *Success    `json:"success,omitempty"` // default for its interfaces
	Limits      Limits      `json:"limits,omitzero"`
	Interfaces  []Interface `json:"interfaces"`

	BuiltIn      bool      `json:"builtIn,omitempty"` // shipped in the binary; read-only
	Revision     int64     `json:"revision,omitempty"`
	CreatedTime  time.Time `json:"createdTime,omitzero"`
	ModifiedTime time.Time `json:"modifiedTime,omitzero"`
}

// Auth says how a platform's requests are authenticated. Every string is a
// template: "{{config.name}}" and "{{secret.name}}" read the instance's
// config values and secrets.
type Auth struct {
	// Method is none, basic, bearer, api_key, oauth2_client_credentials,
	// token_fetch, hmac_signature or script.
	Method string `json:"method"`

	Username string `json:"username,omitempty"` // basic
	Password string `json:"password,omitempty"` // basic
	Token    string `json:"token,omitempty"`    // bearer

	// api_key and token_fetch: where the key or token goes.
	In     string `json:"in,omitempty"`     // header (default) or query
	Name   string `json:"name,omitempty"`   // header or query parameter name
	Value  string `json:"value,omitempty"`  // api_key: the key
	Prefix string `json:"prefix,omitempty"` // e.g. "Bearer " before a token in a header

	// oauth2_client_credentials
	TokenURL     string   `json:"tokenUrl,omitempty"`
	ClientID     string   `json:"clientId,omitempty"`
	ClientSecret string   `json:"clientSecret,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`

	// token_fetch: the interface (of this platform) that returns the token,
	// and where its answer holds the token and its lifetime in seconds.
	TokenInterface string `json:"tokenInterface,omitempty"`
	TokenPath      string `json:"tokenPath,omitempty"`
	ExpiresPath    string `json:"expiresPath,omitempty"`
	ExpiresIn      int    `json:"expiresIn,omitempty"` // seconds when the answer has none (default 7200)
	// InvalidCodes are vendor codes (read by the success mapping's
	// codePath) meaning "token invalid": the token is fetched again and the
	// call retried once. HTTP 401 always counts.
	InvalidCodes []string `json:"invalidCodes,omitempty"`

	// hmac_signature
	Key             string `json:"key,omitempty"`       // the signing secret
	KeyID           string `json:"keyId,omitempty"`     // sent in KeyIDHeader when both are set
	Algorithm       string `json:"algorithm,omitempty"` // sha256 (default) or sha1
	Encoding        string `json:"encoding,omitempty"`  // hex (default) or base64
	SignatureHeader string `json:"signatureHeader,omitempty"`
	TimestampHeader string `json:"timestampHeader,omitempty"`
	NonceHeader     string `json:"nonceHeader,omitempty"`
	KeyIDHeader     string `json:"keyIdHeader,omitempty"`
}

// Network is a platform's outbound policy: public addresses are always
// reachable; loopback, private, link-local and metadata addresses only
// when a host name or CIDR here allows them.
type Network struct {
	Allow []string `json:"allow,omitempty"`
}

// Limits bound a platform's calls on each node.
type Limits struct {
	Concurrency int     `json:"concurrency,omitempty"` // calls in flight (default 32)
	Rate        float64 `json:"rate,omitempty"`        // calls per second; 0 unlimited
	Burst       int     `json:"burst,omitempty"`       // default max(1, rate)
}

// Success maps a vendor's answer to the result's code and message: when
// the value at CodePath equals OK, code is 200; otherwise it is the
// vendor's code. MessagePath is the vendor's message. DataPath, when
// set, unwraps a successful answer's payload into data (a CRM answering
// {"errcode":0,"data":{…}} gives scripts result.data.name).
type Success struct {
	CodePath    string `json:"codePath"`
	OK          any    `json:"ok"`
	MessagePath string `json:"messagePath,omitempty"`
	DataPath    string `json:"dataPath,omitempty"`
}

// Interface is one callable operation of a platform.
type Interface struct {
	Key         string `json:"key"` // snake_case or camelCase; both forms call it
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Method      string `json:"method"`
	Path        string `json:"path"` // may hold {param}s
	// Params in the order a direct call passes them.
	Params []Param `json:"params,omitempty"`
	// Templates: "{{params.x}}", "{{config.x}}", "{{secret.x}}". A string
	// that is exactly one reference takes the value with its type; a
	// parameter a template references is placed by the template only.
	// {"$json": v} in the body becomes v encoded as a JSON string.
	Headers        map[string]string `json:"headers,omitempty"`
	Query          map[string]string `json:"query,omitempty"`
	Body           any               `json:"body,omitempty"`
	TimeoutSeconds int               `json:"timeoutSeconds,omitempty"` // default 30, at most 60
	Retries        int               `json:"retries,omitempty"`        // GET, HEAD, PUT, DELETE, OPTIONS only; at most 3
	Success        *Success          `json:"success,omitempty"`        // overrides the platform's
	NoAuth         bool              `json:"noAuth,omitempty"`         // e.g. the token interface itself
}

// Param is a declared parameter of an interface.
type Param struct {
	Name        string `json:"name"`
	In          string `json:"in"`                 // path, query, header or body
	BodyPath    string `json:"bodyPath,omitempty"` // body: where it goes, e.g. text.content (default: name)
	Required    bool   `json:"required,omitempty"`
	Join        string `json:"join,omitempty"` // an array becomes one string joined by this, e.g. "|"
	Default     any    `json:"default,omitempty"`
	Description string `json:"description,omitempty"`
}

// Instance is one set of credentials (and optionally another base URL) for
// a platform. Secrets are sealed at rest and never returned: Secrets in
// an answer maps each name to "set".
type Instance struct {
	Platform     string            `json:"platform"`
	Key          string            `json:"key"` // instance_key
	Name         string            `json:"name,omitempty"`
	BaseURL      string            `json:"baseUrl,omitempty"` // overrides the platform's
	Default      bool              `json:"default"`
	Config       map[string]any    `json:"config,omitempty"`
	Secrets      map[string]string `json:"secrets,omitempty"`
	Network      Network           `json:"network,omitzero"` // hosts or CIDRs allowed on top of the platform's
	Revision     int64             `json:"revision,omitempty"`
	CreatedTime  time.Time         `json:"createdTime,omitzero"`
	ModifiedTime time.Time         `json:"modifiedTime,omitzero"`
}

// InstancePatch changes the fields sent. A secret sent as "" is removed;
// secrets not sent are kept.
type InstancePatch struct {
	Name    *string           `json:"name,omitempty"`
	BaseURL *string           `json:"baseUrl,omitempty"`
	Default *bool             `json:"default,omitempty"`
	Config  map[string]any    `json:"config,omitempty"`
	Secrets map[string]string `json:"secrets,omitempty"`
	Network *Network          `json:"network,omitempty"`
}
