package secret

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	dir := t.TempDir()
	b, err := Load("", dir, false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Seal("corp-secret")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "corp-secret") {
		t.Fatalf("sealed value shows the plain text: %s", s)
	}
	again, err := Load("", dir, false) // the generated key is kept
	if err != nil {
		t.Fatal(err)
	}
	if p, err := again.Open(s); err != nil || p != "corp-secret" {
		t.Fatalf("open = %q, %v", p, err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	other, err := Load("MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=", "", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(s); err != ErrOpen {
		t.Fatalf("another key opened it: %v", err)
	}
	if _, err := Load("", "", true); err == nil || !strings.Contains(err.Error(), EnvKey) {
		t.Fatalf("shared without a key: %v", err)
	}
	if _, err := Load("short", "", true); err == nil {
		t.Fatal("a short key was accepted")
	}
}

func TestDerive(t *testing.T) {
	k := make([]byte, 32)
	a, _ := New(k)
	b, _ := New(k)
	k[0] = 1
	c, _ := New(k)
	if !bytes.Equal(a.Derive("preview"), b.Derive("preview")) {
		t.Fatal("the same key derives different keys")
	}
	if bytes.Equal(a.Derive("preview"), a.Derive("other")) || bytes.Equal(a.Derive("preview"), c.Derive("preview")) {
		t.Fatal("another purpose or key derives the same key")
	}
	if len(a.Derive("preview")) != 32 {
		t.Fatal("derived key is not 32 bytes")
	}
}
