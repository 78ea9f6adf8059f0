package lenientjson

import (
	"encoding/json"
	"testing"
)

func TestUnmarshal(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a":"x"}`, `{"a":"x"}`},
		{`{'a':'x'}`, `{"a":"x"}`},
		{`{'a':'it\'s "q"'}`, `{"a":"it's \"q\""}`},
		{`{"a":"don't","b":'y'}`, `{"a":"don't","b":"y"}`},
		{`{'a':'中文'}`, `{"a":"中文"}`},
	}
	for _, c := range cases {
		var v any
		if err := Unmarshal([]byte(c.in), &v); err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		got, _ := json.Marshal(v)
		if string(got) != c.want {
			t.Errorf("%s → %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{`{'a':'x}`, `{"a":1} {"b":2}`, `{"a":}`, ``} {
		var v any
		if err := Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}
