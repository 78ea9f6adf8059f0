package connector

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
)

var keyRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// Timeouts of an interface, in seconds.
const (
	DefaultTimeout = 30
	MaxTimeout     = 60
	maxRetries     = 3
)

var authMethods = map[string]bool{
	"none": true, "basic": true, "bearer": true, "api_key": true, "oauth2_client_credentials": true,
	"token_fetch": true, "hmac_signature": true, "script": true,
}

var idempotent = map[string]bool{"GET": true, "HEAD": true, "PUT": true, "DELETE": true, "OPTIONS": true}

// Validate checks a platform definition and fills its defaults.
func (p *Platform) Validate() error {
	if !keyRE.MatchString(p.Key) {
		return apperr.Field("key", "平台标识须以字母开头, 只含字母、数字和 _, 最多 64 个字符: %q (key: letters, digits and _, starting with a letter, at most 64)", p.Key)
	}
	if p.Name == "" {
		p.Name = p.Key
	}
	if err := checkBaseURL("baseUrl", p.BaseURL, true); err != nil {
		return err
	}
	if err := p.Network.validate("network.allow"); err != nil {
		return err
	}
	if p.Limits.Concurrency < 0 || p.Limits.Rate < 0 || p.Limits.Burst < 0 {
		return apperr.Field("limits", "限制不能为负数 (limits must not be negative)")
	}
	if err := p.Success.validate("success"); err != nil {
		return err
	}
	seen := map[string]int{}
	for i := range p.Interfaces {
		f := &p.Interfaces[i]
		field := fmt.Sprintf("interfaces[%d]", i)
		if err := f.validate(field); err != nil {
			return err
		}
		for _, name := range []string{f.Key, camel(f.Key)} {
			if j, dup := seen[name]; dup && j != i {
				return apperr.Field(field+".key", "接口 %s 与第 %d 个接口重名 (interface key %s is used twice)", f.Key, j+1, f.Key)
			}
			seen[name] = i
		}
	}
	return p.Auth.validate(p)
}

func checkBaseURL(field, raw string, required bool) error {
	if raw == "" && !required {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return apperr.Field(field, "%s 须是 http 或 https 地址: %q (%s must be an http or https URL)", field, raw, field)
	}
	return nil
}

func (n Network) validate(field string) error {
	for _, a := range n.Allow {
		if strings.Contains(a, "/") {
			if _, _, err := net.ParseCIDR(a); err != nil {
				return apperr.Field(field, "不是有效的 CIDR: %q (not a valid CIDR)", a)
			}
		} else if a == "" || strings.ContainsAny(a, " :/") && net.ParseIP(a) == nil {
			return apperr.Field(field, "不是有效的主机名、IP 或 CIDR: %q (not a valid host, IP or CIDR)", a)
		}
	}
	return nil
}

func (s *Success) validate(field string) error {
	if s == nil {
		return nil
	}
	if s.CodePath == "" {
		return apperr.Field(field+".codePath", "成功映射需要 codePath (the success mapping needs codePath)")
	}
	return nil
}

