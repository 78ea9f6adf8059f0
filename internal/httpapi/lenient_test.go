package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFlexValues(t *testing.T) {
	for in, want := range map[string]bool{`true`: true, `"true"`: true, `"TRUE"`: true, `1`: true, `"1"`: true,
		`false`: false, `"false"`: false, `0`: false, `null`: false, ``: false, `""`: false} {
		got, ok := parseFlexBool(json.RawMessage(in))
		if !ok || got != want {
			t.Errorf("parseFlexBool(%s) = %v %v", in, got, ok)
		}
	}
	if _, ok := parseFlexBool(json.RawMessage(`"maybe"`)); ok {
		t.Error(`parseFlexBool("maybe") accepted`)
	}
	for in, want := range map[string]int64{`5`: 5, `"5"`: 5, `" 7 "`: 7, `10.0`: 10} {
		got, set, ok := parseFlexInt(json.RawMessage(in))
		if !ok || !set || got != want {
			t.Errorf("parseFlexInt(%s) = %v %v %v", in, got, set, ok)
		}
	}
	for _, bad := range []string{`"x"`, `1.5`, `true`} {
		if _, _, ok := parseFlexInt(json.RawMessage(bad)); ok {
			t.Errorf("parseFlexInt(%s) accepted", bad)
		}
	}
	for in, want := range map[string]string{`"x"`: "x", `12`: "12", `null`: "", ``: "", `'y'`: "y"} {
		if got, err := flexStr(json.RawMessage(in), "K"); err != nil || got != want {
			t.Errorf("flexStr(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`{}`, `[1]`, `true`} {
		_, err := flexStr(json.RawMessage(bad), "K")
		if err == nil || !strings.Contains(err.Error(), "K must be a string") {
			t.Errorf("flexStr(%s): %v", bad, err)
		}
	}
}

func TestSortCollection(t *testing.T) {
	sorts, err := parseSortCollection(json.RawMessage(`"[{\"ItemName\":\"F1\",\"Direction\":\"Descending\"},{\"Field\":\"F2\",\"Direction\":\"asc\"},{\"ItemName\":\"F3\",\"Direction\":1}]"`))
	if err != nil || len(sorts) != 3 || !sorts[0].Desc || sorts[1].Field != "F2" || sorts[1].Desc || !sorts[2].Desc {
		t.Fatalf("%+v %v", sorts, err)
	}
	for _, in := range []string{`[]`, `"[]"`, `null`} {
		if s, err := parseSortCollection(json.RawMessage(in)); err != nil || len(s) != 0 {
			t.Errorf("%s: %v %v", in, s, err)
		}
	}
	if _, err := parseSortCollection(json.RawMessage(`[{"ItemName":"F1","Direction":"Sideways"}]`)); err == nil {
		t.Error("bad Direction accepted")
	}
}
