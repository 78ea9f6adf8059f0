package script

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

	"github.com/dop251/goja"
)

var hashes = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New,
}

// installCrypto adds $crypto: hashes, HMAC, base64, uuid, random hex.
func (rt *vmRuntime) installCrypto() error {
	fns := map[string]func(goja.FunctionCall) goja.Value{}
	for name, h := range hashes {
		newHash := h
		fns[name] = rt.native(func(c goja.FunctionCall) goja.Value {
			s, ok := rt.stringArg(c, 0)
			if !ok {
				return goja.Undefined()
			}
			d := newHash()
			d.Write([]byte(s))
			return rt.encode(d.Sum(nil), c.Argument(1))
		})
	}
	fns["hmac"] = rt.native(func(c goja.FunctionCall) goja.Value {
		alg := strings.ToLower(strings.ReplaceAll(c.Argument(0).String(), "-", ""))
		h, ok := hashes[alg]
		if !ok {
			panic(rt.vm.NewTypeError(fmt.Sprintf("不支持的算法 %q（unsupported algorithm %q: use md5, sha1, sha256 or sha512）", alg, alg)))
		}
		key, ok1 := rt.stringArg(c, 1)
		data, ok2 := rt.stringArg(c, 2)
		if !ok1 || !ok2 {
			return goja.Undefined()
		}
		m := hmac.New(h, []byte(key))
		m.Write([]byte(data))
		return rt.encode(m.Sum(nil), c.Argument(3))
	})
	fns["base64Encode"] = rt.native(func(c goja.FunctionCall) goja.Value {
		s, ok := rt.stringArg(c, 0)
		if !ok {
			return goja.Undefined()
		}
		return rt.vm.ToValue(base64.StdEncoding.EncodeToString([]byte(s)))
	})
	fns["base64Decode"] = rt.native(func(c goja.FunctionCall) goja.Value {
		s, ok := rt.stringArg(c, 0)
		if !ok {
			return goja.Undefined()
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			if b, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
				panic(rt.newError("base64 解码失败（invalid base64）: " + err.Error()))
			}
		}
		return rt.vm.ToValue(string(b))
	})
	fns["uuid"] = rt.native(func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(uuid4()) })
	fns["randomHex"] = rt.native(func(c goja.FunctionCall) goja.Value {
		n := c.Argument(0).ToInteger()
		if n <= 0 || n > MaxRandomHex {
			panic(rt.vm.NewTypeError(fmt.Sprintf("randomHex(n): n 必须在 1 到 %d 之间（n must be between 1 and %d）", MaxRandomHex, MaxRandomHex)))
		}
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return rt.vm.ToValue(hex.EncodeToString(b))
	})
	return rt.vm.Set("$crypto", rt.frozenObject(fns))
}

// encode is hex (the default) or base64.
func (rt *vmRuntime) encode(b []byte, enc goja.Value) goja.Value {
	if !goja.IsUndefined(enc) && strings.EqualFold(enc.String(), "base64") {
		return rt.vm.ToValue(base64.StdEncoding.EncodeToString(b))
	}
	return rt.vm.ToValue(hex.EncodeToString(b))
}

// uuid4 is a random RFC 9562 version 4 UUID.
func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
