package model

import (
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// FuzzFromTree: reading any input never panics and fails only with an
// *apperr.Error; a tree that validates survives Tree → FromTree unchanged,
// and BPMN → FromBPMN into a definition that validates and round-trips.
func FuzzFromTree(f *testing.F) {
	for _, src := range trees {
		f.Add([]byte(src))
	}
	f.Add(mustRead(f, "two-level-approval.tree.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := FromTree(data)
		if err != nil {
			if apperr.As(err) == nil {
				t.Fatalf("FromTree failed with a bare error: %v", err)
			}
			return
		}
		if d.Validate(testEnv) != nil {
			return
		}
		out, err := d.Tree()
		if err != nil {
			t.Fatalf("Tree of a valid definition read from a tree: %v", err)
		}
		again, err := FromTree(out)
		if err != nil {
			t.Fatalf("FromTree of Tree's output: %v\n%s", err, out)
		}
		wantEqual(t, again, d)
		checkBPMN(t, d)
	})
}

// FuzzFromBPMN: reading any input never panics and fails only with an
// *apperr.Error; a file that validates round-trips.
func FuzzFromBPMN(f *testing.F) {
	f.Add(mustRead(f, "two-level-approval.bpmn"))
	f.Add([]byte(foreign))
	for _, src := range trees {
		d, err := FromTree([]byte(src))
		if err != nil {
			f.Fatal(err)
		}
		b, err := d.BPMN()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := FromBPMN(data)
		if err != nil {
			if apperr.As(err) == nil {
				t.Fatalf("FromBPMN failed with a bare error: %v", err)
			}
			return
		}
		if d.Validate(testEnv) != nil {
			return
		}
		if _, err := d.BPMN(); apperr.Is(err, apperr.Invalid) {
			return // a node id taken by a boundary timer's
		}
		roundTrip(t, d)
	})
}

// checkBPMN: d's export imports into a valid definition that round-trips.
func checkBPMN(t *testing.T, d *Definition) {
	t.Helper()
	b, err := d.BPMN()
	if apperr.Is(err, apperr.Invalid) {
		return // a node id taken by a boundary timer's
	}
	if err != nil {
		t.Fatal(err)
	}
	back, err := FromBPMN(b)
	if err != nil {
		t.Fatalf("FromBPMN of BPMN(): %v\n%s", err, b)
	}
	if err := back.Validate(testEnv); err != nil {
		t.Fatalf("BPMN() made a valid definition invalid: %v\n%s", err, b)
	}
	roundTrip(t, back)
}
