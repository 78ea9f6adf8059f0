//go:build unix

package app_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestDocs runs every shell example of README.md and docs/*.md against a
// live server, from the starting state each document declares, and
// compares each answer with the output the document shows: a document can
// no longer drift from the product.
func TestDocs(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("the docs test needs bash")
	}
	for _, tool := range []string{"curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the docs test needs %s (scripts/test installs it)", tool)
		}
	}
	root := filepath.Join("..", "..")
	paths, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	paths = append([]string{filepath.Join(root, "README.md")}, paths...)
	docs := map[string]*docFile{}
	for _, p := range paths {
		d, err := readDoc(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		docs[filepath.ToSlash(rel)] = d
	}
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		d := docs[name]
		if d.start == "none" {
			if len(d.blocks) > 0 {
				t.Errorf("%s says it has nothing to run, but has %d shell blocks", name, len(d.blocks))
			}
			continue
		}
		t.Run(name, func(t *testing.T) {
			sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
				s := startServer(t, storeConfig(t, kind))
				dir := repoView(t, root)
				run := []*docFile{d}
				if d.start != "fresh" {
					// In the same shell, as a reader continues in the same terminal.
					first := docs[d.start]
					if first == nil {
						t.Fatalf("%s starts after %s, which is not a document here", name, d.start)
					}
					run = []*docFile{first, d}
				}
				runDocs(t, s, dir, run)
			})
		})
	}
}

// runDocs runs the docs' blocks in order in one bash session in dir and
// checks the shown outputs of the last one.
func runDocs(t *testing.T, s *server, dir string, docs []*docFile) {
	t.Helper()
	const sep = "\x1e--doctest--\x1e"
	var script strings.Builder
	script.WriteString("cd " + shellQuote(dir) + "\n")
	var blocks []docBlock
	for _, d := range docs {
		for _, b := range d.blocks {
			code := strings.NewReplacer("http://127.0.0.1:8090", s.URL, "your-engine-code", testCode, "your-engine-secret", testSecret).Replace(b.code)
			// What a reader sees is both streams: a block's output is both.
			script.WriteString("{\n" + code + "\n} 2>&1\nprintf '\\n" + sep + "\\n'\n")
			blocks = append(blocks, b)
		}
	}
	d := docs[len(docs)-1]
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	// An example that leaves a process behind must not hang the test: the
	// whole process group goes when the time is up, and the output is not
	// waited for beyond that.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(), "TRITIUM_URL="+s.URL, "TRITIUM_ENGINE_CODE="+testCode, "TRITIUM_ENGINE_SECRET="+testSecret,
		"PATH="+binDir(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.Output()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever an example left running
	if ctx.Err() != nil {
		t.Fatalf("%s: the examples did not finish in time", d.path)
	}
	parts := strings.Split(string(out), "\n"+sep+"\n")
	if len(parts) < len(blocks) {
		t.Fatalf("%s: %d of %d blocks ran (bash: %v); output:\n%s", d.path, len(parts)-1, len(blocks), err, out)
	}
	first := len(blocks) - len(d.blocks)
	for i, b := range d.blocks {
		if b.want != "" && !sameOutput(parts[first+i], b.want) {
			t.Errorf("%s:%d: the block's output differs from the one shown\n--- shown\n%s\n--- got\n%s", d.path, b.line, strings.TrimSpace(b.want), strings.TrimSpace(parts[first+i]))
		}
	}
}

// binDir holds a tritium binary built from this tree, for examples that
// run the command itself (built once per test binary).
func binDir(t *testing.T) string {
	tritiumBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "tritium-docs-bin")
		if err != nil {
			tritiumBin.err = err
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "tritium"), "./cmd/tritium")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			tritiumBin.err = fmt.Errorf("go build: %v: %s", err, out)
		}
		tritiumBin.dir = dir
	})
	if tritiumBin.err != nil {
		t.Fatal(tritiumBin.err)
	}
	return tritiumBin.dir
}

var tritiumBin struct {
	once sync.Once
	dir  string
	err  error
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// repoView is a fresh directory the examples run in, where the
// repository's code is visible (go run ./examples/…) but the files the
// examples write do not land in the repository.
func repoView(t *testing.T, root string) string {
	dir := t.TempDir()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"go.mod", "go.sum", "cmd", "internal", "examples"} {
		if err := os.Symlink(filepath.Join(abs, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
