package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A document's examples, as the docs test runs them: every ```sh block in
// order, in one bash session, each compared with the ```json or ```text
// block that follows it (with only prose between) when there is one.
//
// A document declares where its examples start at its top:
//
//	<!-- doctest: fresh -->              a new, empty store
//	<!-- doctest: after README.md -->    the store README.md's examples leave
//	<!-- doctest: none -->               nothing to run
//
// and `<!-- doctest: skip -->` right before a block leaves that block (and
// its shown output) out: starting a server, or commands for another
// machine.
type docFile struct {
	path   string
	start  string // "fresh", "none" or a document to run first
	blocks []docBlock
}

type docBlock struct {
	line int    // where the block starts in the file
	code string // the shell commands
	want string // the shown output; "" when none is shown
	kind string // "json" or "text"
}

var (
	fenceRE   = regexp.MustCompile("^```([a-z]*)\\s*$")
	doctestRE = regexp.MustCompile(`^<!-- doctest: (.*?) -->\s*$`)
)

// readDoc parses a Markdown file into its runnable blocks.
func readDoc(path string) (*docFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := &docFile{path: path}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var (
		n       int
		inFence string // the info string of the open fence; "" outside
		indent  int    // the open fence's indentation (in a list item)
		body    strings.Builder
		start   int
		skip    bool // the next block is skipped
		skipOut bool // the output of a skipped block is skipped too
		pending *docBlock
	)
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line) // fences inside list items are indented
		if inFence == "" {
			if strings.HasPrefix(trimmed, "#") && pending != nil {
				// A shown output belongs to the section of its commands.
				d.blocks = append(d.blocks, *pending)
				pending = nil
			}
			if m := doctestRE.FindStringSubmatch(trimmed); m != nil {
				switch v := m[1]; {
				case v == "skip":
					skip = true
				case v == "fresh" || v == "none":
					d.start = v
				case strings.HasPrefix(v, "after "):
					d.start = strings.TrimPrefix(v, "after ")
				default:
					return nil, fmt.Errorf("%s:%d: unknown doctest directive %q", path, n, v)
				}
				continue
			}
			if m := fenceRE.FindStringSubmatch(trimmed); m != nil {
				inFence, start = m[1], n
				indent = len(line) - len(strings.TrimLeft(line, " "))
				if inFence == "" {
					inFence = "plain"
				}
				body.Reset()
			}
			continue
		}
		if trimmed != "```" {
			for i := 0; i < indent && strings.HasPrefix(line, " "); i++ {
				line = line[1:]
			}
			body.WriteString(line)
			body.WriteByte('\n')
			continue
		}
		text := body.String()
		switch kind := inFence; {
		case kind == "sh":
			if pending != nil {
				d.blocks = append(d.blocks, *pending)
			}
			pending = nil
			skipOut = skip
			if !skip {
				pending = &docBlock{line: start, code: text}
			}
			skip = false
		case (kind == "json" || kind == "text") && pending != nil && pending.want == "":
			pending.want, pending.kind = text, kind
		case (kind == "json" || kind == "text") && skipOut:
			skipOut = false
		default:
			if pending != nil {
				d.blocks = append(d.blocks, *pending)
				pending = nil
			}
			skipOut = false
		}
		inFence = ""
	}
	if pending != nil {
		d.blocks = append(d.blocks, *pending)
	}
	if d.start == "" {
		return nil, fmt.Errorf("%s: no <!-- doctest: … --> line says where its examples start", path)
	}
	return d, sc.Err()
}

// maskRE finds what differs from run to run: ids, file keys, times.
var maskRE = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<…>"},
	{regexp.MustCompile(`\b[0-9a-f]{32}\b`), "<…>"},
	{regexp.MustCompile(`\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?`), "<…>"},
	{regexp.MustCompile(`request id [0-9a-f]+-\d+`), "request id <…>"},
	{regexp.MustCompile(`(?m)^(X-Request-Id|Date): .*$`), "$1: <…>"},
	{regexp.MustCompile(`\b\d{15,}\b`), "<…>"}, // random numbers in names
	// A document may write a placeholder for such a value: "<张三's id>".
	{regexp.MustCompile(`<[^<>"\n]+>`), "<…>"},
}

func mask(s string) string {
	for _, m := range maskRE {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// jsonStream reads s as a sequence of JSON values, masked; ok is false when
// s is not only JSON.
func jsonStream(s string) ([]string, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var out []string
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return out, len(out) > 0
		}
		if err != nil {
			return nil, false
		}
		var buf bytes.Buffer // keys sorted: the order of keys is not compared
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		out = append(out, mask(strings.TrimSpace(buf.String())))
	}
}

// sameOutput compares what a block printed with what its document shows:
// as JSON values when the shown output is JSON, else line by line (each
// line as JSON when both are), ids and times masked.
func sameOutput(got, want string) bool {
	if w, ok := jsonStream(want); ok {
		g, ok := jsonStream(got)
		return ok && strings.Join(g, "\n") == strings.Join(w, "\n")
	}
	gl, wl := lines(got), lines(want)
	if len(gl) != len(wl) {
		return false
	}
	for i := range gl {
		g, gok := jsonStream(gl[i])
		w, wok := jsonStream(wl[i])
		if gok && wok {
			if strings.Join(g, "") != strings.Join(w, "") {
				return false
			}
		} else if mask(gl[i]) != mask(wl[i]) {
			return false
		}
	}
	return true
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestDocHarness: blocks pair with the output shown after them in their
// section, skips apply, and outputs compare with ids and times masked but
// nothing else.
func TestDocHarness(t *testing.T) {
	md := "# T\n\n<!-- doctest: fresh -->\n\n```sh\necho a\n```\n\nIt prints:\n\n```json\n{\"id\":\"<its id>\",\"n\":1}\n```\n\n" +
		"<!-- doctest: skip -->\n```sh\nserve\n```\n\n```text\nlog\n```\n\n```sh\necho b\n```\n\n## Next\n\n```json\n{\"not\":\"an output\"}\n```\n"
	path := filepath.Join(t.TempDir(), "t.md")
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := readDoc(path)
	if err != nil {
		t.Fatal(err)
	}
	if d.start != "fresh" || len(d.blocks) != 2 || d.blocks[0].code != "echo a\n" || d.blocks[0].kind != "json" || d.blocks[1].want != "" {
		t.Fatalf("parsed %+v", d)
	}
	for _, c := range []struct {
		got, want string
		same      bool
	}{
		{`{"n":1,"id":"01a2334e-a3fb-7012-b58a-4dbeb8974b85"}`, d.blocks[0].want, true},
		{`{"n":2,"id":"01a2334e-a3fb-7012-b58a-4dbeb8974b85"}`, d.blocks[0].want, false},
		{`{"n":1.0,"id":"x"}`, d.blocks[0].want, false},
		{"Etag: \"1\"\n", "Etag: \"1\"", true},
		{"Etag: \"2\"\n", "Etag: \"1\"", false},
		{`{"t":"2026-12-02T04:31:42+08:00"}`, `{"t":"2025-01-01T00:00:00Z"}`, true},
		{"\"version\":2\n{\"a\":1}", "\"version\":2\n{\"a\": 1}", true},
		{"one\n", "one\ntwo", false},
	} {
		if got := sameOutput(c.got, c.want); got != c.same {
			t.Errorf("sameOutput(%q, %q) = %v", c.got, c.want, got)
		}
	}
}
