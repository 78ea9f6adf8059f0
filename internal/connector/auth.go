package connector

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authorize adds the platform's credentials to req. stale, when set, is
// a cached token the vendor refused: it is fetched again.
func (c *call) authorize(ctx context.Context, req *http.Request, stale string) error {
	a := &c.p.def.Auth
	sc := &scope{config: c.in.def.Config, secrets: c.in.secrets}
	switch a.Method {
	case "", "none":
	case "basic":
		pw := sc.renderText(a.Password)
		req.SetBasicAuth(sc.renderText(a.Username), pw)
		c.hide = append(c.hide, pw, strings.TrimPrefix(req.Header.Get("Authorization"), "Basic "))
	case "bearer":
		tok := sc.renderText(a.Token)
		c.hide = append(c.hide, tok)
		req.Header.Set("Authorization", "Bearer "+tok)
	case "api_key":
		v := sc.renderText(a.Value)
		c.hide = append(c.hide, v)
		place(req, a.In, a.Name, a.Prefix+v)
	case "oauth2_client_credentials", "token_fetch":
		tok, err := c.s.tokens.get(ctx, c.tokenKey(), stale, func(ctx context.Context) (string, time.Duration, error) {
			if a.Method == "token_fetch" {
				return c.fetchToken(ctx)
			}
			return c.oauth2Token(ctx, sc)
		})
		if err != nil {
			if _, ok := errors.AsType[*CallError](err); ok {
				return err
			}
			return c.fail(fmt.Errorf("fetching the token failed: %w", err))
		}
		c.hide = append(c.hide, tok)
		if a.Method == "oauth2_client_credentials" {
			req.Header.Set("Authorization", "Bearer "+tok)
		} else {
			place(req, a.In, a.Name, a.Prefix+tok)
		}
	case "hmac_signature":
		return c.sign(req, sc)
	case "script":
		f := c.s.scriptAuth.Load()
		if f == nil {
			return c.fail(errors.New("the script auth method needs the script engine, which is not set up"))
		}
		if err := (*f)(ctx, c.p.def.Key, c.in.def.Key, req); err != nil {
			return c.fail(fmt.Errorf("script auth: %w", err))
		}
	}
	return nil
}

func place(req *http.Request, in, name, value string) {
	if in == "query" {
		q := req.URL.Query()
		q.Set(name, value)
		req.URL.RawQuery = q.Encode()
		return
	}
	req.Header.Set(name, value)
}

func (c *call) refreshable() bool {
	m := c.p.def.Auth.Method
	return !c.f.def.NoAuth && (m == "token_fetch" || m == "oauth2_client_credentials")
}

func (c *call) invalidToken(vcode any) bool {
	if vcode == nil {
		return false
	}
	for _, code := range c.p.def.Auth.InvalidCodes {
		if text(vcode) == code {
			return true
		}
	}
	return false
}

func (c *call) tokenKey() string {
	return c.p.def.Key + "\x00" + c.in.def.Key + "\x00" + strconv.FormatInt(c.in.def.Revision, 10) + "\x00" + strconv.FormatInt(c.p.def.Revision, 10)
}

func (c *call) tokenUsed() string { return c.s.tokens.current(c.tokenKey()) }

// fetchToken calls the platform's token interface and reads the token
// and its lifetime from the answer.
func (c *call) fetchToken(ctx context.Context) (string, time.Duration, error) {
	a := &c.p.def.Auth
	res, err := c.s.Call(ctx, CallRequest{Platform: c.p.def.Key, Instance: c.in.def.Key, Interface: a.TokenInterface,
		Caller: Caller{Kind: "auth", Label: c.f.def.Key}})
	if err != nil {
		return "", 0, err
	}
	tok, ok := getPath(res.Data, a.TokenPath)
	if !ok || text(tok) == "" || res.Code != 200 {
		return "", 0, fmt.Errorf("%s answered code %d (%s) without a token at %s", a.TokenInterface, res.Code, res.Message, a.TokenPath)
	}
	ttl := time.Duration(a.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = defaultTokenSeconds * time.Second
	}
	if a.ExpiresPath != "" {
		if v, ok := getPath(res.Data, a.ExpiresPath); ok {
			if n, err := strconv.ParseFloat(text(v), 64); err == nil && n > 0 {
				ttl = time.Duration(n * float64(time.Second))
			}
		}
	}
	return text(tok), ttl, nil
}

// sign adds an HMAC signature over method, path (with query), timestamp,
// nonce and body, one per line.
func (c *call) sign(req *http.Request, sc *scope) error {
	a := &c.p.def.Auth
	key := sc.renderText(a.Key)
	if key == "" {
		return c.fail(errors.New("the hmac_signature key is empty: set the instance's secret"))
	}
	c.hide = append(c.hide, key)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	var nb [8]byte
	rand.Read(nb[:])
	nonce := hex.EncodeToString(nb[:])
	canon := Canonical(req.Method, req.URL.RequestURI(), ts, nonce, c.body)
	var h func() hash.Hash = sha256.New
	if a.Algorithm == "sha1" {
		h = sha1.New
	}
	m := hmac.New(h, []byte(key))
	m.Write([]byte(canon))
	sum := m.Sum(nil)
	sig := hex.EncodeToString(sum)
	if a.Encoding == "base64" {
		sig = base64.StdEncoding.EncodeToString(sum)
	}
	req.Header.Set(or(a.SignatureHeader, "X-Signature"), sig)
	req.Header.Set(or(a.TimestampHeader, "X-Timestamp"), ts)
	req.Header.Set(or(a.NonceHeader, "X-Nonce"), nonce)
	if id := sc.renderText(a.KeyID); id != "" {
		req.Header.Set(or(a.KeyIDHeader, "X-Key-Id"), id)
	}
	return nil
}

// Canonical is the string hmac_signature signs: method, path with query,
// timestamp, nonce and body joined by newlines.
func Canonical(method, requestURI, timestamp, nonce string, body []byte) string {
	return strings.Join([]string{strings.ToUpper(method), requestURI, timestamp, nonce, string(body)}, "\n")
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
