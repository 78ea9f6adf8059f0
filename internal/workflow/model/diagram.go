package model

import (
	"bytes"
	"encoding/xml"
	"io"
	"sort"
	"strings"
)

// The diagram is kept as the modeler wrote it, byte for byte, rather than
// decoded and re-encoded: Go's XML encoder cannot keep namespace prefixes,
// and a modeler's layout (labels, waypoints, colours of other tools) is
// best preserved by not touching it. Only whole BPMNShape and BPMNEdge
// elements are dropped or have their bpmnElement reference renamed.

// extractDiagram returns the first bpmndi:BPMNDiagram element of a BPMN
// document, with the namespace declarations it uses copied onto it so that
// it stands alone; "" if there is none.
func extractDiagram(data []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var rootNS map[string]string
	for depth := 0; ; {
		off := dec.InputOffset()
		tok, err := dec.RawToken()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				rootNS = nsDecls(t.Attr)
			}
			if depth == 2 && t.Name.Local == "BPMNDiagram" && rootNS[t.Name.Space] == NSBPMNDI {
				if err := skipRaw(dec); err != nil {
					return "", err
				}
				return withNamespaces(string(data[off:dec.InputOffset()]), t.Name, rootNS)
			}
		case xml.EndElement:
			depth--
		}
	}
}

// skipRaw reads up to the end of the element whose start was just read.
func skipRaw(dec *xml.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.RawToken()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// nsDecls returns the prefixes declared by attrs ("" for the default
// namespace) and their URIs.
func nsDecls(attrs []xml.Attr) map[string]string {
	m := map[string]string{}
	for _, a := range attrs {
		switch {
		case a.Name.Space == "xmlns":
			m[a.Name.Local] = a.Value
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			m[""] = a.Value
		}
	}
	return m
}

// withNamespaces adds to frag's start tag (named name) a declaration for
// every prefix frag uses but does not declare itself, taken from rootNS.
func withNamespaces(frag string, name xml.Name, rootNS map[string]string) (string, error) {
	used, declared, err := prefixes(frag)
	if err != nil {
		return "", err
	}
	var decls []string
	for p := range used {
		uri, ok := rootNS[p]
		switch {
		case declared[p] || !ok || p == "xml":
		case p == "":
			decls = append(decls, ` xmlns="`+escapeAttr(uri)+`"`)
		default:
			decls = append(decls, ` xmlns:`+p+`="`+escapeAttr(uri)+`"`)
		}
	}
	sort.Strings(decls)
	at := len("<" + qname(name))
	return frag[:at] + strings.Join(decls, "") + frag[at:], nil
}

// prefixes returns the namespace prefixes frag's names use and those it
// declares.
func prefixes(frag string) (used, declared map[string]bool, err error) {
	used, declared = map[string]bool{}, map[string]bool{}
	dec := xml.NewDecoder(strings.NewReader(frag))
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return used, declared, nil
		}
		if err != nil {
			return nil, nil, err
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		used[t.Name.Space] = true
		for _, a := range t.Attr {
			if a.Name.Space != "" && a.Name.Space != "xmlns" {
				used[a.Name.Space] = true
			}
		}
		for p := range nsDecls(t.Attr) {
			declared[p] = true
		}
	}
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func escapeAttr(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a strings.Builder does not fail
	return b.String()
}

// fitDiagram adapts a stored diagram to the elements a BPMN document will
// have: shapes and edges of other elements are dropped, references in
// rename are renamed. It returns the diagram, the id of the element its
// plane draws, and whether every element in want has a shape or edge (if
// not, the diagram would hide part of the process and is not worth
// keeping).
func fitDiagram(diagram string, rename map[string]string, want map[string]bool) (out, plane string, complete bool) {
	dec := xml.NewDecoder(strings.NewReader(diagram))
	var b strings.Builder
	space := "" // whitespace before the next token, dropped with a dropped element
	drawn := map[string]bool{}
	for {
		off := dec.InputOffset()
		tok, err := dec.RawToken()
		if err != nil {
			break // io.EOF; the fragment was checked on import
		}
		raw := diagram[off:dec.InputOffset()]
		switch t := tok.(type) {
		case xml.CharData:
			if strings.TrimSpace(string(t)) == "" {
				b.WriteString(space)
				space = raw
				continue
			}
		case xml.StartElement:
			if t.Name.Local == "BPMNPlane" {
				plane = attrValue(t.Attr, "bpmnElement")
			}
			if t.Name.Local == "BPMNShape" || t.Name.Local == "BPMNEdge" {
				var ref string
				if raw, ref = drawing(dec, diagram, off, t, rename); !want[ref] {
					space = ""
					continue
				}
				drawn[ref] = true
			}
		}
		b.WriteString(space + raw)
		space = ""
	}
	b.WriteString(space)
	return b.String(), plane, len(drawn) == len(want)
}

// drawing reads the rest of a shape or edge that started at off and
// returns it, with its reference renamed, and the element it draws ("" if
// it cannot be read).
func drawing(dec *xml.Decoder, diagram string, off int64, t xml.StartElement, rename map[string]string) (raw, ref string) {
	if skipRaw(dec) != nil {
		return "", ""
	}
	raw, ref = diagram[off:dec.InputOffset()], attrValue(t.Attr, "bpmnElement")
	if to, ok := rename[ref]; ok {
		return renameRef(raw, ref, to), to
	}
	return raw, ref
}

func attrValue(attrs []xml.Attr, local string) string {
	for _, a := range attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// renameRef replaces the bpmnElement reference in one shape or edge.
func renameRef(raw, from, to string) string {
	for _, q := range []string{`"`, `'`} {
		old := `bpmnElement=` + q + from + q
		if strings.Contains(raw, old) {
			return strings.Replace(raw, old, `bpmnElement=`+q+to+q, 1)
		}
	}
	return raw
}

// drawable returns the ids a BPMN export of d draws: nodes, flows and
// the boundary timers of timeouts.
func drawable(d *Definition) map[string]bool {
	ids := map[string]bool{}
	for _, n := range d.Nodes {
		ids[n.ID] = true
		if t := n.Timeout; t != nil && t.After != "" {
			ids[timeoutID(n.ID)] = true
		}
		if t := n.Timeout; t != nil && t.RemindAfter != "" {
			ids[remindID(n.ID)] = true
		}
	}
	for _, f := range d.Flows {
		ids[f.ID] = true
	}
	return ids
}

// fitImported is the diagram FromBPMN keeps: drawing process, renamed
// and pruned for d, and complete; otherwise "".
func fitImported(diagram, process string, rename map[string]string, d *Definition) string {
	if diagram == "" {
		return ""
	}
	out, plane, complete := fitDiagram(diagram, rename, drawable(d))
	if !complete || plane != process {
		return ""
	}
	return out
}
