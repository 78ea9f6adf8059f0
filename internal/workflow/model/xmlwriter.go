package model

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// xmlWriter writes indented XML with fixed prefixes. encoding/xml's
// encoder is not used because it cannot write prefixed names (it declares
// a default namespace on every element), which modelers read but people
// diffing a file do not enjoy.
type xmlWriter struct {
	b     bytes.Buffer
	depth int
}

// start writes <name attrs…> (or <name attrs…/> when empty); attrs are
// name, value pairs, and pairs with an empty value are left out.
func (w *xmlWriter) start(name string, empty bool, attrs ...string) {
	w.indent()
	w.b.WriteString("<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" {
			continue
		}
		w.b.WriteString(" " + attrs[i] + `="`)
		xml.EscapeText(&w.b, []byte(attrs[i+1])) //nolint:errcheck // a bytes.Buffer does not fail
		w.b.WriteString(`"`)
	}
	if empty {
		w.b.WriteString(" />\n")
		return
	}
	w.b.WriteString(">\n")
	w.depth++
}

func (w *xmlWriter) open(name string, attrs ...string)  { w.start(name, false, attrs...) }
func (w *xmlWriter) empty(name string, attrs ...string) { w.start(name, true, attrs...) }

func (w *xmlWriter) close(name string) {
	w.depth--
	w.indent()
	w.b.WriteString("</" + name + ">\n")
}

// text writes <name attrs…>body</name>.
func (w *xmlWriter) text(name, body string, attrs ...string) {
	w.start(name, false, attrs...)
	w.depth--
	w.b.Truncate(w.b.Len() - 1)        // the newline after the start tag
	xml.EscapeText(&w.b, []byte(body)) //nolint:errcheck // a bytes.Buffer does not fail
	w.b.WriteString("</" + name + ">\n")
}

// raw writes a preformatted element at the current depth.
func (w *xmlWriter) raw(s string) {
	w.indent()
	w.b.WriteString(strings.TrimSpace(s) + "\n")
}

func (w *xmlWriter) indent() { w.b.WriteString(strings.Repeat("  ", w.depth)) }