func (f *Interface) validate(field string) error {
	if !keyRE.MatchString(f.Key) {
		return apperr.Field(field+".key", "接口标识须以字母开头, 只含字母、数字和 _: %q (interface key: letters, digits and _, starting with a letter)", f.Key)
	}
	f.Method = strings.ToUpper(f.Method)
	switch f.Method {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
	case "":
		f.Method = "GET"
	default:
		return apperr.Field(field+".method", "不支持的 HTTP 方法: %s (unsupported HTTP method)", f.Method)
	}
	if f.Path != "" && !strings.HasPrefix(f.Path, "/") {
		return apperr.Field(field+".path", "路径须以 / 开头: %q (path must start with /)", f.Path)
	}
	if f.TimeoutSeconds < 0 || f.TimeoutSeconds > MaxTimeout {
		return apperr.Field(field+".timeoutSeconds", "超时须在 0 到 %d 秒之间 (timeoutSeconds must be 0–%d)", MaxTimeout, MaxTimeout)
	}
	if f.Retries < 0 || f.Retries > maxRetries {
		return apperr.Field(field+".retries", "重试次数须在 0 到 %d 之间 (retries must be 0–%d)", maxRetries, maxRetries)
	}
	if f.Retries > 0 && !idempotent[f.Method] {
		return apperr.Field(field+".retries", "只有幂等方法可以重试, %s 不行 (only idempotent methods may retry, not %s)", f.Method, f.Method)
	}
	if err := f.Success.validate(field + ".success"); err != nil {
		return err
	}
	names := map[string]bool{}
	for j := range f.Params {
		p := &f.Params[j]
		pf := fmt.Sprintf("%s.params[%d]", field, j)
		if p.Name == "" {
			return apperr.Field(pf+".name", "参数需要名称 (a parameter needs a name)")
		}
		if names[p.Name] {
			return apperr.Field(pf+".name", "参数 %s 重复 (parameter %s is declared twice)", p.Name, p.Name)
		}
		names[p.Name] = true
		switch p.In {
		case "path", "query", "header", "body":
		case "":
			p.In = "query"
		default:
			return apperr.Field(pf+".in", "参数位置须是 path、query、header 或 body: %q (in must be path, query, header or body)", p.In)
		}
	}
	for _, m := range pathParamRE.FindAllStringSubmatch(f.Path, -1) {
		if !names[m[1]] {
			return apperr.Field(field+".path", "路径参数 {%s} 没有声明 (path parameter {%s} is not declared)", m[1], m[1])
		}
	}
	return nil
}

func (a *Auth) validate(p *Platform) error {
	if a.Method == "" {
		a.Method = "none"
	}
	if !authMethods[a.Method] {
		return apperr.Field("auth.method", "不支持的鉴权方式: %s (unsupported auth method)", a.Method)
	}
	need := func(name, v string) error {
		if v == "" {
			return apperr.Field("auth."+name, "鉴权方式 %s 需要 %s (auth method %s needs %s)", a.Method, name, a.Method, name)
		}
		return nil
	}
	switch a.In {
	case "", "header", "query":
	default:
		return apperr.Field("auth.in", "auth.in 须是 header 或 query: %q (auth.in must be header or query)", a.In)
	}
	switch a.Method {
	case "basic":
		return need("username", a.Username)
	case "bearer":
		return need("token", a.Token)
	case "api_key":
		if err := need("name", a.Name); err != nil {
			return err
		}
		return need("value", a.Value)
	case "oauth2_client_credentials":
		if err := need("tokenUrl", a.TokenURL); err != nil {
			return err
		}
		return need("clientId", a.ClientID)
	case "token_fetch":
		if err := need("tokenInterface", a.TokenInterface); err != nil {
			return err
		}
		if err := need("tokenPath", a.TokenPath); err != nil {
			return err
		}
		if err := need("name", a.Name); err != nil {
			return err
		}
		for _, f := range p.Interfaces {
			if f.Key == a.TokenInterface {
				return nil
			}
		}
		return apperr.Field("auth.tokenInterface", "没有这个接口: %s (no such interface on the platform)", a.TokenInterface)
	case "hmac_signature":
		switch a.Algorithm {
		case "", "sha256", "sha1":
		default:
			return apperr.Field("auth.algorithm", "签名算法须是 sha256 或 sha1: %q (algorithm must be sha256 or sha1)", a.Algorithm)
		}
		switch a.Encoding {
		case "", "hex", "base64":
		default:
			return apperr.Field("auth.encoding", "签名编码须是 hex 或 base64: %q (encoding must be hex or base64)", a.Encoding)
		}
		return need("key", a.Key)
	}
	return nil
}

func validInstance(in *Instance) error {
	if !keyRE.MatchString(in.Key) {
		return apperr.Field("key", "实例标识须以字母开头, 只含字母、数字和 _: %q (instance key: letters, digits and _, starting with a letter)", in.Key)
	}
	if err := checkBaseURL("baseUrl", in.BaseURL, false); err != nil {
		return err
	}
	return in.Network.validate("network.allow")
}
